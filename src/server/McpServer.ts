/**
 * The authoring API: an MCP server whose tools, resources, templates and prompts are registered
 * by Layers (and can be added, removed, enabled and disabled while it runs).
 *
 * `McpServer.layer(options)` provides the server; `McpServer.tool(...)`, `resource(...)`,
 * `resourceTemplate(...)` and `prompt(...)` are Layers that register one component each (and
 * remove it when their scope closes); `McpServer.run(transport)` serves one session over a
 * transport, `McpServer.serve(...)` puts it all together.
 *
 * Every change to a list is announced to every live session as one coalesced
 * `notifications/<kind>/list_changed`; `notifyResourceUpdated(uri)` reaches the sessions
 * subscribed to `uri` (each session told by a fiber of its own, so that a client that does not
 * read holds only its own). Lists are paginated with stable cursors. Inside handlers,
 * `Effect.log*` reaches the client as `notifications/message` (honouring `logging/setLevel`).
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import type * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as References from "effect/References"
import * as Scope from "effect/Scope"
import * as Middleware from "../middleware/Middleware.ts"
import type * as JsonRpc from "../protocol/JsonRpc.ts"
import * as McpError from "../protocol/McpError.ts"
import type { Icon, LoggingLevel, Resource as WireResource } from "../protocol/McpSchema.ts"
import type * as ProtocolVersion from "../protocol/ProtocolVersion.ts"
import type { TransportFailure } from "../session/Connection.ts"
import * as GracefulShutdown from "../session/GracefulShutdown.ts"
import { McpRequestContext, type RequestContext } from "../session/RequestContext.ts"
import type { Rechecked, ServerSession } from "../session/ServerSession.ts"
import { isListener, type Listener, type Transport } from "../session/Transport.ts"
import * as Completion from "./Completion.ts"
import { clip } from "../internal/clip.ts"
import { isExit } from "../internal/isExit.ts"
import { forLog } from "../internal/loggedCause.ts"
import { makeLogger, withGatedLoggers } from "../internal/logger.ts"
import { checkedSessionOptions } from "../session/internal/sessionOptions.ts"
import { logsToStderrOver } from "../session/internal/logsToStderr.ts"
import { reportingStartFailure } from "../session/internal/startFailure.ts"
import { checkMcpServerOptions, checkMiddlewares } from "./internal/serverOptions.ts"
import { injectTools } from "./internal/injectedTools.ts"
import { lackedScopes, resourceJudges } from "./internal/resourceScopes.ts"
import { taskExitMappingOf } from "./internal/taskExitMapping.ts"
import { taskWorkRetryOf } from "./internal/taskWorkRetry.ts"
import { headerMismatch, wireOf } from "./internal/paramHeaders.ts"
import { markPartial } from "./internal/partialList.ts"
import * as Listen from "./internal/listen.ts"
import { filled } from "../internal/filledContext.ts"
import { checkRequestState } from "./internal/requestState.ts"
import type * as TaskMachinery from "./internal/tasks.ts"
import { checkTaskOptions, type TaskOptions as TaskOptionsOf } from "./internal/taskOptions.ts"
import * as Extension from "./Extension.ts"
import * as LowLevelServer from "./LowLevelServer.ts"
import * as Pagination from "../protocol/Pagination.ts"
import * as Prompt from "./Prompt.ts"
import { type Change, ReplicaChanges } from "./ReplicaChanges.ts"
import { Registry } from "./Registry.ts"
import * as Resource from "./Resource.ts"
import { resourceKey } from "./internal/resourceKey.ts"
import { findResource, resourceIdentity } from "./internal/resourceLookup.ts"
import * as Tool from "./Tool.ts"
import { RegistrationError } from "./RegistrationError.ts"
import { definitionSite, type Site, siteOf } from "./internal/definitionSite.ts"

// The types `serve` and `run` name, exported from here: a program's inferred type then names them
// from this module, which a user's declaration emit (a library, a monorepo package) needs (it cannot
// name a type that only an internal module exports).
/**
 * A transport broke (its input failed, or its output could not be written): what `serve` and
 * `run` fail with. The same class as `effect-mcp-server/lowlevel`'s.
 *
 * @since 0.2.0
 * @category errors
 */
export {
  TransportFailure
} from "../session/Connection.ts"
/**
 * What `serve` serves: a {@link Listener} (Streamable HTTP, many sessions, until interrupted) or
 * one session's {@link Transport} (stdio, in memory, until its input ends). The same types as
 * `effect-mcp-server/lowlevel`'s.
 *
 * @since 0.2.0
 * @category models
 */
export type {
  /** A transport that accepts many sessions (Streamable HTTP): what `serve` serves until interrupted. */
  Listener,
  /** One session's transport (stdio, in memory): what `serve` and `run` serve until its input ends. */
  Transport
} from "../session/Transport.ts"

// ---------------------------------------------------------------------------
// Service
// ---------------------------------------------------------------------------

/**
 * How the server describes itself and behaves. An option that is not what it takes (a module in
 * JavaScript, options read from a configuration file) is refused when the server is built, its
 * Layer dying with a `TypeError` naming it (a `RangeError` for a number out of range): `name` not
 * blank, strings, booleans and arrays where they are said, `capabilities` of the three kinds only.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * The server's name (its `serverInfo`). On stores shared through Redis it is also what makes
   * replicas one server: a task is taken over only by a replica of the same name, and a server
   * that finds its prefix in use by a server of another name warns (see `RedisStores`).
   */
  readonly name: string
  /** The server's version (its `serverInfo`), any string: `"1.0.0"`. */
  readonly version: string
  /**
   * A name for people (`serverInfo.title`; default none: clients show `name`). Sent from MCP
   * 2025-06-18 on: a client of an older version is not sent it.
   */
  readonly title?: string | undefined
  /** What the server is for (`serverInfo.description`; default none). Sent from MCP 2025-11-25 on. */
  readonly description?: string | undefined
  /** The server's icons (`serverInfo.icons`; default none). Sent from MCP 2025-11-25 on. */
  readonly icons?: ReadonlyArray<Icon> | undefined
  /** The server's website (`serverInfo.websiteUrl`; default none). Sent from MCP 2025-11-25 on. */
  readonly websiteUrl?: string | undefined
  /**
   * How to use the server, for the client's model (`instructions` of `initialize` and
   * `server/discover`; default none).
   */
  readonly instructions?: string | undefined
  /** Items per page of every list (an integer >= 1); `undefined` (default): one page. */
  readonly pageSize?: number | undefined
  /** Hide the messages of defects and undeclared tool failures from clients (default true). */
  readonly maskErrors?: boolean | undefined
  /**
   * Advertise the `inputSchema` and `outputSchema` made of a tool's Schemas with their `$ref`s
   * inlined (default true, as FastMCP's `dereference_schemas`): a Schema used twice (an
   * `identifier`, a Class) is written out at each use, as VS Code Copilot and other clients that
   * mishandle `$ref` need. Recursive definitions stay under `$defs`, and a schema whose inlined
   * form would exceed 64 KiB (or ten times its size) keeps its references (see
   * `JsonSchema.dereference`). false: advertised with `$defs` and `$ref`s. A raw
   * `Tool.jsonSchema` is advertised as given either way.
   */
  readonly dereferenceSchemas?: boolean | undefined
  /**
   * Serve `logging/setLevel` and advertise `logging` (default true). A stateless session (one
   * session answering many clients, e.g. stateless HTTP) answers `logging/setLevel` without
   * changing its level: one client must not change what the others receive.
   */
  readonly logging?: boolean | undefined
  /**
   * The most resources one session may be subscribed to at once (`resources/subscribe`; default
   * 1,000; `Infinity`: no cap). Past it a new subscription is answered 429 ({@link McpError.LimitExceeded} with
   * `limit: "subscriptions"` and `max`); subscribing again to a subscribed URI (or to the same
   * resource written otherwise, `%2f` for `%2F`: see {@link resourceTemplate}) is not a new one,
   * and unsubscribing frees a place. Only URIs a resource or a resource template serves can be
   * subscribed (else -32002, as `resources/read` answers; a URI whose template `params` refuse its
   * variables -32602, as its read), of at most 8,192 characters (else -32602). A 2026-07-28
   * `subscriptions/listen` follows at most as many: the first distinct URIs its filter names,
   * as long as they have at most 131,072 characters in all (those past either bound are left out
   * of the subset its acknowledgment names, never matched). A
   * stateless session keeps no subscriptions: nothing could be delivered to its clients, so it does
   * not advertise `resources.subscribe`, and `resources/subscribe` and `resources/unsubscribe` are
   * answered -32601.
   */
  readonly maxSubscriptionsPerSession?: number | undefined
  /**
   * The most 2026-07-28 `subscriptions/listen` streams one principal (bearer authentication: one
   * token subject) holds open at once over Streamable HTTP, where one stateless session answers
   * every client (default 16; `Infinity`: no bound; a session of its own, stdio's, is not
   * bounded). One more is refused with 429 (`McpError.LimitExceeded`,
   * `data.limit: "listenStreamsPerPrincipal"`, `data.max`) before it is acknowledged; a stream
   * closed makes room, and other principals' streams are not refused. Without it, a client of a
   * stateless server could open streams until its connections ran out, each with its queue and
   * subscriptions. Anonymous clients (no `auth`): see `maxListenStreamsPerAddress`.
   *
   * @since 0.2.0
   */
  readonly maxListenStreamsPerPrincipal?: number | undefined
  /**
   * The same bound for anonymous clients (no `auth`), told apart by their address (the
   * connection's peer; `WebHandler`: the `remoteAddress` given to its handler; an IPv6 address by
   * its /64). Default `Infinity` (off: behind a reverse proxy every client has the proxy's
   * address, and all of them would share one bound); an integer >= 1 turns it on, past which one
   * more stream from that address is refused 429 (`data.limit: "listenStreamsPerAddress"`). Set
   * it on a server that anonymous clients reach directly (not through a proxy), behind a proxy
   * the endpoint's `trustedProxies` lists (the address is then the client's), or authenticate.
   * Callers of no known address (a `WebHandler` given none) cannot be told apart: they count as
   * one "unknown" address, as under `StreamableHttp`'s `maxSessionsPerAddress` (a warning is
   * logged once).
   *
   * @since 0.2.0
   */
  readonly maxListenStreamsPerAddress?: number | undefined
  /**
   * Advertise a component kind even while none is registered (for servers that add them at run
   * time). By default a kind is advertised when a session starts with at least one registered (a
   * stateless session, shared by many clients for the server's life: when each request comes).
   */
  readonly capabilities?: {
    readonly tools?: boolean | undefined
    readonly resources?: boolean | undefined
    readonly prompts?: boolean | undefined
  } | undefined
  /**
   * Middleware given directly (outermost first), before those registered with
   * {@link middleware} Layers; see {@link Middleware}.
   */
  readonly middleware?: ReadonlyArray<Middleware.Middleware<never>> | undefined
  /**
   * The handshake-era versions served, newest first, each once (checked when the server is built;
   * default: every one). `initialize` negotiates one of them. Over Streamable HTTP, a request whose
   * `MCP-Protocol-Version` header names another is refused 400 (-32600): a stateless one (no header:
   * 2025-03-26), and a session's (no header: the negotiated version). 2026-07-28 is served whatever
   * this says: `[]` is a server of 2026-07-28 alone, which answers every `initialize` with -32022
   * naming the versions it serves (`data.supported: ["2026-07-28"]`), as the spec asks of such a
   * server (a client that fell back to `initialize` retries with one); over Streamable HTTP with
   * status 400, that error's status over HTTP whatever the request.
   */
  readonly supportedVersions?: ReadonlyArray<ProtocolVersion.LegacyVersion> | undefined
  /**
   * What `initialize` answers a client that asks for a version the server does not serve (one it
   * does not know, or one `supportedVersions` leaves out): `"latest"` (default, the spec's rule)
   * negotiates the newest version served, and the client decides whether to go on with it;
   * `"reject"` refuses it, -32602 "Unsupported protocol version: …" with `data.supported` (the
   * versions `initialize` negotiates) and `data.requested` (a server of 2026-07-28 alone: -32022
   * either way, see `supportedVersions`). MCP 2026-07-28 requests, which have no
   * `initialize`, are not concerned: one naming a version the server does not serve is refused
   * with -32022 either way.
   */
  readonly unsupportedVersion?: "latest" | "reject" | undefined
  /**
   * MCP 2026-07-28: how the `requestState` of `input_required` answers is sealed: the key ring
   * (replicas serving one client must share it) and the lifetime. Default: a random key per
   * process, 10 minutes. See `McpContext.elicit`: in 2026-07-28 input comes by multi round-trip.
   */
  readonly requestState?: LowLevelServer.Options["requestState"]
  /**
   * Background tasks (MCP 2025-11-25 tasks, and the 2026-07-28 tasks extension), enabled with
   * {@link tasks}: `tasks: McpServer.tasks()`, or with limits, `McpServer.tasks({ maxTasksPerOwner: 20 })`.
   * A value rather than plain options, so a server without tasks does not carry their code in a
   * bundle.
   */
  readonly tasks?: Tasks | undefined
}

