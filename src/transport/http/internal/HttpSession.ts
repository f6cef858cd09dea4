/**
 * One MCP session over Streamable HTTP (the push connection of a server session, its SSE streams,
 * the routes its tasks claimed) and a request waiting for its answer.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type { HttpServerRequest } from "effect/http"
import * as Tracer from "effect/Tracer"
import type { Deadlined, Deadlines } from "../../../internal/deadlines.ts"
import { emptyMap, shrink, writable } from "../../../internal/emptyMap.ts"
import type * as JsonRpc from "../../../protocol/JsonRpc.ts"
import type * as Negotiation from "../../../protocol/Negotiation.ts"
import type { HttpRequestInfo, Outbound, PushConnection, SessionInput } from "../../../session/Connection.ts"
import type { Principal } from "../../../session/Principal.ts"
import { headersOf, nodeRequestOf } from "./guards.ts"
import { BatchStream, type SseConnection, SseStream } from "./sse.ts"

/** Requests of one route (see `Outbound.route`) kept while no stream can take them. */
export const maxHeldPerRoute = 64
/** Routes whose requests a session keeps at most. */
const maxHeldRoutes = 1_024
/**
 * The key of the held requests of no route, beside those of routes (a symbol: no task id is it).
 * One map for both: an idle session holds no field more (measured: each field is 8 B of the
 * ~1 KB an idle HTTP session holds).
 */
const untied: unique symbol = Symbol("untied")

/** The bits of `HttpSession.life`. */
const ended = 1
const finished = 2

/** A pending request answered on an SSE stream: the stream and the connection it is read on. */
export class SseAnswer {
  readonly stream: SseStream
  readonly connection: SseConnection
  constructor(stream: SseStream, connection: SseConnection) {
    this.stream = stream
    this.connection = connection
  }
}

/**
 * How a pending request will be answered, decided by the first thing produced for it: the
 * JSON-RPC message itself (a JSON answer), or its SSE stream. No wrapper object around a JSON
 * answer: measured (`bench/gc-replica.ts`, `%InYoungGeneration` probes), V8 pretenured the
 * literal `{ _tag: "Json", message }` in every run that kept ~1.7 MB or more per scavenge; born
 * old, each wrapper kept its response alive through every scavenge.
 */
export type Answer = JsonRpc.Message | SseAnswer

/** A client request waiting for its answer. */
export class Pending implements Deadlined {
  readonly request: JsonRpc.Request
  readonly mode: "auto" | "json" | "sse"
  /** Stateless mode: the id the client used (the session saw an internal one). */
  readonly clientId: JsonRpc.RequestId | undefined
  /** The answer, once decided (the first decision stands). */
  answered: Answer | undefined = undefined
  /** The POST waiting for the answer (see {@link awaitAnswer}); `undefined`: the request timed out. */
  waiting: ((answer: Answer | undefined) => void) | undefined = undefined
  /** When the request timeout passes (see `Deadlines`), while its POST waits for the answer. */
  deadline = 0
  /** Its index in the endpoint's deadline heap; -1 when it is not there. */
  slot = -1
  stream: SseStream | undefined = undefined
  /**
   * When the request timeout of a request whose stream opened for its silence passes (see
   * `Endpoint.quietAfter`; the reaper ends it then, if it sent nothing yet); 0: none.
   */
  quietDeadline = 0
  /** Since when no connection reads its stream (the reaper abandons it after the request timeout). */
  detachedSince: number | undefined = undefined
  /** A 2026-07-28 request (its stream is unresumable: see {@link SseStream.unresumable}). */
  readonly modern: boolean
  /**
   * The `initialize` whose POST opened its session: the session is the client's only if it
   * succeeds (else it is ended, see `Endpoint.route`), and its answer carries the session's id.
   */
  readonly opens: boolean
  /** The route it claimed (see `PushConnection.claimRoute`): its stream carries that route's messages. */
  route: string | undefined = undefined
  constructor(
    request: JsonRpc.Request,
    mode: "auto" | "json" | "sse",
    clientId: JsonRpc.RequestId | undefined,
    modern: boolean,
    opens: boolean
  ) {
    this.request = request
    this.mode = mode
    this.clientId = clientId
    this.modern = modern
    this.opens = opens
  }
}

/** Decides how `pending` is answered; the first decision stands, later ones are ignored. */
export const settle = (pending: Pending, answer: Answer): void => {
  if (pending.answered !== undefined) return
  pending.answered = answer
  const waiting = pending.waiting
  if (waiting === undefined) return
  pending.waiting = undefined
  waiting(answer)
}

/**
 * The answer of `pending`, or `undefined` once `millis` passed without one. A callback whose
 * deadline joins the endpoint's heap (`Deadlines`: one timer for all requests in flight; the
 * heap's `expire` calls {@link timeUp}). `Effect.timeoutOrElse` on an awaited `Deferred` races two
 * forked fibers (the wait and a sleep) for every request, and a Node timer per request made
 * scavenges keep every request once a full collection had run (see `internal/deadlines.ts`).
 */
