/**
 * The in-memory `SessionStore`: what it keeps of a session, and what each request costs it.
 * `touch` runs on every POST of a session; it made a new record each time (`{ ...record,
 * lastActivity }`), garbage at once. It now stamps the session's own record in place, while a
 * `SessionRecord` that `get` handed out stays as it was (a copy).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { getHeapSpaceStatistics } from "node:v8"
import { SessionStore } from "../../src/index.ts"

/** Bytes of V8's young generation in use (what the next scavenge collects, and what was allocated since the last). */
const youngBytes = (): number => getHeapSpaceStatistics().find((space) => space.space_name === "new_space")!.space_used_size

/**
 * Bytes allocated per run of `make(i)`'s effect, `calls` runs at a time: the median of 31 such
 * samples, those a scavenge cut (no growth) left out. Deterministic for the same code once V8 has
 * compiled it: the caller measures a few times and reads the last.
 */
const bytesPerRun = (make: (i: number) => Effect.Effect<unknown>, calls = 200): number => {
  const samples: Array<number> = []
  for (let round = 0; round < 31; round++) {
    const before = youngBytes()
    for (let i = 0; i < calls; i++) Effect.runSync(make(i))
    const grown = youngBytes() - before
    if (grown > 0) samples.push(grown / calls)
  }
  samples.sort((a, b) => a - b)
  return samples[samples.length >> 1]!
}

describe("SessionStore.makeMemory", () => {
  // Fails before: touch allocated a record per call, 48 B more than `remove` (an effect and closure
  // of the same shape, one captured value fewer: 8 B), 56 B in all.
  it("touch allocates no record: it costs what an effect of its shape costs (remove's), a captured value aside", () => {
    const store = SessionStore.makeMemory()
    Effect.runSync(store.create("s", 1))
    let touch = Infinity
    let remove = Infinity
    // Warmed up: the first round measures V8 compiling as well. Then the least of 5 rounds each: a
    // round V8 spent recompiling in (a CI run: 56 B over remove's once, after passing in every
    // other) is not the code's cost; a record allocated per touch is in every round.
    for (let attempt = 0; attempt < 6; attempt++) {
      const touched = bytesPerRun((i) => store.touch("s", 2 + i))
      const removed = bytesPerRun(() => store.remove("not-there"))
      if (attempt === 0) continue
      touch = Math.min(touch, touched)
      remove = Math.min(remove, removed)
    }
    assert.isAtMost(touch - remove, 24, `touch ${touch} B per call, remove ${remove} B`)
    assert.isTrue(Effect.runSync(store.touch("s", 5_000)))
    assert.strictEqual(Effect.runSync(store.get("s"))?.lastActivity, 5_000)
  })

  it("a record get handed out is a copy: a later touch changes the store's, not it", () => {
    const store = SessionStore.makeMemory()
    assert.isTrue(Effect.runSync(store.create("s", 10)))
    const first = Effect.runSync(store.get("s"))
    assert.deepStrictEqual(first, { id: "s", createdAt: 10, lastActivity: 10 })
    assert.isTrue(Effect.runSync(store.touch("s", 20)))
    assert.deepStrictEqual(first, { id: "s", createdAt: 10, lastActivity: 10 })
    assert.deepStrictEqual(Effect.runSync(store.get("s")), { id: "s", createdAt: 10, lastActivity: 20 })
    assert.isFalse(Effect.runSync(store.touch("other", 20)))
    assert.isUndefined(Effect.runSync(store.get("other")))
  })

  it("idle: the ids unused since now - idleMillis, by their last touch", () => {
    const store = SessionStore.makeMemory({ maxSessions: 3 })
    for (const id of ["a", "b", "c"]) assert.isTrue(Effect.runSync(store.create(id, 0)))
    assert.isFalse(Effect.runSync(store.create("d", 0)))
    Effect.runSync(store.touch("b", 90))
    assert.deepStrictEqual([...Effect.runSync(store.idle(100, 50))].sort(), ["a", "c"])
    Effect.runSync(store.remove("a"))
    assert.deepStrictEqual(Effect.runSync(store.idle(100, 50)), ["c"])
    assert.strictEqual(Effect.runSync(store.size), 2)
  })
})