/**
 * The component kinds a server holds.
 *
 * @since 0.1.0
 * @category models
 */
export type Kind = "tool" | "resource" | "template" | "prompt"

/**
 * The server: component registries, live sessions, and `run`.
 *
 * @since 0.1.0
 * @category services
 */
export class McpServer extends Context.Service<McpServer, {
  readonly options: Options
  readonly tools: Registry<Tool.Registered>
  readonly resources: Registry<Resource.Registered>
  readonly templates: Registry<Resource.RegisteredTemplate>
  readonly prompts: Registry<Prompt.Registered>
  /**
   * Middleware registered by Layers, outermost first (after `options.middleware`): by the order in
   * which their Layers were made (see {@link middleware}). Change it through {@link stack}.
   */
  readonly middleware: ReadonlyArray<Middleware.Middleware<never>>
  /**
   * Puts middleware into the stack at `rank` (after every entry of a lower or equal rank), outermost
   * first; returns the function that takes them out again.
   */
  readonly stack: (rank: number, middleware: ReadonlyArray<Middleware.Middleware<never>>) => () => void
  /** Extensions registered by Layers ({@link extension}), in registration order. */
  readonly extensions: Array<Extension.Extension<never>>
  /** The sessions running now (with the change count when each opened). */
  readonly sessions: ReadonlyMap<ServerSession, number>
  /**
   * The resource URIs each live session is subscribed to (`resources/subscribe`), e.g. to watch
   * only what someone listens to. A session's entry goes when it closes; stateless sessions have none.
   */
  readonly subscriptions: ReadonlyMap<ServerSession, ReadonlySet<string>>
  /**
   * Calls `listener` synchronously on every change of a component list (before any session is
   * told), e.g. to invalidate a cache; returns the function that unsubscribes. A listener that
   * throws is logged; the other listeners, the sessions and the change go on without it.
   */
  readonly onChange: (listener: (kind: Kind) => void) => () => void
  /**
   * Calls `listener` synchronously when a resource is reported updated; returns the unsubscribe.
   * A listener that throws is logged, as for {@link onChange}.
   */
  readonly onResourceUpdated: (listener: (uri: string) => void) => () => void
  /** Tells the sessions subscribed to `uri` that it changed. */
  readonly notifyResourceUpdated: (uri: string) => Effect.Effect<void>
  /**
   * Tells the sessions that the resource list changed though no component did: what a resource
   * template's `list` returns is other now (see {@link notifyResourceListChanged}).
   *
   * @since 0.2.0
   */
  readonly notifyResourceListChanged: () => Effect.Effect<void>
  /** The low-level server for the components registered now. */
  readonly lowLevel: () => LowLevelServer.LowLevelServer
  /** Serves one session over `transport` until its input ends. */
  readonly run: <E>(
    transport: Transport<E>,
    options?: LowLevelServer.RunOptions
  ) => Effect.Effect<void, E | TransportFailure>
}>()("effect-mcp-server/McpServer") {
  /** Provides a server with the given options; register components with the layers of this module. */
  static readonly layer = (options: Options): Layer.Layer<McpServer> => Layer.effect(McpServer, make(options))
}

