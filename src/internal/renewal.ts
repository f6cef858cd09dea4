/**
 * Long-lived Maps and Sets whose entries come and go under load (requests in flight, running
 * tasks) are replaced by a copy every {@link period} deletions.
 *
 * Why: V8 rehashes a Map or Set into a new table as entries come and go, even at a steady size
 * (deleted entries fill its table until it is rehashed). The table it leaves keeps its entries
 * and a link to the new one, for iterators. Once such a table is in the old generation (the
 * collection lived through two scavenges, or a full collection moved it there), every table after
 * it, and all that their entries reference (whole requests), survives every scavenge until the
 * next full collection, and is copied and promoted on the way. A copy starts a new chain in the
 * young generation, where an abandoned table dies.
 *
 * Measured with `node --trace-gc-nvp` (medians per scavenge):
 * - one Map kept for a whole run, 16 entries in flight of about 2 KB each, 3 million replaced:
 *   20.2 MB survived, 20.4 ms pauses, 9.9 s in all; copied every 256 deletions: 0.22 MB, 0.9 ms,
 *   2.0 s;
 * - a replica (`examples/replica-server.ts`, tasks in memory) creating tasks with 64 in flight,
 *   three runs each, alternating: 1.49–1.54 MB survived, 1.07–1.10 MB promoted, 2.8–3.6 ms
 *   pauses before its supervisor's maps were copied; 0.52–0.56 MB, 0.08–0.15 MB, 1.2–1.4 ms after.
 *
 * @internal
 */

/** How many deletions a collection takes before it is copied. */
export const period = 256

/** Counts the deletions from one collection (or from several, in turn: see `emptyMap.shrink`). */
export class Renewal {
  private deletions = 0
  /** Call after a deletion: whether the collection is due for a copy now. */
  due(): boolean {
    if (++this.deletions < period) return false
    this.deletions = 0
    return true
  }
}

/** `map`, or a copy of it when `renewal` says it is due (call after a deletion). */
export const renewMap = <K, V>(map: Map<K, V>, renewal: Renewal): Map<K, V> => renewal.due() ? new Map(map) : map

/** `set`, or a copy of it when `renewal` says it is due (call after a deletion). */
export const renewSet = <A>(set: Set<A>, renewal: Renewal): Set<A> => renewal.due() ? new Set(set) : set
