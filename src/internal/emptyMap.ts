/**
 * Maps allocated on first use and given back when empty: what keeps an idle session small.
 *
 * A field holds the shared {@link emptyMap} while it has nothing; {@link writable} swaps in a
 * fresh Map before the first `set`, {@link shrink} swaps the shared one back once it is empty.
 * Reading, `delete` and `clear` work on the shared map as on any empty one.
 *
 * Give a busy map back too, even one that empties after nearly every request. The Map made next
 * is young, and the garbage collector pays for that less than for a Map kept for the life of a
 * busy session. Measured: the shared stateless HTTP session keeping its pending and running maps
 * (one Map fewer per request, 184 B less allocation) made a replica's scavenges survive 10.9–11.1
 * MB instead of 0.9–1.2 MB, with 14–16 ms pauses instead of 2 ms (tool calls that wait 2 ms, 64
 * in flight, `--trace-gc-nvp`, alternating); it was reverted.
 *
 * @internal
 */
import { Renewal } from "./renewal.ts"

/** The value of every lazily allocated map while it is empty: never written to. */
export const emptyMap: Map<any, any> = new Map()

/** `map`, or a fresh Map in place of the shared empty one: call before `set`. */
export const writable = <K, V>(map: Map<K, V>): Map<K, V> => map === emptyMap ? new Map() : map

/** The deletions of every map given back here, counted together (no field per session for it). */
const renewal = new Renewal()

/**
 * `map`, or the shared empty one once `map` is empty: call after `delete`. A busy map that does
 * not empty (a session under steady load) is replaced by a copy now and then (`renewal.ts`: a
 * Map kept for long makes scavenges keep whole requests); the maps given back here share one
 * count of deletions, so a busy one is copied about every 257 of all their deletions (see
 * `renewal.period`), whatever its size. (A size-aware count, as private ones have, would almost
 * never copy a large map here: a small one reaching the period first resets the shared count.
 * These maps are bounded by a session's limits, a few hundred entries.)
 */
export const shrink = <K, V>(map: Map<K, V>): Map<K, V> =>
  map.size === 0 ? emptyMap : renewal.due(0) ? new Map(map) : map
