/**
 * `internal/deadlines.ts`: deadlines of things in flight under one Node timer. Entries expire in
 * deadline order, once; removed ones never do; many entries arm one timer; a deadline past what a
 * Node timer can wait neither fires at once nor warns. Real timers, short deadlines.
 */
import { afterEach, assert, describe, it, vi } from "@effect/vitest"
import { type Deadlined, Deadlines } from "../../src/internal/deadlines.ts"

class Entry implements Deadlined {
  deadline = 0
  slot = -1
  readonly name: string
  constructor(name: string) {
    this.name = name
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits until `done()` holds, for at most `ms`. */
const until = async (done: () => boolean, ms: number) => {
  const end = Date.now() + ms
  while (!done() && Date.now() < end) await sleep(5)
}

describe("Deadlines", () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it("expires entries in deadline order, each once; removed entries never expire", async () => {
    const expired: Array<string> = []
    const deadlines = new Deadlines<Entry>((entry) => expired.push(entry.name))
    const entries = Array.from({ length: 8 }, (_, i) => new Entry(`e${i}`))
    // Added out of order: e7 first (latest), e0 last (earliest); all at one instant (the clock held:
    // on a loaded machine the loop could be paused between two adds longer than their 15 ms apart).
    const clock = vi.spyOn(performance, "now").mockReturnValue(performance.now())
    for (let i = entries.length - 1; i >= 0; i--) deadlines.add(entries[i]!, 20 + 15 * i)
    clock.mockRestore()
    deadlines.remove(entries[2]!)
    deadlines.remove(entries[5]!)
    deadlines.remove(entries[5]!) // twice: nothing
    assert.strictEqual(deadlines.size, 6)
    await until(() => expired.length === 6, 2_000)
    await sleep(30)
    assert.deepStrictEqual(expired, ["e0", "e1", "e3", "e4", "e6", "e7"])
    assert.strictEqual(deadlines.size, 0)
    assert.isTrue(entries.every((entry) => entry.slot === -1), "every entry left the heap")
  })

  it("arms one timer for many entries in flight, and one more when an earlier deadline comes", () => {
    const spy = vi.spyOn(globalThis, "setTimeout")
    const deadlines = new Deadlines<Entry>(() => {})
    const entries = Array.from({ length: 100 }, (_, i) => new Entry(`e${i}`))
    for (const entry of entries) deadlines.add(entry, 60_000)
    assert.strictEqual(spy.mock.calls.length, 1, "one timer for 100 entries with the same timeout")
    deadlines.add(new Entry("sooner"), 1_000)
    assert.strictEqual(spy.mock.calls.length, 2, "re-armed for the earlier deadline")
    // Entries come and go: no timer per entry.
    for (const entry of entries) deadlines.remove(entry)
    for (const entry of entries) deadlines.add(entry, 60_000)
    assert.strictEqual(spy.mock.calls.length, 2)
    deadlines.clear()
  })

  it("a deadline past the longest Node timer: armed within it, no warning, not expired at once", async () => {
    const spy = vi.spyOn(globalThis, "setTimeout")
    const warnings: Array<string> = []
    const onWarning = (warning: Error) => warnings.push(warning.name)
    process.on("warning", onWarning)
    const expired: Array<string> = []
    const deadlines = new Deadlines<Entry>((entry) => expired.push(entry.name))
    deadlines.add(new Entry("far"), 2 ** 32)
    await sleep(50)
    process.off("warning", onWarning)
    deadlines.clear()
    assert.deepStrictEqual(expired, [])
    assert.deepStrictEqual(warnings, [])
    assert.strictEqual(spy.mock.calls[0]?.[1], 2_147_483_647)
  })

  it("clear stops the timer; an entry added later arms it again", async () => {
    const expired: Array<string> = []
    const deadlines = new Deadlines<Entry>((entry) => expired.push(entry.name))
    deadlines.add(new Entry("cleared"), 10)
    deadlines.clear()
    await sleep(40)
    assert.deepStrictEqual(expired, [])
    deadlines.add(new Entry("later"), 10)
    await until(() => expired.length === 2, 2_000)
    // The cleared entry was still in the heap and is due too: both expire with the new timer.
    assert.deepStrictEqual(expired.sort(), ["cleared", "later"])
  })
})