/**
 * Builds the server service (the body of {@link McpServer.layer}).
 *
 * **Example** (A server run by hand, in a scope of its own)
 *
 * ```ts
 * const program = Effect.gen(function*() {
 *   const server = yield* McpServer.make({ name: "demo", version: "1.0.0" })
 *   yield* server.run(Stdio.make())
 * }).pipe(Effect.scoped)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<McpServer["Service"], never, Scope.Scope> =>
  Effect.gen(function*() {
    // A `TypeError` naming an option that is not what it takes (a module in JavaScript, options
    // from a configuration file), a `RangeError` naming one out of range: the build dies with it.
    // (`tasks` given as plain options, the form before 0.2.0, is an `Error` saying how to write it.)
    checkMcpServerOptions("McpServer", options)
    // The low-level server, which seals with these keys, is built by the first session: a bad key
    // or time to live found there would fail every session of a server that said it was serving.
    const badRequestState = checkRequestState(options.requestState)
    if (badRequestState !== undefined) return yield* Effect.die(new Error(`McpServer: ${badRequestState}`))
    const maxSubscriptions = options.maxSubscriptionsPerSession ?? 1_000
    // The listen streams each client holds open, for the server's life (not per low-level server,
    // which is made again as components change, nor per session: see `Listen.ListenSources.streams`).
    const listenStreams = {
      open: new Map<string, number>(),
      maxPerPrincipal: options.maxListenStreamsPerPrincipal ?? 16,
      maxPerAddress: options.maxListenStreamsPerAddress ?? Infinity,
      unknownAddressWarned: false
    }
    // The resources each open listen stream follows, by session and request id, for the server's
    // life (as `listenStreams`): what a stream's token checked again is judged by (see `rechecked`).
    const listening = new Map<ServerSession, Map<JsonRpc.RequestId, ReadonlyArray<string>>>()
    // Changed kinds accumulate in a set; a one-slot Queue wakes the notifier (however many changes).
    const dirty = new Set<Kind>()
    const wake = yield* Queue.sliding<void>(1)
    // Changes are counted so that a session is told only of changes made after it opened.
    let changeCount = 0
    // Changes of the middleware stack (see `current`).
    let stackChanges = 0
    // Changes counted that changed no component (`notifyResourceListChanged`): the low-level server
    // built for the components serves on (see `current`).
    let announced = 0
    const lastChange: Record<Kind, number> = { tool: 0, resource: 0, template: 0, prompt: 0 }
    const listeners = new Set<(kind: Kind) => void>()
    const updateListeners = new Set<(uri: string) => void>()
    const changed = (kind: Kind) => () => {
      lastChange[kind] = ++changeCount
      callEach(listeners, kind, "onChange")
      // Without a session nobody is told (a session opened later hears of later changes only).
      if (sessions.size === 0) return
      dirty.add(kind)
      wakeNotifier()
    }
    // What a template's `list` returns changed: a change of the resources, as sessions and
    // listeners hear of it.
    const announceResources = changed("resource")
    const tools = new Registry<Tool.Registered>(changed("tool"))
    const resources = new Registry<Resource.Registered>(changed("resource"), resourceKey)
    const templates = new Registry<Resource.RegisteredTemplate>(changed("template"))
    const prompts = new Registry<Prompt.Registered>(changed("prompt"))
    const sessions = new Map<ServerSession, number>()
    // The stack of registered middleware, outermost first, and the rank of each entry.
    const middleware: Array<Middleware.Middleware<never>> = []
    const ranks: Array<number> = []
    const extensions: Array<Extension.Extension<never>> = []
    const subscriptions = new Map<ServerSession, Set<string>>()
    // Each session's subscriptions by the resource their URI names (`identityOf`), to the URI as
    // the session wrote it: `x://a%2fb` and `x://a%2Fb` are one resource (reads agree), and so are
    // `x://a%2Fb` and `x://a/b` of `x://{+path}`: one subscription, told of an update of either
    // with the URI the session subscribed to. One entry per URI of the session's `subscriptions`:
    // those are its values, kept apart as the Set that answers at once whether a URI is subscribed
    // as written (an update nothing names now, a delivery) and that `McpServer.subscriptions`
    // shows. A session without subscriptions has an entry in neither.
    const subscribedKeys = new Map<ServerSession, Map<string, string>>()
    // The same subscriptions by what they follow, for the notifier: an update is told to the
    // sessions that follow it, not looked up in every session of the server. By the resource a
    // URI names, each session following it to the URI it subscribed to (`subscribedKeys`, the
    // other way round); by the URI as written, the sessions that subscribed to it (`subscriptions`,
    // the other way round). Entries per subscription only (an idle session has none); kept with
    // those two by `follow` and `unfollow`.
    const followersByKey = new Map<string, Map<ServerSession, string>>()
    const followersAsWritten = new Map<string, Set<ServerSession>>()
    const follow = (session: ServerSession, key: string, uri: string, written: boolean) => {
      let byKey = followersByKey.get(key)
      if (byKey === undefined) followersByKey.set(key, byKey = new Map())
      byKey.set(session, uri)
      if (!written) return
      let asWritten = followersAsWritten.get(uri)
      if (asWritten === undefined) followersAsWritten.set(uri, asWritten = new Set())
      asWritten.add(session)
    }
    const unfollow = (session: ServerSession, key: string, uri: string, written: boolean) => {
      const byKey = followersByKey.get(key)
      if (byKey?.delete(session) === true && byKey.size === 0) followersByKey.delete(key)
      if (!written) return
      const asWritten = followersAsWritten.get(uri)
      if (asWritten?.delete(session) === true && asWritten.size === 0) followersAsWritten.delete(uri)
    }
    // Updated resource URIs waiting to go out, oldest first; past `maxPendingUpdates` the oldest
    // are dropped (a client that missed one re-reads the resource at the next update anyway).
    const pendingUpdates: Array<string> = []

    // One notifier fiber, woken through `wake`. Coalesced list_changed: everything changed since
    // the last round goes out once per kind. Then resource updates reach the sessions subscribed
    // to their URI, in order. It starts (in this layer's scope) at the first change there is a
    // session to tell of: not on the start of every server, where the components registering are
    // changes no session can hear. It hands each session what it is owed (see `Owed`), and a fiber
    // of that session's delivers it: a client that does not read (its outbound Queue full) holds
    // its own notifications, not every other session's for as long as it does not read.
    const scope = yield* Effect.scope
    const runFork = Effect.runForkWith(yield* Effect.context<never>())
    let notifierStarted = false
    const wakeNotifier = () => {
      if (!notifierStarted) {
        notifierStarted = true
        runFork(Effect.forkIn(notifier, scope))
      }
      Queue.offerUnsafe(wake, undefined)
    }
    // A listener's failure is its own: the listeners after it, the sessions' notices and what made
    // the change (a registration; `addTool` in a handler) go on. A listener that threw stopped all
    // three. Logged once, with its message clipped (see `forLog`).
    const callEach = <A>(each: ReadonlySet<(value: A) => void>, value: A, hook: string) => {
      for (const listener of each) {
        try {
          listener(value)
        } catch (error) {
          runFork(Effect.logError(`effect-mcp-server: an McpServer.${hook} listener failed; going on`, forLog(Cause.die(error))))
        }
      }
    }
    const owed = new Map<ServerSession, Owed>()
    const notifier = Effect.forever(Effect.gen(function*() {
      yield* Queue.take(wake)
      const kinds = [...dirty]
      dirty.clear()
      const uris = pendingUpdates.splice(0)
      // Resource updates go to the sessions that follow them (`followersByKey`, looked up once per
      // update, each lookup matching the URI against the templates), in order; only when a
      // session subscribed.
      const updated = uris.length === 0 || subscribedKeys.size === 0 ? undefined : new Set<ServerSession>()
      if (updated !== undefined) {
        for (const written of uris) {
          const following = followersByKey.get(identityOf(written))
          if (following !== undefined) for (const [session, uri] of following) oweUpdate(session, uri, updated)
          // Else as written (the template that served it at subscription may be gone since).
          const asWritten = followersAsWritten.get(written)
          if (asWritten !== undefined) {
            for (const session of asWritten) if (following?.has(session) !== true) oweUpdate(session, written, updated)
          }
        }
      }
      // List changes, to every session open before them.
      if (kinds.length > 0) {
        for (const [session, openedAt] of sessions) {
          if (untied(session)) continue
          let entry: Owed | undefined
          for (const kind of kinds) {
            if (lastChange[kind] > openedAt) (entry ??= owed.get(session) ?? owe(session)).methods.add(listChangedMethod[kind])
          }
          if (entry !== undefined) yield* start(session, entry)
        }
      }
      if (updated !== undefined) for (const session of updated) yield* start(session, owed.get(session))
    }))
    // Neither a stateless session nor a 2026-07-28 connection is told anything untied (that era's
    // changes go on listen streams, see `Listen`).
    const untied = (session: ServerSession) => session.stateless || session.phase === "modern"
    const oweUpdate = (session: ServerSession, uri: string, updated: Set<ServerSession>) => {
      if (untied(session)) return
      const entry = owed.get(session) ?? owe(session)
      if (entry.uris.length === maxPendingUpdates) entry.uris.shift()
      entry.uris.push(uri)
      updated.add(session)
    }
    // A fiber of the session's delivers what it is owed, unless one does already.
    const start = (session: ServerSession, entry: Owed | undefined): Effect.Effect<void> => {
      if (entry === undefined || entry.running || (entry.methods.size === 0 && entry.uris.length === 0)) return Effect.void
      entry.running = true
      return Effect.map(Effect.forkIn(deliver(session, entry), scope), (fiber) => {
        entry.fiber = fiber
      })
    }
    const owe = (session: ServerSession): Owed => {
      const entry: Owed = { methods: new Set(), uris: [], running: false, fiber: undefined }
      owed.set(session, entry)
      return entry
    }
    // What a session is owed, in turn until none is left: its list changes first (one per
    // method however many came meanwhile), then its resource updates in order, each only while
    // the session is still subscribed (not after its unsubscribe).
    const deliver = (session: ServerSession, entry: Owed): Effect.Effect<void> =>
      Effect.gen(function*() {
        while (true) {
          if (entry.methods.size > 0) {
            const methods = [...entry.methods]
            entry.methods.clear()
            for (const method of methods) yield* session.notify(method)
            continue
          }
          const uri = entry.uris.shift()
          if (uri === undefined) {
            // In the step that found nothing left: the next round starts another, with a record
            // of its own (a session told of everything holds none).
            entry.running = false
            if (owed.get(session) === entry) owed.delete(session)
            return
          }
          if (subscriptions.get(session)?.has(uri) === true) yield* session.notify("notifications/resources/updated", { uri })
        }
      })

    // A session's subscription to `uri` (its `key` in `keys`, the session's `subscribedKeys`) ended.
    const dropSubscription = (session: ServerSession, keys: Map<string, string>, key: string, uri: string) => {
      keys.delete(key)
      subscriptions.get(session)?.delete(uri)
      unfollow(session, key, uri, true)
      if (keys.size === 0) {
        subscribedKeys.delete(session)
        subscriptions.delete(session)
      }
    }
    /**
     * A stream's token was checked again and stands for `principal` now (see
     * `SessionInput.rechecked`), judged by the middleware that guards resources (`Authorization`):
     * the standalone stream's (`related` undefined) session loses its subscriptions to the resources
     * the principal may no longer read (nothing else would stop their updates reaching it: the
     * subscription was judged when it was made, with another token); with `before` (the principal
     * the stream was last judged as), only those it could read: what the token lost. A token that
     * never granted a scope (a GET stream opened before the client stepped up on a 403
     * `insufficient_scope`, as the SDK clients do, keeping the stream) had the subscription made
     * with the stepped-up token dropped at its first check, its updates stopping without a word.
     * A listen stream gets the scopes it lacks for the resources it follows (it ends: its client
     * listens again, and is told what is accepted). Nothing without such a middleware.
     */
    const rechecked: Rechecked = (session, principal, related, before) => {
      const judges = resourceJudges([...(options.middleware ?? []), ...middleware])
      if (judges === undefined) return noScopes
      if (related !== undefined) {
        const followed = listening.get(session)?.get(related)
        return followed === undefined ? noScopes : lackedScopes(judges, followed, principal)
      }
      const keys = subscribedKeys.get(session)
      if (keys === undefined) return noScopes
      for (const [key, uri] of [...keys]) {
        if (lackedScopes(judges, [uri], principal).length === 0) continue
        if (before === undefined || lackedScopes(judges, [uri], before).length === 0) dropSubscription(session, keys, key, uri)
      }
      return noScopes
    }

    // A task call taken over from a replica that stopped runs the tool again (unless `runOnce`).
    const rerun = (name: string, args: unknown, context: RequestContext) => {
      const tool = tools.get(name)
      if (tool === undefined || tool.runOnce || tool.taskSupport === "forbidden") return undefined
      // The handler alone (the request's middleware ran where the call was made), with the server
      // in context as every request has it; made anew for each attempt of a retry.
      const run = () => Effect.provideService(tool.call(args, context), McpServer, service)
      const stack = [...(options.middleware ?? []), ...middleware, ...extensions.flatMap((extension) => extension.middleware ?? [])]
      // Under the `Retry`s of the stack, nested as they were around the call that made the task
      // (see `taskWorkRetry.ts`): without them, a retryable failure of the re-run ended the task.
      const retry = taskWorkRetryOf(stack, "tools/call")
      const work = retry === undefined ? run() : retry(run)
      // Its end mapped as the middleware around the call map it (`SizeLimit`: see
      // `taskExitMapping.ts`): a result over the limit was recorded whole.
      const mapping = taskExitMappingOf(stack, context)
      return mapping === undefined ? work : Effect.flatMap(Effect.exit(work), (exit) => mapping(exit, context.relatedTask?.taskId ?? ""))
    }
    const tasks = options.tasks === undefined ? undefined : yield* options.tasks.make(rerun, options.name)
    // A session holding a running task of its own (not a principal's): asked by a transport
    // choosing a session to end to make room. A stateless session owns no task.
    const holdsTasks = (session: ServerSession) => !session.stateless && tasks!.sessionRunsTasks(session.id)
    // Whether a component ever supported tasks (2025-11-25), and a tool (the 2026-07-28 extension):
    // the tasks it started outlive it, so once it is removed at run time their methods stay served
    // (a client holding a task id still reads, awaits and cancels it), though nothing offers tasks.
    let servedTasks = false
    let servedTaskTools = false

    const pageSize = options.pageSize
    // Each list's cursors name it and this server (see `cursorScopes`), made once.
    const scopes = cursorScopes(options.name)
    // One template whose `list` fails (its store is down, it lists a resource clients would refuse)
    // is left out of `resources/list`, logged once per failure with its messages clipped: the
    // registered resources and the other templates' are still listed (as FastMCP lists the
    // providers that answer). It made the whole list fail, hiding every resource behind one error.
    const listedBy = (template: Resource.RegisteredTemplate, context: RequestContext) =>
      Effect.flatMap(Effect.exit(template.list!(context)), (exit) =>
        Exit.isSuccess(exit)
          ? Effect.succeed(exit.value)
          : Effect.as(
            Effect.logError(
              `effect-mcp-server: resource template ${clip(template.uriTemplate, 64)} failed to list its resources; resources/list lists the others`,
              forLog(exit.cause)
            ),
            noResources
          ))
    /**
     * Whether `resources/read` would serve `uri` (a resource, or a template match whose variables
     * decode; nothing is read): what may be subscribed.
     */
    const served = (uri: string) => {
      const found = lookup(uri)
      return found !== undefined && (found.template === undefined || found.template.refusal(found.variables) === undefined)
    }
    // The last URI looked up, kept while the lists are the same: a listen asks whether a URI is
    // served, then the resource it names (one lookup, not two: each may match every template);
    // an update is looked up once for all the listen streams that hear it, not once per stream.
    let last:
      | { uri: string; resources: unknown; templates: unknown; found: ReturnType<typeof findResource>; key?: string }
      | undefined
    const lookup = (uri: string) => {
      const resourceList = resources.list()
      const templateList = templates.list()
      if (last !== undefined && last.uri === uri && last.resources === resourceList && last.templates === templateList) {
        return last.found
      }
      const found = findResource(resources, templates, uri)
      last = { uri, resources: resourceList, templates: templateList, found }
      return found
    }
    // The resource `uri` names, as subscriptions compare it (`resourceIdentity`).
    const identityOf = (uri: string): string => {
      const found = lookup(uri)
      const entry = last!
      return entry.key ??= resourceIdentity(found, uri)
    }
    const lowLevel = (): LowLevelServer.LowLevelServer => {
      const advertise = advertised(options.capabilities, extensions)
      const handlers: { -readonly [M in keyof LowLevelServer.RequestHandlers]: LowLevelServer.RequestHandlers[M] } = {}
      // Which requests may be task-augmented: those with a task-capable component right now
      // (`ToolInjection` reads the rule for tools again, to refuse its tools' task calls alike).
      const capable = (entries: ReadonlyArray<{ readonly value: { readonly taskSupport: Tool.TaskSupport } }>) =>
        tasks !== undefined && entries.some((entry) => entry.value.taskSupport !== "forbidden")
      const taskTools = capable(tools.list())
      const taskReads = capable(resources.list()) || capable(templates.list())
      const taskPrompts = capable(prompts.list())
      const taskRequests = [
        ...(taskTools ? ["tools/call" as const] : []),
        ...(taskReads ? ["resources/read" as const] : []),
        ...(taskPrompts ? ["prompts/get" as const] : [])
      ]
      servedTasks ||= taskRequests.length > 0
      servedTaskTools ||= taskTools
      if (tools.size > 0 || advertise.tools === true) {
        handlers["tools/list"] = listOf(
          tools,
          pageSize,
          scopes.tools,
          "tool",
          // Without the tasks capability, `execution` would promise what the server does not do.
          (tool) => taskTools ? tool.wire : withoutExecution(tool.wire),
          (tools, nextCursor) => withCursor({ tools }, nextCursor)
        )
        handlers["tools/call"] = (params, context) => {
          const tool = tools.get(params.name)
          if (tool === undefined) return Exit.fail(McpError.invalidParams(`Unknown tool: ${clip(params.name)}`))
          // 2026-07-28 over HTTP: arguments mirrored in `Mcp-Param-*` headers must agree (SEP-2243).
          // (A tool that cannot be described has nothing to check: its call refuses it, naming it.)
          const wire = context.http === undefined ? undefined : wireOf(tool)
          const mismatch = wire === undefined ? undefined : headerMismatch(wire, params.arguments, context)
          if (mismatch !== undefined) return Exit.fail(mismatch)
          if (!taskTools) return tool.call(params.arguments, context) // no tasks capability: `task` is ignored
          // A tool that cannot be described: its call refuses it, naming it, before any task is made.
          if (wire === undefined && wireOf(tool) === undefined) return tool.call(params.arguments, context)
          return tasks!.run(
            context,
            "tools/call",
            `Tool ${tool.name}`,
            tool.taskSupport,
            params.task,
            (context) => tool.call(params.arguments, context),
            tool.runOnce ? undefined : { tool: tool.name, arguments: params.arguments }
          )
        }
      }
      if (advertise.resources === true || resources.size > 0 || templates.size > 0) {
        handlers["resources/list"] = (params, context) => {
          const page = Pagination.paginate(resources.list(), params.cursor, pageSize, scopes.resources)
          if (page._tag === "Failure") return Exit.fail(page.failure)
          const listed = page.success.items.map((entry) => entry.value.wire)
          // Resources listed by templates come after the registered ones, on the last page.
          const listers = page.success.nextCursor === undefined
            ? templates.list().filter((entry) => entry.value.list !== undefined)
            : []
          if (listers.length === 0) return Exit.succeed(withCursor({ resources: listed }, page.success.nextCursor))
          return Effect.map(
            Effect.forEach(listers, (entry) => listedBy(entry.value, context)),
            (lists) => {
              const result = { resources: listed.concat(...lists) }
              // A template left out (its `list` failed): a cache must not keep this answer.
              return lists.includes(noResources) ? markPartial(result) : result
            }
          )
        }
        handlers["resources/templates/list"] = listOf(
          templates,
          pageSize,
          scopes.resourceTemplates,
          "resource template",
          (template) => template.wire,
          (resourceTemplates, nextCursor) => withCursor({ resourceTemplates }, nextCursor)
        )
        handlers["resources/read"] = (params, context) => {
          // The URI as written first; its normal form only when that names nothing (see `findResource`).
          const found = findResource(resources, templates, params.uri)
          if (found === undefined) return Exit.fail(McpError.resourceNotFound(params.uri))
          const resource = found.resource
          if (resource !== undefined) {
            if (!taskReads) return resource.read(context)
            return tasks!.run(context, "resources/read", `Resource ${resource.uri}`, resource.taskSupport, params.task, (context) =>
              resource.read(context))
          }
          const template = found.template
          // Matched once: a read run later as a task gets the variables found here.
          const variables = found.variables
          if (!taskReads) return template.readMatch(params.uri, variables, context)
          return tasks!.run(context, "resources/read", `Resource ${params.uri}`, template.taskSupport, params.task, (context) =>
            template.readMatch(params.uri, variables, context))
        }
        handlers["resources/subscribe"] = (params, context) => {
          if (context.session.stateless) return Exit.fail(notOfferedStateless("resources/subscribe"))
          const uri = params.uri
          if (uri.length > maxSubscriptionUriLength) {
            return Exit.fail(McpError.invalidParams(`Resource URI too long: more than ${maxSubscriptionUriLength} characters`))
          }
          // Only what resources/read would serve (a template match counts; nothing is read).
          const found = findResource(resources, templates, uri)
          if (found === undefined) {
            return Exit.fail(McpError.resourceNotFound(uri))
          }
          // Nor a URI whose template variables do not decode: -32602, as its read answers.
          const refused = found.template?.refusal(found.variables)
          if (refused !== undefined) return refused
          const uris = subscriptions.get(context.session)
          const keys = subscribedKeys.get(context.session)
          // The same resource written otherwise (`%2f` for `%2F`, `a%2Fb` for `a/b` of `{+path}`) is not a new subscription.
          const key = resourceIdentity(found, uri)
          if (keys?.has(key) === true) return Exit.succeed({})
          if (keys !== undefined && uris?.has(uri) === true) {
            // Subscribed as written, by what it named then (a resource came or went since): one
            // subscription still, now by what it names now. Kept under both, unsubscribing left
            // the other entry, and subscribing again found it and kept nothing (never told).
            for (const [k, u] of keys) {
              if (u === uri) {
                keys.delete(k)
                unfollow(context.session, k, uri, false)
              }
            }
            keys.set(key, uri)
            follow(context.session, key, uri, false)
            return Exit.succeed({})
          }
          if ((uris?.size ?? 0) >= maxSubscriptions) {
            return Exit.fail(McpError.limitExceeded(
              `Too many resource subscriptions in this session (at most ${maxSubscriptions})`,
              "subscriptions",
              { max: maxSubscriptions }
            ))
          }
          // Only for a live session this server runs: no other could be told, nor would its entry be dropped.
          if (!sessions.has(context.session)) return Exit.succeed({})
          if (uris === undefined) subscriptions.set(context.session, new Set([uri]))
          else uris.add(uri)
          if (keys === undefined) subscribedKeys.set(context.session, new Map([[key, uri]]))
          else keys.set(key, uri)
          follow(context.session, key, uri, true)
          return Exit.succeed({})
        }
        handlers["resources/unsubscribe"] = (params, context) => {
          if (context.session.stateless) return Exit.fail(notOfferedStateless("resources/unsubscribe"))
          const keys = subscribedKeys.get(context.session)
          let key = keys === undefined ? undefined : identityOf(params.uri)
          let uri = key === undefined ? undefined : keys!.get(key)
          // Else as written (the template that served it at subscription may be gone since).
          if (uri === undefined && keys !== undefined && subscriptions.get(context.session)?.has(params.uri) === true) {
            for (const [k, u] of keys) {
              if (u === params.uri) key = k
            }
            uri = params.uri
          }
          if (uri === undefined) return Exit.succeed({})
          dropSubscription(context.session, keys!, key!, uri)
          return Exit.succeed({})
        }
      }
      if (advertise.prompts === true || prompts.size > 0) {
        handlers["prompts/list"] = listOf(
          prompts,
          pageSize,
          scopes.prompts,
          "prompt",
          (prompt) => prompt.wire,
          (prompts, nextCursor) => withCursor({ prompts }, nextCursor)
        )
        handlers["prompts/get"] = (params, context) => {
          const prompt = prompts.get(params.name)
          if (prompt === undefined) return Exit.fail(McpError.invalidParams(`Unknown prompt: ${clip(params.name)}`))
          if (!taskPrompts) return prompt.get(params.arguments, context)
          return tasks!.run(context, "prompts/get", `Prompt ${prompt.name}`, prompt.taskSupport, params.task, (context) =>
            prompt.get(params.arguments, context))
        }
      }
      const completes = prompts.list().some((entry) => entry.value.complete !== undefined) ||
        templates.list().some((entry) => entry.value.complete !== undefined)
      if (completes) {
        handlers["completion/complete"] = (params, context) => {
          const ref = params.ref
          const complete = ref.type === "ref/prompt" ? prompts.get(ref.name) : templates.get(ref.uri)
          // `ref/resource` names "the URI or URI template of the resource": a fixed resource's URI
          // has nothing to complete, but is no unknown reference (as the SDK's servers answer);
          // however it is written (`FIXED://a`, `x://%61`), as `resources/read` serves it.
          if (
            complete === undefined && ref.type === "ref/resource" && resources.size > 0 &&
            findResource(resources, templates, ref.uri)?.resource !== undefined
          ) {
            return Exit.succeed(Completion.empty)
          }
          if (complete === undefined) {
            const what = ref.type === "ref/prompt" ? `prompt: ${clip(ref.name)}` : `resource template: ${clip(ref.uri)}`
            return Exit.fail(McpError.invalidParams(`Unknown ${what}`))
          }
          if (complete.complete === undefined) return Exit.succeed(Completion.empty)
          return complete.complete(params.argument.name, params.argument.value, {
            arguments: params.context?.arguments ?? {}
          }, context)
        }
      }
      if (servedTasks) Object.assign(handlers, tasks!.handlers)
      return LowLevelServer.make({
        serverInfo: serverInfoOf(options),
        instructions: options.instructions,
        handlers,
        taskRequests,
        listChanged: { tools: true, resources: true, prompts: true },
        logging: options.logging,
        middleware: [...(options.middleware ?? []), ...middleware],
        modernMethods: {
          "subscriptions/listen": Listen.method({
            serves: {
              tools: handlers["tools/list"] !== undefined,
              prompts: handlers["prompts/list"] !== undefined,
              resources: handlers["resources/list"] !== undefined
            },
            onChange: service.onChange,
            onResourceUpdated: service.onResourceUpdated,
            resourceExists: (uri) =>
              uri.length <= maxSubscriptionUriLength && served(uri),
            resourceIdentity: identityOf,
            maxResourceSubscriptions: maxSubscriptions,
            streams: listenStreams,
            following: listening,
            tasks: servedTaskTools ? tasks!.listen : undefined
          })
        },
        // The tasks extension is declared to 2026-07-28 requests when a tool supports tasks (or did).
        extensions: servedTaskTools ? [tasks!.extension, ...extensions] : [...extensions],
        supportedVersions: options.supportedVersions,
        unsupportedVersion: options.unsupportedVersion,
        // Ended, a session costs the tasks it owns (see `sessionClosed` below).
        holdsWork: tasks === undefined ? undefined : holdsTasks,
        rechecked,
        requestState: options.requestState,
        latest: current
      })
    }

    // Sessions share one low-level server until a component list, the middleware or the extensions
    // change. Checked per 2026-07-28 or stateless request (`LowLevelServer.Options.latest`): one
    // number for the components and the middleware stack (changed only through `stack`), and the
    // extensions, few, compared by identity.
    let cached: {
      readonly revision: number
      readonly extensions: ReadonlyArray<unknown>
      readonly server: LowLevelServer.LowLevelServer
    } | undefined
    const current = (): LowLevelServer.LowLevelServer => {
      const revision = changeCount - announced + stackChanges
      if (cached !== undefined && cached.revision === revision && sameExtensions(cached.extensions)) {
        return cached.server
      }
      cached = { revision, extensions: [...extensions], server: lowLevel() }
      return cached.server
    }
    const sameExtensions = (seen: ReadonlyArray<unknown>): boolean => {
      if (seen.length !== extensions.length) return false
      for (let i = 0; i < seen.length; i++) if (seen[i] !== extensions[i]) return false
      return true
    }

    const run = <E>(transport: Transport<E>, runOptions?: LowLevelServer.RunOptions): Effect.Effect<void, E | TransportFailure> =>
      current().run(transport, {
        ...runOptions,
        onOpen: (session) => {
          sessions.set(session, changeCount)
          runOptions?.onOpen?.(session)
        },
        onClose: (session) => {
          sessions.delete(session)
          const keys = subscribedKeys.get(session)
          if (keys !== undefined) for (const [key, uri] of keys) unfollow(session, key, uri, true)
          subscriptions.delete(session)
          subscribedKeys.delete(session)
          // Its deliverer may wait for room in an outbound Queue nobody takes from any more.
          const entry = owed.get(session)
          owed.delete(session)
          if (entry?.running === true && entry.fiber !== undefined) runFork(Fiber.interrupt(entry.fiber))
          // A stateless session is shared by clients whose tasks outlive it in the same process.
          if (!session.stateless) tasks?.sessionClosed(session.id)
          runOptions?.onClose?.(session)
        }
      }).pipe(
        Effect.provide(clientLogger),
        // Handlers and middleware find the server in every request (so registrations need not capture it).
        Effect.provideService(McpServer, service)
      )

    // The two reports, delivered to this replica's sessions, listen streams and listeners.
    const resourceListChangedHere = () => {
      announced++
      announceResources()
    }
    const resourceUpdatedHere = (uri: string) => {
      callEach(updateListeners, uri, "onResourceUpdated")
      if (sessions.size === 0) return
      if (pendingUpdates.length === maxPendingUpdates) pendingUpdates.shift()
      pendingUpdates.push(uri)
      wakeNotifier()
    }
    // The other replicas (`ReplicaChanges`, provided with the Redis stores when asked): the
    // reports made here are sent to them, theirs delivered here as if made here (not sent back).
    const replicas = Option.getOrUndefined(yield* Effect.serviceOption(ReplicaChanges))
    if (replicas !== undefined) {
      const stop = replicas.subscribe((change: Change) => {
        // Another server's, given the same channel by mistake: not this one's resources.
        if (change.server !== options.name) return
        if (change._tag === "ResourceUpdated") resourceUpdatedHere(change.uri)
        else resourceListChangedHere()
      })
      yield* Effect.addFinalizer(() => Effect.sync(stop))
    }

    const service: McpServer["Service"] = McpServer.of({
      options,
      tools,
      resources,
      templates,
      prompts,
      middleware,
      stack: (rank, added) => {
        // Throws (nothing stacked) when one of them injects a tool another injects already.
        const forget = injectTools(service, added)
        stackChanges++
        let at = 0
        while (at < ranks.length && ranks[at]! <= rank) at++
        middleware.splice(at, 0, ...added)
        ranks.splice(at, 0, ...added.map(() => rank))
        return () => {
          forget()
          stackChanges++
          for (const m of added) {
            // This registration's entry (the same middleware may be in the stack twice, at two ranks).
            let index = -1
            for (let i = 0; i < middleware.length && index === -1; i++) if (middleware[i] === m && ranks[i] === rank) index = i
            if (index !== -1) {
              middleware.splice(index, 1)
              ranks.splice(index, 1)
            }
          }
        }
      },
      extensions,
      sessions,
      subscriptions,
      onChange: (listener) => {
        listeners.add(listener)
        return () => void listeners.delete(listener)
      },
      onResourceUpdated: (listener) => {
        updateListeners.add(listener)
        return () => void updateListeners.delete(listener)
      },
      notifyResourceListChanged: () =>
        Effect.sync(() => {
          resourceListChangedHere()
          replicas?.publish({ _tag: "ResourceListChanged", server: options.name })
        }),
      notifyResourceUpdated: (uri) =>
        Effect.sync(() => {
          resourceUpdatedHere(uri)
          replicas?.publish({ _tag: "ResourceUpdated", server: options.name, uri })
        }),
      lowLevel,
      run
    })
    // Tools a middleware given in the options injects, known to the middleware that judge a call
    // without calling it (Authorization, ResponseCache) for the server's life.
    const injectedTwice = recordInjected(service, options.middleware ?? [])
    if (injectedTwice !== undefined) return yield* Effect.die(injectedTwice)
    return service
  })

