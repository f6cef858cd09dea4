/**
 * A 2025-11-25 task's requests and notifications to its client across the replicas of a server
 * on a shared store (`TaskStore.relay`: Redis pub/sub and a leased record per task).
 *
 * The task runs on the replica that created it (A); its client's `tasks/result` may wait on
 * another (B: a new session landed there). Design:
 * - B, while a `tasks/result` for task T waits there, records "a tasks/result for T waits on B"
 *   (`w:<T>`, a lease B renews, dropped when the last such wait there ends) and says so to the
 *   others (`Waiting`, `Left`). A, the replica running T, records nothing for a wait of its own:
 *   T's messages find it there first.
 * - A, when T asks the client (or sends its first notification) and no session of A waits for
 *   it, looks the record up (and hears `Waiting` while T runs): T's requests and notifications then
 *   go through a {@link RemoteCarrier}, T's `via` as a local session's `tasks/result` would be (a
 *   local one comes first). Its notifications go in batches (`Notes`: one message at a time, 100 or
 *   those of 20 ms; a task notifying faster waits for room, a line of Effect's logger waits with up
 *   to 1,024 others), sent before a question and as T's
 *   work ends; T's end is recorded once B says it has sent them on (an acknowledged last `Notes`,
 *   within 2 s): the end reaches B on another Redis connection, and notes coming after it found
 *   no wait there. A request held on the
 *   session that created T (its client reads it no more) is asked again through it
 *   (`RelatedTask.viaChanged`, as across sessions of one process).
 * - The carrier sends the request to B (`Ask`, under an id of A's), and waits for the answer
 *   within the request's timeout. B sends it on the stream of its `tasks/result` for T, under its
 *   session's own id, and sends back the client's answer (`Answer`) or how the request failed
 *   (`Failed`). An answer that arrives twice, or for a request given up, finds nothing and is
 *   ignored.
 * - A later `tasks/result` for T takes T's requests over: on a third replica (its `Waiting`), or on A
 *   (the client came back there): the carrier is left, and a request through it is asked again there.
 * - Given up on A (the task cancelled or ended, the timeout, asked again elsewhere), the request
 *   is withdrawn on B (`Withdraw`: B's request is interrupted, the client told
 *   `notifications/cancelled`). The session it went through on B closing, B asks it again through
 *   another whose `tasks/result` still waits there; none left (`Failed` SessionClosed), or B's last
 *   wait ending (`Left`), A's request goes back to where it would go without B. B gives up the
 *   requests it carries for T as its last wait for T ends (A, had it died, would never withdraw them).
 * - Only a session whose `tasks/result` waits for T on B gets T's request, and B lets only T's
 *   owner wait for it (`tasks/result` reads T for its caller first): another principal's session
 *   never sees it.
 * - Servers of one process may share one store: their relay ids count for the process, and of
 *   those hearing an `Ask`, the one whose `tasks/result` waits asks (none: the first fails it).
 * - A store whose messages can be lost (`TaskRelay.resendMillis`: Redis pub/sub drops what is
 *   published while a subscriber reconnects): A sends a question not answered within a round again
 *   at each round; B asks its client a question it already carries no second time, and answers one
 *   it answered already by sending its reply again (kept for the question's timeout, at most 10
 *   minutes and 1,000 replies). A question answered within a round costs nothing more. A lost
 *   `Waiting` is heard again within a round: B's renewal of its waits (one script a round) also
 *   says which are recorded as B's (`Waits`, in the script: no command more), and A takes its
 *   task's questions there. A lost `Withdraw` is made up within a round too: A, with questions
 *   waiting a round or more, or for three rounds after it gave one up, says which it still asks
 *   (`Asking`, one PUBLISH a round, all its questions in one message); B gives up the others it
 *   carries for A, and all of A's once A has said nothing of them for {@link silentRounds} rounds
 *   (A died, or its messages were lost) in which B heard the relay (its own `Waits` come back to
 *   it: cut off Redis, B hears nobody, and A is not silent), and for a lease (`leaseMillis`, by
 *   then A's tasks are taken over) and a round at least (see {@link silenceRounds}: an A alive but
 *   stalled that long is not taken for dead, its client not asked twice), A having said so before
 *   (a process that never does, of an older version, is not given up on).
 * - On such a store the task's notes are not lost either: each replica a task's notes go to gets
 *   them as a numbered line (`Notes`' `stream`, `seq`, and `first`, the oldest its sender still
 *   keeps); B takes them in order, once each, acknowledges them (`Noted`: one message for
 *   {@link notedEvery}, and once a round; those taken already, sent again, at once, once a round), and, as one comes after a gap, says which it lacks
 *   (`Noted` with `gap`): A sends those again at once, and those not acknowledged within a round at
 *   each round (once B has acknowledged one of the line: one of an older version never does, and
 *   would take them twice). A keeps at most {@link maxUnackedNotes} notes a line to send again (never waiting
 *   for B: a task is not held up by a replica gone), and gives a line up after three rounds with no
 *   word from B that A heard the relay in (cut off Redis, A hears nobody; at most
 *   {@link unheardRounds} rounds in all), or as the task ends (its last `Notes`' answer acknowledges all); those given up are
 *   said in A's log. Notes reaching a replica whose wait ended are dropped there (its client left).
 * - Notes still waiting to go as the task's wait moves (a later `Waiting`, a wait on A) follow it
 *   (to the new replica, or to the session on A), and so does a note sent through a carrier left
 *   (the task held it as its `via`); notes on their way already go where they went.
 * Every wait is bounded by the request's timeout; the record expires with its lease. The in-memory
 * store has no relay: nothing of this runs.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as PubSub from "effect/PubSub"
import type * as Scope from "effect/Scope"
import { ErrorCode } from "../../protocol/McpError.ts"
import {
  ClientCapabilityMissing,
  type ClientRequestError,
  ClientRequestFailed,
  ClientRequestTimeout,
  ClientResultInvalid,
  ClientVersionUnsupported,
  SessionClosed
} from "../../session/ClientRequestError.ts"
import { logLevels, logParams } from "../../session/internal/logMessages.ts"
import type { ContextSession } from "../../session/internal/requestContext.ts"
import type { ClientRequestOptions } from "../../session/RequestContext.ts"
import type { LoggingLevel } from "../../protocol/McpSchema.ts"
import type { ServerSession } from "../../session/ServerSession.ts"
import type { RelayMessage, TaskRelay } from "../../tasks/TaskStore.ts"

/** The relay as the task machinery uses it (see {@link make}). */
export interface Relayer {
  /** The carrier of the task's messages to the replica where its `tasks/result` waits, if any. */
  readonly carrierOf: (taskId: string) => ServerSession | undefined
  /**
   * The task starts asking its client, or sends its first notification: where a `tasks/result`
   * for it waits, if on another replica, becomes its carrier (a session here that waits for it
   * still comes first; a later wait is heard of by its `Waiting`).
   */
  readonly lookUp: (taskId: string) => Effect.Effect<void>
  /**
   * The task's work ended here: its notes still waiting are sent (before its end is recorded, so
   * that they come before its result), its carrier forgotten.
   */
  readonly ended: (taskId: string) => Effect.Effect<void>
  /**
   * A `tasks/result` for the task came to wait here (its client came back: the other replica may
   * have died, its record not expired yet): its carrier is left, its requests come here, as a later
   * wait on another replica takes them over there.
   */
  readonly cameHere: (taskId: string) => void
  /**
   * No `tasks/result` for the task waits here any more: the requests other replicas sent through
   * its waits are given up here (the client told `notifications/cancelled`), with no answer (the
   * replica that sent them hears `Left`; one that died would never withdraw them).
   */
  readonly noneWaits: (taskId: string) => void
  /** While the scope is open, a `tasks/result` for the task waits here (see `TaskRelay.waitHere`). */
  readonly waitHere: (taskId: string) => Effect.Effect<void, never, Scope.Scope>
}

