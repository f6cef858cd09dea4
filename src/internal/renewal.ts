/**
 * Long-lived Maps and Sets whose entries come and go under load (requests in flight, running
 * tasks) are replaced by a copy every {@link period} deletions, or, for one larger than that with
 * a count of its own, every as many deletions as it has entries (see {@link Renewal}).
 *
 * Why: V8 rehashes a Map or Set into a new table as entries come and go, even at a steady size
 * (deleted entries fill its table until it is rehashed), and the table it leaves keeps the entries
 * it had and a link to the new one (for iterators). Once one of its tables is in the old generation
 * (it lived through two scavenges, or a full collection moved it there), that table, left behind,
 * is old garbage that still points at its entries and at the next table; a scavenge keeps whatever
 * an old object points at, so the next table and its entries survive and are promoted in turn, and
 * so on: whole requests survive every scavenge until the next full collection. A copy starts over
 * with a young table that nothing old points at.
 *
 * Measured with `node --trace-gc-nvp` (medians per scavenge):
 * - one Map kept for a whole run, 16 entries in flight of about 2 KB each, 3 million replaced:
 *   20.2 MB survived, 20.4 ms pauses, 9.9 s in all; copied every 256 deletions: 0.22 MB, 0.9 ms,
 *   2.0 s;
 * - a replica (`examples/replica-server.ts`, tasks in memory) creating tasks with 64 in flight,
 *   runs alternating: before its supervisor's maps were copied, 0.53–1.54 MB survived and
 *   0.08–1.10 MB promoted (10 runs, pauses 1.3–3.6 ms); after, 0.48–0.61 MB and 0.08–0.15 MB in
 *   15 runs of 17 (1.1–1.5 ms), but 8.7 MB in 2 (9–11 ms pauses): likely V8 pretenuring Effect's
 *   fiber stack arrays (the README's "Garbage collection under load", where a 7.6–8.9 MB regime
 *   was traced to them on Redis reads; these runs were not probed);
 * - the Streamable HTTP endpoint in process (`WebHandler`), a tool that waits 1 ms, 16 in flight,
 *   after a full collection: 6.2–6.5 MB promoted per scavenge in one pass of two when the maps a
 *   session gives back were copied every 256 deletions (their shared count always landed on the
 *   same map, see {@link period}), 1.6–1.8 MB in both with 257.
 *
 * @internal
 */

/**
 * How many deletions a collection takes before it is copied, at least. A prime: the maps
 * `emptyMap.shrink` gives back share one count, and a request deletes from them in a fixed order,
 * so with a period that is a multiple of the deletions per request (256, two per request) the
 * count always ends on the same map and the other is never copied.
 */
export const period = 257

/**
 * Counts the deletions from one collection (or from several, in turn: see `emptyMap.shrink`).
 *
 * A collection larger than {@link period} is copied only after as many deletions as it has
 * entries: a copy costs its size, so every deletion pays for at most one entry copied. Copied
 * every 257 deletions whatever its size, a Map of 100,000 running tasks cost 389 copies of up to
 * 100,000 entries while they ended, 8.9 s of CPU in all (`bench/tasks.ts`, whose 100,000 tasks all
 * expired meanwhile). The measurements above were made with the plain period; that a large
 * collection copied this seldom keeps their benefit is not measured (it is copied at all, and the
 * copies no longer cost more than the deletions). A count shared by several collections
 * (`emptyMap.shrink`) passes 0 as the size: with sizes, a small collection reaching the period
 * first would reset the count before a large one ever reached its own.
 */
export class Renewal {
  private deletions = 0
  /** Call after a deletion from a collection of `size` entries: whether it is due for a copy now. */
  due(size: number): boolean {
    if (++this.deletions < (size > period ? size : period)) return false
    this.deletions = 0
    return true
  }
}

/** `map`, or a copy of it when `renewal` says it is due (call after a deletion). */
export const renewMap = <K, V>(map: Map<K, V>, renewal: Renewal): Map<K, V> => renewal.due(map.size) ? new Map(map) : map

/** `set`, or a copy of it when `renewal` says it is due (call after a deletion). */
export const renewSet = <A>(set: Set<A>, renewal: Renewal): Set<A> => renewal.due(set.size) ? new Set(set) : set