/** No scopes lacking (see `rechecked` in {@link make}). */
const noScopes: ReadonlyArray<string> = []

/**
 * Records the tools `middleware` inject into `server` (see `internal/injectedTools.ts`): the
 * error naming a tool another middleware injects already, else nothing; `onRecorded` gets what
 * forgets them (those of the options are forgotten with the server).
 */
const recordInjected = (
  server: object,
  middleware: ReadonlyArray<object>,
  onRecorded?: (forget: () => void) => void
): unknown => {
  try {
    const forget = injectTools(server, middleware)
    onRecorded?.(forget)
    return undefined
  } catch (error) {
    return error
  }
}

// ---------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------

/**
 * Background tasks, enabled for a server (`Options.tasks`): components opt in with
 * `execution.taskSupport` (tools) or `taskSupport` (resources, templates, prompts), and the
 * `tasks` capability is advertised when a session starts and a task-capable component exists.
 * Tasks are kept in the `TaskStore` in context, else in memory with these limits, shared fairly:
 * by default at most 10,000 tasks (`maxTasks`), 100 per requestor (`maxTasksPerOwner`: a
 * principal, else a session, else an anonymous stateless caller's address) and 500 per client
 * address for anonymous HTTP callers across their sessions (`maxTasksPerAddress`; principals are
 * not counted by address); a TTL of at most 1 hour (`maxTtlMillis`), which also bounds the work.
 * Past a limit, task creation is answered 429 with `data.limit` `"tasksPerRequestor"`,
 * `"tasksPerAddress"` or `"tasks"` and `data.max`. A task's stored result (or error) is at most
 * `maxResultBytes` of JSON (4 MiB by default): a larger one is not kept, the task ends `failed`
 * with a -32603 naming the limit. Behind a reverse proxy, set `clientAddress`.
 * An option out of range (a limit that is `NaN` or below 1, a TTL of 0) is a `RangeError` here.
 *
 * Only a server that calls this carries the task machinery: a bundler drops it from the others, and
 * Node loads it when such a server starts (a server without tasks never does).
 *
 * @example
 * ```ts
 * import * as Effect from "effect/Effect"
 * import * as Layer from "effect/Layer"
 * import * as Schema from "effect/Schema"
 * import { McpServer, Stdio } from "effect-mcp-server"
 *
 * const Report = McpServer.tool({
 *   name: "report",
 *   parameters: { month: Schema.String },
 *   execution: { taskSupport: "optional" },
 *   handler: ({ month }) => Effect.succeed(`report for ${month}`)
 * })
 *
 * McpServer.serve({ name: "reports", version: "1.0.0", tasks: McpServer.tasks({ maxTasksPerOwner: 20 }) }, Report, Stdio.make())
 *   .pipe(Stdio.runMain)
 * ```
 *
 * @since 0.2.0
 * @category tasks
 */
