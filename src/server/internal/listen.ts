/**
 * `subscriptions/listen` (MCP 2026-07-28): the long-lived request on which a client receives the
 * notifications it asked for — list changes of tools, prompts and resources, updates of resources,
 * and (tasks extension) the status of its tasks — in place of 2025-11-25's standalone stream and
 * `resources/subscribe`.
 *
 * The filter is honoured as far as the server can: what it does not serve is left out of the
 * accepted subset, which the first message of the stream acknowledges
 * (`notifications/subscriptions/acknowledged`). Every notification of the stream carries
 * `_meta["io.modelcontextprotocol/subscriptionId"]`, the id the client gave the listen request.
 * The stream ends when the client cancels it (closing the HTTP stream; `notifications/cancelled`
 * on stdio), or, when the server drains, with the result `{ _meta: { subscriptionId } }`.
 *
 * A stream following tasks tells each as it found it (`notifications/tasks`, right after the
 * acknowledgement), then each change of it once, in order, until it ends: the extension's
 * notification carries "the current status", and a task that changed between its creation and
 * the subscription (or ended) was otherwise never told to a client waiting for notifications.
 *
 * Notifications wait in a bounded queue per stream (the oldest dropped past 1,024: list changes
 * are idempotent, and a client that far behind re-reads its lists anyway); a list change already
 * waiting there is not queued again.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as McpError from "../../protocol/McpError.ts"
import { metaKeys } from "../../protocol/versions/v2026_07_28.ts"
import * as Requestor from "../../session/Requestor.ts"
import type { RequestContext } from "../../session/RequestContext.ts"
import type { ServerSession } from "../../session/ServerSession.ts"
import type * as JsonRpc from "../../protocol/JsonRpc.ts"
import { isTerminal, type Task } from "../../tasks/Task.ts"
import { lazy } from "../../internal/lazy.ts"
import * as Extension from "../Extension.ts"
import { resourceKey } from "./resourceKey.ts"

/** The params of `subscriptions/listen`, made on first use (a server builds its decoder at the first request). */
export const ListenParams = lazy(() =>
  Schema.Struct({
    notifications: Schema.optionalKey(Schema.Struct({
      toolsListChanged: Schema.optionalKey(Schema.Boolean),
      promptsListChanged: Schema.optionalKey(Schema.Boolean),
      resourcesListChanged: Schema.optionalKey(Schema.Boolean),
      resourceSubscriptions: Schema.optionalKey(Schema.Array(Schema.String)),
      taskIds: Schema.optionalKey(Schema.Array(Schema.String))
    }))
  })
)

/** The component kinds whose lists change. */
export type ListKind = "tool" | "resource" | "template" | "prompt"

/** What the server offers listeners. */
export interface ListenSources {
  /** Which lists the server serves (and so announces changes of). */
  readonly serves: { readonly tools: boolean; readonly prompts: boolean; readonly resources: boolean }
  /** Calls `listener` on every change of a component list; returns the unsubscribe. */
  readonly onChange: (listener: (kind: ListKind) => void) => () => void
  /** Calls `listener` when a resource is reported updated; returns the unsubscribe. */
  readonly onResourceUpdated: (listener: (uri: string) => void) => () => void
  /** Whether a resource or template serves `uri` (only those can be subscribed). */
  readonly resourceExists: (uri: string) => boolean
  /**
   * The resource `uri` names, as subscriptions compare it (one string however it is spelled);
   * the URI's normal form (`resourceKey`) when not given.
   */
  readonly resourceIdentity?: ((uri: string) => string) | undefined
  /** The most resources one stream may follow. */
  readonly maxResourceSubscriptions: number
  /**
   * The listen streams open on the stateless session per principal (`principal:<subject>`) and
   * per anonymous caller's address (`address:<address>`), kept by the server for its life (the
   * low-level server this method is part of is made again as components change: its streams stay
   * counted), and the most one principal, and one address, may hold (`Infinity`: no bound).
   * `unknownAddressWarned`: whether the warning of a caller of no known address, counted under one
   * shared address (see `boundOf`), was logged (once per server).
   */
  readonly streams?: {
    readonly open: Map<string, number>
    readonly maxPerPrincipal: number
    readonly maxPerAddress: number
    unknownAddressWarned?: boolean
  } | undefined
  /**
   * The resources each open stream follows (the URIs as its client wrote them), by its session and
   * request id, kept by the server for its life (as `streams`): what the stream is judged by when
   * its token is checked again (see `SessionInput.rechecked`). Not kept when not given.
   */
  readonly following?: Map<ServerSession, Map<JsonRpc.RequestId, ReadonlyArray<string>>> | undefined
  /** The tasks extension's tasks, when the server has them (see {@link TaskSource}). */
  readonly tasks?: TaskSource | undefined
}

