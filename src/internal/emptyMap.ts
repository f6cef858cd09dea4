/**
 * Maps allocated on first use and given back when empty: what keeps an idle session small.
 *
 * A field holds the shared {@link emptyMap} while it has nothing; {@link writable} swaps in a
 * fresh Map before the first `set`, {@link shrink} swaps the shared one back once it is empty.
 * Reading, `delete` and `clear` work on the shared map as on any empty one.
 *
 * @internal
 */

/** The value of every lazily allocated map while it is empty: never written to. */
export const emptyMap: Map<any, any> = new Map()

/** `map`, or a fresh Map in place of the shared empty one: call before `set`. */
export const writable = <K, V>(map: Map<K, V>): Map<K, V> => map === emptyMap ? new Map() : map

/** `map`, or the shared empty one once `map` is empty: call after `delete`. */
export const shrink = <K, V>(map: Map<K, V>): Map<K, V> => map.size === 0 ? emptyMap : map