export const tasks = (options: TaskOptions = {}): Tasks => {
  checkTaskOptions(options)
  return {
    _tag: "Tasks",
    options,
    make: (rerun, server) => Effect.flatMap(taskMachinery, (machinery) => machinery.make(options, rerun, server))
  }
}

/**
 * The task machinery, imported when a server with tasks starts (`Tasks.make`): a server without
 * them (most stdio servers) never loads the supervisor, the relay and the 2026-07-28 extension,
 * a dozen modules of its start ({@link tasks} checks its options with `tasks/internal/memoryOptions.ts`). Bundlers get a static import instead (`scripts/build.ts` writes the
 * `.bundler.js` variants, reached through the `module` export condition): keep this line as it
 * is, the build looks for it.
 */
const taskMachinery = Effect.promise(() => import("./internal/tasks.ts"))

/**
 * The limits and settings of {@link tasks}: the in-memory store's limits, list paging, the client address, promotion, leases
 * and the bound on a task's stored result (`maxResultBytes`).
 *
 * @since 0.2.0
 * @category models
 */
export type TaskOptions = TaskOptionsOf

/**
 * Background tasks enabled for a server: made by {@link tasks}, given as `Options.tasks`.
 *
 * @since 0.2.0
 * @category models
 */
export interface Tasks {
  readonly _tag: "Tasks"
  /** The settings it was made with. */
  readonly options: TaskOptions
  /** @internal Builds the task machinery in the server's scope. */
  readonly make: (
    rerun: (tool: string, args: unknown, context: RequestContext) => Effect.Effect<object, McpError.McpError> | undefined,
    server?: string | undefined
  ) => Effect.Effect<TaskMachinery.ServerTasks, never, Scope.Scope>
}

/**
 * What a handler that needs a `Scope` is told, at compile time: none is given per call (see
 * `Middleware.NeedsEffectScoped`). Open one per call: `Effect.scoped` around what needs it.
 *
 * @since 0.2.0
 * @category registration
 */
export type NeedsEffectScoped = Middleware.NeedsEffectScoped

/**
 * Nothing when `R` (what the handler `K` of a definition needs) has no `Scope`; else the
 * requirement, on that handler, of {@link NeedsEffectScoped}, which no handler meets: the error
 * points at it.
 *
 * @since 0.2.0
 * @category registration
 */
export type ScopeFree<R, K extends string> = [Extract<R, Scope.Scope>] extends [never] ? unknown
  : { readonly [_ in K]: NeedsEffectScoped }

/**
 * {@link ScopeFree} for completers, by name (`RC`: what each needs).
 *
 * @since 0.2.0
 * @category registration
 */
export type ScopeFreeCompleters<RC> = [ScopedKeys<RC>] extends [never] ? unknown
  : { readonly complete: { readonly [K in ScopedKeys<RC>]: NeedsEffectScoped } }

/**
 * The services a prompt's or template's completers need, from what was inferred for each: a
 * completer given as `undefined` (`complete: { n: undefined }`, or from untyped code) is inferred
 * as needing `unknown`, which would make the whole Layer need `unknown`; it needs nothing.
 *
 * @since 0.2.0
 * @category registration
 */
export type CompleterServices<RC> = { readonly [K in keyof RC]-?: unknown extends RC[K] ? never : RC[K] }[keyof RC]

type ScopedKeys<RC> = { readonly [K in keyof RC]-?: [Extract<RC[K], Scope.Scope>] extends [never] ? never : K }[keyof RC]

/**
 * A Layer that registers a tool while it is alive.
 *
 * Its name should follow MCP's rule (2025-11-25, SEP-986): 1 to 128 characters, each a letter
 * A-Z a-z, a digit, `_`, `-` or `.`. One that does not is served, with a warning logged once; an
 * empty name, or a name another component Layer registers too, fails the Layer's build (to
 * replace a tool while the server runs, use {@link addTool}).
 *
 * Lists (`tools/list`, and alike `resources/list`, `resources/templates/list`, `prompts/list`)
 * give components in the order their Layers were **made** (this call), as the middleware stack
 * is, not the order they happen to be built in (`Layer.mergeAll` builds them concurrently, and one
 * waiting for I/O would finish last): the same on every run and every replica, whose cursors one
 * another take. Components added at run time ({@link addTool}...) come after, in the order added.
 * A Layer made while the server builds (inside `Layer.unwrap`, after I/O) takes its place then.
 *
 * **Example** (A tool with typed parameters and a declared failure)
 *
 * ```ts
 * class NotFound extends Schema.TaggedError<NotFound>()("NotFound", { id: Schema.String }) {}
 * const Lookup = McpServer.tool({
 *   name: "lookup",
 *   description: "Finds an item",
 *   parameters: { id: Schema.String },
 *   success: Schema.Struct({ id: Schema.String, title: Schema.String }),
 *   failure: NotFound,
 *   handler: ({ id }) => id === "1" ? Effect.succeed({ id, title: "One" }) : Effect.fail(new NotFound({ id }))
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const tool = <
  const P extends Tool.Parameters | undefined = undefined,
  S extends Tool.EncodedWithoutServices | undefined = undefined,
  F extends Tool.EncodedWithoutServices | undefined = undefined,
  R = never
>(
  definition: Tool.Definition<P, S, F, R> & ScopeFree<R, "handler">
): Layer.Layer<never, never, McpServer | Exclude<R, McpRequestContext>> =>
  registerWhileAlive(toolRegistration(definition), definitionSite(tool))

/**
 * A Layer that registers a resource at a fixed URI while it is alive.
 *
 * Its `uri` must start with its scheme (MCP requires RFC 3986 URIs: `file:///notes/today.md`,
 * `notes://today`, not `notes/today.md`) and its `name` must not be empty: the Layer's build
 * fails otherwise, naming the resource.
 *
 * **Example** (A resource at a fixed URI)
 *
 * ```ts
 * const Today = McpServer.resource({
 *   uri: "notes://today",
 *   name: "today",
 *   mimeType: "text/markdown",
 *   read: Effect.succeed("# Today")
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const resource = <R = never>(
  definition: Resource.Definition<R> & ScopeFree<R, "read">
): Layer.Layer<never, never, McpServer | Exclude<R, McpRequestContext>> => registerWhileAlive(resourceRegistration(definition), definitionSite(resource))

/**
 * {@link resource}, its refusal (a URI given twice, a definition no client could use) pointing at
 * `place` (a path, or a site captured with `definitionSite`) instead of the line that called it: for the library's own callers that register
 * resources on their user's behalf (`Skills.layer`, each skill file at that file), whose line
 * in the library would tell the user nothing.
 *
 * @internal
 *
 * @since 0.2.0
 * @category constructors
 */