/**
 * The tasks extension's tasks as a listen stream follows them, made by the task machinery
 * (`listenTasks.ts`, loaded with it): this module, which every server loads, does not import
 * Effect's `PubSub` nor the extension's wire module, which a server without tasks never uses.
 */
export interface TaskSource {
  /** A subscription to the server's task changes, held until the scope given closes. */
  readonly subscribe: Effect.Effect<TaskChanges, never, Scope.Scope>
  /** The task if the request's owner may see it; a store that fails is -32603 "Store unavailable". */
  readonly visible: (taskId: string, context: RequestContext) => Effect.Effect<Task | undefined, McpError.McpError>
  /**
   * How often a stream reads its tasks again, when the changes can miss some (a shared store:
   * see `TaskStore.recheckMillis`); `undefined` when it misses none.
   */
  readonly recheckMillis?: number | undefined
  /** The extension's id, which a client following tasks must declare. */
  readonly extensionId: string
  /** The params of the `notifications/tasks` that tells a task's state (the extension's detailed task). */
  readonly detailed: (task: Task) => { readonly [key: string]: unknown }
}

/** A subscription to the server's task changes (see {@link TaskSource}). */
export interface TaskChanges {
  /** The next change, waiting for one. */
  readonly take: Effect.Effect<Task>
  /** The changes heard and not taken yet, at once (none: empty). */
  readonly takeAll: Effect.Effect<ReadonlyArray<Task>>
}

const listMethods: Record<ListKind, string> = {
  tool: "notifications/tools/list_changed",
  prompt: "notifications/prompts/list_changed",
  resource: "notifications/resources/list_changed",
  template: "notifications/resources/list_changed"
}