/**
 * A task's requests to the replica where its `tasks/result` waits: what `RequestContextImpl`'s
 * `sendForTask` uses of a session (`requestRelated`, `unread`, `stateless`,
 * `clientRequestTimeoutMillis`), not a session (nothing else is asked of a task's `via`).
 */
class RemoteCarrier {
  readonly stateless = false
  /** Its replica's `tasks/result` no longer waits (`Left`), or another's came: requests go elsewhere. */
  left = false
  /** The last request id handed to `sent` (the carrier's own numbering: `unread` needs one). */
  private sent = 0
  /** The task's notifications waiting to go in one message (see `RelayerImpl.note`). */
  notes: Array<Note> = []
  /** A message of notes is on its way or waits its time: notes wait for the next. */
  sending = false
  /** Log messages of Effect's logger dropped, past {@link maxHeldNotes} waiting. */
  dropped = 0
  /** Notes were sent through it: its replica acknowledges the last as the task ends (see `RelayerImpl.ended`). */
  noted = false
  /** Completed as the notes waiting go (made by a notification waiting for room). */
  roomMade: Deferred.Deferred<void> | undefined = undefined
  /**
   * On a relay that can lose messages, the line its notes go on (see `RelayMessage`'s `Notes`),
   * named at the first message; the place of the last sent; those sent and not acknowledged yet,
   * oldest first (sent again if lost: {@link maxUnackedNotes} notes at most), and how many notes
   * that makes; the rounds of sending them again with no word from its replica (given up past
   * {@link silentRounds} of them heard in, or {@link unheardRounds} in all); and the notes no longer
   * kept to be sent again (past the bound, or given up).
   */
  stream: string | undefined = undefined
  seq = 0
  unacked: Array<Unacked> = []
  unackedNotes = 0
  unheard = 0
  /** Of those rounds, the ones this replica heard the relay in (see {@link silentRounds}: cut off Redis, it hears nobody). */
  silent = 0
  unsure = 0
  /**
   * Its replica acknowledged a message of the line (it numbers notes): only then are they sent
   * again at a round, and counted as lost when given up (one of an older version would take them
   * twice, and never acknowledges them; lacking one, it asks for those it lacks as the next comes).
   */
  answers = false
  readonly taskId: string
  /** The replica where the task's `tasks/result` waits (its address on the relay). */
  readonly process: string
  readonly clientRequestTimeoutMillis: number
  private readonly relayer: RelayerImpl
  constructor(taskId: string, process: string, clientRequestTimeoutMillis: number, relayer: RelayerImpl) {
    this.taskId = taskId
    this.process = process
    this.clientRequestTimeoutMillis = clientRequestTimeoutMillis
    this.relayer = relayer
  }
  /** A request sent through it is unread once the carrier is left: asked again through the next. */
  unread(): boolean {
    return this.left
  }
  /**
   * A notification of the task (`notify`, `progress`): sent on with the task's next notes; with
   * {@link maxNotes} waiting already, once they have gone (as a session's outbound queue makes a
   * task wait for room).
   */
  notifyRelated(method: string, params: { readonly [key: string]: unknown } | undefined): Effect.Effect<void> {
    return Effect.suspend(() =>
      this.relayer.note(this, method, params, true) ? Effect.void : Effect.andThen(this.relayer.room(this), this.notifyRelated(method, params))
    )
  }
  /** A log message of the task: sent on as its notifications are (the level checked there, by the session's). */
  logRelated(
    level: LoggingLevel,
    data: unknown,
    logger: string | undefined,
    _related: unknown,
    meta?: { readonly [key: string]: unknown }
  ): Effect.Effect<void> {
    return this.notifyRelated("notifications/message", logParams(level, data, logger, meta as never))
  }
  logRelatedUnsafe(
    level: LoggingLevel,
    data: unknown,
    logger: string | undefined,
    _related: unknown,
    meta?: { readonly [key: string]: unknown }
  ): void {
    // Synchronous (Effect's logger): it cannot wait for room, and is dropped past the bound.
    this.relayer.note(this, "notifications/message", logParams(level, data, logger, meta as never), false)
  }
  requestRelated(
    method: string,
    params: { readonly [key: string]: unknown } | undefined,
    _related: unknown,
    options: ClientRequestOptions | undefined,
    _truth?: unknown,
    _route?: string,
    sent?: (id: number) => void
  ): Effect.Effect<unknown, ClientRequestError> {
    return Effect.suspend(() => {
      sent?.(++this.sent)
      return this.relayer.ask(this, method, params, options?.timeoutMillis ?? this.clientRequestTimeoutMillis)
    })
  }
}

/**
 * A `ClientRequestError` as `Failed` carries it: its fields, its tag and its message (an
 * `Error`'s `message` is none of its own enumerable fields: a spread leaves it out).
 */
const errorFields = (error: ClientRequestError): { readonly _tag: string; readonly [field: string]: unknown } => ({
  ...error,
  _tag: error._tag,
  message: error.message
})

