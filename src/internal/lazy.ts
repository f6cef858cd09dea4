/**
 * Values made on first use: what keeps a server's start from building schemas it may never need.
 *
 * @internal
 */

/**
 * A memoized builder: `build` runs on the first call; every call returns its value. Marked free
 * of side effects, so a bundler drops a builder nobody calls.
 */
/* @__NO_SIDE_EFFECTS__ */
export const lazy = <A>(build: () => A): () => A => {
  let value: A | undefined
  return () => value ??= build()
}