/** The `subscriptions/listen` method over `sources`. */
export const method = (sources: ListenSources): Extension.Method<never> => {
  const followers = resourceFollowers(sources)
  const streams = sources.streams
  return Extension.method({
    // A getter: the schema is made when the server first decodes a request of this method.
    get params() {
      return ListenParams()
    },
    handler: (params, context) =>
      Effect.scoped(Effect.gen(function*() {
        const filter = params.notifications ?? {}
        // Counted first, for as long as the stream is open: one client opening stream after
        // stream (a stateless server's are bounded by nothing else but its connections) is
        // refused past its own bound, and no other client's streams are. Only on the stateless
        // session, which many clients share (HTTP): a session of its own (stdio) is one client's,
        // which may follow as much as it likes with what it holds.
        const bound = streams === undefined || !context.session.stateless ? undefined : boundOf(streams, context)
        if (bound !== undefined && streams !== undefined) {
          if (bound.key === unknownAddress && streams.unknownAddressWarned !== true) {
            streams.unknownAddressWarned = true
            yield* Effect.logWarning(
              "effect-mcp-server: maxListenStreamsPerAddress is set but a subscriptions/listen came without the client's address " +
                "(WebHandler: give it as the handler's second argument, { remoteAddress }); " +
                "such clients share one address's listen streams"
            )
          }
          // Counted and its release registered in one uninterruptible step: an interruption
          // between the two left the count high for good (the client refused for ever once it
          // reached the bound so).
          yield* Effect.acquireRelease(
            Effect.suspend(() => {
              const open = streams.open.get(bound.key) ?? 0
              if (open >= bound.max) {
                return Effect.fail(McpError.limitExceeded(
                  `Too many subscriptions/listen streams of this ${bound.of} open (${bound.max}): close one (its filter can name everything one stream follows) or retry later`,
                  bound.limit,
                  { max: bound.max }
                ))
              }
              streams.open.set(bound.key, open + 1)
              return Effect.void
            }),
            () =>
              Effect.sync(() => {
                const left = streams.open.get(bound.key)!
                if (left > 1) streams.open.set(bound.key, left - 1)
                else streams.open.delete(bound.key)
              })
          )
        }
        // Only a server that serves tasks asks for the extension: one without them offers none,
        // and leaves `taskIds` out of the accepted subset as any filter it does not serve.
        if (filter.taskIds !== undefined && sources.tasks !== undefined && !Extension.isDeclared(context, sources.tasks.extensionId)) {
          return yield* Effect.fail(Extension.notDeclared(
            sources.tasks.extensionId,
            `subscriptions/listen with taskIds needs the ${sources.tasks.extensionId} extension: declare it in clientCapabilities.extensions`
          ))
        }
        const accepted: {
          toolsListChanged?: boolean
          promptsListChanged?: boolean
          resourcesListChanged?: boolean
          resourceSubscriptions?: Array<string>
          taskIds?: Array<string>
        } = {}
        if (filter.toolsListChanged === true && sources.serves.tools) accepted.toolsListChanged = true
        if (filter.promptsListChanged === true && sources.serves.prompts) accepted.promptsListChanged = true
        if (filter.resourcesListChanged === true && sources.serves.resources) accepted.resourcesListChanged = true
        // The URIs looked at (see `listened`), each looked up once: whether it is served, then
        // (right after: the server keeps its last lookup) the resource it names.
        // A server without resources looks at none (nothing to match them against): ignored.
        const uris = new Map<string, string>()
        if (filter.resourceSubscriptions !== undefined && sources.serves.resources) {
          const named = listened(filter.resourceSubscriptions, sources.maxResourceSubscriptions)
          accepted.resourceSubscriptions = []
          for (const uri of named) {
            if (!sources.resourceExists(uri)) continue
            accepted.resourceSubscriptions.push(uri)
            // By the resource their URI names (`resourceIdentity`), to the URI as the client
            // wrote it: an update of `x://a%2Fb` is told to a stream that follows `x://a%2fb`
            // (one resource, as reads have it; so are `x://a/b` and `x://a%2Fb` of
            // `x://{+path}`), with the URI it follows.
            const key = followers.identity(uri)
            if (!uris.has(key)) uris.set(key, uri)
          }
        }
        const tasks = sources.tasks
        // Each followed task's state as the stream last told it (at first, as the acknowledgement
        // found it).
        const told = new Map<string, Told>()
        // Whether a followed task has not ended yet (an ended one has nothing more to tell).
        const anyOpen = () => {
          for (const last of told.values()) if (!last.ended) return true
          return false
        }
        let heard: TaskChanges | undefined
        // Holds the subscription to the server's task changes: closed once no followed task is
        // open, or a stream whose tasks have all ended would take every change of the server
        // (each a step of its fiber) until its client leaves. The stream itself stays open (for
        // the list changes it asked for; with nothing else, until the client leaves or the server
        // drains, as every listen stream: the spec ends one with its result only as the server
        // closes).
        let following: Scope.Closeable | undefined
        // What the stream tells first, after its acknowledgement: each followed task as it was
        // found, then the changes heard while the tasks were read that came after that state.
        const first: Array<Task> = []
        if (filter.taskIds !== undefined && tasks !== undefined) {
          // Subscribed before the tasks are read: a change made while a read is under way (a store
          // round trip) is heard, not lost between the read and the subscription. Left at once
          // when no task is followed, or all have ended.
          following = yield* Scope.fork(yield* Effect.scope)
          heard = yield* Scope.provide(tasks.subscribe, following)
          // At most as many as resources may be followed: each is a store lookup, 16 at a time (a
          // store that fails fails the request at once: the client is not told its tasks are gone).
          const wanted = [...new Set(filter.taskIds)].slice(0, sources.maxResourceSubscriptions)
          const seen = yield* Effect.forEach(wanted, (taskId) => tasks.visible(taskId, context), { concurrency: 16 })
          accepted.taskIds = wanted.filter((_, i) => seen[i] !== undefined)
          for (const task of seen) {
            if (task === undefined) continue
            told.set(task.taskId, toldOf(task))
            first.push(task)
          }
          first.push(...heardWhileReading(yield* heard.takeAll, told))
          if (!anyOpen()) yield* Scope.close(following, Exit.void)
        }
        const meta = { [metaKeys.subscriptionId]: context.clientRequestId }
        const queue = yield* Queue.sliding<readonly [string, { readonly [key: string]: unknown }]>(queueCapacity)
        // The list changes waiting in the queue, not taken yet: another change of the same list
        // adds nothing (the one waiting is sent after it, and the client lists after that), as a
        // 2025 session gets one per burst. Else a burst of changes (a Layer registering ten tools)
        // was as many notifications, and as many lists read again.
        const waitingLists = new Set<string>()
        const offer = (entry: readonly [string, { readonly [key: string]: unknown }]) => {
          // Full, the queue drops its oldest entry, which may be a list change waiting: those are
          // offered again (once more, rather than lost).
          if (Queue.sizeUnsafe(queue) >= queueCapacity) waitingLists.clear()
          Queue.offerUnsafe(queue, entry)
        }
        const wanted = (kind: ListKind) =>
          kind === "tool"
            ? accepted.toolsListChanged === true
            : kind === "prompt"
            ? accepted.promptsListChanged === true
            : accepted.resourcesListChanged === true
        const onChange = (kind: ListKind) => {
          const method = listMethods[kind]
          if (!wanted(kind) || waitingLists.has(method)) return
          offer([method, {}])
          waitingLists.add(method)
        }
        yield* Effect.acquireRelease(
          Effect.sync(() => sources.onChange(onChange)),
          (unsubscribe) => Effect.sync(unsubscribe)
        )
        if (uris.size > 0) {
          const tell = (uri: string) => offer(["notifications/resources/updated", { uri }])
          yield* Effect.acquireRelease(
            Effect.sync(() => followers.follow(uris, tell)),
            (unfollow) => Effect.sync(unfollow)
          )
          const following = sources.following
          if (following !== undefined) {
            const session = context.session
            const id = context.requestId
            yield* Effect.acquireRelease(
              Effect.sync(() => {
                let byId = following.get(session)
                if (byId === undefined) following.set(session, byId = new Map())
                byId.set(id, [...uris.values()])
              }),
              () =>
                Effect.sync(() => {
                  const byId = following.get(session)
                  if (byId?.delete(id) === true && byId.size === 0) following.delete(session)
                })
            )
          }
        }
        // Each task's state as the stream found it, once, before its later changes: a task that
        // changed (or ended) between its creation and this subscription was never told to a
        // client that waits for notifications instead of polling.
        if (tasks !== undefined) for (const task of first) offer(["notifications/tasks", tasks.detailed(task)])
        if (anyOpen() && tasks !== undefined && heard !== undefined && following !== undefined) {
          const subscription = heard
          const unsubscribe = Scope.close(following, Exit.void)
          // Every change is told, as it comes, until the task's end (final: a change heard after it
          // is stale), but the state told last (a change heard as well as read). Changes are not
          // ordered by `lastUpdatedAt`: replicas' clocks differ, and a cancel made on a replica a
          // little behind is still the last change.
          const tell = (task: Task) => {
            const last = told.get(task.taskId)
            if (last === undefined || last.ended || sameState(task, last)) return
            told.set(task.taskId, toldOf(task))
            offer(["notifications/tasks", tasks.detailed(task)])
          }
          // Until every followed task has ended; then the subscription is left (which also ends
          // a wait of this fiber, when the re-reads below found the last end).
          const hear: Effect.Effect<void> = Effect.flatMap(
            subscription.take,
            (task) => {
              tell(task)
              return anyOpen() ? hear : unsubscribe
            }
          )
          yield* Effect.forkScoped(hear)
          // A shared store's changes come from other replicas by Redis pub/sub, which drops what is
          // published while a subscriber reconnects: the tasks not ended yet are read again now and
          // then, and a state other than the last told is told (a failed read waits for the next).
          // A read that raced a change on its way may tell the older state after it; the next
          // read tells the later one again. Once every task has ended, the reads stop.
          const recheckMillis = tasks.recheckMillis
          if (recheckMillis !== undefined) {
            const recheck = Effect.suspend(() => {
              const open: Array<string> = []
              for (const [taskId, last] of told) if (!last.ended) open.push(taskId)
              return Effect.forEach(open, (taskId) =>
                Effect.ignore(Effect.map(tasks.visible(taskId, context), (task) => {
                  if (task === undefined) told.delete(taskId) // expired: nothing more to tell
                  else if (!sameState(task, told.get(taskId))) tell(task)
                })), { concurrency: 16, discard: true })
            })
            // Once none is open (ended as read here, or heard, or expired), the subscription is left.
            const rereads: Effect.Effect<void> = Effect.andThen(
              Effect.sleep(recheckMillis),
              Effect.andThen(recheck, Effect.suspend(() => anyOpen() ? rereads : unsubscribe))
            )
            yield* Effect.forkScoped(rereads)
          }
        }
        yield* context.notify("notifications/subscriptions/acknowledged", { notifications: accepted, _meta: meta })
        const pump = Effect.forever(Effect.flatMap(Queue.take(queue), ([method, params]) => {
          // Taken: a change from now on is one the client has not been told of.
          waitingLists.delete(method)
          return context.notify(method, { ...params, _meta: meta })
        }))
        // Until the client cancels (interruption) or the server drains (the graceful result).
        yield* Effect.raceFirst(pump, context.session.untilDraining)
        return { _meta: meta }
      }))
  })
}

