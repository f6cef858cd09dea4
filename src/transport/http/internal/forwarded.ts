/**
 * The client's address behind reverse proxies of one's own (`Options.trustedProxies`): a request
 * that comes from a trusted proxy is taken to come from the address its `X-Forwarded-For` names
 * (nginx's `$proxy_add_x_forwarded_for`), so that what counts clients by their address (the
 * `RateLimit` middleware, `maxSessionsPerAddress`, `maxListenStreamsPerAddress`, the task quota
 * of anonymous stateless callers, telemetry's `client.address`) counts them, not the proxy.
 * Kept free of the HTTP stack (the request's headers are read as the endpoint reads them,
 * `headersOf`, given): `checkOptions` reads {@link trustedProxiesProblem} before anything serves.
 *
 * Addresses and networks are Effect's (`effect/net`): entries parsed by `IpNetwork` (an address
 * alone as its /32 or /128), addresses by `NetAddress` (IPv4-mapped IPv6 as IPv4, `[v6]:port` and
 * `v4:port` as the address), matched by `IpNetwork.contains`, the client's address written
 * canonically (`NetAddress.formatIp`), as `HttpMiddleware.xForwardedHeaders` reads them. That
 * middleware itself is not used: it also takes `X-Forwarded-Host` as the request's `Host` and
 * `X-Forwarded-Proto` as its protocol, which the endpoint's `allowedHosts`/`allowedOrigins`
 * checks would then compare (nginx passes a client's `X-Forwarded-Host` on unless told not to).
 *
 * @internal
 */
import type { HttpServerRequest } from "effect/http"
import { IpInterface, IpNetwork, NetAddress } from "effect/net"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import { clip } from "../../../internal/clip.ts"

/** A network as addresses are compared (IPv4-mapped IPv6 as IPv4): `::ffff:10.0.0.0/104` is `10.0.0.0/8`. */
const unmapped = (network: IpNetwork.IpNetwork): IpNetwork.IpNetwork => {
  if (!NetAddress.isIpv6Address(network.address) || network.prefixLength < 96) return network
  const ipv4 = NetAddress.fromIpv4Mapped(network.address)
  return Option.isSome(ipv4) ? IpNetwork.makeUnsafe(ipv4.value, network.prefixLength - 96) : network
}

/** An entry: a network (`10.0.0.0/8`, `fd00::/8`) or an address (`10.0.0.1`, `::1`) as the network of it alone. */
const networkOf = (entry: string): Result.Result<IpNetwork.IpNetwork, NetAddress.NetAddressError> => {
  const text = entry.trim()
  const network = text.includes("/")
    ? IpNetwork.fromString(text)
    : Result.map(NetAddress.ipFromString(text), (address) => IpNetwork.makeUnsafe(address, NetAddress.width(address)))
  return Result.map(network, unmapped)
}

/** Why an entry that `networkOf` refuses is none: a network with host bits set names the one it is in. */
const entryProblem = (entry: string, error: NetAddress.NetAddressError): string => {
  const shown = JSON.stringify(clip(entry))
  // An address and prefix that parse (`10.0.0.1/8`) but make no network: host bits are set.
  const hostBits = entry.includes("/") ? Result.getOrUndefined(IpInterface.fromString(entry.trim(), { prefix: "required" })) : undefined
  return hostBits !== undefined
    ? `lists ${shown}, a network with host bits set: the network is ${IpNetwork.format(IpNetwork.fromInterface(hostBits))}, the address alone ${NetAddress.formatIp(hostBits.address)}`
    : `lists ${shown}, which is no IP address or network (10.0.0.1, 10.0.0.0/8, ::1): ${error.message}`
}

/**
 * Why the `trustedProxies` option can be no list of proxies, said after its name, or `undefined`
 * when it can: each entry an IP address or a network in CIDR notation (without host bits).
 */
export const trustedProxiesProblem = (value: unknown): string | undefined => {
  if (value === undefined) return undefined
  if (!Array.isArray(value)) return "must be a list of addresses or networks (10.0.0.1, 10.0.0.0/8)"
  for (const entry of value as ReadonlyArray<unknown>) {
    if (typeof entry !== "string") return `lists ${typeof entry}, which is no IP address or network (10.0.0.1, 10.0.0.0/8, ::1)`
    const network = networkOf(entry)
    if (Result.isFailure(network)) return entryProblem(entry, network.failure)
  }
  return undefined
}

