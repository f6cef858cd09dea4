/**
 * The check of the Streamable HTTP endpoint's numeric options and allowed hosts, where an
 * endpoint is made (`StreamableHttp.make`, `serve`, `route`, `handler`, `fromConfig`,
 * `WebHandler.make`): imported statically by those, without the endpoint's implementation.
 *
 * @internal
 */
import * as NumericOptions from "../../../internal/options.ts"
import { checkedSessionOptions, type SessionNumbers } from "../../../session/internal/sessionOptions.ts"
import { trustedProxiesProblem } from "./forwarded.ts"
import { allowedHostsProblem } from "./hosts.ts"

/**
 * The numbers of `StreamableHttp.Options`, and its allowed hosts (not imported from there: it
 * imports this).
 */
export interface HttpNumbers {
  readonly allowedHosts?: ReadonlyArray<string> | "any" | undefined
  readonly trustedProxies?: ReadonlyArray<string> | undefined
  readonly path?: string | undefined
  readonly healthPath?: string | undefined
  readonly maxBodyBytes?: number | undefined
  readonly maxBodyBytesInFlight?: number | undefined
  readonly bodyTimeoutMillis?: number | undefined
  readonly maxSessions?: number | undefined
  readonly maxSessionsPerPrincipal?: number | undefined
  readonly maxSessionsPerAddress?: number | undefined
  readonly sessionIdleTimeoutMillis?: number | undefined
  readonly requestTimeoutMillis?: number | undefined
  readonly retryMillis?: number | undefined
  readonly keepAliveMillis?: number | undefined
  readonly finishedStreamGraceMillis?: number | undefined
  readonly maxGracedStreamsPerSession?: number | undefined
  readonly maxGracedBytesPerSession?: number | undefined
  readonly cors?: { readonly maxAgeSeconds?: number | undefined } | undefined
  readonly session?: SessionNumbers | undefined
}

/**
 * Refuses an option out of range with a `RangeError` naming it (`who`: what took the options);
 * returns the options to build the endpoint with (`session` a checked copy).
 * What each did before: a `bodyTimeoutMillis` of `NaN`, 0 or less, or past a Node timer's
 * longest (about 24.8 days), cut every body after 1 ms (408); a `requestTimeoutMillis` of 0 or
 * less answered every request 504 at once, and of `NaN` timed none out while the endpoint's
 * timer fired every millisecond; a `sessionIdleTimeoutMillis` (or `requestTimeoutMillis`) of
 * `NaN` made the reaper run every millisecond, and kept idle sessions for ever; of 0 or less it
 * ended every session within 100 ms of its last request;
 * `maxSessions` of `NaN` lifted the limit, and of 0 or less refused every session (503);
 * `maxBodyBytes` of 0 refused every body (413); a `keepAliveMillis` of `NaN` or less than 0 turned
 * the keep-alive off, as 0 does; a `retryMillis` or `cors.maxAgeSeconds` of `NaN`, below 0 or
 * with a fraction was sent as is (`retry: NaN`, which clients ignore); and `session` (see
 * `checkSessionOptions`).
 * An `allowedHosts` entry that can be no host name (`localhost:3000`, a URL; see
 * `allowedHostsProblem`) is refused with a `TypeError` naming it: it failed the endpoint as it was
 * built (a `WebHandler` answered every request 500).
 */
export const checkOptions = <O extends HttpNumbers>(who: string, options: O, complete = true): O => {
  NumericOptions.checkAll(who, options, {
    maxBodyBytes: NumericOptions.integer(1),
    maxBodyBytesInFlight: NumericOptions.limit(1),
    // A Node timer (`setTimeout`): past its longest it fires at once.
    bodyTimeoutMillis: NumericOptions.timerMillis,
    maxSessions: NumericOptions.limit(1),
    maxSessionsPerPrincipal: NumericOptions.limit(1),
    maxSessionsPerAddress: NumericOptions.limit(1),
    sessionIdleTimeoutMillis: NumericOptions.millis,
    requestTimeoutMillis: NumericOptions.millis,
    retryMillis: NumericOptions.integer(0),
    keepAliveMillis: NumericOptions.millisOrZero,
    finishedStreamGraceMillis: NumericOptions.integer(0),
    maxGracedStreamsPerSession: NumericOptions.integer(1),
    maxGracedBytesPerSession: NumericOptions.limit(1)
  })
  NumericOptions.checkAll(who, options.cors, { maxAgeSeconds: NumericOptions.integer(0) }, "cors.")
  // `complete: false` (`fromConfig`): `maxBodyBytes` may yet come from the environment, which
  // checks the two together as the server starts (see `serveFromConfig`).
  const body = complete || options.maxBodyBytes !== undefined ? bodyBytesProblem(options) : undefined
  if (body !== undefined) throw new RangeError(`${who}: maxBodyBytesInFlight ${body}`)
  const hosts = allowedHostsProblem(options.allowedHosts)
  if (hosts !== undefined) throw new TypeError(`${who}: allowedHosts ${hosts}`)
  const proxies = trustedProxiesProblem(options.trustedProxies)
  if (proxies !== undefined) throw new TypeError(`${who}: trustedProxies ${proxies}`)
  // `complete: false`: the path may yet come from elsewhere (the environment, `fromConfig`), which
  // checks `healthPath` against it when it is known.
  const health = complete || options.path !== undefined ? healthPathProblem(options) : undefined
  if (health !== undefined) throw new TypeError(`${who}: healthPath ${health}`)
  // The sessions get a checked copy of `session` (see `checkedSessionOptions`): not checked again
  // as each starts, and a later change to the caller's object does not reach them unchecked.
  return options.session === undefined ? options : { ...options, session: checkedSessionOptions(who, options.session, "session.") }
}