/** The key of the anonymous callers over HTTP whose address is unknown (no address is empty: see `Requestor.addressOf`). */
const unknownAddress = "address:"

/**
 * The bound a listen stream of `context` counts under: its principal's (`maxPerPrincipal`), else
 * its address's for an anonymous caller (`maxPerAddress`), else none (that bound `Infinity`, or no
 * HTTP request). A caller over HTTP of no known address (a `WebHandler` given none) counts under
 * one shared "unknown" address ({@link unknownAddress}), as `maxSessionsPerAddress` counts its
 * sessions: such callers cannot be told apart, and left uncounted the bound did nothing for them.
 */
const boundOf = (
  streams: NonNullable<ListenSources["streams"]>,
  context: RequestContext
): { readonly key: string; readonly max: number; readonly of: string; readonly limit: string } | undefined => {
  if (context.principal !== undefined) {
    return streams.maxPerPrincipal === Number.POSITIVE_INFINITY ? undefined : {
      key: `principal:${context.principal.subject}`,
      max: streams.maxPerPrincipal,
      of: "principal",
      limit: "listenStreamsPerPrincipal"
    }
  }
  if (streams.maxPerAddress === Number.POSITIVE_INFINITY || context.http === undefined) return undefined
  const address = Requestor.anonymousAddressOf(context)
  return {
    key: address === undefined ? unknownAddress : `address:${address}`,
    max: streams.maxPerAddress,
    of: "address",
    limit: "listenStreamsPerAddress"
  }
}