/**
 * An address as a peer or an `X-Forwarded-For` entry writes it (`10.0.0.1`, `::ffff:10.0.0.1`,
 * `[::1]`, `[::1]:443`, `1.2.3.4:5678`), IPv4-mapped IPv6 as IPv4; `undefined` when it is none.
 */
const addressOf = (text: string): NetAddress.IpAddress | undefined => {
  // The form chosen by its shape, not by a parse that fails first (a failure makes an Error, with
  // its stack: some µs): a port after `]`, or after the only colon (no IPv6 address has one).
  const bracketed = text.startsWith("[")
  const colon = text.indexOf(":")
  if (bracketed ? !text.endsWith("]") : colon !== -1 && colon === text.lastIndexOf(":")) {
    const inet = NetAddress.inetAddressFromString(text)
    return Result.isSuccess(inet) ? NetAddress.toCanonical(inet.success.address) : undefined
  }
  const ip = NetAddress.ipFromString(bracketed ? text.slice(1, -1) : text)
  return Result.isSuccess(ip) ? NetAddress.toCanonical(ip.success) : undefined
}

/** An address as `X-Forwarded-For` or the peer wrote it, read: canonical, and whether a trusted proxy's. */
interface Hop {
  readonly address: string
  readonly trusted: boolean
}

/** How many readings of addresses an endpoint keeps (see `forwardedAddress`): texts of 64 characters at most, some 200 kB. */
const seenAtMost = 1024

/**
 * The client's address under `trustedProxies` (`undefined` without): given the connection's peer
 * and its `X-Forwarded-For`, when the peer is one of them, the header is read from the right, each
 * trusted proxy passed over, and the first address that is not one (the leftmost, when all are)
 * is the client's, written canonically; `undefined` (the peer stays the address) for a peer from
 * elsewhere, no header, or a walk that meets an entry that is no address (`unknown`): an address
 * a client wrote itself is never believed, only what the trusted proxies appended. `WebHandler`
 * asks it with the address its handler is given.
 */
export const forwardedAddress = (
  entries: ReadonlyArray<string> | undefined
): ((peer: string, header: string | undefined) => string | undefined) | undefined => {
  if (entries === undefined || entries.length === 0) return undefined
  // Checked where the endpoint was made: an entry that is none is skipped.
  const networks: Array<IpNetwork.IpNetwork> = []
  for (const entry of entries) {
    const network = networkOf(entry)
    if (Result.isSuccess(network)) networks.push(network.success)
  }
  const trusted = (address: NetAddress.IpAddress): boolean => {
    for (const network of networks) if (IpNetwork.contains(network, address)) return true
    return false
  }
  // Parsing an address costs some µs (NetAddress's strict parser), a lookup some ns: the same
  // proxies and clients come again and again, so each text's reading is kept, up to `seenAtMost`
  // (then all are dropped: addresses that never repeat cost what they would without it). A text
  // longer than any address with its port and some spaces is read each time, not kept.
  const seen = new Map<string, Hop | null>()
  const read = (text: string): Hop | null => {
    const address = addressOf(text.trim())
    return address === undefined ? null : { address: NetAddress.formatIp(address), trusted: trusted(address) }
  }
  const hopOf = (text: string): Hop | null => {
    if (text.length > 64) return read(text)
    let hop = seen.get(text)
    if (hop === undefined) {
      hop = read(text)
      if (seen.size >= seenAtMost) seen.clear()
      seen.set(text, hop)
    }
    return hop
  }
  return (peer, header) => {
    if (header === undefined || header === "") return undefined
    // Node writes a link-local peer with its zone, the interface it came in on (`fe80::1%eth0`),
    // which `NetAddress` takes for no address: the address is the proxy's, the zone ours.
    const zone = peer.indexOf("%")
    if (hopOf(zone === -1 ? peer : peer.slice(0, zone))?.trusted !== true) return undefined
    const hops = header.split(",")
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hopOf(hops[i]!)
      if (hop === null) return undefined
      if (i > 0 && hop.trusted) continue
      return hop.address
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