/** The `ClientRequestError` a `Failed` message carries (an unknown one: the session closed). */
const revived = (method: string, error: { readonly _tag: string; readonly [field: string]: unknown }): ClientRequestError => {
  switch (error._tag) {
    case "ClientRequestFailed":
      return new ClientRequestFailed({
        method,
        code: typeof error.code === "number" ? error.code : ErrorCode.InternalError,
        message: String(error.message),
        ...(error.data === undefined ? {} : { data: error.data })
      })
    case "ClientRequestTimeout":
      // Never sent there (held for the client's `notifications/initialized`): said so here too.
      return new ClientRequestTimeout({
        method,
        timeoutMillis: Number(error.timeoutMillis),
        ...(error.unsent === true ? { unsent: true } : {})
      })
    case "ClientResultInvalid":
      return new ClientResultInvalid({ method, message: String(error.message) })
    case "ClientCapabilityMissing":
      return new ClientCapabilityMissing({ method, capability: String(error.capability) })
    case "ClientVersionUnsupported":
      return new ClientVersionUnsupported({ method, protocolVersion: String(error.protocolVersion) })
    default:
      return new SessionClosed({ method })
  }
}

/**
 * The relayers on each relay: servers of one process may share one store (one layer provided to
 * each), and each hears every message for the process.
 */
const relayersOf = new WeakMap<TaskRelay, Array<RelayerImpl>>()

/** The last relay id of this process (ids are the process's address and a count: unique for all its servers). */
let lastRelayId = 0

/** A request sent to another replica, waiting for its answer. */
interface Pending {
  readonly method: string
  readonly answer: Deferred.Deferred<unknown, ClientRequestError>
  /**
   * The message that asked it: sent again while it waits, on a relay that can lose it
   * (`TaskRelay.resendMillis`); `undefined` for the acknowledgement of a task's last notes (see `ended`).
   */
  readonly ask: RelayMessage | undefined
  /** Waiting already at the last round of sending again: sent again at the next. */
  old: boolean
}

/** A message of notes sent, not acknowledged yet (see `RemoteCarrier.unacked`). */
interface Unacked {
  readonly seq: number
  readonly message: RelayMessage
  readonly notes: number
  /** There at the last round already: sent again at the next. */
  old: boolean
}

/** A line of another replica's notes coming here (see `RelayMessage`'s `Notes`). */
interface Incoming {
  /** The replica it comes from. */
  readonly from: string
  /** The place of the next message to take (those before came; one after it waits for it). */
  expected: number
  /** Messages taken since the last acknowledgement. */
  since: number
  /** The place last said to be lacking (said once each). */
  lacking: number
  /**
   * The round a message taken already was last acknowledged again at: once a round (a round sends
   * again every message not acknowledged, all at once; the others are acknowledged at the round).
   */
  again: number
  /** The round of its last message (a line quiet for {@link quietRounds} is forgotten). */
  round: number
}

/**
 * How many messages of a line of notes are taken before they are acknowledged (`Noted`), besides
 * once a round: one acknowledgement for this many messages of notes.
 */
const notedEvery = 8

/** The most notes kept per line to be sent again (the oldest go first past it: a replica not answering). */
const maxUnackedNotes = 4_096

/** The most lines of notes followed here (the quietest forgotten first). */
const maxIncoming = 10_000

/** The rounds a line of notes is remembered with no message (then a message of it starts it again, from its `first`). */
const quietRounds = 10

/**
 * The most rounds a line of notes is kept with no acknowledgement, whether or not anything is heard
 * here (see {@link silentRounds}): cut off Redis, this replica hears nobody, reconnects with a
 * backoff, and keeps its line meanwhile; but a replica gone in a cluster where nobody else speaks
 * is not sent notes again for ever.
 */
const unheardRounds = 30

/** A request another replica sent through this one (see `RelayerImpl.askHere`). */
interface Relayed {
  readonly taskId: string
  readonly fiber: Fiber.Fiber<void>
  /** The replica that asked it. */
  readonly from: string
  /**
   * When it was last said to be asked still (its `Ask`, or an `Asking` naming it), in rounds heard
   * (`RelayerImpl.heardRounds`: a round this replica heard nothing in is no silence of the asker).
   */
  heard: number
}

/**
 * The fewest rounds a question carried for another replica is kept with nothing heard of it from a
 * replica that says which it asks (`Asking`): then it is given up (its `Withdraw` and the rounds'
 * messages were lost, or the replica died). Counted in rounds this replica heard something in: cut
 * off the relay (its subscriber reconnecting), it hears nobody, and the asker is not silent. Never
 * fewer than a lease and a round take (see {@link silenceRounds}): an asker alive but stalled
 * (a GC pause, its event loop held up, it alone cut off Redis) is not taken for dead sooner.
 */
const silentRounds = 3

/**
 * The rounds (heard in) a question carried for another replica is kept with its asker silent, at
 * rounds of `everyMillis` and leases of `leaseMillis` (`TaskSupervisor`'s): {@link silentRounds},
 * and at least those a lease takes and one more. Rounds come `everyMillis` apart at the least, so
 * a question is given up no sooner than a lease and a round after it was last named: the round
 * for a new question, named first in the asker's `Asking` at its second round. An asker silent
 * for a lease is dead, or taken for it by then: its tasks are taken over (run again elsewhere, or
 * ended), and their questions with them. At 5 s rounds and 15 s leases: four rounds, 20 s at least.
 */
const silenceRounds = (everyMillis: number, leaseMillis: number): number =>
  Math.max(silentRounds, Math.ceil(leaseMillis / everyMillis) + 1)

/** A notification of a task, on its way to the replica where its `tasks/result` waits. */
interface Note {
  readonly method: string
  readonly params?: { readonly [key: string]: unknown } | undefined
}

/**
 * How long a task's notes wait for others to go together (one message on the relay), unless
 * {@link maxNotes} wait: a task's notes go one message at a time, each of 100 notes or made
 * after this while.
 */
const notesEveryMillis = 20

/**
 * The most notes one message carries: past it, a notification waits until they have gone (a
 * progress notification replaces the last one of its token waiting), but a log line of Effect's
 * logger (synchronous: it cannot wait) waits with them, up to {@link maxHeldNotes}.
 */
const maxNotes = 100

/**
 * The most notes waiting, with lines of Effect's logger past {@link maxNotes}: beyond, such a line
 * is dropped (said on the task's replica as the task ends). As a session keeps a burst of them
 * beyond its outbound queue whatever its client reads (`ServerSession`'s `maxOverflowingLogs`):
 * a burst a `tasks/result` on the task's own replica gets whole is not cut to 100 lines on another.
 */
const maxHeldNotes = 1_024

/** The longest a task's end waits for the acknowledgement of its last notes (see `RelayerImpl.ended`). */
const notesAckMillis = 2_000

/** A reply (`Answer`, `Failed`) kept for a question sent again (see `TaskRelay.resendMillis`), until a round of sending. */
interface Kept {
  readonly message: RelayMessage
  readonly until: number
}

/**
 * The longest a reply is kept for a question that may come again (its timeout, at most this): the
 * replica that asked it, cut off for longer, has its question asked again.
 */
const maxKeptMillis = 10 * 60_000