/**
 * The most characters the URIs of one listen's `resourceSubscriptions` that are looked at have in
 * all (see {@link listened}): each URI is matched against every resource template, at up to
 * (template size × URI length) steps, while every other request of the process waits.
 */
export const maxListenedCharacters = 128 * 1024

/**
 * The URIs of a listen's `resourceSubscriptions` that are looked at: the first distinct ones, as
 * many as a stream may follow (`max`; a 4 MB request names 150,000 URIs) and of at most
 * {@link maxListenedCharacters} characters in all (1,000 URIs of 4 KB each were seconds of
 * matching, the process answering no one meanwhile). Those past either bound are left out of the
 * acknowledged subset, as the spec lets a server accept a subset, never looked up.
 */
export const listened = (uris: ReadonlyArray<string>, max: number): ReadonlyArray<string> => {
  const distinct = new Set<string>()
  let characters = 0
  for (const uri of uris) {
    if (distinct.size >= max) break
    if (distinct.has(uri)) continue
    characters += uri.length
    if (characters > maxListenedCharacters) break
    distinct.add(uri)
  }
  return [...distinct]
}

/** How a stream is told of an update of a resource it follows: with the URI it follows it by. */
type Tell = (uri: string) => void

/**
 * The streams of one `subscriptions/listen` method that follow resources, by the resource their
 * URIs name (`resourceIdentity`) and by the URIs as written: an update is looked up once (its
 * identity found once), then told to the streams that follow it, not matched against each open
 * stream's subscriptions in turn. One listener on `sources` while any stream follows a resource.
 */
