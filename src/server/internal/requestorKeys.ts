/**
 * Requestor keys (task owners) made once per requestor.
 *
 * @internal
 */
import type { RequestContext } from "../../session/RequestContext.ts"
import type { ClientAddress } from "../../session/Requestor.ts"

/**
 * `keyOf`, made once per principal or per stateful session (the key is theirs, the same for all
 * their requests), else per request: a key made per request is a new string, hashed again by
 * every store lookup and kept by every task (measured: 3 % of the CPU of creating tasks).
 */
export const perRequestor = (
  keyOf: (context: RequestContext, clientAddress?: ClientAddress) => string
): (context: RequestContext, clientAddress?: ClientAddress) => string => {
  const keys = new WeakMap<object, string>()
  return (context, clientAddress) => {
    const requestor = context.principal ?? (context.session.stateless ? undefined : context.session)
    if (requestor === undefined) return keyOf(context, clientAddress)
    let key = keys.get(requestor)
    if (key === undefined) keys.set(requestor, key = keyOf(context, clientAddress))
    return key
  }
}