export const awaitAnswer = (pending: Pending, deadlines: Deadlines<Pending>, millis: number): Effect.Effect<Answer | undefined> =>
  Effect.callback<Answer | undefined>((resume) => {
    if (pending.answered !== undefined) return resume(Effect.succeed(pending.answered))
    pending.waiting = (answer) => {
      deadlines.remove(pending)
      resume(Effect.succeed(answer))
    }
    deadlines.add(pending, millis)
    return Effect.sync(() => {
      deadlines.remove(pending)
      pending.waiting = undefined
    })
  })

/** The request timeout of `pending` passed (its deadline left the heap): its POST gets `undefined`. */
export const timeUp = (pending: Pending): void => {
  const waiting = pending.waiting
  if (waiting === undefined) return
  pending.waiting = undefined
  waiting(undefined)
}

/**
 * The client's address a runtime gave `WebHandler`'s handler with a web `Request` (which carries
 * none), in the context of the fiber serving it; read by {@link HttpInfo.remoteAddress} only when
 * the platform's request has none.
 */
export const RemoteAddress = Context.Reference<string | undefined>("effect-mcp-server/RemoteAddress", {
  defaultValue: () => undefined
})

/** The client's port a runtime gave `WebHandler`'s handler, as {@link RemoteAddress}. */
export const RemotePort = Context.Reference<number | undefined>("effect-mcp-server/RemotePort", {
  defaultValue: () => undefined
})

/**
 * The HTTP request of a message as the request context exposes it: read from the platform's
 * request when asked, so a call that never looks costs one small object. Made in the fiber that
 * serves the HTTP request: it keeps that fiber's services (a reference), for {@link span}.
 */
export class HttpInfo implements HttpRequestInfo {
  private readonly request: HttpServerRequest.HttpServerRequest
  private readonly services: Context.Context<never> | undefined
  readonly principal: Principal | undefined
  readonly clientRequestId: JsonRpc.RequestId | undefined
  /** `clientRequestId`: the id the client gave a request the shared stateless session sees under an id of its own. */
  constructor(
    request: HttpServerRequest.HttpServerRequest,
    principal: Principal | undefined,
    clientRequestId?: JsonRpc.RequestId
  ) {
    this.request = request
    this.principal = principal
    this.clientRequestId = clientRequestId
    this.services = Fiber.getCurrent()?.context
  }
  /**
   * The HTTP server span, looked up only when asked (telemetry asks; nothing else does): the span
   * current where the request was served, if it is a server span (not one around the whole
   * program, which is what is current there when the HTTP tracer is off).
   */
  get span(): Tracer.AnySpan | undefined {
    const span = this.services === undefined ? undefined : Context.getOrUndefined(this.services, Tracer.ParentSpan)
    return span !== undefined && span._tag === "Span" && span.kind === "server" ? span : undefined
  }
  get method(): string {
    return this.request.method
  }
  get url(): string {
    return this.request.url
  }
  /** The platform's copy (it redacts secrets when logged: handlers may log what they read). */
  get headers(): HttpRequestInfo["headers"] {
    return this.request.headers
  }
  header(name: string): string | undefined {
    // Node's own object: own keys only (`constructor` is not a header), and `Set-Cookie`, which
    // Node keeps as an array, joined as the platform's copy joins it.
    const headers = headersOf(this.request)
    if (!Object.hasOwn(headers, name)) return undefined
    const value: unknown = headers[name]
    return Array.isArray(value) ? value.join(", ") : value as string | undefined
  }
  get remoteAddress(): string | undefined {
    const address = this.request.remoteAddress
    if (address._tag === "Some") return address.value
    // A web `Request` carries none: the runtime's, given to `WebHandler`'s handler, if any.
    return this.services === undefined ? undefined : Context.get(this.services, RemoteAddress)
  }
  /**
   * The port of Node's connection the request came over, else the runtime's, given to
   * `WebHandler`'s handler (read only when asked: telemetry). None for a request whose address is
   * the client's behind a trusted proxy (`trustedProxies`, or effect's `xForwardedHeaders`): the
   * connection's port is the proxy's, not the client's.
   */
  get remotePort(): number | undefined {
    const incoming = nodeRequestOf(this.request)
    if (incoming !== undefined) {
      const address = this.request.remoteAddress
      const peer = this.request.peerAddress
      if (address._tag === "Some" && peer._tag === "Some" && address.value !== peer.value) return undefined
      return incoming.socket?.remotePort
    }
    return this.services === undefined ? undefined : Context.get(this.services, RemotePort)
  }
  /** Node's version of the request (`1.1`; `2`, not `2.0`, as OpenTelemetry writes it); none on other platforms. */
  get httpVersion(): string | undefined {
    const incoming = nodeRequestOf(this.request)
    if (incoming === undefined) return undefined
    return incoming.httpVersionMajor >= 2 ? String(incoming.httpVersionMajor) : incoming.httpVersion
  }
  /** The server's end of Node's connection (read only when asked: telemetry); none on other platforms. */
  get localAddress(): string | undefined {
    return nodeRequestOf(this.request)?.socket?.localAddress
  }
  get localPort(): number | undefined {
    return nodeRequestOf(this.request)?.socket?.localPort
  }
  /**
   * This request's info for one member of its batch, which the shared stateless session sees under
   * an id of its own (made in the fiber serving the POST, as this one was).
   */
  forClientId(clientRequestId: JsonRpc.RequestId): HttpInfo {
    return new HttpInfo(this.request, this.principal, clientRequestId)
  }
}