const resourceFollowers = (sources: ListenSources) => {
  const identity = sources.resourceIdentity ?? resourceKey
  // By the resource a URI names: each stream following it, to the URI it follows it by.
  const byKey = new Map<string, Map<Tell, string>>()
  // By the URI as written: an update told as written when its identity names nothing a stream
  // follows (the template that served it when the stream opened may be gone since, or a resource
  // now serves it), as `resources/subscribe`'s subscriptions are told.
  const byWritten = new Map<string, Set<Tell>>()
  let streams = 0
  let unsubscribe: (() => void) | undefined
  const updated = (uri: string) => {
    const following = byKey.get(identity(uri))
    if (following !== undefined) for (const [tell, followed] of following) tell(followed)
    const written = byWritten.get(uri)
    if (written !== undefined) {
      for (const tell of written) if (following === undefined || !following.has(tell)) tell(uri)
    }
  }
  return {
    identity,
    /** Follows `uris` (by the resource each names, to the URI written) for `tell`; returns what stops it. */
    follow: (uris: ReadonlyMap<string, string>, tell: Tell): () => void => {
      for (const [key, uri] of uris) {
        let byUri = byKey.get(key)
        if (byUri === undefined) byKey.set(key, byUri = new Map())
        byUri.set(tell, uri)
        let tells = byWritten.get(uri)
        if (tells === undefined) byWritten.set(uri, tells = new Set())
        tells.add(tell)
      }
      if (streams++ === 0) unsubscribe = sources.onResourceUpdated(updated)
      return () => {
        for (const [key, uri] of uris) {
          const byUri = byKey.get(key)
          if (byUri?.delete(tell) && byUri.size === 0) byKey.delete(key)
          const tells = byWritten.get(uri)
          if (tells?.delete(tell) && tells.size === 0) byWritten.delete(uri)
        }
        if (--streams === 0) {
          const stop = unsubscribe
          unsubscribe = undefined
          stop?.()
        }
      }
    }
  }
}

/** The notifications waiting per stream at most (the oldest dropped past it). */
const queueCapacity = 1_024

/**
 * What a stream keeps of a task it told (not the task: a result may be large): what
 * `notifications/tasks` tells of it (`detailedTask`) that may change while it runs. Its outcome is
 * told at its end, which changes its status; its inputs by their keys (a task never reuses one: a
 * new question is a new key).
 */
interface Told {
  readonly at: number
  readonly status: Task["status"]
  readonly statusMessage: string | undefined
  readonly ttlMillis: number | null
  readonly pollIntervalMillis: number | undefined
  readonly inputs: string | undefined
  readonly ended: boolean
}

const toldOf = (task: Task): Told => ({
  at: task.lastUpdatedAt,
  status: task.status,
  statusMessage: task.statusMessage,
  ttlMillis: task.ttlMillis,
  pollIntervalMillis: task.pollIntervalMillis,
  inputs: inputsOf(task),
  ended: isTerminal(task.status)
})

/** The keys of the inputs a task waits for, as one string (`undefined`: none told). */
const inputsOf = (task: Task): string | undefined =>
  task.status === "input_required" && task.inputRequests !== undefined ? JSON.stringify(Object.keys(task.inputRequests)) : undefined

/**
 * The changes heard while a stream read its tasks (`heard`, in the order they were made) that came
 * after the state each read found (`told`, updated): those up to that state (the last heard that is
 * it) are not told again, nor one stamped before it (heard before the read came back, it was made
 * before: a change on its way from another replica as the read was made); the others are, in
 * order, each once.
 */
const heardWhileReading = (heard: ReadonlyArray<Task>, told: Map<string, Told>): Array<Task> => {
  if (heard.length === 0) return []
  const readAt = new Map<string, number>()
  heard.forEach((task, i) => {
    if (sameState(task, told.get(task.taskId))) readAt.set(task.taskId, i)
  })
  const after: Array<Task> = []
  heard.forEach((task, i) => {
    const last = told.get(task.taskId)
    if (last === undefined || last.ended || i <= (readAt.get(task.taskId) ?? -1)) return
    if (task.lastUpdatedAt < last.at || sameState(task, last)) return
    told.set(task.taskId, toldOf(task))
    after.push(task)
  })
  return after
}

/**
 * Whether `task` is the state last told (`undefined`: none): the same in all a notification tells
 * of it, not only in its `lastUpdatedAt` and status (a `statusMessage` changed in the same
 * millisecond, a store's clock being coarse or a replica's behind, was not told).
 */
const sameState = (task: Task, last: Told | undefined): boolean =>
  last !== undefined && task.lastUpdatedAt === last.at && task.status === last.status &&
  task.statusMessage === last.statusMessage && task.ttlMillis === last.ttlMillis &&
  task.pollIntervalMillis === last.pollIntervalMillis && inputsOf(task) === last.inputs
