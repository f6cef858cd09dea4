/**
 * Whether a middleware's `onRequest` is a given function: the one a policy it carries under a
 * symbol belongs to (`Retry`'s `taskWorkRetryKey`, `SizeLimit`'s `taskExitMappingKey`), or that
 * function as `Middleware.provide` rebinds it. A symbol survives a spread (`{ ...m, onRequest }`),
 * so a wrapper that narrows (or replaces) the `onRequest` of a `Retry` still carried its policy, and
 * a task taken over from a replica that stopped ran under the whole policy, where the call that
 * made it ran under the wrapper's. The policy is trusted only where the hook that applies it to a
 * request is the middleware's own.
 *
 * @internal
 */

/** The function each hook that `Middleware.provide` made runs (the original, through any rebinding). */
const originals = new WeakMap<object, object>()

/** Notes that `bound` runs `hook` (`Middleware.provide`, once per middleware provided). */
export const rebound = (bound: object, hook: object): void => {
  originals.set(bound, originals.get(hook) ?? hook)
}

/** Whether the `onRequest` of `middleware` is `own`, or `own` rebound by `Middleware.provide`. */
export const runsOwnOnRequest = (middleware: object, own: object): boolean => {
  const hook = (middleware as { readonly onRequest?: object }).onRequest
  return hook !== undefined && (hook === own || originals.get(hook) === own)
}
