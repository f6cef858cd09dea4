/**
 * The client's address behind reverse proxies of one's own (`Options.trustedProxies`): a request
 * that comes from a trusted proxy is taken to come from the address its `X-Forwarded-For` names
 * (nginx's `$proxy_add_x_forwarded_for`), so that what counts clients by their address (the
 * `RateLimit` middleware, `maxSessionsPerAddress`, `maxListenStreamsPerAddress`, the task quota
 * of anonymous stateless callers, telemetry's `client.address`) counts them, not the proxy.
 * Kept free of the HTTP stack (the request's headers are read as the endpoint reads them,
 * `headersOf`, given): `checkOptions` reads {@link trustedProxiesProblem} before anything serves.
 *
 * @internal
 */
import type { HttpServerRequest } from "effect/http"
import * as Option from "effect/Option"
import { BlockList, isIP } from "node:net"
import { clip } from "../../../internal/clip.ts"

/** An address as the list compares it: an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) as its IPv4 address. */
const unmapped = (address: string): string =>
  address.length > 7 && address.slice(0, 7).toLowerCase() === "::ffff:" && isIP(address.slice(7)) === 4 ? address.slice(7) : address

/** An entry: an address (`10.0.0.1`, `::1`) or a network (`10.0.0.0/8`, `fd00::/8`); `undefined` when it is neither. */
const parse = (entry: string): { readonly address: string; readonly prefix: number | undefined; readonly family: 4 | 6 } | undefined => {
  const slash = entry.indexOf("/")
  const address = unmapped(slash === -1 ? entry.trim() : entry.slice(0, slash).trim())
  const family = isIP(address)
  if (family === 0) return undefined
  if (slash === -1) return { address, prefix: undefined, family: family as 4 | 6 }
  const bits = entry.slice(slash + 1).trim()
  const prefix = /^\d{1,3}$/.test(bits) ? Number(bits) : Number.NaN
  return prefix <= (family === 4 ? 32 : 128) ? { address, prefix, family: family as 4 | 6 } : undefined
}

/**
 * Why the `trustedProxies` option can be no list of proxies, said after its name, or `undefined`
 * when it can: each entry an IP address or a network in CIDR notation.
 */
export const trustedProxiesProblem = (value: unknown): string | undefined => {
  if (value === undefined) return undefined
  if (!Array.isArray(value)) return "must be a list of addresses or networks (10.0.0.1, 10.0.0.0/8)"
  for (const entry of value as ReadonlyArray<unknown>) {
    if (typeof entry !== "string" || parse(entry) === undefined) {
      return `lists ${typeof entry === "string" ? JSON.stringify(clip(entry)) : typeof entry}, which is no IP address or network (10.0.0.1, 10.0.0.0/8, ::1)`
    }
  }
  return undefined
}

/** The trusted proxies as one list (checked where the endpoint was made: an entry that is none is skipped). */
const blockListOf = (entries: ReadonlyArray<string>): BlockList => {
  const list = new BlockList()
  for (const entry of entries) {
    const parsed = parse(entry)
    if (parsed === undefined) continue
    const type = parsed.family === 4 ? "ipv4" : "ipv6"
    if (parsed.prefix === undefined) list.addAddress(parsed.address, type)
    else list.addSubnet(parsed.address, parsed.prefix, type)
  }
  return list
}

/** An `X-Forwarded-For` entry's address: without brackets or port (`[::1]:443`, `1.2.3.4:5678`); `""` when it is none. */
const entryAddress = (entry: string): string => {
  const trimmed = entry.trim()
  if (trimmed.startsWith("[")) {
    const end = trimmed.indexOf("]")
    return end === -1 ? "" : trimmed.slice(1, end)
  }
  const colon = trimmed.indexOf(":")
  // One colon: IPv4 with a port; more: an IPv6 address as it is.
  return colon !== -1 && colon === trimmed.lastIndexOf(":") ? trimmed.slice(0, colon) : trimmed
}

/**
 * The client's address under `trustedProxies` (`undefined` without): given the connection's peer
 * and its `X-Forwarded-For`, when the peer is one of them, the header is read from the right, each
 * trusted proxy passed over, and the first address that is not one (the leftmost, when all are)
 * is the client's; `undefined` (the peer stays the address) for a peer from elsewhere, no header,
 * or a walk that meets an entry that is no address (`unknown`): an address a client wrote itself
 * is never believed, only what the trusted proxies appended. `WebHandler` asks it with the
 * address its handler is given.
 */
export const forwardedAddress = (
  entries: ReadonlyArray<string> | undefined
): ((peer: string, header: string | undefined) => string | undefined) | undefined => {
  if (entries === undefined || entries.length === 0) return undefined
  const list = blockListOf(entries)
  const trusted = (address: string): boolean => {
    const plain = unmapped(address)
    const family = isIP(plain)
    return family !== 0 && list.check(plain, family === 4 ? "ipv4" : "ipv6")
  }
  return (peer, header) => {
    if (header === undefined || header === "" || !trusted(peer)) return undefined
    const hops = header.split(",")
    for (let i = hops.length - 1; i >= 0; i--) {
      const address = unmapped(entryAddress(hops[i]!))
      if (isIP(address) === 0) return undefined
      if (i > 0 && trusted(address)) continue
      return address
    }
    return undefined
  }
}

/**
 * What the endpoint does to each request under `trustedProxies` (`undefined` without): a request
 * whose peer is one of them has the client's address ({@link forwardedAddress}) as its
 * `remoteAddress` (`peerAddress` keeps the proxy's); any other is left as it is.
 */
export const forwardedFor = (
  entries: ReadonlyArray<string> | undefined,
  headersOf: (request: HttpServerRequest.HttpServerRequest) => { readonly [name: string]: string | undefined }
): ((request: HttpServerRequest.HttpServerRequest) => HttpServerRequest.HttpServerRequest) | undefined => {
  const addressOf = forwardedAddress(entries)
  if (addressOf === undefined) return undefined
  return (request) => {
    const peer = request.remoteAddress
    if (peer._tag === "None") return request
    const address = addressOf(peer.value, headersOf(request)["x-forwarded-for"])
    return address === undefined ? request : request.modify({ remoteAddress: Option.some(address), peerAddress: peer })
  }
}