export const resourceAt = <R = never>(
  definition: Resource.Definition<R> & ScopeFree<R, "read">,
  place: string | Site
): Layer.Layer<never, never, McpServer | Exclude<R, McpRequestContext>> => registerWhileAlive(resourceRegistration(definition), place)

/**
 * A Layer that registers a resource template while it is alive.
 *
 * `resources/read` of a URI that a fixed resource has reads that resource; else the first
 * template, in the order of `resources/templates/list` (see {@link tool}: the order in which the
 * Layers were made; one added again at run time with the same `uriTemplate` moves last), whose
 * `uriTemplate` matches the URI reads it,
 * even when its `params` then refuse the variables (-32602): a URI matching two templates goes to
 * the earlier one. A URI that names nothing as written is looked up again in its RFC 3986 normal
 * form (scheme in lower case, `%2f` as `%2F`, `%61` as `a`): a fixed resource first, then the
 * templates, their literal scheme in either case. Subscriptions agree (one resource, one
 * subscription, told with the URI the client subscribed to), also where a template's variables
 * are spelled otherwise (`docs://a%2Fb` and `docs://a/b` are one read of `docs://{+path}`).
 *
 * Its `uriTemplate` must give URIs that start with their scheme (`notes://{day}`, not
 * `notes/{day}`; a scheme from a variable, `{scheme}://{path}`, is taken) and its `name` must not
 * be empty: the Layer's build fails otherwise, naming the template.
 *
 * **Example** (A note per name)
 *
 * ```ts
 * const notes = new Map<string, string>([["today", "# Today"]])
 * const Notes = McpServer.resourceTemplate({
 *   uriTemplate: "notes://{name}",
 *   name: "note",
 *   params: { name: Schema.String },
 *   list: Effect.sync(() => [...notes.keys()].map((name) => ({ uri: `notes://${name}`, name }))),
 *   read: ({ name }) => Effect.succeed(notes.get(name) ?? "")
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const resourceTemplate = <
  const Params extends Resource.TemplateParams = {},
  R = never,
  RL = R,
  RC = { readonly [K in keyof Params]: R }
>(
  definition: Resource.TemplateDefinition<Params, R, RL, RC> & ScopeFree<R, "read"> & ScopeFree<RL, "list"> & ScopeFreeCompleters<RC>
): Layer.Layer<never, never, McpServer | Exclude<R | RL | CompleterServices<RC>, McpRequestContext>> =>
  registerWhileAlive(templateRegistration(definition), definitionSite(resourceTemplate))

/**
 * A Layer that registers a prompt while it is alive. An empty `name` fails the Layer's build; MCP
 * gives prompt names no other rule (`review code` is served as it is).
 *
 * **Example** (A prompt with one argument)
 *
 * ```ts
 * const Review = McpServer.prompt({
 *   name: "review",
 *   description: "Reviews a piece of code",
 *   arguments: { code: Schema.String },
 *   handler: ({ code }) => Effect.succeed(`Review this code:\n${code}`)
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const prompt = <const Args extends Prompt.Arguments = {}, R = never, RC = { readonly [K in keyof Args]: R }>(
  definition: Prompt.Definition<Args, R, RC> & ScopeFree<R, "handler"> & ScopeFreeCompleters<RC>
): Layer.Layer<never, never, McpServer | Exclude<R | CompleterServices<RC>, McpRequestContext>> =>
  registerWhileAlive(promptRegistration(definition), definitionSite(prompt))

/**
 * A Layer that adds middleware to the server while it is alive, in the given order: the first is
 * the outermost (it sees messages first and results last). The stack does not depend on the order
 * in which Layers happen to be built (`Layer.mergeAll` builds them concurrently): middleware from
 * several such Layers are stacked in the order the Layers were **made** (this call, or
 * {@link middlewareFrom}), after `options.middleware`; a Layer made at a module's top level (such
 * as `Telemetry.layer`) is made when its module is imported. Give one Layer several middlewares to
 * state their order in one place. The services the hooks need are captured when the Layer is built.
 *
 * **Example** (Logging around an authentication middleware)
 *
 * ```ts
 * const Stack = McpServer.middleware(Logging.middleware(), Authentication)
 * McpServer.serve(options, Layer.mergeAll(Stack, Tools), Stdio.make())
 * ```
 *
 * @since 0.1.0
 * @category middleware
 */
export const middleware = <const M extends ReadonlyArray<Middleware.Middleware<any>>>(
  ...middlewares: M
): Layer.Layer<never, never, McpServer | Exclude<Middleware.Services<M[number]>, Scope.Scope>> => {
  checkMiddlewares("McpServer.middleware", middlewares)
  return stacked(++middlewareLayersMade, Effect.succeed(middlewares), undefined)
}

/**
 * {@link middleware} for middleware that has to be built first (reading configuration or services):
 * the Layer builds `make` and adds the result, at the place in the stack this call takes (the order
 * in which Layers are made, as for {@link middleware}).
 *
 * @since 0.2.0
 * @category middleware
 * @example
 * ```ts
 * export const layer = (config: Config) => McpServer.middlewareFrom(make(config))
 * ```
 */
export const middlewareFrom = <M extends Middleware.Middleware<any>, E = never, R2 = never>(
  make: Effect.Effect<M | ReadonlyArray<M>, E, R2>
): Layer.Layer<never, E, McpServer | Exclude<R2 | Middleware.Services<M>, Scope.Scope>> =>
  stacked(++middlewareLayersMade, make, "McpServer.middlewareFrom")

/** How many middleware Layers were made so far: each one's rank in the stack. */
let middlewareLayersMade = 0

/** `who`: the function whose made middleware is checked here (`middleware` checks its arguments when called). */
const stacked = <E, R2>(
  rank: number,
  make: Effect.Effect<Middleware.Middleware<any> | ReadonlyArray<Middleware.Middleware<any>>, E, R2>,
  who: string | undefined
): Layer.Layer<never, E, any> =>
  Layer.effectDiscard(Effect.gen(function*() {
    const server = yield* McpServer
    const made = yield* make
    const context = captured(yield* Effect.context<any>())
    const list = Array.isArray(made) ? made as ReadonlyArray<Middleware.Middleware<any>> : [made as Middleware.Middleware<any>]
    if (who !== undefined) yield* Effect.try({ try: () => checkMiddlewares(who, list), catch: (error) => error }).pipe(Effect.orDie)
    const provided = list.map((m) => Middleware.provide(m, context))
    yield* Effect.acquireRelease(Effect.sync(() => server.stack(rank, provided)), (remove) => Effect.sync(remove))
  }))

/**
 * Registers an extension (see {@link Extension}): the server declares it in
 * `capabilities.extensions` and serves its methods, through the server's middleware, to the
 * protocol versions it is for. The services its methods and middleware need are captured when the
 * Layer is built. Components the extension needs (tools, resources) are ordinary Layers beside it.
 *
 * @since 0.2.0
 * @category extensions
 * @example
 * ```ts
 * const Units = Extension.make({ id: "com.example/units", settings: { system: "metric" } })
 *
 * McpServer.serve(options, Layer.mergeAll(McpServer.extension(Units), Tools), Stdio.make())
 * ```
 */
export const extension = <R = never>(
  definition: Extension.Extension<R>
): Layer.Layer<never, never, McpServer | Exclude<R, Scope.Scope>> => {
  const site = definitionSite(extension)
  return Layer.effectDiscard(Effect.gen(function*() {
    const server = yield* McpServer
    if (server.extensions.some((e) => e.id === definition.id)) {
      return yield* Effect.die(
        new RegistrationError({
          component: `Extension ${definition.id}`,
          site: siteOf(site),
          message: `McpServer.extension: ${definition.id} is registered twice`
        })
      )
    }
    const context = captured(yield* Effect.context<Exclude<R, Scope.Scope>>()) as Context.Context<R>
    const provided = Extension.provide(
      definition,
      // As components and middleware: what the fiber has wins, merged once per pair of contexts
      // (the request's `McpRequestContext` is given where the method is routed, `Extension.routeHandler`).
      (effect) =>
        context.mapUnsafe.size === 0 || isExit(effect)
          ? effect as Effect.Effect<any, any>
          : Effect.updateContext(effect, (current: Context.Context<never>) => filled(context, current) as Context.Context<any>),
      (m) => Middleware.provide(m, context)
    )
    // Tools its middleware injects, as for middleware Layers (see `stack`).
    let forget: () => void = () => {}
    const injectedTwice = recordInjected(server, provided.middleware ?? [], (f) => forget = f)
    if (injectedTwice !== undefined) return yield* Effect.die(injectedTwice)
    server.extensions.push(provided)
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        forget()
        const index = server.extensions.indexOf(provided)
        if (index !== -1) server.extensions.splice(index, 1)
      })
    )
  }))
}

// ---------------------------------------------------------------------------
// Changes at run time
// ---------------------------------------------------------------------------

/**
 * Adds (or replaces) a tool while the server runs; sessions are told the list changed.
 *
 * @since 0.1.0
 * @category registration
 */
export const addTool = <
  const P extends Tool.Parameters | undefined = undefined,
  S extends Tool.EncodedWithoutServices | undefined = undefined,
  F extends Tool.EncodedWithoutServices | undefined = undefined,
  R = never
>(
  definition: Tool.Definition<P, S, F, R> & ScopeFree<R, "handler">
): Effect.Effect<void, never, McpServer | Exclude<R, McpRequestContext>> =>
  Effect.asVoid(register(toolRegistration(definition), undefined, definitionSite(addTool)))

/**
 * Adds (or replaces) a resource while the server runs: one of the same URI, however spelled (`x://caf%c3%a9` is `x://café`).
 *
 * @since 0.1.0
 * @category registration
 */
export const addResource = <R = never>(
  definition: Resource.Definition<R> & ScopeFree<R, "read">
): Effect.Effect<void, never, McpServer | Exclude<R, McpRequestContext>> =>
  Effect.asVoid(register(resourceRegistration(definition), undefined, definitionSite(addResource)))

/**
 * Adds (or replaces) a resource template while the server runs.
 *
 * @since 0.1.0
 * @category registration
 */
export const addResourceTemplate = <
  const Params extends Resource.TemplateParams = {},
  R = never,
  RL = R,
  RC = { readonly [K in keyof Params]: R }
>(
  definition: Resource.TemplateDefinition<Params, R, RL, RC> & ScopeFree<R, "read"> & ScopeFree<RL, "list"> & ScopeFreeCompleters<RC>
): Effect.Effect<void, never, McpServer | Exclude<R | RL | CompleterServices<RC>, McpRequestContext>> =>
  Effect.asVoid(register(templateRegistration(definition), undefined, definitionSite(addResourceTemplate)))

/**
 * Adds (or replaces) a prompt while the server runs.
 *
 * @since 0.1.0
 * @category registration
 */
export const addPrompt = <const Args extends Prompt.Arguments = {}, R = never, RC = { readonly [K in keyof Args]: R }>(
  definition: Prompt.Definition<Args, R, RC> & ScopeFree<R, "handler"> & ScopeFreeCompleters<RC>
): Effect.Effect<void, never, McpServer | Exclude<R | CompleterServices<RC>, McpRequestContext>> =>
  Effect.asVoid(register(promptRegistration(definition), undefined, definitionSite(addPrompt)))

/**
 * Removes a component (by name, URI or URI template); false when there was none.
 *
 * @since 0.1.0
 * @category registration
 */
export const remove = (kind: Kind, key: string): Effect.Effect<boolean, never, McpServer> =>
  Effect.map(Effect.service(McpServer), (server) => registryOf(server, kind).remove(key))

/**
 * Shows or hides a component without removing it; false when there is none.
 *
 * @since 0.1.0
 * @category registration
 */