/** The most replies kept (the oldest go first). */
const maxKept = 1_000

class RelayerImpl implements Relayer {
  /** The carriers of the tasks running here whose `tasks/result` waits on another replica (known). */
  private readonly carriers = new Map<string, RemoteCarrier>()
  /** This replica's requests sent through carriers, by relay id. */
  private readonly pending = new Map<string, Pending>()
  /**
   * The requests other replicas sent through this one, by their relay id: interrupted when
   * withdrawn, or when no `tasks/result` for their task waits here any more.
   */
  private readonly relayed = new Map<string, Relayed>()
  /**
   * The processes that said which questions they ask (`Asking`), with the round they last did: a
   * question of one of them it has said nothing of for {@link silence} rounds is given up.
   */
  private readonly askers = new Map<string, number>()
  /**
   * A question asked through another replica was given up here: the rounds at which this process
   * says which it asks still (see {@link resend}), that many in case one is lost as its `Withdraw` was.
   */
  withdrew = 0
  /**
   * The replies this replica sent to questions it asked its client, by relay id, on a relay that
   * can lose them: a question that comes again is answered from here, the client not asked twice.
   */
  private readonly kept = new Map<string, Kept>()
  /** The lines of notes of the tasks running here sent to other replicas, not all acknowledged yet, by name. */
  private readonly lines = new Map<string, RemoteCarrier>()
  /** The lines of other replicas' tasks' notes coming here, by name. */
  private readonly incoming = new Map<string, Incoming>()
  /** The deliveries of other replicas' tasks' notes under way here, the last of each task (see `notesHere`). */
  private readonly delivering = new Map<string, Fiber.Fiber<unknown>>()
  /** Rounds of sending again so far (see {@link resend}). */
  private rounds = 0
  /**
   * Rounds in which this replica heard a message on the relay (anyone's, its own `Waits` too): the
   * clock of an asker's silence (see {@link silentRounds}); and whether one came since the last round.
   */
  private heardRounds = 0
  private heardSince = false
  /** The rounds heard in a silent asker's questions are kept (see {@link silenceRounds}). */
  private readonly silence: number
  private readonly relay: TaskRelay
  readonly options: Options
  constructor(relay: TaskRelay, options: Options) {
    this.relay = relay
    this.options = options
    this.silence = relay.resendMillis === undefined ? silentRounds : silenceRounds(relay.resendMillis, options.leaseMillis)
  }

  carrierOf(taskId: string): ServerSession | undefined {
    return this.carriers.size === 0 ? undefined : this.carriers.get(taskId) as unknown as ServerSession | undefined
  }

  lookUp(taskId: string): Effect.Effect<void> {
    return Effect.matchEffect(this.relay.waiter(taskId), {
      onFailure: () => Effect.void,
      onSuccess: (process) => Effect.sync(() => this.carry(taskId, process))
    })
  }

  ended(taskId: string): Effect.Effect<void> {
    return Effect.suspend(() => {
      const carrier = this.carriers.size === 0 ? undefined : this.carriers.get(taskId)
      if (carrier === undefined) return Effect.void
      carrier.left = true
      this.carriers.delete(taskId)
      const flushed = this.flushAllNotes(carrier)
      const sent = Effect.ensuring(
        carrier.noted || carrier.notes.length > 0 ? Effect.andThen(flushed, this.acknowledged(carrier)) : flushed,
        Effect.sync(() => this.giveUp(carrier))
      )
      return Effect.andThen(
        sent,
        Effect.suspend(() => {
          const warnings: Array<Effect.Effect<void>> = []
          if (carrier.dropped > 0) {
            warnings.push(Effect.logWarning(
              `effect-mcp-server: ${carrier.dropped} log message(s) of task ${taskId} were not sent to the replica where its ` +
                `tasks/result waits (more than ${maxHeldNotes} waiting to go, ${maxNotes} a message)`
            ))
          }
          if (carrier.unsure > 0) warnings.push(unsureWarning(carrier))
          return warnings.length === 0 ? Effect.void : Effect.all(warnings, { discard: true })
        })
      )
    })
  }

  /**
   * The carrier's replica has sent on the task's notes (they reach its client before the task's
   * result), or {@link notesAckMillis} passed: the task's end and its notes reach it on two Redis
   * connections, in no set order, and notes that came after the end found no wait there.
   */
  private acknowledged(carrier: RemoteCarrier): Effect.Effect<void> {
    return Effect.suspend(() => {
      const id = `${this.relay.here}${++lastRelayId}`
      const answer = Deferred.makeUnsafe<unknown, ClientRequestError>()
      this.pending.set(id, { method: "notes", answer, ask: undefined, old: false })
      const last = this.numbered(carrier, { _tag: "Notes", to: carrier.process, taskId: carrier.taskId, notes: [], ack: id, from: this.relay.here })
      return Effect.andThen(this.relay.send(last), Deferred.await(answer)).pipe(
        // Answered once every message of the line before it was taken there, in order: all acknowledged.
        Effect.tap(() =>
          Effect.sync(() => {
            carrier.unacked = []
            carrier.unackedNotes = 0
          })
        ),
        Effect.timeout(notesAckMillis),
        Effect.ignore,
        Effect.ensuring(Effect.sync(() => this.pending.delete(id)))
      )
    })
  }

  cameHere(taskId: string): void {
    const carrier = this.carriers.size === 0 ? undefined : this.carriers.get(taskId)
    if (carrier === undefined) return
    carrier.left = true
    this.carriers.delete(taskId)
    // Its notes still waiting follow the task's messages here, to this wait (its client came back:
    // the other replica's wait may be gone, and would drop them).
    const waiting = this.takeNotes(carrier)
    const session = this.options.local(taskId) as ContextSession | undefined
    if (waiting.length > 0 && session !== undefined) this.options.runFork(deliver(session, taskId, waiting))
  }

  /** The carrier's notes waiting to go, taken from it (those waiting for room told to note again). */
  private takeNotes(carrier: RemoteCarrier): Array<Note> {
    const waiting = carrier.notes
    carrier.notes = []
    const roomMade = carrier.roomMade
    carrier.roomMade = undefined
    if (roomMade !== undefined) Deferred.doneUnsafe(roomMade, Exit.void)
    return waiting
  }