/**
 * `keepAliveTimeoutMillis`, the idle time of a connection to the endpoint's own server (Node's
 * `server.keepAliveTimeout`): a whole number (Node's `createServer` refuses a fraction or `NaN`:
 * the server would die as it starts, naming no option) of at least 1 (Node's 0 is "never",
 * written `Infinity` here, as the other times write it), at most a Node timer's longest less the
 * second Node adds (`keepAliveTimeoutBuffer`: past it the timer fires after 1 ms, every idle
 * connection closed at once), or `Infinity`.
 */
export const keepAliveTimeoutRule: NumericOptions.Rule = {
  text: `an integer >= 1 and at most ${NumericOptions.maxTimerMillis - 1_000} (milliseconds) or Infinity (never)`,
  holds: (value) => value === Number.POSITIVE_INFINITY || (Number.isSafeInteger(value) && value >= 1 && value <= NumericOptions.maxTimerMillis - 1_000)
}

/**
 * {@link checkOptions}, and the options of the endpoint's own server (`StreamableHttp.serve`,
 * `make`, `fromConfig`): `keepAliveTimeoutMillis` (see {@link keepAliveTimeoutRule}).
 */
export const checkServeOptions = <O extends HttpNumbers & { readonly keepAliveTimeoutMillis?: number | undefined }>(
  who: string,
  options: O,
  complete = true
): O => {
  NumericOptions.check(who, "keepAliveTimeoutMillis", options.keepAliveTimeoutMillis, keepAliveTimeoutRule)
  return checkOptions(who, options, complete)
}

/** The largest body by default (`maxBodyBytes`). */
export const defaultMaxBodyBytes = 4 * 1024 * 1024

/**
 * What is wrong with `maxBodyBytesInFlight`, if anything: being below `maxBodyBytes` (given, or
 * its default), when a body larger than it, though within `maxBodyBytes`, could never be read:
 * refused 503 (`Retry-After: 1`) for ever, whatever the load. `bodyFrom`: where `maxBodyBytes`
 * came from, when that is to be said (`MCP_HTTP_MAX_BODY_BYTES`). Said after the option's name.
 */
export const bodyBytesProblem = (
  options: { readonly maxBodyBytes?: number | undefined; readonly maxBodyBytesInFlight?: number | undefined },
  bodyFrom?: string
): string | undefined => {
  const inFlight = options.maxBodyBytesInFlight
  const max = options.maxBodyBytes ?? defaultMaxBodyBytes
  if (inFlight === undefined || inFlight >= max) return undefined
  const which = options.maxBodyBytes === undefined ? ", its default" : bodyFrom === undefined ? "" : `, ${bodyFrom}`
  return `must be at least maxBodyBytes (${max}${which}), got ${inFlight}: a body larger than it would be refused 503 for ever`
}

/**
 * What keeps `healthPath` from being served beside the endpoint, if anything: being the endpoint's
 * `path` (default `/mcp`), a trailing slash aside (the router takes `/mcp/` for `/mcp`). The
 * server stopped as it started with the router's "Method 'GET' already declared for route", naming
 * no option. Said after the option's name (`healthPath`, `MCP_HTTP_HEALTH_PATH`).
 */
export const healthPathProblem = (options: { readonly path?: string | undefined; readonly healthPath?: string | undefined }): string | undefined => {
  const health = options.healthPath
  const path = options.path ?? "/mcp"
  if (health === undefined || withoutTrailingSlash(health) !== withoutTrailingSlash(path)) return undefined
  return `${JSON.stringify(health)} is the endpoint's path (path ${JSON.stringify(path)}): a GET there is the endpoint's; ` +
    `give the health check a path of its own ("/healthz")`
}

const withoutTrailingSlash = (path: string): string => path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path