export const setEnabled = (kind: Kind, key: string, enabled: boolean): Effect.Effect<boolean, never, McpServer> =>
  Effect.map(Effect.service(McpServer), (server) => registryOf(server, kind).setEnabled(key, enabled))

/**
 * Tells the sessions subscribed to `uri` that the resource changed (`notifications/resources/updated`),
 * and the 2026-07-28 listen streams that follow it. Those of the other replicas too when a
 * `ReplicaChanges` is provided (`RedisStores.layer({ ..., resourceChanges: true })`).
 *
 * @since 0.1.0
 * @category registration
 */
export const notifyResourceUpdated = (uri: string): Effect.Effect<void, never, McpServer> =>
  Effect.flatMap(Effect.service(McpServer), (server) => server.notifyResourceUpdated(uri))

/**
 * Announces that the resource list changed though no resource or template was added, removed,
 * enabled or disabled: what a resource template's `list` returns is other now (a file appeared in
 * the directory it lists). Reaches the sessions as a registration does: one
 * `notifications/resources/list_changed`, coalesced with the other changes of the moment, to each
 * 2025 session (a session opened later hears of later changes only), and to each 2026-07-28
 * `subscriptions/listen` stream that asked for `resourcesListChanged`; `onChange` listeners hear
 * it as a change of `"resource"` (`ResponseCache` drops its cached resource lists). The other
 * replicas' sessions and streams hear of it too when a `ReplicaChanges` is provided
 * (`RedisStores.layer({ ..., resourceChanges: true })`).
 *
 * @since 0.2.0
 * @category registration
 * @example
 * ```ts
 * const notes = new Map<string, string>()
 * const Notes = McpServer.resourceTemplate({
 *   uriTemplate: "notes://{name}",
 *   name: "note",
 *   params: { name: Schema.String },
 *   list: Effect.sync(() => [...notes.keys()].map((name) => ({ uri: `notes://${name}`, name }))),
 *   read: ({ name }) => Effect.succeed(notes.get(name) ?? "")
 * })
 * const save = (name: string, text: string) =>
 *   Effect.andThen(Effect.sync(() => notes.set(name, text)), McpServer.notifyResourceListChanged())
 * ```
 */
export const notifyResourceListChanged = (): Effect.Effect<void, never, McpServer> =>
  Effect.flatMap(Effect.service(McpServer), (server) => server.notifyResourceListChanged())

// ---------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------

/**
 * Serves one session over `transport` with the server in context (until its input ends; over a
 * push connection such as Streamable HTTP, until the session has started: see `StreamableHttp.Runner`).
 *
 * **Example** (One stdio session, the server and its components provided)
 *
 * ```ts
 * const program = McpServer.run(Stdio.make()).pipe(
 *   Effect.provide(Layer.provideMerge(Components, McpServer.McpServer.layer({ name: "demo", version: "1.0.0" })))
 * )
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export const run = <E>(
  transport: Transport<E>,
  options?: LowLevelServer.RunOptions
): Effect.Effect<void, E | TransportFailure, McpServer> =>
  Effect.flatMap(Effect.service(McpServer), (server) => server.run(transport, options))

/**
 * The usual main program: builds the server and its components, then serves `transport`: one
 * session over a {@link Transport} (stdio: until its input ends), or every session a
 * {@link Listener} accepts (Streamable HTTP: until interrupted).
 *
 * Under `Stdio.runMain` / `GracefulShutdown.runMain`, a SIGINT, SIGTERM or SIGHUP that stops it before it
 * serves (its Layer still building: a database connecting, say) exits as an interrupted command
 * (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP), not with the 0 of a clean drain: a supervisor does not read
 * "ended well" for a server that never ran. Once it serves, a signal drains it (exit 0).
 *
 * Over the process's stdout (`Stdio.make()`), a build that fails is said on stderr ("the server
 * could not start: …") by the runner (`Stdio.runMain`), or, under a runner that would say it on
 * stdout, the protocol's stream (`NodeRuntime.runMain`, `GracefulShutdown.runMain` without
 * `logToStderr`), by `serve` itself, and not again by the runner (`GracefulShutdown.runMain` is told
 * so; for `NodeRuntime.runMain` the error is marked reported, `Runtime.errorReported`, and one that
 * cannot be marked, a string or a frozen object, is printed by it again, on stdout).
 *
 * **Example** (A stdio server)
 *
 * ```ts
 * McpServer.serve({ name: "demo", version: "1.0.0" }, Layer.mergeAll(Echo, Greeting), Stdio.make())
 *   .pipe(Stdio.runMain)
 * ```
 *
 * **Example** (The same server over Streamable HTTP)
 *
 * ```ts
 * McpServer.serve({ name: "demo", version: "1.0.0" }, Layer.mergeAll(Echo, Greeting), StreamableHttp.make({ port: 3000 }))
 *   .pipe(GracefulShutdown.runMain)
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export function serve<EL, RL>(
  options: Options,
  components: Layer.Layer<never, EL, RL>,
  listener: Listener
): Effect.Effect<never, EL, Exclude<RL, McpServer>>
/**
 * Serves one session over a {@link Transport} (stdio, in memory) with the server built from
 * `options` and `components`, until the transport's input ends; `runOptions` as
 * {@link run}'s. Over a {@link Listener} (Streamable HTTP), see the signature above.
 *
 * @since 0.1.0
 * @category running
 */
export function serve<E, EL, RL>(
  options: Options,
  components: Layer.Layer<never, EL, RL>,
  transport: Transport<E>,
  runOptions?: LowLevelServer.RunOptions
): Effect.Effect<void, E | EL | TransportFailure, Exclude<RL, McpServer>>
export function serve<E, EL, RL>(
  options: Options,
  components: Layer.Layer<never, EL, RL>,
  transport: Transport<E> | Listener,
  runOptions?: LowLevelServer.RunOptions
): Effect.Effect<void, E | EL | TransportFailure, Exclude<RL, McpServer>> {
  // Session options out of range are refused here, before anything is built; the session gets
  // the checked copy (not checked again as it starts).
  const checked = isListener(transport) ? undefined : checkedSessionOptions("McpServer.serve", runOptions)
  const server = Layer.provideMerge(components, McpServer.layer(options)) as Layer.Layer<McpServer, EL, Exclude<RL, McpServer>>
  // A signal before it serves (its Layer still building) exits 130/143 under `runMain`: the
  // transports tell the shutdown when they start serving (see `GracefulShutdown.markServing`); a
  // listener once built serves, whether it holds the shutdown (ours do) or not (one's own).
  return isListener(transport)
    ? Layer.launch(Layer.tap(transport.listen(run), () => GracefulShutdown.markServing).pipe(Layer.provide(server)))
    // Over the process's stdout, the components' build logs to stderr too (its warnings). A build
    // failure is the runner's to report; one that would report it on stdout (Effect's logger where
    // `serve` is called does not write to stderr: `NodeRuntime.runMain`) is spared it: the build
    // says it on stderr itself, and marks it reported (see `reportingStartFailure`).
    : Effect.flatMap(References.LogToStderr, (onStderr) =>
      logsToStderrOver(
        transport,
        run(transport, checked).pipe(Effect.provide(onStderr || transport.usesProcessStdout !== true ? server : reportingStartFailure(server)))
      ))
}


// ---------------------------------------------------------------------------
// Internal
// ---------------------------------------------------------------------------

/**
 * The services a registration keeps for its handlers: what was in context when it was built,
 * minus what every request already has (the server itself) or must not inherit (the building
 * Layer's scope and memo map). A handler or middleware that needs none of the rest is then run
 * without any wrapping: the no-fiber fast path stays open and no context is merged per call.
 */
const captured = <R>(context: Context.Context<R>): Context.Context<R> =>
  Context.omit(McpServer, Scope.Scope, Layer.CurrentMemoMap)(context) as Context.Context<R>

/** How to compile a component and where it goes: its registry and its key. */
interface Registration<A> {
  /** What the component and its key are called in messages ("Tool", "name"), and what replaces it at run time. */
  readonly kind: string
  readonly keyName: string
  readonly add: string
  readonly registry: (server: McpServer["Service"]) => Registry<A>
  readonly key: (component: A) => string
  readonly compile: (server: McpServer["Service"], context: Context.Context<any>) => A
  /**
   * What to warn of once per server and key (a tool name against MCP's naming rule, its invalid
   * `x-mcp-header` declarations), if anything.
   */
  readonly warnings?: ((component: A) => ReadonlyArray<string>) | undefined
  /**
   * The key of a registered component that is the same as this one under another key (a resource
   * URI spelled otherwise: one in normal form), if any.
   */
  readonly sameAs?: ((registry: Registry<A>, component: A) => string | undefined) | undefined
}

const toolRegistration = (definition: Tool.Definition<any, any, any, any>): Registration<Tool.Registered> => ({
  kind: "Tool",
  keyName: "name",
  add: "McpServer.addTool",
  registry: (server) => server.tools,
  key: (tool) => tool.name,
  compile: (server, context) => Tool.compile(definition, context, masking(server)),
  warnings: Tool.warningsOf
})

const resourceRegistration = (definition: Resource.Definition<any>): Registration<Resource.Registered> => ({
  kind: "Resource",
  keyName: "URI",
  add: "McpServer.addResource",
  registry: (server) => server.resources,
  key: (resource) => resource.uri,
  compile: (_, context) => Resource.compile(definition, context),
  // `x://caf%c3%a9`, `x://café` and `x://caf%C3%A9` are one: reads, subscriptions and rules take
  // them for one resource (the registry knows its URIs by normal form: see its construction).
  sameAs: (registry, resource) => registry.sameAs(resource.uri)
})

const templateRegistration = (
  definition: Resource.TemplateDefinition<any, any, any, any>
): Registration<Resource.RegisteredTemplate> => ({
  kind: "Resource template",
  keyName: "URI template",
  add: "McpServer.addResourceTemplate",
  registry: (server) => server.templates,
  key: (template) => template.uriTemplate,
  compile: (_, context) => Resource.compileTemplate(definition, context)
})

const promptRegistration = (definition: Prompt.Definition<any, any, any>): Registration<Prompt.Registered> => ({
  kind: "Prompt",
  keyName: "name",
  add: "McpServer.addPrompt",
  registry: (server) => server.prompts,
  key: (prompt) => prompt.name,
  compile: (_, context) => Prompt.compile(definition, context)
})

/**
 * Compiles a component with the services in context (captured for its handler) and adds it. With
 * a `position` (a component Layer: its place in the list, see {@link registerWhileAlive}), a key
 * already registered fails the registration: two Layers of one name would hide one another, which
 * one depending on the order `Layer.mergeAll` happened to build them in. Run-time additions
 * (`addTool`...) replace, as documented, and are listed after the component Layers' components.
 */
