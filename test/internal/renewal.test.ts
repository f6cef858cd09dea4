/**
 * Long-lived Maps and Sets are copied every `period` deletions, or as many as they have entries
 * when they are larger (`internal/renewal.ts`): the copy
 * holds the same entries in the same order, the original is left as it was, and in between the
 * collection is the same object. `emptyMap.shrink` gives an empty map back and copies a busy one.
 */
import { assert, describe, it } from "@effect/vitest"
import { emptyMap, shrink, writable } from "../../src/internal/emptyMap.ts"
import { period, Renewal, renewMap, renewSet } from "../../src/internal/renewal.ts"

describe("renewal", () => {
  it("is due once every period deletions", () => {
    const renewal = new Renewal()
    const due: Array<number> = []
    for (let i = 1; i <= 3 * period; i++) if (renewal.due(10)) due.push(i)
    assert.deepStrictEqual(due, [period, 2 * period, 3 * period])
  })

  it("a collection larger than the period is copied after as many deletions as it has entries (a copy's cost paid by as many deletions)", () => {
    // 100,000 entries deleted one by one (running tasks ending): every 257 deletions was 389
    // copies, 19 million entries copied in all.
    const size = 100_000
    let map = new Map<number, number>(Array.from({ length: size }, (_, i) => [i, i]))
    const renewal = new Renewal()
    let copies = 0
    let copied = 0
    for (let i = 0; i < size; i++) {
      map.delete(i)
      const next = renewMap(map, renewal)
      if (next !== map) {
        copies++
        copied += next.size
      }
      map = next
    }
    assert.strictEqual(map.size, 0)
    assert.isAtMost(copied, size, "no more entries copied than deleted")
    assert.isAtMost(copies, 20)
    assert.isAtLeast(copies, 2, "a large collection is still renewed")
  })

  it("copies a Map and a Set when due, with their entries in order; the same object otherwise", () => {
    const renewal = new Renewal()
    let map = new Map<number, string>()
    let set = new Set<number>()
    const setRenewal = new Renewal()
    const maps = new Set<Map<number, string>>([map])
    const sets = new Set<Set<number>>([set])
    // Entries come and go, 10 at a time in flight, as requests do.
    for (let i = 0; i < 10; i++) {
      map.set(i, `v${i}`)
      set.add(i)
    }
    for (let i = 10; i < 10 + 2 * period; i++) {
      map.delete(i - 10)
      map = renewMap(map, renewal)
      maps.add(map)
      map.set(i, `v${i}`)
      set.delete(i - 10)
      set = renewSet(set, setRenewal)
      sets.add(set)
      set.add(i)
    }
    assert.strictEqual(maps.size, 3, "two copies in 2 × period deletions")
    assert.strictEqual(sets.size, 3)
    const last = 10 + 2 * period
    assert.deepStrictEqual([...map.keys()], Array.from({ length: 10 }, (_, k) => last - 10 + k))
    assert.deepStrictEqual([...map.values()], Array.from({ length: 10 }, (_, k) => `v${last - 10 + k}`))
    assert.deepStrictEqual([...set], Array.from({ length: 10 }, (_, k) => last - 10 + k))
  })

  it("emptyMap.shrink gives an empty map back, and copies a busy one within a period of deletions", () => {
    const map = writable(emptyMap as Map<number, number>)
    assert.notStrictEqual(map, emptyMap)
    map.set(1, 1)
    map.delete(1)
    assert.strictEqual(shrink(map), emptyMap)

    const busy = new BusyMap()
    const first = busy.map
    for (let i = 1; i <= period; i++) busy.step(i)
    assert.strictEqual(busy.copies, 1, "a busy map is copied once per period of deletions")
    assert.notStrictEqual(busy.map, first)
    assert.deepStrictEqual([...busy.map.entries()], [[period, period]])
  })

  it("emptyMap.shrink copies a large busy map too, beside a small one (their count is shared: the period, whatever the size)", () => {
    const large = new BusyMap(500)
    const small = new BusyMap()
    for (let i = 1; i <= 20 * period; i++) {
      large.step(i)
      small.step(i)
    }
    assert.isAtLeast(large.copies, 5, "the large map is copied")
    assert.isAtLeast(small.copies, 5, "the small map is copied")
    assert.strictEqual(large.copies + small.copies, 40)
  })

  it("emptyMap.shrink copies each of two busy maps deleted from in turn (one request: its pending entry, then its running one)", () => {
    const a = new BusyMap()
    const b = new BusyMap()
    for (let i = 1; i <= 4 * period; i++) {
      a.step(i)
      b.step(i)
    }
    assert.isAtLeast(a.copies, 1, "the first map is copied")
    assert.isAtLeast(b.copies, 1, "the second map is copied")
    assert.strictEqual(a.copies + b.copies, 8)
  })
})

/** A map given back with `shrink` that always holds `size` entries: each step adds the next, deletes the oldest. */
class BusyMap {
  map = writable(emptyMap as Map<number, number>)
  copies = 0
  readonly size: number
  constructor(size = 1) {
    this.size = size
    for (let i = 1 - size; i <= 0; i++) this.map.set(i, i)
  }
  step(i: number): void {
    this.map.set(i, i)
    this.map.delete(i - this.size)
    const next = shrink(this.map)
    if (next !== this.map) this.copies++
    this.map = next
  }
}