  /**
   * A notification of the task to the replica where its `tasks/result` waits: it waits
   * {@link notesEveryMillis} for others, to go in one message with them (one message at a time; at
   * most {@link maxNotes} notes each). `false`: no room (with `wait`; see {@link room}).
   */
  note(on: RemoteCarrier, method: string, params: { readonly [key: string]: unknown } | undefined, wait: boolean): boolean {
    let carrier = on
    if (carrier.left) {
      // Left as the task noted (its wait moved: another replica's, or one here): the note follows.
      const now = this.carriers.get(carrier.taskId)
      if (now !== undefined) carrier = now
      else {
        const session = this.options.local(carrier.taskId) as ContextSession | undefined
        if (session !== undefined) {
          this.options.runFork(deliver(session, carrier.taskId, [params === undefined ? { method } : { method, params }]))
          return true
        }
      }
    }
    const notes = carrier.notes
    if (notes.length >= maxNotes) {
      if (method === "notifications/progress") {
        const token = params?.progressToken
        for (let i = notes.length - 1; i >= 0; i--) {
          if (notes[i]!.method === method && notes[i]!.params?.progressToken === token) {
            notes[i] = { method, params }
            return true
          }
        }
      }
      if (wait) return false
      if (notes.length >= maxHeldNotes) {
        carrier.dropped++
        return true
      }
    }
    notes.push(params === undefined ? { method } : { method, params })
    if (carrier.sending) return true
    carrier.sending = true
    this.options.runFork(this.sendNotes(carrier))
    return true
  }

  /** Completes once the carrier's notes waiting now have gone (room for more). */
  room(carrier: RemoteCarrier): Effect.Effect<void> {
    return Deferred.await(carrier.roomMade ??= Deferred.makeUnsafe<void>())
  }