const register = <A>(
  registration: Registration<A>,
  position?: number,
  site?: Site | string
): Effect.Effect<readonly [McpServer["Service"], A], never, any> =>
  Effect.gen(function*() {
    const server = yield* McpServer
    let component: A
    try {
      component = registration.compile(server, captured(yield* Effect.context<any>()))
    } catch (error) {
      // A definition no client could use: its own message (which names it), at the user's site;
      // what was thrown is kept as the cause (a schema's own failure under the library's message).
      const message = error instanceof Error ? error.message : String(error)
      return yield* Effect.die(new RegistrationError({ component: registration.kind, site: placeOf(site), message, cause: error }))
    }
    const registry = registration.registry(server)
    const key = registration.key(component)
    // No yield between this check and `add`: Layers built concurrently cannot both pass it.
    const same = registry.has(key) ? undefined : registration.sameAs?.(registry, component)
    if (position !== undefined && (registry.has(key) || same !== undefined)) {
      // Both definitions are named: this one's line is the error's site, the other's is in the message.
      const other = registry.get(same ?? key)
      const otherSite = other === undefined ? undefined : placeOf(definedAt.get(other as object))
      return yield* Effect.die(
        new RegistrationError({
          component: `${registration.kind} ${clip(key)}`,
          site: placeOf(site),
          otherSite,
          message: `${registration.kind} ${clip(key)} is registered twice (two component Layers give it${
            same === undefined ? "" : `: ${clip(same)} is the same ${registration.keyName}`
          }): one would hide the other. Give each its own ${registration.keyName}, or replace it at run time with ${registration.add}.${
            otherSite === undefined ? "" : ` The other definition is at ${otherSite}.`
          }`
        })
      )
    }
    // At run time it replaces the one it is the same as, spelled otherwise.
    if (same !== undefined) registry.remove(same)
    registry.add(key, component, position)
    // A component Layer's: where it was defined, for the refusal of another of its key.
    if (position !== undefined && site !== undefined) definedAt.set(component as object, site)
    const warnings = [...(registration.warnings?.(component) ?? []), ...withoutTasks(server, registration, key, component)]
    if (warnings.length > 0 && once(registry, key)) {
      for (const warning of warnings) yield* Effect.logWarning(warning)
    }
    return [server, component] as const
  })

/**
 * Where each component of a component Layer was defined (see {@link register}): read only when
 * another of its key is refused. Weak: a component removed is forgotten with it.
 */
const definedAt = new WeakMap<object, Site | string>()

/** A site as a registration error names it: a captured frame formatted, or a place given as it is. */
const placeOf = (site: Site | string | undefined): string | undefined => typeof site === "string" ? site : siteOf(site)

/**
 * What a component that declares task support is told when its server has no tasks (no
 * `options.tasks`): it is served, every call run directly, which nothing else would say.
 */
const withoutTasks = <A>(
  server: McpServer["Service"],
  registration: Registration<A>,
  key: string,
  component: A
): ReadonlyArray<string> => {
  const support = (component as { readonly taskSupport?: Tool.TaskSupport | undefined }).taskSupport
  if (server.options.tasks !== undefined || support === undefined || support === "forbidden") return []
  const option = registration.kind === "Tool" ? "execution.taskSupport" : "taskSupport"
  return [
    `effect-mcp-server: the ${registration.kind.toLowerCase()} ${JSON.stringify(clip(key))} declares ${option} ` +
    `${JSON.stringify(support)}, but the server ${JSON.stringify(clip(server.options.name))} has no tasks: it is served ` +
    `without them (no task is made; every call runs directly). Enable them in the server options: ` +
    `{ name, version, tasks: McpServer.tasks() }.`
  ]
}

/**
 * The component kinds advertised even while none is registered: the server's `capabilities`
 * option, and what its extensions rely on (`Extension.advertise`).
 */
const advertised = (
  given: Options["capabilities"],
  extensions: ReadonlyArray<Extension.Extension<never>>
): NonNullable<Options["capabilities"]> => {
  if (!extensions.some((extension) => extension.advertise !== undefined)) return given ?? {}
  const kind = (name: "tools" | "resources" | "prompts") =>
    given?.[name] === true || extensions.some((extension) => extension.advertise?.[name] === true)
  return { tools: kind("tools"), resources: kind("resources"), prompts: kind("prompts") }
}

/** The keys each registry warned of already: a tool added again and again warns once. */
const warned = new WeakMap<object, Set<string>>()

/** True the first time for `key` in `registry`. */
const once = (registry: object, key: string): boolean => {
  let keys = warned.get(registry)
  if (keys === undefined) warned.set(registry, keys = new Set())
  if (keys.has(key)) return false
  keys.add(key)
  return true
}

/**
 * A Layer that keeps a component registered while it is alive (removed unless replaced meanwhile).
 *
 * Its component's place in its list is taken here, when the Layer is made, as middleware's is
 * (see {@link middleware}): not when it is built, since `Layer.mergeAll` builds Layers concurrently
 * and one that waits for I/O (a service it needs, a configuration read) would register after the
 * others, in an order that differs from run to run and from replica to replica (whose lists, and
 * cursors, must agree). Built again in a running server (hot swap), it takes the same place.
 */
const registerWhileAlive = <A>(registration: Registration<A>, site: Site | string): Layer.Layer<never, never, any> => {
  const position = ++componentLayersMade
  return Layer.effectDiscard(Effect.gen(function*() {
    const [server, component] = yield* register(registration, position, site)
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => registration.registry(server).removeIf(registration.key(component), component))
    )
  }))
}

/**
 * How many component Layers were made so far in this process: each one's place in its list. The
 * same program makes its Layers in the same order, so replicas number them alike.
 */
let componentLayersMade = 0

/** Resource updates held for the notifier, and for each session, at most (the oldest are dropped first). */
const maxPendingUpdates = 1024

/**
 * What the notifier owes one session and has not delivered yet: the list changes (by method) and
 * the updated resource URIs (oldest first, at most {@link maxPendingUpdates}), and the fiber
 * delivering them while `running`.
 */
interface Owed {
  readonly methods: Set<string>
  readonly uris: Array<string>
  running: boolean
  fiber: Fiber.Fiber<void> | undefined
}

const listChangedMethod: Record<Kind, string> = {
  tool: "notifications/tools/list_changed",
  resource: "notifications/resources/list_changed",
  template: "notifications/resources/list_changed",
  prompt: "notifications/prompts/list_changed"
}

const registryOf = (server: McpServer["Service"], kind: Kind): Registry<unknown> => {
  switch (kind) {
    case "tool":
      return server.tools
    case "resource":
      return server.resources
    case "template":
      return server.templates
    case "prompt":
      return server.prompts
  }
}

const masking = (server: McpServer["Service"]): Tool.ErrorMasking => ({
  maskErrors: server.options.maskErrors !== false,
  dereferenceSchemas: server.options.dereferenceSchemas !== false
})

const serverInfoOf = (options: Options) => {
  const info: {
    name: string
    version: string
    title?: string
    description?: string
    icons?: ReadonlyArray<Icon>
    websiteUrl?: string
  } = { name: options.name, version: options.version }
  if (options.title !== undefined) info.title = options.title
  if (options.description !== undefined) info.description = options.description
  if (options.icons !== undefined) info.icons = options.icons
  if (options.websiteUrl !== undefined) info.websiteUrl = options.websiteUrl
  return info
}

const withoutExecution = (tool: Tool.Registered["wire"]): Tool.Registered["wire"] => {
  if (tool.execution === undefined) return tool
  const { execution: _, ...rest } = tool
  return rest
}

const withCursor = <A extends object>(result: A, nextCursor: string | undefined): A =>
  nextCursor === undefined ? result : { ...result, nextCursor }

/**
 * A list handler over a registry; the first page is built once per change of the registry (the
 * registry's list is a cached array, so its identity tells whether anything changed).
 *
 * A component that cannot be described (its wire description, built at its first listing, threw:
 * a Schema Effect cannot turn into JSON Schema, such as `Schema.Defect` given uncalled where types
 * are not checked, or a suspended Schema a module cycle left undefined) is left out of the page,
 * logged naming it, each time a page holding it is built: it made the whole list fail (-32603,
 * hiding every other component), logged without its name.
 */
const listOf = <A, W, R>(
  registry: Registry<A>,
  pageSize: number | undefined,
  scope: string,
  kind: string,
  describe: (component: A) => W,
  build: (page: ReadonlyArray<W>, nextCursor: string | undefined) => R
) => {
  let lastList: ReadonlyArray<unknown> | undefined
  let lastFirstPage: Exit.Exit<R, McpError.McpError> | undefined
  return (params: { readonly cursor?: string | undefined }): Effect.Effect<R, McpError.McpError> => {
    const list = registry.list()
    if (params.cursor === undefined && list === lastList && lastFirstPage !== undefined) return lastFirstPage
    const page = Pagination.paginate(list, params.cursor, pageSize, scope)
    if (page._tag === "Failure") return Exit.fail(page.failure)
    const described: Array<W> = []
    let undescribed: Array<readonly [string, unknown]> | undefined
    for (const entry of page.success.items) {
      try {
        described.push(describe(entry.value))
      } catch (error) {
        ;(undescribed ??= []).push([entry.key, error])
      }
    }
    const value = build(described, page.success.nextCursor)
    const result = Exit.succeed(value)
    if (params.cursor === undefined) {
      lastList = list
      lastFirstPage = result
    }
    if (undescribed === undefined) return result
    return Effect.as(
      Effect.forEach(undescribed, ([key, error]) =>
        Effect.logError(
          `effect-mcp-server: ${kind} ${clip(key, 64)} cannot be described to clients and is left out of the list`,
          forLog(Cause.die(error))
        ), { discard: true }),
      value
    )
  }
}

/**
 * The scopes of the cursors of a server's lists (see `Pagination.scope`): a cursor of another list,
 * or of another server, is no place in this one (-32602); replicas of one server share its name,
 * so each takes the others'.
 */
const cursorScopes = (serverName: string) => ({
  tools: Pagination.scope("tools", serverName),
  prompts: Pagination.scope("prompts", serverName),
  resources: Pagination.scope("resources", serverName),
  resourceTemplates: Pagination.scope("resourceTemplates", serverName)
})

/** What a template whose `list` failed adds to `resources/list` (this very array: it marks the list partial). */
const noResources: ReadonlyArray<WireResource> = []

/**
 * The -32601 of `resources/subscribe` and `resources/unsubscribe` on a stateless session: it answers
 * many clients, none of which it could tell of an update (it has no stream of its own), and does not
 * advertise `resources.subscribe`. Answered `{}`, a client took the subscription as made, and never
 * heard of an update. Made once per method.
 */
const notOfferedStateless = (() => {
  const made = new Map<string, McpError.MethodNotFound>()
  return (method: "resources/subscribe" | "resources/unsubscribe"): McpError.MethodNotFound => {
    let error = made.get(method)
    if (error === undefined) {
      error = McpError.withoutStackTrace(() =>
        new McpError.MethodNotFound({
          method,
          message: `Method not found: ${method} is not offered by a stateless server (no stream could carry resource ` +
            "updates; MCP 2026-07-28 clients follow resources with subscriptions/listen)"
        })
      )
      made.set(method, error)
    }
    return error
  }
})()

/** The longest resource URI `resources/subscribe` accepts, in characters (8 Ki). */
const maxSubscriptionUriLength = 8 * 1024

const loggingLevels: Record<LogLevel.Severity, LoggingLevel> = {
  Trace: "debug",
  Debug: "debug",
  Info: "info",
  Warn: "warning",
  Error: "error",
  Fatal: "critical"
}

/**
 * The `Effect.log` bridge: inside a handler (where the request context is provided), log lines
 * also go to the client as `notifications/message`; elsewhere this logger does nothing. A handler
 * whose client asked for debug logs runs with Effect's minimum log level lowered (see
 * `provideRequest.withRequest`): the session's other loggers (the server's console) are gated to
 * show what they showed.
 */
const clientLogger = withGatedLoggers([
  makeLogger((options) => {
    const request = Context.getOrUndefined(options.fiber.context, McpRequestContext)
    if (request === undefined) return
    const level = loggingLevels[options.logLevel as LogLevel.Severity] ?? "info"
    const message = options.message
    const parts = Array.isArray(message) ? message : [message]
    let data: unknown = parts.length === 1 ? parts[0] : parts
    // An Error anywhere in it (`Effect.logError("failed:", error)`) is made data as the log is sent.
    if (parts.every((part) => typeof part === "string")) data = parts.join(" ")
    if (options.cause.reasons.length > 0) {
      // Its messages clipped, as in the server's own logs (see `forLog`).
      data = { message: data, cause: Cause.pretty(forLog(options.cause)) }
    }
    request.logUnsafe(level, data)
  })
])
