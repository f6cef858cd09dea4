/**
 * The orders the Streamable HTTP endpoint chooses a session to end by (`internal/lastUse.ts`): a
 * principal's sessions by last use, kept in order lazily (a use only writes the session's stamp),
 * and the principals by how many sessions they hold. Checked against a plain look through every
 * entry, on random uses, additions and removals (seeded, bounded).
 */
import { assert, describe, it } from "@effect/vitest"
import { Holder, Holders, LastUse } from "../../src/transport/http/internal/lastUse.ts"

interface Entry {
  lastUsed: number
  gone: boolean
}

/** A small seeded generator (mulberry32): the same cases every run. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

describe("LastUse", () => {
  it("least() is the entry used least recently, however the stamps moved since the entries were added", () => {
    const next = random(7)
    const order = new LastUse<Entry>()
    const live: Array<Entry> = []
    let uses = 0
    for (let step = 0; step < 20_000; step++) {
      const roll = next()
      if (roll < 0.3 || live.length === 0) {
        const entry = { lastUsed: ++uses, gone: false }
        live.push(entry)
        order.add(entry)
      } else if (roll < 0.8) {
        // A use: the stamp only, as `Endpoint.used` writes it.
        live[Math.floor(next() * live.length)]!.lastUsed = ++uses
      } else {
        // The least recently used taken out (as a session ended to make room), or one ended anywhere.
        if (next() < 0.5) {
          const least = order.least()!
          let expected = live[0]!
          for (const entry of live) if (entry.lastUsed < expected.lastUsed) expected = entry
          assert.strictEqual(least, expected, `step ${step}`)
          order.removeLeast()
          live.splice(live.indexOf(least), 1)
        } else {
          const ended = live.splice(Math.floor(next() * live.length), 1)[0]!
          ended.gone = true
          if (order.size > 2 * live.length + 32) order.compact((entry) => !entry.gone)
        }
      }
      // Ended entries met at the top go, as the endpoint drops them.
      for (let top = order.least(); top?.gone === true; top = order.least()) order.removeLeast()
    }
    const drained: Array<number> = []
    for (let top = order.least(); top !== undefined; top = order.least()) {
      if (!top.gone) drained.push(top.lastUsed)
      order.removeLeast()
    }
    assert.deepStrictEqual(drained, live.map((entry) => entry.lastUsed).sort((a, b) => a - b))
  })

  it("reorder() puts the entries in order again after their stamps were lowered (renumbered)", () => {
    const order = new LastUse<Entry>()
    const entries = [5, 3, 9, 1, 7].map((lastUsed) => ({ lastUsed, gone: false }))
    for (const entry of entries) order.add(entry)
    // Renumbered in their order, and then the one first used least recently used once more.
    const sorted = [...entries].sort((a, b) => a.lastUsed - b.lastUsed)
    for (let i = 0; i < sorted.length; i++) sorted[i]!.lastUsed = i + 1
    sorted[0]!.lastUsed = 6
    order.reorder()
    const seen: Array<number> = []
    for (let top = order.least(); top !== undefined; top = order.least()) {
      seen.push(top.lastUsed)
      order.removeLeast()
    }
    assert.deepStrictEqual(seen, [2, 3, 4, 5, 6])
  })
})

describe("Holders", () => {
  it("most is the holder holding the most, as counts go up and down", () => {
    const next = random(11)
    const holders = new Holders<Entry>()
    const all = Array.from({ length: 40 }, (_, i) => new Holder<Entry>(`h${i}`))
    for (let step = 0; step < 5_000; step++) {
      const holder = all[Math.floor(next() * all.length)]!
      if (next() < 0.55) holder.count++
      else if (holder.count > 0) holder.count--
      if (holder.count === 0) holders.remove(holder)
      else holders.changed(holder)
      const most = holders.most
      const expected = Math.max(0, ...all.map((h) => h.count))
      assert.strictEqual(most?.count ?? 0, expected, `step ${step}`)
    }
  })
})

describe("Holders: set aside", () => {
  it("a holder set aside is out of the order, whatever its count does, until restored; one dropped meanwhile is not restored", () => {
    const holders = new Holders<Entry>()
    const [big, mid, small, dropped] = [5, 4, 2, 3].map((count, i) => {
      const holder = new Holder<Entry>(`h${i}`)
      holder.count = count
      holders.changed(holder)
      return holder
    }) as [Holder<Entry>, Holder<Entry>, Holder<Entry>, Holder<Entry>]
    assert.strictEqual(holders.most, big)
    for (const holder of [big, dropped]) {
      holders.remove(holder)
      holders.setAside(holder)
    }
    assert.strictEqual(holders.most, mid)
    // Its count grows while it is set aside: still out of the order.
    big.count = 9
    holders.changed(big)
    assert.strictEqual(holders.most, mid)
    // Its last session ended meanwhile: dropped for good.
    dropped.count = 0
    holders.remove(dropped)
    assert.isTrue(holders.restoreAside())
    assert.isFalse(holders.restoreAside())
    const seen: Array<Holder<Entry>> = []
    for (let most = holders.most; most !== undefined; most = holders.most) {
      seen.push(most)
      holders.remove(most)
    }
    assert.deepStrictEqual(seen, [big, mid, small])
  })
})