  /**
   * The carrier's notes while some wait, one message at a time: {@link maxNotes} of them at once,
   * fewer after {@link notesEveryMillis} (for others to come).
   */
  private sendNotes(carrier: RemoteCarrier): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (carrier.notes.length === 0) {
        carrier.sending = false
        return Effect.void
      }
      const sent = Effect.andThen(this.flushNotes(carrier), this.sendNotes(carrier))
      return carrier.notes.length >= maxNotes ? sent : Effect.andThen(Effect.sleep(notesEveryMillis), sent)
    })
  }

  /** The carrier's notes waiting now, {@link maxNotes} at most in one message (if any wait). */
  private flushNotes(carrier: RemoteCarrier): Effect.Effect<void> {
    return Effect.suspend(() => {
      const waiting = carrier.notes
      if (waiting.length === 0) return Effect.void
      // Past `maxNotes`, only lines of Effect's logger wait (see `note`): the first go now.
      const notes = waiting.length <= maxNotes ? waiting : waiting.splice(0, maxNotes)
      if (notes === waiting) carrier.notes = []
      const roomMade = carrier.roomMade
      carrier.roomMade = undefined
      carrier.noted = true
      const sent = Effect.ignore(this.relay.send(this.numbered(carrier, { _tag: "Notes", to: carrier.process, taskId: carrier.taskId, notes })))
      return roomMade === undefined ? sent : Effect.ensuring(sent, Deferred.done(roomMade, Exit.void))
    })
  }

  /** Every note of the carrier waiting now, in messages of {@link maxNotes} (before a question, or the task's end). */
  private flushAllNotes(carrier: RemoteCarrier): Effect.Effect<void> {
    return Effect.suspend(() =>
      carrier.notes.length === 0 ? Effect.void : Effect.andThen(this.flushNotes(carrier), this.flushAllNotes(carrier))
    )
  }

  noneWaits(taskId: string): void {
    if (this.relayed.size === 0) return
    for (const request of this.relayed.values()) {
      if (request.taskId === taskId) request.fiber.interruptUnsafe()
    }
  }

  waitHere(taskId: string): Effect.Effect<void, never, Scope.Scope> {
    return this.relay.waitHere(taskId)
  }

  /**
   * The task's requests and notifications go through `process` from now on, if the task runs here
   * and that is another replica (not already its carrier): its requests waiting elsewhere are told.
   */
  private carry(taskId: string, process: string | undefined): void {
    if (process === undefined || process === this.relay.here) return
    const timeoutMillis = this.options.running(taskId)
    const before = this.carriers.get(taskId)
    if (timeoutMillis === undefined || before?.process === process) return
    const next = new RemoteCarrier(taskId, process, timeoutMillis, this)
    if (before !== undefined) {
      before.left = true
      // Its notes still waiting follow the task to the new wait (the old one may be gone, and would drop them).
      const waiting = this.takeNotes(before)
      if (waiting.length > 0) {
        next.notes = waiting
        next.sending = true
        this.options.runFork(this.sendNotes(next))
      }
    }
    this.carriers.set(taskId, next)
    this.options.changed(taskId)
  }

  /** The carrier is left (its replica's wait ended, or its session closed): requests go elsewhere. */
  private leave(carrier: RemoteCarrier): void {
    carrier.left = true
    if (this.carriers.get(carrier.taskId) !== carrier) return
    this.carriers.delete(carrier.taskId)
    this.options.changed(carrier.taskId)
  }

  /** A request through `carrier`, answered by its replica's client within `timeoutMillis`. */
  ask(
    carrier: RemoteCarrier,
    method: string,
    params: { readonly [key: string]: unknown } | undefined,
    timeoutMillis: number
  ): Effect.Effect<unknown, ClientRequestError> {
    const id = `${this.relay.here}${++lastRelayId}`
    const answer = Deferred.makeUnsafe<unknown, ClientRequestError>()
    const message: RelayMessage = params === undefined
      ? { _tag: "Ask", to: carrier.process, from: this.relay.here, id, taskId: carrier.taskId, method, timeoutMillis }
      : { _tag: "Ask", to: carrier.process, from: this.relay.here, id, taskId: carrier.taskId, method, params, timeoutMillis }
    this.pending.set(id, { method, answer, ask: message, old: false })
    // Not sent (the store is down): as if its session had closed, the request goes elsewhere. The
    // task's notes before it go first.
    const sent = Effect.catch(Effect.andThen(this.flushAllNotes(carrier), this.relay.send(message)), () =>
      Effect.sync(() => {
        this.leave(carrier)
        Deferred.doneUnsafe(answer, Exit.fail(new SessionClosed({ method })))
      }))
    return Effect.andThen(sent, Deferred.await(answer)).pipe(
      Effect.timeoutOrElse({
        duration: timeoutMillis,
        orElse: () => Effect.fail(new ClientRequestTimeout({ method, timeoutMillis }))
      }),
      Effect.tapError((error) => error._tag === "SessionClosed" ? Effect.sync(() => this.leave(carrier)) : Effect.void),
      Effect.ensuring(Effect.suspend(() => {
        this.pending.delete(id)
        // Given up here (interrupted, timed out): the other replica stops asking (told again at
        // the next round, should this be lost: see `resend`).
        if (Deferred.isDoneUnsafe(answer)) return Effect.void
        this.withdrew = silentRounds
        return Effect.ignore(this.relay.send({ _tag: "Withdraw", to: carrier.process, id }))
      }))
    )
  }

  /** What the relay brought. */
  receive(message: RelayMessage): void {
    this.heardSince = true
    switch (message._tag) {
      case "Waiting":
        return this.carry(message.taskId, message.from)
      case "Waits":
        return this.waits(message.from, message.taskIds)
      case "Asking":
        return this.asking(message.from, message.ids, message.upTo)
      case "Noted":
        return this.noted(message.stream, message.seq, message.gap === true)
      case "Left": {
        const carrier = this.carriers.get(message.taskId)
        if (carrier !== undefined && carrier.process === message.from) this.leave(carrier)
        return
      }
      case "Answer":
      case "Failed": {
        const pending = this.pending.get(message.id)
        if (pending === undefined) return // given up, or answered already
        this.pending.delete(message.id)
        Deferred.doneUnsafe(
          pending.answer,
          message._tag === "Answer" ? Exit.succeed(message.result) : Exit.fail(revived(pending.method, message.error))
        )
        return
      }
      case "Withdraw": {
        this.relayed.get(message.id)?.fiber.interruptUnsafe()
        return
      }
      case "Ask":
        return this.askHere(message)
      case "Notes":
        return this.notesHere(message)
    }
  }

  /**
   * A round of sending again, on a relay that can lose messages (every `TaskRelay.resendMillis`):
   * each question waiting for its answer since the last round is sent again (its `Ask` or the
   * reply lost: the replica that asks the client asks it then, or sends its reply again), and the
   * replies kept past their time are forgotten.
   */
  resend(): Effect.Effect<void> {
    return Effect.suspend(() => {
      const round = ++this.rounds
      const heard = this.heardSince
      if (heard) {
        this.heardSince = false
        this.heardRounds++
      }
      if (this.kept.size > 0) {
        for (const [id, kept] of this.kept) if (kept.until <= round) this.kept.delete(id)
      }
      if (this.relayed.size > 0) {
        // Carried here for a replica that says which it asks, and not said for a while: given up.
        for (const request of this.relayed.values()) {
          if (this.askers.has(request.from) && this.heardRounds - request.heard > this.silence) request.fiber.interruptUnsafe()
        }
      }
      if (this.askers.size > 0) {
        // Forgotten long after its questions would be given up (an asker silent for good).
        for (const [process, at] of this.askers) if (round - at > 100 * silentRounds + this.silence) this.askers.delete(process)
      }
      const again: Array<RelayMessage> = []
      let waited = false
      for (const pending of this.pending.values()) {
        if (pending.ask === undefined) continue
        if (!pending.old) pending.old = true
        else {
          again.push(pending.ask)
          waited = true
        }
      }
      const said = this.sayAsking(waited)
      if (said !== undefined) again.push(said)
      // Notes not acknowledged since the last round sent again (lost, or their acknowledgement).
      // Those of a carrier left given up are said in the log now (the task's end says its
      // carrier's: see `ended`).
      let lost: Array<Effect.Effect<void>> | undefined
      if (this.lines.size > 0) {
        for (const carrier of this.lines.values()) {
          const unacked = carrier.unacked
          if (unacked.length === 0) {
            // Left (its wait moved, or ended there): nothing more goes on its line, forgotten once
            // all acknowledged.
            if (carrier.left) this.giveUp(carrier)
            continue
          }
          // Given up after the rounds of a silent replica, one that never acknowledges (an older
          // version: never sent them again) too: what is kept for it serves nothing.
          if (!unacked[0]!.old) {
            for (const message of unacked) message.old = true
          } else if (++carrier.unheard > unheardRounds || (heard && ++carrier.silent > silentRounds)) {
            this.giveUp(carrier)
            if (carrier.left && carrier.unsure > 0) {
              ;(lost ??= []).push(unsureWarning(carrier))
              carrier.unsure = 0
            }
          } else if (carrier.answers) for (const message of unacked) again.push(message.message)
        }
      }
      // Notes taken here acknowledged (those of a round), lines quiet for long forgotten.
      if (this.incoming.size > 0) {
        for (const [stream, line] of this.incoming) {
          if (line.since > 0) {
            line.since = 0
            again.push({ _tag: "Noted", to: line.from, stream, seq: line.expected - 1 })
          } else if (round - line.round > quietRounds) this.incoming.delete(stream)
        }
      }
      // One at a time: a question given up meanwhile (its `Withdraw` sent) is not sent after it
      // (the other replica would ask its client again).
      const warned = lost === undefined ? Effect.void : Effect.all(lost, { discard: true })
      return again.length === 0 ? warned : Effect.andThen(warned, Effect.forEach(
        again,
        (message) =>
          Effect.suspend(() => message._tag === "Ask" && !this.pending.has(message.id) ? Effect.void : Effect.ignore(this.relay.send(message))),
        { discard: true }
      ))
    })
  }

  /**
   * Which questions this process asks through other replicas (`Asking`), at a round when one has
   * waited a round or more (`waited`, here) or in the {@link silentRounds} rounds after one was
   * given up (by any server of this process on this relay: said once for the process, by the
   * first). `undefined`: not now.
   */
  private sayAsking(waited: boolean): RelayMessage | undefined {
    const relayers = relayersOf.get(this.relay)
    if (relayers !== undefined && relayers.length > 1) {
      if (relayers[0] !== this) return undefined
      let any = waited
      for (const other of relayers) {
        if (other.withdrew > 0) {
          any = true
          other.withdrew--
        }
        if (!any && other !== this) for (const pending of other.pending.values()) if (pending.ask !== undefined && pending.old) any = true
      }
      return any ? this.asked(relayers) : undefined
    }
    if (this.withdrew > 0) this.withdrew--
    else if (!waited) return undefined
    return this.asked([this])
  }

  /** The questions `relayers` ask now, all of those made up to now (see `RelayMessage`'s `Asking`). */
  private asked(relayers: ReadonlyArray<RelayerImpl>): RelayMessage {
    const ids: Array<string> = []
    for (const relayer of relayers) for (const [id, pending] of relayer.pending) if (pending.ask !== undefined) ids.push(id)
    return { _tag: "Asking", from: this.relay.here, ids, upTo: lastRelayId }
  }

  /**
   * The tasks whose `tasks/result` waits on `process`, as recorded (`Waits`): a task running here
   * with no wait here and another carrier (its `Waiting` lost) has its requests go there.
   */
  private waits(process: string, taskIds: ReadonlyArray<string>): void {
    if (process === this.relay.here) return
    for (const taskId of taskIds) {
      if (this.carriers.get(taskId)?.process === process || this.options.running(taskId) === undefined) continue
      if (this.options.local(taskId) === undefined) this.carry(taskId, process)
    }
  }

  /**
   * The questions `process` asks still (`Asking`: `ids`, of all those it made up to the `upTo`-th):
   * one carried here for it that it made by then and asks no more (its `Withdraw` lost) is given up.
   */
  private asking(process: string, ids: ReadonlyArray<string>, upTo: number): void {
    this.askers.set(process, this.rounds)
    if (this.relayed.size === 0) return
    let still: Set<string> | undefined
    for (const [id, request] of this.relayed) {
      if (request.from !== process) continue
      still ??= new Set(ids)
      if (still.has(id)) request.heard = this.heardRounds
      else if (Number(id.slice(process.length)) <= upTo) request.fiber.interruptUnsafe()
    }
  }

  /**
   * `message` (notes of `carrier`) in its line, on a relay that can lose messages: numbered, and
   * kept to be sent again until its replica acknowledges it (see `RelayMessage`'s `Notes`).
   */
  private numbered(carrier: RemoteCarrier, message: Extract<RelayMessage, { readonly _tag: "Notes" }>): RelayMessage {
    if (this.relay.resendMillis === undefined) return message
    const stream = carrier.stream ??= `${this.relay.here}${++lastRelayId}`
    this.lines.set(stream, carrier)
    const seq = ++carrier.seq
    const first = carrier.unacked.length === 0 ? seq : carrier.unacked[0]!.seq
    const numbered: RelayMessage = { ...message, from: this.relay.here, stream, seq, first }
    carrier.unacked.push({ seq, message: numbered, notes: message.notes.length, old: false })
    carrier.unackedNotes += message.notes.length
    // A replica that does not answer: the oldest are no longer kept (a task is never held up by it).
    while (carrier.unackedNotes > maxUnackedNotes && carrier.unacked.length > 1) {
      const gone = carrier.unacked.shift()!
      carrier.unackedNotes -= gone.notes
      if (carrier.answers) carrier.unsure += gone.notes
    }
    return numbered
  }

  /** The carrier's notes sent and not acknowledged are no longer sent again (its task ended, or its replica is silent). */
  private giveUp(carrier: RemoteCarrier): void {
    if (carrier.answers) carrier.unsure += carrier.unackedNotes
    carrier.unacked = []
    carrier.unackedNotes = 0
    // Its later notes (the task goes on) start anew: a silent replica is given three rounds again.
    carrier.unheard = 0
    carrier.silent = 0
    if (carrier.stream !== undefined) this.lines.delete(carrier.stream)
  }

  /** The replica the notes of line `stream` went to took them up to `seq`; with `gap`, it lacks the next: sent again now. */
  private noted(stream: string, seq: number, gap: boolean): void {
    const carrier = this.lines.get(stream)
    if (carrier === undefined) return
    carrier.unheard = 0
    carrier.silent = 0
    carrier.answers = true
    const unacked = carrier.unacked
    let taken = 0
    while (taken < unacked.length && unacked[taken]!.seq <= seq) carrier.unackedNotes -= unacked[taken++]!.notes
    if (taken > 0) unacked.splice(0, taken)
    if (unacked.length === 0) {
      if (carrier.left) this.lines.delete(stream)
      return
    }
    if (gap) {
      const again = unacked.map((message) => message.message)
      this.options.runFork(Effect.forEach(again, (message) => Effect.ignore(this.relay.send(message)), { discard: true }))
    }
  }

  /**
   * Whether another replica's numbered notes are the next of their line (taken: acknowledged every
   * {@link notedEvery} and each round); one already taken is not taken again (acknowledged again:
   * its acknowledgement may have been lost), and one after a gap waits for those lacking (asked
   * for once: `Noted` with `gap`).
   */
  private inOrder(stream: string, from: string, seq: number, first: number): boolean {
    let line = this.incoming.get(stream)
    if (line === undefined) {
      if (this.incoming.size >= maxIncoming) this.incoming.delete(this.incoming.keys().next().value!)
      line = { from, expected: first, since: 0, lacking: 0, again: -1, round: this.rounds }
      this.incoming.set(stream, line)
    }
    line.round = this.rounds
    // Its sender gave up those before `first` (not answered for long): the line goes on from there.
    if (first > line.expected) line.expected = first
    const say = (message: RelayMessage) => this.options.runFork(Effect.ignore(this.relay.send(message)))
    if (seq < line.expected) {
      if (line.again !== this.rounds) {
        line.again = this.rounds
        say({ _tag: "Noted", to: from, stream, seq: line.expected - 1 })
      } else if (line.since === 0) line.since = 1
      return false
    }
    if (seq > line.expected) {
      if (line.lacking !== line.expected) {
        line.lacking = line.expected
        say({ _tag: "Noted", to: from, stream, seq: line.expected - 1, gap: true })
      }
      return false
    }
    line.expected++
    if (++line.since >= notedEvery) {
      line.since = 0
      say({ _tag: "Noted", to: from, stream, seq: line.expected - 1 })
    }
    return true
  }

  /** Keeps the reply to a question asked here, for the question sent again (see {@link resend}). */
  private keep(ask: Extract<RelayMessage, { readonly _tag: "Ask" }>, message: RelayMessage): void {
    const every = this.relay.resendMillis
    if (every === undefined) return
    if (this.kept.size >= maxKept) this.kept.delete(this.kept.keys().next().value!)
    // Until the asking replica gives the question up (its timeout), within bounds; a round more:
    // the rounds here and there do not start together.
    this.kept.set(ask.id, { message, until: this.rounds + Math.ceil(Math.min(ask.timeoutMillis, maxKeptMillis) / every) + 1 })
  }

  /**
   * Another replica's task's notes, sent on the stream of the `tasks/result` waiting here for it,
   * after the task's notes before them (one fiber after the other, per task); the last acknowledged
   * once sent on (by the server of this process whose `tasks/result` waits, else the first).
   */
  private notesHere(message: Extract<RelayMessage, { readonly _tag: "Notes" }>): void {
    const taskId = message.taskId
    // Numbered (a relay that can lose messages): taken in order, once each.
    if (
      message.stream !== undefined && message.from !== undefined && message.seq !== undefined &&
      !this.inOrder(message.stream, message.from, message.seq, message.first ?? 1)
    ) {
      // Its last notes taken already, their acknowledgement lost: acknowledged again.
      if (message.ack === undefined || message.seq >= (this.incoming.get(message.stream)?.expected ?? 0)) return
    }
    const session = this.options.local(taskId) as ContextSession | undefined
    if (session === undefined && message.ack === undefined) return
    const sent = session === undefined ? Effect.void : deliver(session, taskId, message.notes)
    let acked = sent
    if (message.ack !== undefined && message.from !== undefined) {
      const relayers = relayersOf.get(this.relay)
      const acks = session !== undefined || relayers === undefined || relayers.length < 2 ||
        (relayers[0] === this && !relayers.some((other) => other.options.local(taskId) !== undefined))
      const reply: RelayMessage = { _tag: "Answer", to: message.from, id: message.ack, result: null }
      if (acks) acked = Effect.andThen(sent, Effect.ignore(this.relay.send(reply)))
    }
    const before = this.delivering.get(taskId)
    let fiber: Fiber.Fiber<void> | undefined
    fiber = this.options.runFork(Effect.andThen(before === undefined ? Effect.void : Fiber.await(before), acked).pipe(
      Effect.ensuring(Effect.sync(() => {
        if (fiber !== undefined && this.delivering.get(taskId) === fiber) this.delivering.delete(taskId)
      }))
    ))
    if (fiber.pollUnsafe() === undefined) this.delivering.set(taskId, fiber)
  }

  /** Another replica's request, sent on the stream of the `tasks/result` waiting here for its task. */
  private askHere(ask: Extract<RelayMessage, { readonly _tag: "Ask" }>): void {
    // Not cut short once the client answered (the request given up as it is sent back).
    const reply = (message: RelayMessage) => Effect.uninterruptible(Effect.ignore(this.relay.send(message)))
    // Asked again (its reply lost on the way, see `resend`): the reply sent again, not the client asked twice.
    const kept = this.kept.size === 0 ? undefined : this.kept.get(ask.id)
    if (kept !== undefined) {
      this.options.runFork(reply(kept.message))
      return
    }
    const carried = this.relayed.get(ask.id)
    if (carried !== undefined) {
      carried.heard = this.heardRounds
      return
    }
    const session = this.options.local(ask.taskId) as ContextSession | undefined
    if (session === undefined) {
      // Another server of this process on this store may carry it (that one asks, or keeps its
      // reply); if none does, one of them says so (the first).
      const relayers = relayersOf.get(this.relay)
      if (relayers !== undefined && relayers.length > 1) {
        if (
          relayers[0] !== this ||
          relayers.some((other) => other.options.local(ask.taskId) !== undefined || other.kept.has(ask.id))
        ) return
      }
      this.options.runFork(reply({ _tag: "Failed", to: ask.from, id: ask.id, error: { _tag: "SessionClosed" } }))
      return
    }
    // Its session closed first (its `tasks/result` drains on): asked again through another
    // session here whose `tasks/result` still waits for the task, if there is one (each at most
    // once: a closed session refuses requests, and is not picked again).
    const through = (session: ContextSession): Effect.Effect<unknown, ClientRequestError> =>
      Effect.catchTag(
        session.requestRelated(ask.method, ask.params, undefined, { timeoutMillis: ask.timeoutMillis }, undefined, ask.taskId),
        "SessionClosed",
        (closed) => {
          const next = this.options.local(ask.taskId) as ContextSession | undefined
          return next === undefined || next === session ? Effect.fail(closed) : through(next)
        }
      )
    const answered = (message: RelayMessage) =>
      Effect.suspend(() => {
        this.keep(ask, message)
        return reply(message)
      })
    const fiber = this.options.runFork(Effect.matchEffect(through(session), {
      onSuccess: (result) => answered({ _tag: "Answer", to: ask.from, id: ask.id, result }),
      onFailure: (error) => answered({ _tag: "Failed", to: ask.from, id: ask.id, error: errorFields(error) })
    }).pipe(Effect.ensuring(Effect.sync(() => this.relayed.delete(ask.id)))))
    if (fiber.pollUnsafe() === undefined) this.relayed.set(ask.id, { taskId: ask.taskId, fiber, from: ask.from, heard: this.heardRounds })
  }
}

