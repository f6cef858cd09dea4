/**
 * Who is asking, as a key that limits, caches and owned state are kept under: the principal when
 * there is one; else, for a stateless session (one session answering every client) reached over
 * HTTP, the client's address; else the session. So nothing one anonymous stateless client does
 * (spend a budget, fill a cache, own a task) reaches another.
 *
 * @since 0.2.0
 */
import type * as Net from "node:net"
import { lazy } from "../internal/lazy.ts"
import type { HttpRequestInfo } from "./Connection.ts"
import type { RequestContext } from "./RequestContext.ts"

// `node:net` taken when an address is first keyed (`process.getBuiltinModule`), not imported: Node
// makes an ES module of an imported built-in at link time, reading every export (`net`'s lazy
// `BlockList` and `SocketAddress` load two more modules), at every start of a server that imports
// this module, stdio servers included.
const net = lazy((): typeof Net => process.getBuiltinModule("node:net"))
const isIPv4 = (input: string): boolean => net().isIPv4(input)
const isIPv6 = (input: string): boolean => net().isIPv6(input)

/**
 * The key an address counts under: an IPv4 address (an IPv4-mapped IPv6 one included) as is, an
 * IPv6 address by its /64 prefix (a host is usually given a whole /64, so counting single
 * addresses would let it take as many budgets as it likes); anything else as is.
 *
 * @since 0.2.0
 */
export const addressKey = (address: string): string => {
  const bare = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(bare)
  if (mapped !== null && isIPv4(mapped[1]!)) return mapped[1]!
  if (isIPv4(bare)) return bare
  const unzoned = bare.split("%")[0]!
  if (!isIPv6(unzoned)) return address
  const [head = "", tail] = unzoned.split("::")
  const groups = (part: string | undefined) =>
    part === undefined || part === "" ? [] : part.split(":").flatMap((group) => group.includes(".") ? ["0", "0"] : [group])
  const front = groups(head)
  const back = groups(tail)
  const all = [...front, ...Array<string>(Math.max(0, 8 - front.length - back.length)).fill("0"), ...back]
  return `${all.slice(0, 4).map((group) => parseInt(group, 16).toString(16)).join(":")}::/64`
}

/** How a caller's address is read from its HTTP request (default: the connection's peer). */
export type ClientAddress = (http: HttpRequestInfo) => string | undefined

/** The default {@link ClientAddress}: the peer address of the connection. */
export const peerAddress: ClientAddress = (http) => http.remoteAddress

/**
 * The client address of a caller over HTTP ({@link addressKey} form), a principal or not, else
 * `undefined` (no HTTP, or no address).
 *
 * @since 0.2.0
 */
export const addressOf = (context: RequestContext, clientAddress: ClientAddress = peerAddress): string | undefined => {
  if (context.http === undefined) return undefined
  const raw = clientAddress(context.http)
  return raw === undefined || raw === "" ? undefined : addressKey(raw)
}

/**
 * The client address of an anonymous caller over HTTP ({@link addressKey} form), else `undefined`
 * (a principal, or no HTTP).
 *
 * @since 0.2.0
 */
export const anonymousAddressOf = (context: RequestContext, clientAddress: ClientAddress = peerAddress): string | undefined =>
  context.principal !== undefined ? undefined : addressOf(context, clientAddress)

/**
 * The requestor key of a request: `principal:<subject>`, else `address:<address>` for an
 * anonymous caller of a stateless session over HTTP, else `session:<id>` (a stateless caller
 * whose address is unknown shares the session's).
 *
 * @since 0.2.0
 */
export const keyOf = (context: RequestContext, clientAddress: ClientAddress = peerAddress): string => {
  if (context.principal !== undefined) return `principal:${context.principal.subject}`
  if (context.session.stateless) {
    const address = anonymousAddressOf(context, clientAddress)
    if (address !== undefined) return `address:${address}`
  }
  return `session:${context.sessionId}`
}