/** A response as the client must see it (its own request id, in stateless mode). */
export const forClient = (pending: Pending, message: JsonRpc.Message): JsonRpc.Message =>
  pending.clientId === undefined ? message : { ...(message as JsonRpc.Response), id: pending.clientId }

/**
 * What a session needs of its endpoint: the endpoint routes what the session writes, and forgets
 * the session once it has closed.
 */
export interface SessionHost {
  readonly write: (session: HttpSession, batch: ReadonlyArray<Outbound>) => Effect.Effect<void>
  readonly closeStream: (session: HttpSession, related: JsonRpc.RequestId) => void
  readonly claimRoute: (session: HttpSession, related: JsonRpc.RequestId, route: string) => Effect.Effect<void>
  readonly ended: (session: HttpSession) => Effect.Effect<void>
  readonly runFork: <A, E>(effect: Effect.Effect<A, E>) => Fiber.Fiber<A, E>
}

/** One MCP session over HTTP: the push connection of its server session, and its streams. */
export class HttpSession implements PushConnection {
  readonly id: string
  private readonly endpoint: SessionHost
  /** The session's input, once it has started. */
  input: SessionInput | undefined = undefined
  /** Client requests waiting for their answer, by id. */
  pending: Map<JsonRpc.RequestId, Pending> = emptyMap
  streams: Map<string, SseStream> = emptyMap
  /** The request that claimed each route (a 2025-11-25 task's `tasks/result`). */
  routes: Map<string, Pending> = emptyMap
  /**
   * Requests that had nowhere to go yet, by route: a route's are for the next request claiming
   * it, or the standalone stream; those of no route (key `untied`) for the standalone stream,
   * when the client opens or resumes it. At most `maxHeldPerRoute` each.
   */
  held: Map<string | typeof untied, Array<JsonRpc.Message>> = emptyMap
  standalone: SseStream | undefined = undefined
  /** With bearer authentication: the subject that opened the session, the only one it answers. */
  subject: string | undefined = undefined
  /**
   * `ended` and `finished` as bits: one field for the two, which leaves room for {@link lastUsed}
   * with no more heap per idle session (each field is 8 B of it: see `untied`).
   */
  private life = 0
  /**
   * When a request last came for it (a POST, a GET), on the endpoint's count of them (see
   * `Endpoint.used`): which of a principal's idle sessions is ended to make room.
   */
  lastUsed = 0
  private nextStream = 1
  constructor(id: string, endpoint: SessionHost) {
    this.id = id
    this.endpoint = endpoint
  }
  /** No more input is accepted (ending, or ended). */
  get ended(): boolean {
    return (this.life & ended) !== 0
  }
  set ended(value: boolean) {
    this.life = value ? this.life | ended : this.life & ~ended
  }
  /** Its streams, answers and records are gone. */
  get finished(): boolean {
    return (this.life & finished) !== 0
  }
  set finished(value: boolean) {
    this.life = value ? this.life | finished : this.life & ~finished
  }
  attach(input: SessionInput): void {
    this.input = input
  }
  write(batch: ReadonlyArray<Outbound>): Effect.Effect<void> {
    return this.endpoint.write(this, batch)
  }
  closeStream(related: JsonRpc.RequestId): void {
    this.endpoint.closeStream(this, related)
  }
  claimRoute(related: JsonRpc.RequestId, route: string): Effect.Effect<void> {
    return this.endpoint.claimRoute(this, related, route)
  }
  onClosed(): void {
    this.ended = true
    if (!this.finished) this.endpoint.runFork(this.endpoint.ended(this))
  }
  /** Hands a received message to the session (the HTTP write never fails, so neither does this). */
  receive(message: JsonRpc.Message, http?: HttpRequestInfo, resolved?: Negotiation.ResolvedRequest): Effect.Effect<void> {
    return this.input === undefined ? Effect.void : Effect.ignore(this.input.receive([message], http, resolved))
  }
  addPending(id: JsonRpc.RequestId, pending: Pending): void {
    ;(this.pending = writable(this.pending)).set(id, pending)
  }
  removePending(id: JsonRpc.RequestId): void {
    this.pending.delete(id)
    this.pending = shrink(this.pending)
  }
  newStream(requestId: JsonRpc.RequestId | undefined): SseStream {
    const stream = new SseStream(`s${this.nextStream++}`, requestId)
    ;(this.streams = writable(this.streams)).set(stream.streamId, stream)
    return stream
  }
  /** The stream of a batch POST (see `BatchStream`). */
  newBatchStream(): BatchStream {
    const stream = new BatchStream(`s${this.nextStream++}`)
    ;(this.streams = writable(this.streams)).set(stream.streamId, stream)
    return stream
  }
  removeStream(streamId: string): void {
    this.streams.delete(streamId)
    this.streams = shrink(this.streams)
  }
  claim(route: string, pending: Pending): void {
    pending.route = route
    ;(this.routes = writable(this.routes)).set(route, pending)
  }
  /** Forgets the route a finished request claimed (unless a later request claimed it since). */
  unclaim(pending: Pending): void {
    const route = pending.route
    if (route === undefined || this.routes.get(route) !== pending) return
    this.routes.delete(route)
    this.routes = shrink(this.routes)
  }
  /**
   * The held requests of a route, created when missing. At most `maxHeldRoutes` routes are kept
   * (the oldest dropped: their requests have long timed out), as a stateless session never ends.
   */
  heldOf(route: string | typeof untied): Array<JsonRpc.Message> {
    let held = this.held.get(route)
    if (held === undefined) {
      this.held = writable(this.held)
      if (this.held.size >= maxHeldRoutes) this.held.delete(this.held.keys().next().value!)
      this.held.set(route, held = [])
    }
    return held
  }
  /** Takes the held requests of a route. */
  takeHeld(route: string | typeof untied): Array<JsonRpc.Message> | undefined {
    const held = this.held.get(route)
    if (held === undefined) return undefined
    this.held.delete(route)
    this.held = shrink(this.held)
    return held
  }
  /** Drops every held request (the session ended). */
  dropHeld(): void {
    this.held = emptyMap
  }
  /**
   * Holds a request with nowhere to go yet: of `route` until a request claims it (or the standalone
   * stream opens), of no route until the standalone stream opens. Beyond `maxHeldPerRoute` of a
   * route, it is dropped.
   */
  hold(route: string | undefined, message: JsonRpc.Message): void {
    const held = this.heldOf(route ?? untied)
    if (held.length < maxHeldPerRoute) held.push(message)
  }
  /** Takes every held request: those of no route first, then each route's (each in order). */
  takeAllHeld(): Array<JsonRpc.Message> {
    const all = this.takeHeld(untied) ?? []
    for (const route of [...this.held.keys()]) all.push(...this.takeHeld(route)!)
    return all
  }
  /**
   * Forgets the held request `id` (of `route`, if any), if it is still held: its caller gave up
   * (timed out, interrupted) and it is not to reach the client late. Whether it was (see
   * `PushConnection.withdraw`: then the session sends no `notifications/cancelled` for it).
   */
  withdraw(id: JsonRpc.RequestId, route: string | undefined): boolean {
    const held = this.held.get(route ?? untied)
    const at = held === undefined ? -1 : heldIndex(held, id)
    if (at === -1) return false
    held!.splice(at, 1)
    return true
  }
  /** Whether an untied request would go out now: the standalone stream is open (see `PushConnection.untiedReachable`). */
  untiedReachable(): boolean {
    return this.standalone?.connection !== undefined
  }
  /**
   * Whether the client does not read the request `id` (of `route`, if any) now (see
   * `PushConnection.unread`): still held, or no stream it reads would carry it (the route's claimed
   * request's, the standalone stream: the session forgets the standalone stream as its client
   * leaves it).
   */
  unread(id: JsonRpc.RequestId, route: string | undefined): boolean {
    const held = this.held.get(route ?? untied)
    if (held !== undefined && heldIndex(held, id) !== -1) return true
    if (this.standalone?.connection !== undefined) return false
    const claimed = route === undefined ? undefined : this.routes.get(route)
    return claimed?.stream?.connection === undefined
  }
}

/** The index of the request `id` among held messages, else -1. */
const heldIndex = (held: ReadonlyArray<JsonRpc.Message>, id: JsonRpc.RequestId): number => {
  for (let i = 0; i < held.length; i++) {
    if ((held[i] as JsonRpc.Request).id === id) return i
  }
  return -1
}

/** Whether a request may use a session: with authentication, only the subject that opened it. */
export const ownedBy = (session: HttpSession, principal: Principal | undefined): boolean =>
  session.subject === undefined || session.subject === principal?.subject