/** The log line of the carrier's notes given up, not acknowledged by its replica (`RemoteCarrier.unsure`). */
const unsureWarning = (carrier: RemoteCarrier): Effect.Effect<void> =>
  Effect.logWarning(
    `effect-mcp-server: ${carrier.unsure} notification(s) of task ${carrier.taskId} sent to the replica where its tasks/result ` +
      `waits were not acknowledged there, and may have been lost`
  )

/** A task's notes sent on the stream of `session`'s `tasks/result` for it, in order. */
const deliver = (session: ContextSession, taskId: string, notes: ReadonlyArray<Note>): Effect.Effect<void> =>
  Effect.forEach(notes, (note) => {
    // A log message below the level the client set on this session is not for it.
    const level = note.method === "notifications/message" ? note.params?.level as LoggingLevel : undefined
    if (level !== undefined && !(logLevels[level] >= logLevels[session.logLevel])) return Effect.void
    return session.notifyRelated(note.method, note.params, undefined, undefined, taskId)
  }, { discard: true })

/** What the relay needs of the task machinery (`tasks.ts`). */
export interface Options {
  /** The session here whose `tasks/result` waits for the task (`RelatedTask.via` of the waits here). */
  readonly local: (taskId: string) => ServerSession | undefined
  /** The default timeout of the task's requests when it runs here, else `undefined`. */
  readonly running: (taskId: string) => number | undefined
  /** The task's requests may go through another carrier now (`RelatedTask.viaChanged`). */
  readonly changed: (taskId: string) => void
  /**
   * How long the leases on running tasks last (`TaskSupervisor`'s `leaseMillis`): a silent asker's
   * questions are kept at least this long and a round (see {@link silenceRounds}).
   */
  readonly leaseMillis: number
  readonly runFork: <A, E>(effect: Effect.Effect<A, E>) => Fiber.Fiber<A, E>
}

/**
 * The relay of a store that has one, its messages followed in the scope; `undefined` without
 * (the in-memory store).
 */
export const make = (relay: TaskRelay | undefined, options: Options): Effect.Effect<Relayer | undefined, never, Scope.Scope> =>
  Effect.gen(function*() {
    if (relay === undefined) return undefined
    const relayer = new RelayerImpl(relay, options)
    const relayers = relayersOf.get(relay)
    if (relayers === undefined) relayersOf.set(relay, [relayer])
    else relayers.push(relayer)
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        const now = relayersOf.get(relay)
        const at = now === undefined ? -1 : now.indexOf(relayer)
        if (at !== -1) now!.splice(at, 1)
      })
    )
    yield* Effect.forkScoped(Effect.scoped(Effect.flatMap(PubSub.subscribe(relay.messages), (subscription) =>
      Effect.forever(Effect.flatMap(PubSub.take(subscription), (message) => Effect.sync(() => relayer.receive(message))))
    )))
    const every = relay.resendMillis
    if (every !== undefined) yield* Effect.forkScoped(Effect.forever(Effect.andThen(Effect.sleep(every), relayer.resend())))
    return relayer
  })
