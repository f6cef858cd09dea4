/**
 * The `TaskStore` on Redis: tasks shared by every server (replica) that uses the same Redis and
 * prefix, under the rules of the in-memory store (`TaskStore`'s module doc): unguessable ids, a
 * task visible only to its owner, the TTL (a Redis expiry), compare-and-set terminal states, the
 * limits per owner, per client address and per server, and `list` paging for an owner.
 *
 * **Details**
 *
 * - Keys under `<prefix>tasks:`: `t:<taskId>` a hash (the task as JSON, its owner, address,
 *   creation sequence, status, a version and its lease's holder), expiring at `createdAt + ttl`;
 *   `in:<taskId>` the answers to its pending input not yet taken (expiring with the task); `o:<owner>` and
 *   `a:<address>` the owner's and the address's task ids by creation sequence; `all` every task
 *   id by expiry; `done` the terminal ones, oldest first; `seq` the creation counter; `servers`
 *   the names of the servers using the prefix, each with when it last said so (`announce`). The sets
 *   lose an expired task lazily (the next creation or list of that scope). An owner's or address's
 *   key of another type (written by hand) is dropped there and made again. So are the shared
 *   keys, when a creation or change fails on one (checked then, not on each call): `seq` of another
 *   type or not an integer is set to Redis's clock in microseconds (above every sequence a counter
 *   gave: lists keep creation order), `all` and `done` are made again and their tasks put back from
 *   their own records (a `SCAN` of `t:*`, in the background, ended when the store's scope
 *   closes: what it had not put back yet is not listed); the call is then sent again, and a
 *   warning logged. `leases` and `holders` are not dropped (running tasks' leases would go with
 *   them): creations, ends, renewals and claims fail with a `StoreError` saying to delete the key
 *   (`DEL …`) and what that does to the running tasks, logged as an error once. `DEL leases`:
 *   every running task gets its lease back at its holder's next renewal (a third of a lease
 *   later) and runs on, of either layout (a holder read from the task's hash makes it again when
 *   the task has not ended nor expired, see `extendLua`); one whose holder stops before that
 *   renewal is not taken over (claims walk `leases`): it stays working until cancelled or its TTL. `DEL holders`: the
 *   leases this version took stay (their holders are in the tasks' hashes); those a replica of the
 *   version before took are lost there and taken over, but for a task created here that such a
 *   replica claimed: it goes back to its creator, which, if it still runs the task (cut off since
 *   the claim), keeps it, both having run it until the old claimer's next renewal
 *   (test/redis/LeaseHolderLayout.test.ts). One Redis (or a
 *   primary): not Redis Cluster (a script touches the keys of several tasks). Redis 7.0 or later
 *   (`PEXPIREAT` with `GT` and `NX`).
 * - `create` is one Lua script: it makes room as the in-memory store does (expired tasks, then
 *   the oldest terminal task of a full scope), checks the three limits and stores the task, all
 *   atomically, so replicas share the limits exactly.
 * - Every change (`setStatus`, `setInputRequests`, `finish`, `cancel`) is a compare-and-set on
 *   the task's version (a Lua script; a change that lost a race is read again and retried), so a
 *   result that arrives after a cancel is dropped, whichever replica made each.
 * - Every change is published on the channel `<prefix>tasks:changes`: `changes` carries the
 *   changes of this store at once and those of other processes as they arrive (Redis pub/sub). A
 *   creation is not published (`changes` has this store's own only): no process reads another's
 *   (a `subscriptions/listen` stream reads a task before it follows it, the supervisor waits for
 *   ends), and it cost every replica a message per batch of creations. A message (the tasks one
 *   script changed, a JSON array) starts with their ids and statuses (a string the version before
 *   skips, as no task): a process parses the tasks only when it wants one of them (a
 *   `subscriptions/listen` stream there, a caller waiting for its end, or its work running there,
 *   `onEndedElsewhere`); most messages are another replica's ends of its own tasks.
 * - Group commit: the creations a process makes within one turn of its event loop go to Redis as
 *   one script call (each still atomic, in order, with its own outcome), and so do its changes
 *   (all but those of a task's inputs), with one message for the batch of changes. Under load a replica
 *   sends ~10 per call (bench/cluster.ts); alone, a call is a batch of one.
 * - `awaitTerminal` waits for the task's terminal change on that channel, and re-reads the task
 *   every `recheckMillis` (default 5 000 ms): Redis pub/sub drops the messages published while a
 *   subscriber reconnects, so the re-read bounds how long a lost message can go unnoticed; an
 *   expiry publishes nothing, and the task is read again at its expiry when that comes sooner
 *   (the waiter is told at the TTL). It is not a poll loop of its own: a terminal change
 *   arriving by pub/sub answers at once. Only its first read fails it with a `StoreError`: a
 *   re-read that fails (Redis down, or restarting) is tried again at the next, until the task
 *   would have expired, or the re-reads have failed for 10 × `timeoutMillis` (at least two
 *   `recheckMillis`; 20 s by default): a task that never expires is not waited for without
 *   limit while Redis stays down. A `subscriptions/listen` stream following tasks reads
 *   the ones not ended yet as often (`TaskStore.recheckMillis`), and tells a change it missed.
 * - `sendInput` (a `tasks/update` answered on another replica) keeps the answers with the task and
 *   publishes them on `<prefix>tasks:inputs`, in one script. The process running the work takes
 *   them from the message; should the message be lost, it reads the answers kept for the tasks
 *   waiting for input there every `recheckMillis`. Only answers to inputs the task waits for are
 *   kept; those of inputs no longer pending go in the script that records the task's inputs, and
 *   a claim (the work starting over elsewhere) drops all of them. The message names the holder of
 *   the task's lease, and only the holder takes answers (from the message or from what is kept): a
 *   process whose lease another claimed takes none, even before its next renewal tells it so.
 * - `relay` (a 2025-11-25 task's requests to its client, whose `tasks/result` waits on another
 *   replica): `w:<taskId>` names the process where a `tasks/result` for the task waits, for three
 *   `recheckMillis` (renewed every `recheckMillis` while it waits, dropped when the last wait
 *   there ends); the processes say so, ask, withdraw and answer on `<prefix>tasks:relay`, each
 *   message naming the process it is for. A question (`Ask`) or its reply lost there (published
 *   while a subscriber reconnected) is not lost for good: a question not answered within
 *   `recheckMillis` is published again every `recheckMillis`, and the process that asked the
 *   client publishes the reply it keeps (`TaskRelay.resendMillis`). So are a lost `Waiting` and
 *   `Withdraw`, at a bounded cost: the renewal of a process's waits (one script a round, as before)
 *   also tells which of them are recorded as its own (`Waits`, one message in the script: the
 *   process running the task takes its questions there), and a process with questions waiting a
 *   round or more, or one given up since the last round, says which it still asks (`Asking`, one
 *   PUBLISH a round): the process asking them gives up the others, and those of a process that has
 *   said nothing of them for three rounds it heard the relay in (its own `Waits` come back to it,
 *   the only messages of its own it reads: cut off, it hears nobody), and for the rounds of a
 *   lease (`tasks.leaseMillis`) and one more at least (one stalled is not taken for dead). A task's notes go in numbered lines, acknowledged, the
 *   lost ones sent again (see `TaskRelay.resendMillis`). One malformed (each field the relay reads
 *   is checked) is dropped.
 * - A Redis that fails or does not answer within `timeoutMillis` fails the operation with a
 *   `StoreError` (the server answers -32603 "Store unavailable: TaskStore").
 * - Leases (a sorted set `leases`, on Redis's clock, each held by a process): a task is leased to
 *   the process that creates it, and renewed by that process only while it still holds it. The
 *   holder is the field `holder` of the task's hash, written with it (no command of its own; the
 *   field stays after the task's end, when the lease goes), unless the hash `holders` has an entry
 *   for the task, which comes first: a claim writes both, and the versions before this layout
 *   wrote every holder there (`holders` is read with `HLEN` once per script, and skipped while
 *   empty). So replicas of both layouts share one Redis in a rolling upgrade, each seeing whose
 *   lease is whose on the other's records (test/redis/LeaseHolderLayout.test.ts): a claim by
 *   either takes the lease from a holder of either, an end by either ends it. One difference while
 *   both run: a replica of the layout before sends the answers to a task created by this one
 *   (`sendInput`) to every process, as to a task without a lease (the process running it takes
 *   them; the others run no such task). `claimOrphans` hands each lease that ran out to one
 *   caller, atomically with the work the task recorded (`work` in its hash) and its claim count
 *   (`claims`). A claim leases the task to the claimer (it is not removed): a claimer that dies
 *   first lets it lapse again.
 *   A claimer confirms its claim before the work starts (`confirmClaim`, the field `ran`); only
 *   confirmed claims count as take-overs. A claim whose answer its claimer never received (it ran
 *   in Redis after the caller's time bound) or whose claimer stopped before starting the work is
 *   not counted, whoever claims the task next; nor is a claimer claiming back a lease it held,
 *   nor the claim of a task handed back by a process stopping gracefully (`renewLeases` with 0:
 *   no crash), which counts in `backs` instead (`Orphan.handBacks`).
 *   Only leases that had run out when the claim was sent are claimed (not those that ran out
 *   while it waited in a Redis that stalled, and would take the tasks of live replicas). A task
 *   records the name of its server (`server` in its hash, `CreateInput.server`), and a claimer
 *   naming its own server claims only that server's tasks (and those of no name, created by older
 *   versions): another server given the prefix by mistake leaves them alone.
 * - A creation carries a deadline: run by a Redis that stalled after its caller stopped waiting
 *   (and answered it with a `StoreError`), it creates nothing (no task, no lease nobody renews).
 * - Times are the callers' clocks (replicas should keep them in sync, NTP); expiry and leases are
 *   Redis's. Claims and creations state when they were sent on Redis's clock, by the offset each
 *   store reads from Redis's answers (`TIME`), so they need no agreement between the clocks.
 * - The store shares tasks, not their work: a task's work runs in the supervisor of the process
 *   that created it (or took it over). A cancel through another replica records `cancelled` and
 *   drops the task's lease: the supervisor running the work interrupts it when the change arrives
 *   by pub/sub, or at its next lease renewal (which reports the task lost) if the message was missed.
 *
 * @since 0.2.0
 */
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redis from "effect/persistence/Redis"
import * as Predicate from "effect/Predicate"
import * as PubSub from "effect/PubSub"
import type * as Scope from "effect/Scope"
import { randomBytes } from "node:crypto"
import { decodeCursor, encodeCursor } from "../protocol/Pagination.ts"
import { StoreError } from "../store/StoreError.ts"
import { ended, expiresAt, type InputRequest, isExpired, isTerminal, type Status, type Task } from "../tasks/Task.ts"
import {
  checkMemoryOptions,
  InvalidTaskCursor,
  type MemoryOptions,
  type InputDelivery,
  newTaskId,
  TaskAlreadyTerminal,
  TaskLimitExceeded,
  TaskNotFound,
  type Orphan,
  type RelayMessage,
  type TaskPage,
  type TaskRelay,
  TaskStore
} from "../tasks/TaskStore.ts"
import { Renewal, renewMap } from "../internal/renewal.ts"
import { batch } from "./internal/batch.ts"
import { taskJson } from "./internal/taskJson.ts"
import { followChannel } from "./internal/channel.ts"
import { checkMillis, checkStoreOptions, defaultPrefix, redisClock, calls, resolve, type StoreOptions } from "./internal/store.ts"
import { endedAtExpiry } from "../tasks/internal/expiry.ts"

/**
 * Options of the Redis task store: the in-memory store's limits and TTLs, and the Redis ones.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options extends StoreOptions, Omit<MemoryOptions, "reapIntervalMillis"> {
  /**
   * How often `awaitTerminal` re-reads a task it waits for, how often the answers kept for the
   * tasks waiting for input here are read, how often a `subscriptions/listen` stream reads the
   * tasks it follows, and how often a 2025-11-25 task's question to a client on another replica
   * that is not answered yet is sent again (default 5 000 ms; see the module's doc).
   */
  readonly recheckMillis?: number | undefined
}

/**
 * How long a task's key outlives its expiry (ms): the cleanup by expiry (at any later creation)
 * still reads its owner and address, and a reindex takes it off again (see `reindexLua`). One
 * value for both scripts: the reindex must take off what the creation added.
 */
const graceMillis = 600_000

// The names of the shared sets a task is in (all, done) and of its lease's (leases, holders),
// made once per script run and base, not per task: what removeTask and changeTask both use.
// usesHolders: whether the hash `holders` has entries (read once per script run and base, with
// HLEN, which also fails the script on a key of another type): a lease's holder is kept in the
// task's hash, and `holders` only has those of the claims and of records of the previous layout
// (see holderLua); while it is empty, an end or a removal has no entry there to delete.
const setNamesLua = `
local setNames = {}
local function setsOf(base)
  local sets = setNames[base]
  if not sets then
    sets = { all = base .. 'all', done = base .. 'done', leases = base .. 'leases', holders = base .. 'holders' }
    setNames[base] = sets
  end
  return sets
end
local holdersUsed = {}
local function usesHolders(base)
  local used = holdersUsed[base]
  if used == nil then
    used = redis.call('HLEN', setsOf(base).holders) > 0
    holdersUsed[base] = used
  end
  return used
end
`

// The holder of a task's lease (the message prefix of the process running it), or nil: its entry
// in the hash `holders` if it has one (written by a claim, and at a creation by the versions that
// kept every holder there), else the field 'holder' of the task's hash (written with the creation:
// no command of its own, nor one to delete it at the task's end). A holder read from the task's hash holds the
// lease only while the lease is in `leases` (every version drops it at the task's end): the
// field stays in the record. KEYS/ARGV: none; holders: the hash's name, used: whether it has
// entries (HLEN > 0 when the script started), key: the task's key.
const holderLua = `
local function holderOf(holders, used, key, id)
  if used then
    local entry = redis.call('HGET', holders, id)
    if entry then return entry, true end
  end
  -- pcall: a key of another type (written by hand) is no task, and has no holder
  local field = redis.pcall('HGET', key, 'holder')
  if type(field) ~= 'string' or field == '' then return nil, false end
  return field, false
end
`

const removeTask = `${setNamesLua}
-- ended: the task is in the ended set, so it has no lease any more (its end dropped it).
-- removed (optional): told of each set of ours the task's id left (see createLua's sizes).
-- rec (optional): the task's owner and address, read already (HMGET of its key in this script).
-- Answers whether it knew the task's owner (false: its key was gone, or no task's hash).
local function removeTask(base, id, ended, removed, rec)
  local key = base .. 't:' .. id
  -- A key that is not a task's hash (written by hand, corrupt) would fail HMGET and with it the
  -- whole script (every creation of the prefix, from its expiry on): it goes, its owner and address
  -- unknown (the sets drop the id lazily, as that of any task whose key is gone).
  if not rec then
    rec = redis.pcall('HMGET', key, 'owner', 'address')
    if rec.err then rec = {} end
  end
  redis.call('DEL', key)
  local sets = setsOf(base)
  if redis.call('ZREM', sets.all, id) == 1 and removed then removed(sets.all) end
  redis.call('ZREM', sets.done, id)
  if not ended then
    redis.call('ZREM', sets.leases, id)
    if usesHolders(base) then redis.call('HDEL', sets.holders, id) end
  end
  -- pcall: an owner's or address's set of another type (written by hand) goes at its next creation (createLua's count)
  local function leave(set)
    if redis.pcall('ZREM', set, id) == 1 and removed then removed(set) end
  end
  if rec[1] then leave(base .. 'o:' .. rec[1]) end
  if rec[2] and rec[2] ~= '' then leave(base .. 'a:' .. rec[2]) end
  return rec[1] and true or false
end
`

// A number as a command's argument: a whole one as text. Redis writes each number a script passes
// to a command with "%.17g" (exact, but one of glibc's slowest paths: measured under callgrind, a
// tenth of the instructions Redis spent on a creation went there), so scores, sequences and
// expiries go as text, each made once. Any other number goes as it is (Redis writes it as before).
const numberText = `
local function int(n)
  if n == math.floor(n) and n > -9007199254740992 and n < 9007199254740992 then return string.format('%d', n) end
  return n
end
`

// Publishes the JSON of the tasks a script wrote in one message (a JSON array), if it wrote any.
// heads (or nil): each task's id and status ('<id> <status>'), in the same order: the array then
// starts with them as one string, '<id> <status>,<id> <status>,…' (see `changeIndex`), which a
// process reads without parsing the tasks (most of them none of its own), and the version before
// skips (an element that is no task). nil when an id is not made of base64url characters only (a
// record written by hand): the message is the tasks alone then, and every process reads them all.
const publishTasks = `
local function publishTasks(channel, prefix, jsons, heads)
  if #jsons == 0 then return end
  if heads then
    redis.call('PUBLISH', channel, prefix .. '["' .. table.concat(heads, ',') .. '",' .. table.concat(jsons, ',') .. ']')
  else
    redis.call('PUBLISH', channel, prefix .. '[' .. table.concat(jsons, ',') .. ']')
  end
end
`

// Creates tasks, in order, each atomically (a batch of the creations one process made meanwhile:
// see `batch`). Publishes nothing: other processes hear of a task from its first change on (see
// `TaskStore.changes`). KEYS: all, done, seq. ARGV: base, maxTasks, maxPerOwner, maxPerAddress,
// message prefix (the lease holder), now (the batch's latest), deadline (Redis's clock), then for each task: its id,
// JSON, expiresAt, owner, address ('' for none), work JSON ('' for none), lease ms ('' for none),
// the name of its server ('' for none).
// Answers, for each task, 'ok' and its creation sequence, or the scope whose limit refused it and
// '', or 'late' and '' for all when the script ran past its deadline (its caller has stopped
// waiting: a creation it was told failed must not happen later, holding a lease nobody renews);
// then Redis's time (the caller's estimate of its clock).
const createLua = `${removeTask}${numberText}
local base = ARGV[1]
local maxTasks, maxPerOwner, maxPerAddress = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local clock = redis.call('TIME')
local redisNow = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
if redisNow > tonumber(ARGV[7]) then
  local late = {}
  for _ = 8, #ARGV - 7, 8 do
    late[#late + 1] = 'late'
    late[#late + 1] = ''
  end
  late[#late + 1] = tostring(redisNow)
  return late
end
-- The sizes of the sets this batch counted (the owners', the addresses' and all): each counted
-- once per batch, then kept as this script's own commands change them (within a script nothing
-- else does, and no key expires).
local sizes = {}
local function removed(set)
  if sizes[set] then sizes[set] = sizes[set] - 1 end
end
local function added(set, n)
  if sizes[set] then sizes[set] = sizes[set] + n end
end
-- The shared keys a creation may write besides all (read first, just below) and seq (which the
-- first creation to write anything writes first): one of another type fails the batch before any
-- creation is written (see globalKeysLua), not after those before it were (told failed, they
-- would stay).
redis.call('ZCARD', KEYS[2])
for i = 14, #ARGV, 8 do
  if ARGV[i] ~= '' then
    redis.call('ZCARD', base .. 'leases')
    usesHolders(base)
    break
  end
end
-- The ids this script took out (removeTask): a scan below that meets one again (a task in both an
-- owner's and an address's set) takes it off its own set without reading it.
local dropped = {}
local function drop(id, ended, rec)
  dropped[id] = true
  return removeTask(base, id, ended, removed, rec)
end
for _, old in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[6])) do drop(old, false) end
-- How many ids an owner's or address's set holds (see sizes). A key of another type (written by
-- hand) is no set of ours: it goes (made again below), instead of failing every creation of its
-- owner or address for as long as it lives.
local function count(set)
  local n = sizes[set]
  if n then return n end
  n = redis.pcall('ZCARD', set)
  if type(n) == 'table' then
    redis.call('DEL', set)
    n = 0
  end
  sizes[set] = n
  return n
end
local function full(set, max)
  if not sizes[set] then sizes[set] = redis.call('ZCARD', set) end
  return sizes[set] >= max
end
-- Makes room in a full set (see scopeFull), from its oldest id on: drops its oldest task that has
-- ended, or an id before it whose task is gone (its key evicted, deleted, or expired unseen behind
-- a longer-lived task: the cleanup by expiry above never meets it). Each id is read once (one
-- HMGET of its status, with the owner and address removeTask needs), and the scan goes on where the
-- batch's last creation in the set left it: the ids it read (a chunk of 8 from the set, the oldest
-- alone first: usually it has ended) and how many working tasks it passed, which stay in front.
-- Within a script only its own commands change a set: removals, and new ids after every other (a
-- sequence above all). A scope refused has had each of its ids looked at, all working.
-- Ids whose task is gone, at the front of the set (no working task before them), only leave the
-- set, at most 64 per set and batch (the others' keys and sets drop them lazily); further on they
-- go as an ended task does (removeTask).
local scans = {}
local function makeRoom(set, max)
  local scan = scans[set]
  if not scan then
    scan = { ids = {}, next = 1, kept = 0, reads = 0, purged = 0 }
    scans[set] = scan
  end
  while count(set) >= max do
    if scan.next > #scan.ids then
      local step = scan.reads == 0 and 1 or 8
      scan.reads = scan.reads + 1
      scan.ids = redis.call('ZRANGE', set, int(scan.kept), int(scan.kept + step - 1))
      scan.next = 1
      if #scan.ids == 0 then return end
    end
    local member = scan.ids[scan.next]
    scan.next = scan.next + 1
    if dropped[member] then
      added(set, -redis.call('ZREM', set, member))
    else
      -- pcall: a key of another type (written by hand) is no task (removeTask drops it)
      local rec = redis.pcall('HMGET', base .. 't:' .. member, 'status', 'owner', 'address')
      local wrongType = rec.err ~= nil
      if wrongType then rec = {} end
      local status = rec[1]
      if not wrongType and not status and not rec[2] and not rec[3] and scan.kept == 0 and scan.purged < 64 then
        scan.purged = scan.purged + 1
        added(set, -redis.call('ZREM', set, member))
      elseif type(status) ~= 'string' or status == 'completed' or status == 'failed' or status == 'cancelled' then
        if not drop(member, type(status) == 'string', { rec[2], rec[3] }) then added(set, -redis.call('ZREM', set, member)) end
      else
        scan.kept = scan.kept + 1
      end
    end
  end
end
-- Whether an owner's or address's scope is full, room made as the in-memory store makes it: the
-- ids of tasks that are gone first, then the oldest terminal task. A set below its limit costs one
-- ZCARD per batch (no scan: most creations).
local function scopeFull(set, max)
  if count(set) < max then return false end
  makeRoom(set, max)
  return count(set) >= max
end
-- A set lives as long as its longest-lived task: its expiry is moved once per batch, after it.
local outlive = {}
local outliveText = {}
local function later(set, expiresAt, expiry)
  if (outlive[set] or 0) < expiresAt then
    outlive[set] = expiresAt
    outliveText[set] = expiry
  end
end
-- The score of a lease of that many ms (text) taken now: made once per batch and length of lease.
local leaseScores = {}
local function leaseScore(lease)
  local score = leaseScores[lease]
  if not score then
    score = int(redisNow + tonumber(lease))
    leaseScores[lease] = score
  end
  return score
end
-- The creation sequences: the batch's first creation that gets past the limits takes one for
-- itself and each creation after it, in one INCRBY (one call per batch, not one per creation); a
-- creation refused after it leaves a gap (sequences order, nothing counts them). KEYS[3] of another
-- type fails the batch there, before that creation wrote anything (see globalKeysLua).
local nextSeq, lastSeq = 1, 0
local function newSeq(left)
  if nextSeq > lastSeq then
    lastSeq = redis.call('INCRBY', KEYS[3], int(left))
    nextSeq = lastSeq - left + 1
  end
  nextSeq = nextSeq + 1
  return int(nextSeq - 1)
end
-- The owners' and addresses' set names, made once per batch and name: a batch's creations mostly
-- share them (a concatenation makes a Lua string anew, hashed, each time).
local ownerSets, addressSets = {}, {}
local function create(id, json, expiry, owner, address, work, lease, server, left)
  local expiresAt = tonumber(expiry)
  local ownerSet = ownerSets[owner]
  if not ownerSet then
    ownerSet = base .. 'o:' .. owner
    ownerSets[owner] = ownerSet
  end
  local addressSet = addressSets[address]
  if not addressSet then
    addressSet = base .. 'a:' .. address
    addressSets[address] = addressSet
  end
  if scopeFull(ownerSet, maxPerOwner) then return 'owner' end
  if address ~= '' and scopeFull(addressSet, maxPerAddress) then return 'address' end
  if full(KEYS[1], maxTasks) then
    local oldest = redis.call('ZRANGE', KEYS[2], '0', '0')
    if oldest[1] then drop(oldest[1], true) end
    if full(KEYS[1], maxTasks) then return 'server' end
  end
  local seq = newSeq(left)
  local key = base .. 't:' .. id
  -- The lease before the task: a shared key of another type fails the creation before it wrote
  -- the task (see globalKeysLua).
  if lease ~= '' then
    -- leases start at the batch's one reading of Redis's clock
    redis.call('ZADD', setsOf(base).leases, leaseScore(lease), id)
    -- held by the creating process (its store's message prefix is its identity): the field
    -- 'holder' of the task's hash, written below (see holderLua)
  end
  -- The fields in one call, no table built per task: its work ('' for none), the server whose
  -- work it is ('' for none: only a process of that server claims it, see claimLua), and its
  -- lease's holder ('' for no lease). Every reader takes '' as none, as an absent field.
  redis.call('HSET', key, 'task', json, 'owner', owner, 'address', address, 'seq', seq, 'status', 'working', 'v', '1', 'work', work, 'server', server, 'holder', lease ~= '' and ARGV[5] or '')
  -- The key outlives the task by a grace period, so that the cleanup by expiry above (at any later
  -- creation) still reads its owner and address; reads treat an expired task as gone.
  redis.call('PEXPIREAT', key, int(expiresAt + ${graceMillis}))
  added(KEYS[1], redis.call('ZADD', KEYS[1], expiry, id))
  added(ownerSet, redis.call('ZADD', ownerSet, seq, id))
  later(ownerSet, expiresAt, expiry)
  if address ~= '' then
    added(addressSet, redis.call('ZADD', addressSet, seq, id))
    later(addressSet, expiresAt, expiry)
  end
  return 'ok', seq
end
local out = {}
for i = 8, #ARGV - 7, 8 do
  -- the expiry as its caller's text, not tonumber's: ZADD and PEXPIREAT take it as it came (see int)
  local outcome, seq = create(ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6], ARGV[i + 7], (#ARGV - i + 1) / 8)
  out[#out + 1] = outcome
  out[#out + 1] = seq or ''
end
-- GT moves an expiry later; a set without one (made by this batch) takes it with NX.
for set, expiry in pairs(outliveText) do
  if redis.call('PEXPIREAT', set, expiry, 'GT') == 0 then redis.call('PEXPIREAT', set, expiry, 'NX') end
end
out[#out + 1] = tostring(redisNow)
return out
`

/** One creation's part of a batch (see `createLua`). */
interface Creation {
  readonly taskId: string
  readonly json: string
  readonly expiresAt: number
  readonly now: number
  readonly owner: string
  readonly address: string
  readonly work: string
  readonly leaseMillis: string
  /** The name of the task's server, `""` for none. */
  readonly server: string
}

const createScript = Redis.script(
  (
    keys: readonly [string, string, string],
    base: string,
    maxTasks: number,
    maxPerOwner: number,
    maxPerAddress: number,
    messagePrefix: string,
    deadline: number,
    creations: ReadonlyArray<Creation>
  ) => {
    let now = 0
    for (const creation of creations) if (creation.now > now) now = creation.now
    const args: Array<string | number> = [...keys, base, maxTasks, maxPerOwner, maxPerAddress, messagePrefix, now, deadline]
    for (const c of creations) args.push(c.taskId, c.json, c.expiresAt, c.owner, c.address, c.work, c.leaseMillis, c.server)
    return args
  },
  { lua: createLua, numberOfKeys: 3 }
).withReturnType<ReadonlyArray<string>>()

// One compare-and-set change of a task: written if its version is still the one read ('gone' or
// 'conflict' otherwise); an ended task goes in the ended set (KEYS[1]) and loses its lease.
const changeTask = `${setNamesLua}
local function change(base, id, version, json, status)
  local key = base .. 't:' .. id
  -- a key that is not a task's hash is no task (and must not fail the other changes of the batch)
  local current = redis.pcall('HMGET', key, 'v', 'seq')
  if current.err or not current[1] then return 'gone' end
  if current[1] ~= version then return 'conflict' end
  -- The shared keys first: one of another type fails the change before it wrote anything (see globalKeysLua).
  if status == 'completed' or status == 'failed' or status == 'cancelled' then
    redis.call('ZADD', KEYS[1], current[2], id)
    local sets = setsOf(base)
    redis.call('ZREM', sets.leases, id)
    -- the holder's field stays in the record (it holds nothing without the lease: see holderLua)
    if usesHolders(base) then redis.call('HDEL', sets.holders, id) end
  end
  redis.call('HSET', key, 'task', json, 'status', status, 'v', int(tonumber(current[1]) + 1))
  return 'ok'
end
`

// Changes of tasks, in order, each a compare-and-set (a batch of the changes one process made
// meanwhile: see `batch`), each published. KEYS: done. ARGV: base, channel, message prefix, then
// for each change: the task id, the version read, the new task JSON, its status. Answers an
// outcome per change ('ok', 'gone' or 'conflict').
const updateLua = `${numberText}${changeTask}${publishTasks}
-- The shared keys an end writes, read first when the batch ends a task: one of another type fails
-- the batch before any change is written (see globalKeysLua). Failing at the end, after the changes
-- before it were written, the batch sent again found those changes conflicting with themselves,
-- and they were never published.
for i = 7, #ARGV, 4 do
  if ARGV[i] == 'completed' or ARGV[i] == 'failed' or ARGV[i] == 'cancelled' then
    redis.call('ZCARD', KEYS[1])
    redis.call('ZCARD', ARGV[1] .. 'leases')
    usesHolders(ARGV[1])
    break
  end
end
local out = {}
local changed = {}
local heads = {}
for i = 4, #ARGV - 3, 4 do
  local outcome = change(ARGV[1], ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3])
  if outcome == 'ok' then
    changed[#changed + 1] = ARGV[i + 2]
    if heads then
      if string.find(ARGV[i], '^[%w_%-]+$') then heads[#heads + 1] = ARGV[i] .. ' ' .. ARGV[i + 3] else heads = nil end
    end
  end
  out[#out + 1] = outcome
end
publishTasks(ARGV[2], ARGV[3], changed, heads)
return out
`

/** One change's part of a batch (see `updateLua`). */
interface Change {
  readonly taskId: string
  readonly version: string
  readonly json: string
  readonly status: Status
}

const updateScript = Redis.script(
  (done: string, base: string, channel: string, messagePrefix: string, changes: ReadonlyArray<Change>) => {
    const args: Array<string> = [done, base, channel, messagePrefix]
    for (const c of changes) args.push(c.taskId, c.version, c.json, c.status)
    return args
  },
  { lua: updateLua, numberOfKeys: 1 }
).withReturnType<ReadonlyArray<string>>()

// A change of a task's inputs: the change, then the answers kept for inputs no longer pending go
// (all of them once the task no longer waits for input). KEYS: done. ARGV: base, channel, message
// prefix, the task id, the version read, the new task JSON, its status, then the keys pending now.
const updateInputsLua = `${numberText}${changeTask}
local id = ARGV[4]
local outcome = change(ARGV[1], id, ARGV[5], ARGV[6], ARGV[7])
if outcome ~= 'ok' then return outcome end
local answers = ARGV[1] .. 'in:' .. id
if ARGV[7] ~= 'input_required' then
  redis.call('DEL', answers)
else
  local pending = {}
  for i = 8, #ARGV do pending[ARGV[i]] = true end
  for _, key in ipairs(redis.call('HKEYS', answers)) do
    if not pending[key] then redis.call('HDEL', answers, key) end
  end
end
redis.call('PUBLISH', ARGV[2], ARGV[3] .. ARGV[6])
return 'ok'
`

const updateInputsScript = Redis.script(
  (done: string, base: string, channel: string, messagePrefix: string, change: Change, pendingInputs: ReadonlyArray<string>) => [
    done,
    base,
    channel,
    messagePrefix,
    change.taskId,
    change.version,
    change.json,
    change.status,
    ...pendingInputs
  ],
  { lua: updateInputsLua, numberOfKeys: 1 }
).withReturnType<string>()

// Moves the lease of the task `id` to `score` if `holder` holds it (see holderLua), and answers
// whether it does: its holder, and, for a holder read from the task's hash, the lease still there
// (the task's end or a claim's drop took it off). That check rides on the move (XX: only a lease
// in the set; CH: 1 when its score changed), with a ZSCORE only when it answers 0 (no lease, or one
// at that score already): while `holders` is empty, a renewal runs as many commands per task as
// with every holder there (callgrind, 20 renewals of 120 tasks: 139-140 M Redis instructions with
// every holder in `holders`, 159-161 M with a ZSCORE each, 132-133 M so). A lease that is not
// there (that ZSCORE found none) is made again when the task still runs: its hash has a status that
// is not terminal (every end, by either version, writes it with the lease's drop) and its TTL has
// not run out (the key outlives it by graceMillis), its holder being this one (read above as
// always: an entry in `holders` first). So `DEL leases` (the wrong-type StoreError's advice) strands
// none of the tasks whose holder still renews them, as a holder from `holders` (a plain ZADD) and
// the layout before never did; an ended or expired task's stays lost. Only on that path: a lease
// renewed as usual still costs its two commands. KEYS[1]: leases, KEYS[2]: holders; base: the task
// keys' base; now: Redis's clock (ms) when the script started.
const extendLua = `${holderLua}
local holdersInUse = redis.call('HLEN', KEYS[2]) > 0
-- Whether the task of the hash key (one: holderOf read its field) still runs at now (ms, Redis's clock).
local function running(key, now)
  local status = redis.call('HGET', key, 'status')
  if not status or status == 'completed' or status == 'failed' or status == 'cancelled' then return false end
  local at = redis.call('PEXPIRETIME', key)
  return at == -1 or at - ${graceMillis} > now
end
local function extend(base, id, holder, score, now)
  local key = base .. 't:' .. id
  local current, entry = holderOf(KEYS[2], holdersInUse, key, id)
  if current ~= holder then return false end
  if entry then
    redis.call('ZADD', KEYS[1], score, id)
    return true
  end
  if redis.call('ZADD', KEYS[1], 'XX', 'CH', score, id) == 1 or redis.call('ZSCORE', KEYS[1], id) ~= false then return true end
  if not running(key, now) then return false end
  redis.call('ZADD', KEYS[1], score, id)
  return true
end
`

// Leases on Redis's own clock (no skew between replicas), each with its holder (a process's store).
// KEYS: the leases set, the holders hash. ARGV: the lease in ms, the holder, the task keys' base,
// then task ids: each lease this holder still holds is extended to now + lease. Answers the ids
// whose lease this holder lost (another process claimed them, or the task ended or expired). Leases are taken
// by `create` and by the claim.
const renewLua = `${extendLua}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lost = {}
for i = 4, #ARGV do
  if not extend(ARGV[3], ARGV[i], ARGV[2], now + tonumber(ARGV[1]), now) then lost[#lost + 1] = ARGV[i] end
end
return lost
`

const renewScript = Redis.script(
  (leases: string, holders: string, leaseMillis: number, holder: string, base: string, taskIds: ReadonlyArray<string>) => [
    leases,
    holders,
    leaseMillis,
    holder,
    base,
    ...taskIds
  ],
  { lua: renewLua, numberOfKeys: 2 }
).withReturnType<ReadonlyArray<string>>()

// Hands leases back (see `TaskStore.renewLeases` with 0: a process stopping gracefully): each lease
// this holder still holds runs out now, and the task records the hand-back: 'backs' counts them,
// and 'handed' says the next claim is no take-over (its last run did not crash its process: it was
// stopped), until a claim is confirmed (its work starts again). A hash of another type (written by
// hand) only loses the lease. KEYS: the leases set, the holders hash. ARGV: the task keys' base, the
// holder, then task ids. Answers the ids whose lease this holder lost, as the renewal does.
const handBackLua = `${extendLua}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lost = {}
for i = 3, #ARGV do
  if extend(ARGV[1], ARGV[i], ARGV[2], now, now) then
    local key = ARGV[1] .. 't:' .. ARGV[i]
    if redis.call('EXISTS', key) == 1 then
      if type(redis.pcall('HINCRBY', key, 'backs', 1)) == 'table' then redis.pcall('HSET', key, 'backs', 1) end
      redis.pcall('HSET', key, 'handed', 1)
    end
  else
    lost[#lost + 1] = ARGV[i]
  end
end
return lost
`

const handBackScript = Redis.script(
  (leases: string, holders: string, base: string, holder: string, taskIds: ReadonlyArray<string>) => [
    leases,
    holders,
    base,
    holder,
    ...taskIds
  ],
  { lua: handBackLua, numberOfKeys: 2 }
).withReturnType<ReadonlyArray<string>>()

// Claims up to 100 leases that ran out (Redis's clock), for one holder, atomically: a lease is
// handed over (leased to the claimer for a lease, not removed: a claimer that dies before it runs
// or ends the task lets it lapse, and another claims it again), with the task, its work and how
// many times its work was taken over (not counting a claimer claiming back a lease it held, nor a
// claim after one never confirmed: see `confirmLua`). A task gone, ended or expired just loses its
// lease.
// Only leases that had run out when the claim was sent (ARGV[4], on Redis's clock by the caller's
// estimate of the offset) are claimed,
// not those that ran out while the call waited: calls queued in a Redis that stalled (SIGSTOP, a
// long command) run when it resumes, after every lease has run out on its clock, and would take
// the tasks of replicas alive all along (their renewals were queued too).
// A task of another server (its 'server' field, set at creation, is not the claimer's name
// ARGV[5]; '' claims any) is left alone, its lease still run out, for a process of its own server:
// another server given the same prefix by mistake would run its own tool of that name on the
// task's call, or fail it. Such leases are skipped (at most 1 000 looked at per call, so that those
// of a server that is gone for good, until their tasks expire, delay nobody's claims for long).
// KEYS: leases, holders. ARGV: base, lease ms, holder, sent at (ms), server name. Answers id, task
// JSON, work JSON ('' for none), claims and hand-backs, for each task claimed, then Redis's time (the caller's
// clock offset).
const claimLua = `${holderLua}
-- JSON as cjson reads it, or nil: cjson refuses a lone surrogate's escape (\\ud83d), which
-- JSON.stringify writes for one in a string (a text cut in the middle of an emoji, in an input's
-- message or a status message), so such a text is read again without those escapes
-- (escaped backslashes first, so that '\\\\ud83d' stays text). A record with one is readable.
local function decoded(json)
  local ok, value = pcall(cjson.decode, json)
  if ok then return value end
  local plain = string.gsub(string.gsub(json, [[\\\\]], '_'), [[\\u[dD][89a-fA-F]%x%x]], '_')
  ok, value = pcall(cjson.decode, plain)
  if ok then return value end
  return nil
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
local cutoff = math.min(now, tonumber(ARGV[4]))
-- whether the holders hash has entries (see holderLua): read at the first claim
local holdersInUse
local server = ARGV[5] or ''
-- leases left run out (another server's): the next page starts after them
local skipped = 0
local looked = 0
local claimed = 0
while claimed < 100 and looked < 1000 do
  local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', cutoff, 'LIMIT', skipped, 100)
  if #ids == 0 then break end
  for _, id in ipairs(ids) do
    looked = looked + 1
    local key = ARGV[1] .. 't:' .. id
    -- A record that cannot be read (a key of another type, a task that is not JSON) is not claimed,
    -- and loses its lease: it must not stop the claims of every other orphan. Its work is not read
    -- here: cjson refuses JSON nested deeper than 1 000 levels (a tool's arguments may be), and
    -- work its claimer cannot read is none (the task fails, as one without work does).
    -- Left unclaimed, the task stayed working until its TTL.
    local fields = redis.pcall('HMGET', key, 'task', 'work', 'status', 'server')
    if fields.err then fields = {} end
    local readable = false
    if fields[1] then
      local task = decoded(fields[1])
      readable = type(task) == 'table' and task.taskId ~= nil
    end
    local expiry = redis.call('ZSCORE', ARGV[1] .. 'all', id)
    local status = fields[3]
    local owner = fields[4]
    if not (readable and expiry and tonumber(expiry) > now and status ~= 'completed' and status ~= 'failed' and status ~= 'cancelled') then
      redis.call('ZREM', KEYS[1], id)
      redis.call('HDEL', KEYS[2], id)
    elseif server ~= '' and owner and owner ~= '' and owner ~= server then
      skipped = skipped + 1
    elseif claimed < 100 then
      claimed = claimed + 1
      if holdersInUse == nil then holdersInUse = redis.call('HLEN', KEYS[2]) > 0 end
      local previous = holderOf(KEYS[2], holdersInUse, key, id)
      redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), id)
      -- The claimer holds it: in the task's hash, and in the holders hash too (an entry there
      -- comes first, see holderLua), where the versions that read the holder only there (a
      -- rolling upgrade's replicas of the version before) see it is not theirs any more.
      redis.call('HSET', KEYS[2], id, ARGV[3])
      redis.call('HSET', key, 'holder', ARGV[3])
      holdersInUse = true
      -- the work starts over: no answer kept for the old run's inputs reaches the new one
      redis.call('DEL', ARGV[1] .. 'in:' .. id)
      -- claims: take-overs so far; ran: how many of them started their work (confirmed), absent
      -- when all did (no claim yet, or a record of a version without confirmations). A count that is
      -- not an integer (written by hand) starts over, not fails every claim.
      local counts = redis.call('HMGET', key, 'claims', 'ran', 'handed', 'backs')
      local claims = tonumber(counts[1]) or 0
      if not (claims >= 0 and claims <= 1e9 and claims == math.floor(claims)) then claims = 0 end
      local ran = tonumber(counts[2]) or claims
      if not (ran >= 0 and ran <= claims) then ran = claims end
      -- backs: how many times a process stopping gracefully handed it back (see handBackLua)
      local backs = tonumber(counts[4]) or 0
      if not (backs >= 0 and backs <= 1e9 and backs == math.floor(backs)) then backs = 0 end
      -- Not another take-over: the claimer held the lease it claims (its own claim whose answer it
      -- never received, or its own work whose renewals failed for a lease), or the last claim was
      -- never confirmed (its claimer never started the work: its answer lost, or it stopped first),
      -- or the last run was handed back (its process stopped gracefully: no crash).
      if previous ~= ARGV[3] and ran >= claims and not counts[3] then
        redis.call('HSET', key, 'claims', claims + 1, 'ran', claims)
        claims = claims + 1
      end
      out[#out + 1] = id
      out[#out + 1] = fields[1]
      out[#out + 1] = fields[2] or ''
      out[#out + 1] = tostring(claims)
      out[#out + 1] = tostring(backs)
    else
      -- the 101st claimable one: left for the next call (and the page moves past it)
      skipped = skipped + 1
    end
  end
end
out[#out + 1] = tostring(now)
return out
`

// Confirms a claim before its work starts (see `TaskStore.confirmClaim`): the take-over counts
// (the stored count, copied to 'ran'; a hand-back's mark goes: the work runs again), and the lease is renewed. Like a creation, it carries a
// deadline (Redis's clock): run by a Redis that stalled after its caller stopped waiting (and did
// not start the work), it confirms nothing, so that a take-over whose work never ran does not
// count. A lease that ran out meanwhile is not confirmed either (a caution: its claimer took longer
// than a lease to start; the task is claimed again, and that claim does not count).
// KEYS: holders, the task's hash, leases. ARGV: holder, task id, deadline, lease ms. Answers 1; 0
// when the lease is not the caller's any more, or ran out; -1 past the deadline.
const confirmLua = `${holderLua}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if now > tonumber(ARGV[3]) then return -1 end
if holderOf(KEYS[1], true, KEYS[2], ARGV[2]) ~= ARGV[1] then return 0 end
local lease = tonumber(redis.call('ZSCORE', KEYS[3], ARGV[2]))
if not lease or lease <= now then return 0 end
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[4]), ARGV[2])
redis.call('HSET', KEYS[2], 'ran', redis.call('HGET', KEYS[2], 'claims') or 0)
redis.call('HDEL', KEYS[2], 'handed')
return 1
`

const confirmScript = Redis.script(
  (holders: string, task: string, leases: string, holder: string, taskId: string, deadline: number, leaseMillis: number) => [
    holders,
    task,
    leases,
    holder,
    taskId,
    deadline,
    leaseMillis
  ],
  { lua: confirmLua, numberOfKeys: 3 }
).withReturnType<number>()

const claimScript = Redis.script(
  (leases: string, holders: string, base: string, leaseMillis: number, holder: string, sentAt: number, server: string) => [
    leases,
    holders,
    base,
    leaseMillis,
    holder,
    sentAt,
    server
  ],
  { lua: claimLua, numberOfKeys: 2 }
).withReturnType<ReadonlyArray<string>>()

// The servers using the prefix (see `TaskStore.announce`): a hash, each server's name and when it
// last said so (Redis's clock); a name not heard of within the window is dropped, and the hash goes
// with the last one. KEYS: the hash. ARGV: this server's name, the window (ms). Answers the other
// names heard of within the window.
const announceLua = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
local others = {}
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  local seen = tonumber(entries[i + 1])
  if not seen or now - seen > window then
    redis.call('HDEL', KEYS[1], entries[i])
  elseif entries[i] ~= ARGV[1] then
    others[#others + 1] = entries[i]
  end
end
redis.call('HSET', KEYS[1], ARGV[1], now)
redis.call('PEXPIRE', KEYS[1], window)
return others
`

const announceScript = Redis.script(
  (servers: string, server: string, windowMillis: number) => [servers, server, windowMillis],
  { lua: announceLua, numberOfKeys: 1 }
).withReturnType<ReadonlyArray<string>>()

/**
 * How long a server's `announce` counts (it announces every minute while it runs: `McpServer`):
 * another name heard of within it is a server using the prefix now, or a moment ago.
 */
const announceWindowMillis = 3 * 60_000

/** A task's work as JSON; `""` (none: the task is not run again) when it cannot be serialised. */
const workJson = (work: unknown): string => {
  if (work === undefined) return ""
  try {
    return JSON.stringify(work) ?? ""
  } catch {
    return ""
  }
}

/** JSON read back from Redis; `undefined` when it does not parse (a record written by hand, corrupt). */
const parseJson = (json: string): unknown => {
  try {
    return JSON.parse(json)
  } catch {
    return undefined
  }
}

/** A stored task's JSON as the task; `undefined` when it is not one. */
const parseTask = (json: string): Task | undefined => {
  const task = parseJson(json)
  return typeof task === "object" && task !== null && typeof (task as Task).taskId === "string" ? task as Task : undefined
}

/** Whether `text` is a task's status (as a change message's index names it, see `changeIndex`). */
const isStatus = (text: string): text is Status =>
  text === "completed" || text === "working" || text === "input_required" || text === "failed" || text === "cancelled"

/**
 * The ids and statuses of the tasks a change message carries, read from the index it starts with
 * (`publishTasks`: `["<id> <status>,…",<task>,…]`) without parsing the tasks: flat, an id then its
 * status, in the message's order. `undefined` when it starts with none (a message of the version
 * before, or whose ids could not be indexed), or one that is not such an index: its tasks are read.
 */
const changeIndex = (message: string): Array<string> | undefined => {
  if (!message.startsWith(`["`)) return undefined
  const end = message.indexOf(`"`, 2)
  // a comma after it: a task follows (a message of tasks alone starts with `[{`)
  if (end < 0 || message.charCodeAt(end + 1) !== 44) return undefined
  const entries = message.slice(2, end).split(",")
  const flat = new Array<string>(2 * entries.length)
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!
    const space = entry.indexOf(" ")
    const status = entry.slice(space + 1)
    if (space <= 0 || !isStatus(status)) return undefined
    flat[2 * i] = entry.slice(0, space)
    flat[2 * i + 1] = status
  }
  return flat
}

/**
 * Whether `pubsub` has a subscription now: Effect's PubSub counts them (`subscriberCount` of its
 * backing store, not part of its interface); `true` when that count cannot be read (every change
 * is then read and published, as before).
 */
const hasSubscription = <A>(pubsub: PubSub.PubSub<A>): boolean => {
  const count = (pubsub.pubsub as { readonly subscriberCount?: unknown }).subscriberCount
  return typeof count !== "number" || count > 0
}

/** HMGET's answer for a record that cannot be read. */
const noRecord: ReadonlyArray<string | null> = [null, null]

/** The most tasks a store remembers having written (see `written`). */
const maxWritten = 10_000

/** No task ids (a renewal of nothing). */
const noTaskIds: ReadonlyArray<string> = []

// KEYS: the owner's set. ARGV: base, after (sequence), page size, now (expired tasks are skipped)
const listLua = `
local out = {}
local want = 2 * (tonumber(ARGV[3]) + 1)
local after = '(' .. ARGV[2]
-- In chunks of a page (plus one), not the whole set: a page costs O(page), however many tasks.
while #out < want do
  local members = redis.pcall('ZRANGEBYSCORE', KEYS[1], after, '+inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]) + 1)
  -- the owner's set of another type (written by hand): no set of ours, it goes (see createLua's count)
  if members.err then
    redis.call('DEL', KEYS[1])
    break
  end
  if #members == 0 then break end
  for i = 1, #members, 2 do
    local json = redis.pcall('HGET', ARGV[1] .. 't:' .. members[i], 'task')
    if type(json) == 'table' then json = false end
    local expiry = redis.call('ZSCORE', ARGV[1] .. 'all', members[i])
    if json and expiry and tonumber(expiry) > tonumber(ARGV[4]) then
      out[#out + 1] = members[i + 1]
      out[#out + 1] = json
      if #out >= want then break end
    elseif not json then
      redis.call('ZREM', KEYS[1], members[i])
    end
    after = '(' .. members[i + 1]
  end
end
return out
`

// Removes every task of an owner (see `TaskStore.removeOwnedBy`), each as an expiry does (its
// lease too: its work was cancelled first). KEYS: the owner's set. ARGV: base. Answers the ids.
const removeOwnedLua = `${removeTask}
local ids = redis.pcall('ZRANGE', KEYS[1], 0, -1)
-- the owner's set of another type (written by hand): no task of its is known, the key goes
if ids.err then ids = {} end
for _, id in ipairs(ids) do removeTask(ARGV[1], id, false) end
redis.call('DEL', KEYS[1])
return ids
`

const removeOwnedScript = Redis.script(
  (key: string, base: string) => [key, base],
  { lua: removeOwnedLua, numberOfKeys: 1 }
).withReturnType<ReadonlyArray<string>>()

/**
 * A page size as the list script takes it: a whole number Lua writes as one (Redis's LIMIT takes
 * no other). The server's `listPageSize` may be `Infinity` (all at once), which the script got as
 * "Infinity" and failed every `tasks/list` with; such a page is as many as Lua counts exactly.
 */
const scriptPageSize = (pageSize: number): number => Math.max(1, Math.min(Math.floor(pageSize), 2 ** 31 - 1))

const listScript = Redis.script(
  (key: string, base: string, after: number, pageSize: number, now: number) => [key, base, after, pageSize, now],
  { lua: listLua, numberOfKeys: 1 }
).withReturnType<ReadonlyArray<string>>()


// Answers to a task's pending input, kept (as long as the task) until the process running its
// work takes them: Redis pub/sub drops what is published while a subscriber reconnects, so the
// message alone could be lost. Only the answers to inputs the task waits for now are kept (not
// those to keys never asked, nor to a run's that ended). The message names the task's lease
// holder (the process running its work, '*|' for a task without a lease): only that process takes
// the answers, not one whose lease another process claimed and that has not noticed yet.
// KEYS: the task, its answers, the holders hash. ARGV: the channel, the sender's message prefix,
// the message's JSON, the task id, then input key / answer JSON pairs. Answers the holder (false
// for none).
const sendInputLua = `${holderLua}
local holder = holderOf(KEYS[3], true, KEYS[1], ARGV[4])
if redis.call('HGET', KEYS[1], 'status') == 'input_required' then
  local ok, task = pcall(cjson.decode, redis.call('HGET', KEYS[1], 'task'))
  -- a task cjson cannot read (a lone surrogate escaped in its text): every answer is kept
  local pending = ok and type(task) == 'table' and task.inputRequests or (not ok and 'all')
  local ttl = redis.call('PTTL', KEYS[1])
  if pending and ttl > 0 then
    local kept = 0
    for i = 5, #ARGV - 1, 2 do
      if pending == 'all' or (type(pending) == 'table' and pending[ARGV[i]] ~= nil) then
        redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
        kept = kept + 1
      end
    end
    if kept > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
  end
end
redis.call('PUBLISH', ARGV[1], ARGV[2] .. (holder or '*|') .. ARGV[3])
return holder or false
`

const sendInputScript = Redis.script(
  (task: string, answers: string, holders: string, channel: string, sender: string, json: string, taskId: string, pairs: ReadonlyArray<string>) => [
    task,
    answers,
    holders,
    channel,
    sender,
    json,
    taskId,
    ...pairs
  ],
  { lua: sendInputLua, numberOfKeys: 3 }
).withReturnType<string | null>()

// The answers kept for tasks waiting for input here. KEYS: the holders hash. ARGV: the task key
// prefix, the answers key prefix, this process's message prefix, then task ids. Answers, per task
// id: 0 if the task no longer waits for input here (gone, ended, answered, or its lease now held by
// another process), else its answers (flat key / JSON pairs, maybe none).
const keptInputsLua = `${holderLua}
local out = {}
local holdersInUse = redis.call('HLEN', KEYS[1]) > 0
for i = 4, #ARGV do
  out[#out + 1] = ARGV[i]
  local holder = holderOf(KEYS[1], holdersInUse, ARGV[1] .. ARGV[i], ARGV[i])
  if (not holder or holder == ARGV[3]) and redis.call('HGET', ARGV[1] .. ARGV[i], 'status') == 'input_required' then
    out[#out + 1] = redis.call('HGETALL', ARGV[2] .. ARGV[i])
  else
    out[#out + 1] = 0
  end
end
return out
`

const keptInputsScript = Redis.script(
  (holders: string, taskKeyPrefix: string, answersKeyPrefix: string, holder: string, taskIds: ReadonlyArray<string>) => [
    holders,
    taskKeyPrefix,
    answersKeyPrefix,
    holder,
    ...taskIds
  ],
  { lua: keptInputsLua, numberOfKeys: 1 }
).withReturnType<ReadonlyArray<string | number | ReadonlyArray<string>>>()

// The relay of 2025-11-25 tasks' requests (`TaskStore.relay`): `w:<taskId>` names the process
// where a `tasks/result` for the task waits (its message prefix), for a lease that process renews.
// Recorded: KEYS: the task's `w:` key. ARGV: the process, the lease in ms, the channel, the message.
const waitHereLua = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
`

const waitHereScript = Redis.script(
  (key: string, here: string, leaseMillis: number, channel: string, message: string) => [key, here, leaseMillis, channel, message],
  { lua: waitHereLua, numberOfKeys: 1 }
).withReturnType<unknown>()

// Renewed, for the tasks whose `tasks/result` waits here: a record of this process, or none (its
// lease ran out, or the process that took it over left), is this process's again for the lease;
// one made anew is told (`Waiting`). A record of another process (a later wait) is left alone.
// The tasks whose record is this process's are told in one message (`Waits`): a `Waiting` lost on
// pub/sub is heard again within a round, at no command more.
// KEYS: none. ARGV: the process, the lease in ms, the channel, the key prefix (`w:`), then task ids.
const renewWaitsLua = `
local held = {}
for i = 5, #ARGV do
  local key = ARGV[4] .. ARGV[i]
  local holder = redis.call('GET', key)
  if not holder or holder == ARGV[1] then
    redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
    held[#held + 1] = ARGV[i]
    if not holder then
      redis.call('PUBLISH', ARGV[3], ARGV[1] .. cjson.encode({ _tag = 'Waiting', taskId = ARGV[i], from = ARGV[1] }))
    end
  end
end
if #held > 0 then
  redis.call('PUBLISH', ARGV[3], ARGV[1] .. cjson.encode({ _tag = 'Waits', from = ARGV[1], taskIds = held }))
end
`

const renewWaitsScript = Redis.script(
  (here: string, leaseMillis: number, channel: string, keyPrefix: string, taskIds: ReadonlyArray<string>) => [
    here,
    leaseMillis,
    channel,
    keyPrefix,
    ...taskIds
  ],
  { lua: renewWaitsLua, numberOfKeys: 0 }
).withReturnType<unknown>()

// Dropped once no `tasks/result` for the task waits here, if the record is still this process's
// (told: `Left`). KEYS: the task's `w:` key. ARGV: the process, the channel, the message.
const leftLua = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], ARGV[3])
end
`

const leftScript = Redis.script(
  (key: string, here: string, channel: string, message: string) => [key, here, channel, message],
  { lua: leftLua, numberOfKeys: 1 }
).withReturnType<unknown>()

// The store's keys shared by every task, checked after a creation or a change failed on a key of
// another type (WRONGTYPE) or a counter that is no integer: someone else wrote there (a hand edit,
// another program under the prefix, a half-done migration), and every creation failed for as long
// as it lived. What can be made again is: `seq` (the creation counter) is set to Redis's clock in
// microseconds, above every sequence a counter of creations gave (lists stay in creation order),
// and `all` and `done` (indexes: what they listed is lost already) are dropped and made again by
// the next creation, as an owner's set of another type is. The leases and their holders are not:
// dropping them would take running tasks' leases (see `leasesDeleted`, `holdersDeleted`), the
// operator's call. KEYS: all, done, seq, leases, holders. Answers 'mended' or 'broken' and the key,
// for each key of another type.
const globalKeysLua = `
local out = {}
local function report(what, key)
  out[#out + 1] = what
  out[#out + 1] = key
end
local function kind(key) return redis.call('TYPE', key)['ok'] end
for i = 1, 2 do
  local found = kind(KEYS[i])
  if found ~= 'none' and found ~= 'zset' then
    redis.call('DEL', KEYS[i])
    report('mended', KEYS[i])
  end
end
local found = kind(KEYS[3])
local counter = found == 'string' and redis.call('GET', KEYS[3]) or nil
if found ~= 'none' and not (counter and #counter <= 18 and string.match(counter, '^%d+$')) then
  local clock = redis.call('TIME')
  redis.call('SET', KEYS[3], clock[1] .. string.format('%06d', tonumber(clock[2])))
  report('mended', KEYS[3])
end
found = kind(KEYS[4])
if found ~= 'none' and found ~= 'zset' then report('broken', KEYS[4]) end
found = kind(KEYS[5])
if found ~= 'none' and found ~= 'hash' then report('broken', KEYS[5]) end
return out
`

const globalKeysScript = Redis.script(
  (keys: readonly [string, string, string, string, string]) => keys,
  { lua: globalKeysLua, numberOfKeys: 5 }
).withReturnType<ReadonlyArray<string>>()

// Puts tasks back in the indexes made again (`all` and `done`, see `globalKeysLua`), from their
// hashes: each task's expiry is its key's (`PEXPIRETIME`) less the grace period it was given at its
// creation, an ended one goes in `done` by its creation sequence. KEYS: all, done. ARGV: the task
// keys' prefix, then task keys (a page of a SCAN). A key that is no task's hash is left alone.
const reindexLua = `
local skip = #ARGV[1]
for i = 2, #ARGV do
  local key = ARGV[i]
  local rec = redis.pcall('HMGET', key, 'status', 'seq')
  local at = redis.call('PEXPIRETIME', key)
  if not rec.err and rec[1] and at > 0 then
    local id = string.sub(key, skip + 1)
    redis.call('ZADD', KEYS[1], string.format('%d', at - ${graceMillis}), id)
    if (rec[1] == 'completed' or rec[1] == 'failed' or rec[1] == 'cancelled') and rec[2] then
      redis.call('ZADD', KEYS[2], rec[2], id)
    end
  end
end
return 0
`

const reindexScript = Redis.script(
  (all: string, done: string, taskKeys: string, keys: ReadonlyArray<string>) => [all, done, taskKeys, ...keys],
  { lua: reindexLua, numberOfKeys: 2 }
).withReturnType<unknown>()

/** A glob that matches `text` literally (SCAN's MATCH), followed by anything. */
const globPrefix = (text: string): string => `${text.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`

/** How many SCAN rounds a reindex makes at most (each looks at about 1 000 keys). */
const maxScanRounds = 100_000

/**
 * What `DEL <leases>` does to the running tasks (the wrong-type `StoreError`'s advice, see
 * `globalKeysLua`): a holder read from `holders` (and a replica of the version before) renews with
 * a plain ZADD, which makes the lease again; one read from the task's hash makes it again when
 * the task has not ended nor expired (see `extendLua`). A task whose holder stops before its next
 * renewal has no lease to run out: claims walk `leases`, nobody takes it over.
 */
const leasesDeleted =
  "every running task gets its lease back at its holder's next renewal (a third of a lease later) and runs on; a task whose holder stops before then is not taken over (it stays working until cancelled or its TTL)"

/**
 * What `DEL <holders>` does to the running tasks (see `holderLua`): the hash has only the holders
 * of claims and of the version before's leases; a claim by this version also wrote its holder in
 * the task's hash, a claim by a replica of the version before did not (a task created here keeps
 * its creator's field). Such a task goes back to its creator: one still running it (cut off since
 * the claim, its renewals failing, `holders` of another type failed them all) renews it, and the
 * old claimer's next renewal stops its run: both ran it from the claim to then, as a process cut
 * off runs its task until its next renewal whoever took it over.
 */
const holdersDeleted =
  "the leases this version took are kept in the tasks' own records and stay theirs; a task whose lease a replica of the version before took loses it there (that replica stops its work at its next renewal) and is taken over once its lease runs out, unless this version created it: then it goes back to its creator, which keeps running it if it still does"

/** Whether a Redis failure is a key of another type, or a counter that holds no integer. */
const wrongKeyType = (cause: unknown): boolean => {
  const text = String(cause)
  return text.includes("WRONGTYPE") || text.includes("not an integer")
}

/** Whether `value` is a place in a line of notes (an integer from 0). */
const isPlace = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value >= 0

/** Whether `value` is an array of strings. */
const isStrings = (value: unknown): value is ReadonlyArray<string> =>
  Array.isArray(value) && value.every((item) => typeof item === "string")

/**
 * A relay message as it arrives (`TaskStore.relay`), or `undefined` when it is not one to read:
 * every field the relay reads is checked (a malformed message, of another version or written by
 * hand, is dropped: it neither stops the relay nor reaches a client as a request).
 */
const relayMessage = (body: unknown, here: string): RelayMessage | undefined => {
  if (!Predicate.isObject(body)) return undefined
  switch (body._tag) {
    case "Waiting":
    case "Left":
      return typeof body.taskId === "string" && typeof body.from === "string" ? body as RelayMessage : undefined
    case "Waits":
      return typeof body.from === "string" && isStrings(body.taskIds) ? body as RelayMessage : undefined
    case "Asking":
      return typeof body.from === "string" && isStrings(body.ids) && typeof body.upTo === "number" ? body as RelayMessage : undefined
  }
  if (body.to !== here) return undefined
  if (body._tag === "Notes") {
    return typeof body.taskId === "string" && Array.isArray(body.notes) &&
        body.notes.every((note) => Predicate.isObject(note) && typeof note.method === "string" && (note.params === undefined || Predicate.isObject(note.params))) &&
        (body.ack === undefined || (typeof body.ack === "string" && typeof body.from === "string")) &&
        (body.stream === undefined || (typeof body.stream === "string" && typeof body.from === "string" && isPlace(body.seq) && isPlace(body.first)))
      ? body as RelayMessage
      : undefined
  }
  if (body._tag === "Noted") return typeof body.stream === "string" && isPlace(body.seq) ? body as RelayMessage : undefined
  // The others name the process they are for (another's are dropped) and a request id.
  if (typeof body.id !== "string") return undefined
  switch (body._tag) {
    case "Ask": {
      if (
        typeof body.from !== "string" || typeof body.taskId !== "string" || typeof body.method !== "string" ||
        (body.params !== undefined && !Predicate.isObject(body.params))
      ) return undefined
      // JSON writes no timeout (`Infinity`) as `null`: read back as it was sent, not the session's default.
      if (body.timeoutMillis === null) return { ...body, timeoutMillis: Infinity } as RelayMessage
      return typeof body.timeoutMillis === "number" && body.timeoutMillis > 0 ? body as RelayMessage : undefined
    }
    case "Failed":
      return Predicate.isObject(body.error) && typeof body.error._tag === "string" ? body as RelayMessage : undefined
    case "Withdraw":
    case "Answer":
      return body as RelayMessage
    default:
      return undefined
  }
}

/**
 * The latest expiry sent to Redis (ms since the epoch): the latest time a `Date` holds, year
 * 275760, an integer Lua prints as one, and far within what `PEXPIREAT` takes.
 */
const latestExpiry = 8.64e15

/** At most this many waiting tasks' kept answers are read in one round trip. */
const keptInputsBatch = 500


/**
 * Refuses an option out of range with a `RangeError` naming it: the in-memory store's
 * (`checkMemoryOptions`), `timeoutMillis`, and `recheckMillis` (`NaN` or 0 made the re-reads a loop
 * that never waits: a process's CPU spent reading Redis, or spinning, for ever). `who` names what
 * took them, `prefix` goes before each name (`tasks.` under `RedisStores`).
 *
 * @internal
 *
 * @since 0.2.0
 * @category validation
 */
export const checkOptions = (who: string, options: Options | undefined, prefix = ""): void => {
  if (options === undefined) return
  checkStoreOptions(who, options, prefix)
  checkMemoryOptions(options, who, prefix)
  checkMillis(who, `${prefix}recheckMillis`, options.recheckMillis)
}

/**
 * Builds the store on the `Redis` service (a `RangeError`, as a defect, for an option out of range).
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<TaskStore["Service"], never, Redis.Redis | Scope.Scope> =>
  Effect.gen(function*() {
    checkOptions("RedisTaskStore.make", options)
    const redis = yield* Redis.Redis
    const call = calls(redis)
    const { prefix: base, run, timeoutMillis } = resolve("TaskStore", "tasks:", options)
    const maxTasks = options.maxTasks ?? 10_000
    const maxPerOwner = options.maxTasksPerOwner ?? 100
    const maxPerAddress = options.maxTasksPerAddress ?? 500
    const defaultTtl = options.defaultTtlMillis ?? 3_600_000
    const maxTtl = options.maxTtlMillis ?? 3_600_000
    const minTtl = Math.min(Math.max(0, options.minTtlMillis ?? 0), maxTtl)
    const pollInterval = options.pollIntervalMillis ?? 1_000
    const recheckMillis = options.recheckMillis ?? 5_000
    const channel = `${base}changes`
    const inputChannel = `${base}inputs`
    /** Running tasks' leases: a sorted set, score = when the lease runs out. */
    const leases = `${base}leases`
    /**
     * Who holds the leases claimed (and those of the layout before, each): the message prefix
     * (`origin`) of the store of the process running it; a creation's is in the task's hash (see
     * `holderLua`).
     */
    const holders = `${base}holders`
    const inputs = yield* PubSub.sliding<InputDelivery>(1_024)
    /** This store's messages start with it: it skips its own (it published them locally already). */
    const origin = `${randomBytes(9).toString("base64url")}|`
    const taskKey = (taskId: string) => `${base}t:${taskId}`
    const create = call.script(createScript)
    /**
     * Redis's clock as estimated from the answers of every creation and claim (and read now), for
     * their deadlines (see `redisClock`).
     */
    const clock = redisClock(redis, run, timeoutMillis)
    yield* clock.read
    /** The limits as the create script takes them (a number; no limit is the largest). */
    const limit = (max: number) => Number.isFinite(max) ? max : Number.MAX_SAFE_INTEGER
    const [tasksLimit, ownerLimit, addressLimit] = [limit(maxTasks), limit(maxPerOwner), limit(maxPerAddress)]
    /**
     * Creations, batched: those of one turn of the event loop go in one script (in order, each
     * atomic), at most 64 at a time. Measured (bench/cluster.ts, two replicas, ~10 per batch):
     * with the changes batched too and one message per batch, 8.3-8.5k → 9.1-9.4k creations/s,
     * 161-166 → 140-143 µs of replica CPU and 43 → 38-39 µs of Redis CPU per creation.
     */
    const sendCreations = (creations: ReadonlyArray<Creation>) => {
      // The script creates nothing past this deadline (Redis's clock), a margin before this call
      // stops waiting, so that its answer can still arrive in time (see `createLua`).
      const sentAt = Date.now()
      const deadline = clock.deadlineOf(sentAt)
      return Effect.map(
        run(
          "create",
          create(
            [`${base}all`, `${base}done`, `${base}seq`],
            base,
            tasksLimit,
            ownerLimit,
            addressLimit,
            origin,
            deadline,
            creations
          )
        ),
        (flat) => {
          clock.sample(Number(flat[2 * creations.length]), sentAt)
          const outcomes = new Array<string>(creations.length)
          for (let i = 0; i < creations.length; i++) outcomes[i] = flat[2 * i] ?? "server"
          return outcomes
        }
      )
    }
    const checkGlobalKeys = call.script(globalKeysScript)
    const globalKeys = [`${base}all`, `${base}done`, `${base}seq`, leases, holders] as const
    // Logged with the services the store was built with (a batch runs in a fiber of its own).
    const services = yield* Effect.context<never>()
    const log = Effect.runForkWith(services)
    // The store's scope: what it runs in the background ends when it is closed.
    const storeScope = yield* Effect.scope
    /** The keys last reported as not mendable: reported again only when they change. */
    let reportedBroken = ""
    /**
     * `effect`, and should it fail on a key of another type (or a counter that is no integer): the
     * store's shared keys are checked (`globalKeysLua`), those that can be are made again (logged)
     * and `again` is sent once (also when none needed it: another replica made them again first);
     * a key that cannot (the leases, their holders) fails it with a
     * `StoreError` naming the key and what to do, logged as an error (once until that changes).
     */
    const afterMend = <A>(effect: Effect.Effect<A, StoreError>, again: () => Effect.Effect<A, StoreError>): Effect.Effect<A, StoreError> =>
      Effect.catchIf(effect, (error) => wrongKeyType(error.cause), (error) =>
        Effect.flatMap(Effect.orElseSucceed(run("check keys", checkGlobalKeys(globalKeys)), () => []), (found) => {
          const mended: Array<string> = []
          const broken: Array<string> = []
          for (let i = 0; i + 1 < found.length; i += 2) (found[i] === "mended" ? mended : broken).push(found[i + 1]!)
          if (mended.length > 0) {
            log(Effect.logWarning(
              `effect-mcp-server: the task store's keys ${mended.join(", ")} were of another type (written by someone else: every creation failed); made again (the creation counter from Redis's clock, the indexes from the tasks' own records)`
            ))
          }
          if (broken.length === 0) {
            reportedBroken = ""
            // Nothing to mend: another replica that failed on the same key made it again first
            // (its creations failed as these did), or the key was another one. Sent again once
            // either way: it fails again, as it is, in the second case only.
            if (mended.length === 0) return again()
            return mended.some((key) => key !== globalKeys[2]) ? Effect.andThen(reindex, again()) : again()
          }
          const message = `the key${broken.length > 1 ? "s" : ""} ${broken.join(", ")} of the task store ${
            broken.length > 1 ? "are" : "is"
          } of another type (written by someone else): task creations and changes, lease renewals and claims fail until ${
            broken.length > 1 ? "they are" : "it is"
          } deleted (DEL ${broken.join(" ")}; ${broken.map((key) => key === leases ? leasesDeleted : holdersDeleted).join("; ")})`
          if (reportedBroken !== message) {
            reportedBroken = message
            log(Effect.logError(`effect-mcp-server: ${message}`))
          }
          return Effect.fail(new StoreError({ store: "TaskStore", message, cause: error.cause }))
        }))
    const reindexPage = call.script(reindexScript)
    /**
     * Puts every task back in `all` and `done` once they were made again (see `reindexLua`), page
     * by page, each page bounded as any call; in the background (a large keyspace takes longer than
     * a creation waits), logged when it fails. Forked in the store's scope, with the services the
     * store was built with: closing the store interrupts it (it went on after, on a client its
     * owner may have closed).
     */
    const reindex = Effect.asVoid(Effect.forkIn(
      Effect.provideContext(Effect.catch(
        Effect.gen(function*() {
          const match = globPrefix(`${base}t:`)
          let cursor = "0"
          for (let round = 0; round < maxScanRounds; round++) {
            const [next, keys] = yield* run(
              "reindex",
              redis.send<readonly [string, ReadonlyArray<string>]>("SCAN", cursor, "MATCH", match, "COUNT", "1000")
            )
            if (keys.length > 0) yield* run("reindex", reindexPage(globalKeys[0], globalKeys[1], `${base}t:`, keys))
            cursor = next
            if (cursor === "0") return
          }
        }),
        (error) => Effect.logWarning("effect-mcp-server: the task store could not put its tasks back in its indexes made again (the tasks created before are not listed)", error)
      ), services),
      storeScope
    ))
    const createBatched = batch((creations: ReadonlyArray<Creation>) => afterMend(sendCreations(creations), () => sendCreations(creations)), 64)
    const update = call.script(updateScript)
    const updateInputs = call.script(updateInputsScript)
    /** Changes (all but those of a task's inputs), batched as creations are. */
    const sendChanges = (changes: ReadonlyArray<Change>) => run("task changes", update(`${base}done`, base, channel, origin, changes))
    const updateBatched = batch((changes: ReadonlyArray<Change>) =>
      Effect.map(afterMend(sendChanges(changes), () => sendChanges(changes)), (outcomes) => {
        const out = new Array<string>(changes.length)
        for (let i = 0; i < changes.length; i++) out[i] = outcomes[i] ?? "gone"
        return out
      }), 64)
    const renew = call.script(renewScript)
    const handBack = call.script(handBackScript)
    const claim = call.script(claimScript)
    const confirm = call.script(confirmScript)
    const listPage = call.script(listScript)
    const removeOwned = call.script(removeOwnedScript)
    const announce = call.script(announceScript)
    const sendInputs = call.script(sendInputScript)
    const keptInputs = call.script(keptInputsScript)
    const answersKey = (taskId: string) => `${base}in:${taskId}`
    /**
     * The tasks whose work runs here and waits for input (this process recorded their input
     * requests): the answers kept for them are read again every `recheckMillis` (see `sendInput`).
     */
    const awaiting = new Set<string>()
    const changes = yield* PubSub.sliding<Task>(4_096)
    /** Callers of `awaitTerminal` in this process, by task. */
    const waiters = new Map<string, Set<Deferred.Deferred<Task>>>()

    const changed = (task: Task) => {
      PubSub.publishUnsafe(changes, task)
      if (!isTerminal(task.status)) return
      awaiting.delete(task.taskId)
      const waiting = waiters.get(task.taskId)
      if (waiting === undefined) return
      waiters.delete(task.taskId)
      for (const deferred of waiting) Deferred.doneUnsafe(deferred, Exit.succeed(task))
    }

    /** A message's JSON, or `undefined` when it is not ours to read. */
    const parse = (json: string): unknown => {
      try {
        return JSON.parse(json)
      } catch {
        return undefined
      }
    }

    /**
     * Follows `name`: every message another process published there, without its sender's prefix
     * (this process's own are skipped: it delivered them locally at once; or given to `own`). The
     * subscriber reconnects by itself; should its queue fail, it subscribes again.
     */
    const follow = (name: string, onMessage: (message: string) => void, own?: (message: string) => void) =>
      followChannel(redis, name, origin, onMessage, { own })

    // Changes of other processes.
    /**
     * The tasks this process wrote last, with the version it wrote (its own running tasks, mostly):
     * a change starts from it instead of reading the task first (one round trip to Redis instead of
     * two for a task's end). Should another process have changed the task since, the write is a
     * conflict and the task is read. Forgotten when the task ends; a cache, so cleared when large.
     */
    let written = new Map<string, { readonly task: Task; readonly version: string }>()
    /** `written` is copied every 257 deletions, or as many as it has entries when it has more (`internal/renewal.ts`). */
    const writtenRenewal = new Renewal()
    const forget = (taskId: string) => {
      if (written.delete(taskId)) written = renewMap(written, writtenRenewal)
    }
    const wrote = (task: Task, version: string) => {
      if (isTerminal(task.status)) {
        forget(task.taskId)
        return
      }
      if (written.size >= maxWritten) written = new Map()
      written.set(task.taskId, { task, version })
    }
    const lastWritten = (taskId: string, now: number) => {
      const known = written.get(taskId)
      if (known === undefined || !isExpired(known.task, now)) return known
      forget(taskId)
      return undefined
    }

    /**
     * Who hears at once of the tasks other processes end (`onEndedElsewhere`: the supervisor), each
     * with the tasks it wants (`undefined`: all).
     */
    const endedElsewhere = new Map<(task: Task) => void, ((taskId: string) => boolean) | undefined>()
    /** A change made by another process: what this one wrote of the task is stale. */
    const changedElsewhere = (task: Task | undefined) => {
      if (typeof task?.taskId !== "string") return
      forget(task.taskId)
      changed(task)
      if (endedElsewhere.size === 0 || !isTerminal(task.status)) return
      for (const listener of endedElsewhere.keys()) {
        try {
          listener(task)
        } catch {
          // A listener's failure is its own: the others, and the messages after, still arrive.
        }
      }
    }
    /**
     * Whether this process wants the task `taskId`, changed elsewhere to `status`, itself (not only
     * its id): a `subscriptions/listen` stream here follows the changes, or it ended and a caller
     * here waits for it or a listener wants it (the supervisor: the work runs here).
     */
    const wanted = (taskId: string, status: Status): boolean => {
      if (hasSubscription(changes)) return true
      if (!isTerminal(status) || endedElsewhere.size === 0 && waiters.size === 0) return false
      if (waiters.has(taskId)) return true
      for (const wants of endedElsewhere.values()) if (wants === undefined || wants(taskId)) return true
      return false
    }
    /** A change made elsewhere to a task nobody here wants (see `wanted`): what `changedElsewhere` does with its id. */
    const passedElsewhere = (taskId: string, status: Status) => {
      forget(taskId)
      if (isTerminal(status)) awaiting.delete(taskId)
    }
    // A message is one task, or the tasks one script changed (an array), after their index (see
    // `publishTasks`): read only when a task there is wanted here. Most are not: another replica's
    // ends of the tasks it ran. Measured (callgrind, messages of 16 ends as bench/cluster.ts's, none
    // wanted): 3.3k instructions per task heard of, against 16.7k-18.7k parsing the message.
    yield* follow(channel, (message) => {
      const index = changeIndex(message)
      if (index !== undefined) {
        let any = false
        for (let i = 0; i < index.length && !any; i += 2) any = wanted(index[i]!, index[i + 1] as Status)
        if (!any) {
          for (let i = 0; i < index.length; i += 2) passedElsewhere(index[i]!, index[i + 1] as Status)
          return
        }
      }
      // The index, a string, is no task: skipped there.
      const body = parse(message)
      if (!Array.isArray(body)) return changedElsewhere(body as Task | undefined)
      for (const task of body) changedElsewhere(task as Task | undefined)
    })
    /** Whether answers for a task whose lease `holder` holds are this process's to take. */
    const holdsHere = (holder: string | null) => holder === null || holder === "*|" || holder === origin
    // Answers sent by other processes for tasks whose work runs here (`tasks/update` on another
    // replica), after the sender's prefix the holder of the task's lease: a process that lost the
    // lease (another claimed the task, and its new run asks again) takes none. The task extension
    // takes those of its own waiting tasks.
    yield* follow(inputChannel, (message) => {
      const end = message.indexOf("|") + 1
      if (!holdsHere(message.slice(0, end))) return
      const delivery = parse(message.slice(end)) as InputDelivery | undefined
      if (typeof delivery?.taskId === "string" && typeof delivery.responses === "object" && delivery.responses !== null) {
        PubSub.publishUnsafe(inputs, delivery)
      }
    })

    // The answers kept for the tasks waiting here, delivered on `inputs` again: an answer whose
    // message was lost (published while this process's subscriber reconnected) still arrives
    // within `recheckMillis`. One that arrived already is dropped there: an input is answered once.
    const redeliver = (taskIds: ReadonlyArray<string>) =>
      Effect.map(run("inputs", keptInputs(holders, `${base}t:`, `${base}in:`, origin, taskIds)), (flat) => {
        for (let i = 0; i + 1 < flat.length; i += 2) {
          const taskId = String(flat[i])
          const kept = flat[i + 1]
          if (typeof kept !== "object" || kept === null) {
            awaiting.delete(taskId) // the task no longer waits for input
            continue
          }
          const responses: { [key: string]: unknown } = Object.create(null)
          let any = false
          // Flat key / JSON pairs (a script's table is an array whatever the protocol).
          for (let j = 0; j + 1 < kept.length; j += 2) {
            try {
              responses[kept[j]!] = JSON.parse(kept[j + 1]!)
              any = true
            } catch {
              // not ours to read
            }
          }
          if (any) PubSub.publishUnsafe(inputs, { taskId, responses })
        }
      })
    yield* Effect.forkScoped(Effect.forever(Effect.andThen(
      Effect.sleep(recheckMillis),
      Effect.suspend(() => {
        if (awaiting.size === 0) return Effect.void
        const taskIds = [...awaiting]
        const batches: Array<ReadonlyArray<string>> = []
        for (let i = 0; i < taskIds.length; i += keptInputsBatch) batches.push(taskIds.slice(i, i + keptInputsBatch))
        return Effect.forEach(batches, (batch) => Effect.ignore(redeliver(batch)), { discard: true })
      })
    )))

    // The relay of 2025-11-25 tasks' requests (`TaskStore.relay`): one channel, each message after
    // its sender's prefix; those naming another process (`to`) are dropped as they arrive.
    const relayChannel = `${base}relay`
    const waitKey = (taskId: string) => `${base}w:${taskId}`
    /** How long a record of a `tasks/result` waiting here lasts unless renewed (every `recheckMillis`). */
    const waitLeaseMillis = 3 * recheckMillis
    const relayMessages = yield* PubSub.sliding<RelayMessage>(1_024)
    const recordWait = call.script(waitHereScript)
    const renewWaits = call.script(renewWaitsScript)
    const recordLeft = call.script(leftScript)
    /** The tasks a `tasks/result` waits for here, each with how many wait. */
    const waitsHere = new Map<string, number>()
    yield* follow(relayChannel, (message) => {
      const delivered = relayMessage(parse(message), origin)
      if (delivered !== undefined) PubSub.publishUnsafe(relayMessages, delivered)
    }, (message) => {
      // This process's own `Waits` (its renewal's, a round), heard back: the relay counts another
      // process's silence only in rounds it hears something (cut off Redis, it hears nobody). Its
      // other messages (notes, questions) are not read again.
      if (!message.includes(`"Waits"`)) return
      const body = parse(message)
      if (Predicate.isObject(body) && body._tag === "Waits") {
        const delivered = relayMessage(body, origin)
        if (delivered !== undefined) PubSub.publishUnsafe(relayMessages, delivered)
      }
    })
    yield* Effect.forkScoped(Effect.forever(Effect.andThen(
      Effect.sleep(recheckMillis),
      Effect.suspend(() => {
        if (waitsHere.size === 0) return Effect.void
        const taskIds = [...waitsHere.keys()]
        const batches: Array<ReadonlyArray<string>> = []
        for (let i = 0; i < taskIds.length; i += keptInputsBatch) batches.push(taskIds.slice(i, i + keptInputsBatch))
        return Effect.forEach(
          batches,
          (batch) => Effect.ignore(run("relay", renewWaits(origin, waitLeaseMillis, relayChannel, `${base}w:`, batch))),
          { discard: true }
        )
      })
    )))
    const relayed = (message: RelayMessage) => `${origin}${JSON.stringify(message)}`
    const relay: TaskRelay = {
      here: origin,
      waitHere: (taskId) =>
        Effect.acquireRelease(
          Effect.suspend(() => {
            // Told for every wait, not only the first here: the process running the task may have
            // stopped asking through this one (the session its question went to closed, its
            // `tasks/result` draining), and this wait can carry the question.
            waitsHere.set(taskId, (waitsHere.get(taskId) ?? 0) + 1)
            const message = relayed({ _tag: "Waiting", taskId, from: origin })
            return Effect.ignore(run("relay", recordWait(waitKey(taskId), origin, waitLeaseMillis, relayChannel, message)))
          }),
          () =>
            Effect.suspend(() => {
              const count = (waitsHere.get(taskId) ?? 1) - 1
              if (count > 0) {
                waitsHere.set(taskId, count)
                return Effect.void
              }
              waitsHere.delete(taskId)
              const message = relayed({ _tag: "Left", taskId, from: origin })
              return Effect.ignore(run("relay", recordLeft(waitKey(taskId), origin, relayChannel, message)))
            })
        ),
      waiter: (taskId) =>
        Effect.map(run("relay", call.send<string | null>("GET", waitKey(taskId))), (holder) => typeof holder === "string" ? holder : undefined),
      send: (message) => Effect.asVoid(run("relay", call.send("PUBLISH", relayChannel, relayed(message)))),
      messages: relayMessages,
      // Pub/sub drops what is published while a subscriber reconnects: a question not answered
      // within a round is asked again, its reply kept by the replica that asked the client.
      resendMillis: recheckMillis
    }

    /** The task and its version, if it is stored and not expired (whoever owns it). */
    const readTask = (taskId: string, now: number): Effect.Effect<{ readonly task: Task; readonly version: string } | undefined, StoreError> =>
      Effect.map(
        // A record that cannot be read (a key of another type, a task that is not JSON: written by
        // hand, corrupt) is no task: "not found", not a store that is down (a retry would never do).
        Effect.catchIf(
          run("get", call.send<ReadonlyArray<string | null>>("HMGET", taskKey(taskId), "task", "v")),
          (error) => String(error.cause).includes("WRONGTYPE"),
          () => Exit.succeed(noRecord)
        ),
        ([json, version]) => {
          if (json === null || json === undefined || version === null || version === undefined) return undefined
          const task = parseTask(json)
          return task === undefined || isExpired(task, now) ? undefined : { task, version }
        }
      )

    /**
     * Changes a task by compare-and-set: `next` of what is stored (`undefined`: leave it), written
     * only if nobody changed it since it was read (or since this process wrote it); read again and
     * retried otherwise.
     */
    const change = <E>(
      taskId: string,
      next: (current: Task | undefined, now: number) => Effect.Effect<Task | undefined, E>,
      operation: string,
      /**
       * The new task's JSON: `taskJson` for a task `Task.ended` built (its fields known, in order),
       * `JSON.stringify` for one spread from what was read (it keeps the fields this version does not know).
       */
      toJson: (task: Task) => string,
      /** A change of the task's inputs: the keys pending after it (the answers kept for others go). */
      pendingInputs?: ReadonlyArray<string>
    ): Effect.Effect<Task | undefined, E | StoreError> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const write = (
          left: number,
          stored: { readonly task: Task; readonly version: string },
          task: Task
        ): Effect.Effect<Task | undefined, E | StoreError> =>
          Effect.flatMap(
            pendingInputs === undefined
              ? updateBatched({ taskId, version: stored.version, json: toJson(task), status: task.status })
              : run(
                operation,
                updateInputs(`${base}done`, base, channel, origin, { taskId, version: stored.version, json: toJson(task), status: task.status }, pendingInputs)
              ),
            (outcome): Effect.Effect<Task | undefined, E | StoreError> => {
              if (outcome === "ok") {
                wrote(task, String(Number(stored.version) + 1))
                changed(task)
                return Exit.succeed(task)
              }
              forget(taskId)
              if (outcome === "conflict" && left > 0) return read(left - 1)
              return Exit.succeed(undefined)
            }
          )
        /** From what is stored now. */
        const read = (left: number): Effect.Effect<Task | undefined, E | StoreError> =>
          Effect.flatMap(readTask(taskId, now), (stored) => {
            if (stored === undefined) return Effect.flatMap(next(undefined, now), () => Exit.succeed(undefined))
            return Effect.flatMap(next(stored.task, now), (task) => task === undefined ? Exit.succeed(undefined) : write(left, stored, task))
          })
        // From what this process wrote last: only a write is decided on it (the version check then
        // validates it); leaving the task as it is, or refusing, is decided on what is stored now.
        const known = lastWritten(taskId, now)
        if (known === undefined) return read(16)
        return Effect.matchEffect(next(known.task, now), {
          onFailure: () => read(16),
          onSuccess: (task) => task === undefined ? read(16) : write(16, known, task)
        })
      })

    const get = (taskId: string, owner: string): Effect.Effect<Task, TaskNotFound | StoreError> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.flatMap(readTask(taskId, now), (stored) =>
          stored === undefined || stored.task.owner !== owner
            ? Exit.fail(new TaskNotFound({ taskId }))
            : Exit.succeed(stored.task)))

    /**
     * How long the re-reads of an `awaitTerminal` may fail in a row before it fails with their
     * `StoreError` (see the module's doc): ten times the time bound, at least two re-reads.
     */
    const outageMillis = Math.max(10 * timeoutMillis, 2 * recheckMillis)
    /** How long `awaitTerminal` waits before it reads `task` again: `recheckMillis`, or until the task expires if sooner. */
    const untilRecheck = (task: Task, now: number): number => {
      const expiry = expiresAt(task)
      return expiry === undefined ? recheckMillis : Math.min(recheckMillis, Math.max(10, Math.ceil(expiry - now)))
    }

    const awaitTerminal = (taskId: string, owner: string): Effect.Effect<Task, TaskNotFound | StoreError> =>
      Effect.suspend(() => {
        const deferred = Deferred.makeUnsafe<Task>()
        let waiting = waiters.get(taskId)
        if (waiting === undefined) waiters.set(taskId, waiting = new Set())
        waiting.add(deferred)
        const forget = Effect.sync(() => {
          const set = waiters.get(taskId)
          set?.delete(deferred)
          if (set?.size === 0) waiters.delete(taskId)
        })
        // Waits for the change, re-reading the task every `recheckMillis`, or at its expiry when that
        // comes first (an expiry publishes nothing, and no process records an end past the TTL). A
        // re-read that fails (a Redis down or restarting) is tried again at the next one, until
        // `known` (the task as last read) would have expired or the re-reads have failed for
        // `outageMillis` (`failingSince`: when the first of those that failed in a row did): a wait
        // that began is not failed by a short outage the task outlives (the change may still arrive
        // by pub/sub, or the next re-read find it), nor kept for good by a long one.
        // A task whose end was recorded at its TTL or past it is gone for those waiting, whichever
        // came first, its end by pub/sub or their re-read at the TTL (`endedAtExpiry`, the
        // in-memory store's rule too).
        const ending = (task: Task): Exit.Exit<Task, TaskNotFound> =>
          endedAtExpiry(task) ? Exit.fail(new TaskNotFound({ taskId })) : Exit.succeed(task)
        const wait = (known: Task, failingSince: number | undefined): Effect.Effect<Task, TaskNotFound | StoreError> =>
          Effect.flatMap(Clock.currentTimeMillis, (now) =>
            Effect.flatMap(Effect.timeoutOption(Deferred.await(deferred), untilRecheck(known, now)), (arrived) =>
              arrived._tag === "Some" ? ending(arrived.value) : Effect.matchEffect(get(taskId, owner), {
                onFailure: (error) =>
                  error._tag === "StoreError"
                    ? Effect.flatMap(Clock.currentTimeMillis, (now) => {
                      const since = failingSince ?? now
                      return isExpired(known, now) || now - since >= outageMillis ? Exit.fail(error) : wait(known, since)
                    })
                    : Exit.fail(error),
                onSuccess: (task) => isTerminal(task.status) ? ending(task) : wait(task, undefined)
              })))
        // Registered first, then read: a change between the two is not missed. The first read's
        // failure fails the wait (a request made while Redis is down fails at once).
        const check = Effect.flatMap(get(taskId, owner), (task) => isTerminal(task.status) ? Exit.succeed(task) : wait(task, undefined))
        return Effect.ensuring(check, forget)
      })

    return TaskStore.of({
      create: (input) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const requested = input.ttlMillis === null || input.ttlMillis === undefined || input.ttlMillis <= 0
            ? undefined
            : input.ttlMillis
          const ttl = Math.min(requested === undefined ? defaultTtl : Math.max(minTtl, requested), maxTtl)
          const task: Task = {
            taskId: newTaskId(),
            owner: input.owner,
            method: input.method,
            status: "working",
            createdAt: now,
            lastUpdatedAt: now,
            ttlMillis: ttl,
            pollIntervalMillis: pollInterval
          }
          return Effect.flatMap(
            createBatched({
              taskId: task.taskId,
              json: taskJson(task),
              // Redis takes an expiry in whole ms (a TTL of the options may have a fraction), and
              // none of `Infinity` (a TTL the options allow) nor past a date it can hold: such a
              // task's keys live until the latest date a `Date` holds. The task (its JSON) keeps
              // its TTL: reads decide by it, never seeing it expired.
              expiresAt: Math.min(Math.ceil(now + ttl), latestExpiry),
              now,
              owner: input.owner,
              address: input.address ?? "",
              work: workJson(input.work),
              leaseMillis: input.leaseMillis === undefined ? "" : String(input.leaseMillis),
              server: input.server ?? ""
            }),
            (outcome): Effect.Effect<Task, TaskLimitExceeded | StoreError> => {
              switch (outcome) {
                case "ok":
                  wrote(task, "1")
                  changed(task)
                  return Exit.succeed(task)
                case "late":
                  return Exit.fail(
                    new StoreError({ store: "TaskStore", message: "Redis ran the creation after its time bound: the task was not created" })
                  )
                case "owner":
                  return Exit.fail(new TaskLimitExceeded({ limit: maxPerOwner, scope: "owner" }))
                case "address":
                  return Exit.fail(new TaskLimitExceeded({ limit: maxPerAddress, scope: "address" }))
                default:
                  return Exit.fail(new TaskLimitExceeded({ limit: maxTasks, scope: "server" }))
              }
            }
          )
        }),
      get,
      list: (owner, cursor, pageSize, scope) =>
        Effect.suspend((): Effect.Effect<TaskPage, InvalidTaskCursor | StoreError> => {
          let after = 0
          if (cursor !== undefined) {
            const decoded = decodeCursor(cursor, scope)
            if (decoded === undefined) return Exit.fail(new InvalidTaskCursor({ cursor }))
            after = decoded
          }
          return Effect.flatMap(Clock.currentTimeMillis, (now) =>
            Effect.map(run("list", listPage(`${base}o:${owner}`, base, after, scriptPageSize(pageSize), now)), (flat) => {
              const tasks: Array<Task> = []
              let last = 0
              let more = false
              for (let i = 0; i < flat.length; i += 2) {
                const task = parseTask(flat[i + 1]!)
                if (task === undefined || task.owner !== owner || isExpired(task, now)) continue
                if (tasks.length === pageSize) {
                  more = true
                  break
                }
                tasks.push(task)
                last = Number(flat[i])
              }
              return { tasks, nextCursor: more ? encodeCursor(last, scope) : undefined }
            }))
        }),
      setStatus: (taskId, status, statusMessage) =>
        Effect.suspend(() => {
          let same: Task | undefined
          return Effect.map(
            change(taskId, (current, now) => {
              // Decided again on what is stored when a decision on what this process wrote was a no-op.
              same = undefined
              if (current === undefined || isTerminal(current.status)) return Exit.succeed(undefined)
              if (current.status === status) {
                same = current
                return Exit.succeed(undefined)
              }
              return Exit.succeed({ ...current, status, statusMessage, lastUpdatedAt: now })
            }, "setStatus", JSON.stringify),
            (task) => task ?? same
          )
        }),
      setInputRequests: (taskId, inputRequests: { readonly [key: string]: InputRequest }) =>
        Effect.tap(
          // The answers kept for inputs no longer pending go in the same script (see `updateLua`).
          change(taskId, (current, now) => {
            if (current === undefined || isTerminal(current.status)) return Exit.succeed(undefined)
            const { inputRequests: _previous, ...task } = current
            return Exit.succeed(
              Object.keys(inputRequests).length > 0
                ? { ...task, status: "input_required", inputRequests, lastUpdatedAt: now }
                : { ...task, status: "working", lastUpdatedAt: now }
            )
          }, "setInputRequests", JSON.stringify, Object.keys(inputRequests)),
          (task) =>
            Effect.sync(() => {
              // Written: the task waits for input here, or not (not written: left as it is; the
              // redelivery forgets a task that no longer waits).
              if (task === undefined) return
              if (task.status === "input_required") awaiting.add(taskId)
              else awaiting.delete(taskId)
            })
        ),
      finish: (taskId, status, outcome, statusMessage) =>
        change(taskId, (current, now) =>
          current === undefined || isTerminal(current.status)
            ? Exit.succeed(undefined)
            : Exit.succeed(ended(current, status, statusMessage, outcome, now)), "finish", taskJson),
      cancel: (taskId, owner) =>
        Effect.flatMap(
          change(taskId, (current, now): Effect.Effect<Task | undefined, TaskNotFound | TaskAlreadyTerminal> => {
            if (current === undefined || current.owner !== owner) return Exit.fail(new TaskNotFound({ taskId }))
            if (isTerminal(current.status)) return Exit.fail(new TaskAlreadyTerminal({ taskId, status: current.status }))
            return Exit.succeed(ended(current, "cancelled", "Cancelled by the requestor", undefined, now))
          }, "cancel", taskJson),
          (task) => task === undefined ? Exit.fail(new TaskNotFound({ taskId })) : Exit.succeed(task)
        ),
      awaitTerminal,
      changes,
      recheckMillis,
      shared: true,
      onEndedElsewhere: (listener, wants) => {
        endedElsewhere.set(listener, wants)
        return () => void endedElsewhere.delete(listener)
      },
      renewLeases: (taskIds, leaseMillis) =>
        taskIds.length === 0
          ? Exit.succeed(noTaskIds)
          : leaseMillis === 0
          ? run("renewLeases", handBack(leases, holders, base, origin, taskIds))
          : run("renewLeases", renew(leases, holders, leaseMillis, origin, base, taskIds)),
      claimOrphans: (leaseMillis, server) =>
        Effect.suspend(() => {
          const sentAt = Date.now()
          return Effect.map(run("claimOrphans", claim(leases, holders, base, leaseMillis, origin, clock.toRedis(sentAt), server ?? "")), (flat) => {
            // The last element: Redis's time (see `redisClock`).
            clock.sample(Number(flat[flat.length - 1]), sentAt)
            const orphans: Array<Orphan> = []
            for (let i = 0; i + 4 < flat.length; i += 5) {
              // The script claims only records that parse (checked there too): one that does not is skipped.
              const task = parseTask(flat[i + 1]!)
              const work = flat[i + 2] ? parseJson(flat[i + 2]!) : undefined
              if (task !== undefined) orphans.push({ task, work, claims: Number(flat[i + 3]), handBacks: Number(flat[i + 4]) })
            }
            return orphans
          })
        }),
      confirmClaim: (taskId, leaseMillis) =>
        Effect.suspend(() => {
          return Effect.flatMap(
            run("confirmClaim", confirm(holders, taskKey(taskId), leases, origin, taskId, clock.deadlineOf(Date.now()), leaseMillis)),
            (confirmed) =>
              confirmed === -1
                ? Exit.fail(new StoreError({ store: "TaskStore", message: "Redis ran the confirmation after its time bound: nothing was confirmed" }))
                : Exit.succeed(confirmed === 1)
          )
        }),
      sendInput: (taskId, responses) =>
        Effect.suspend(() => {
          // Kept with the task and published, in one script: the process running the work takes
          // them from the message, or from what is kept should the message be lost.
          const pairs: Array<string> = []
          for (const [key, value] of Object.entries(responses)) {
            const json = JSON.stringify(value)
            if (json !== undefined) pairs.push(key, json)
          }
          const json = JSON.stringify({ taskId, responses })
          return Effect.map(
            run("sendInput", sendInputs(taskKey(taskId), answersKey(taskId), holders, inputChannel, origin, json, taskId, pairs)),
            (holder) => {
              // This process's other servers (sharing this store) hear it here, if its work runs
              // here (or has no lease); other processes through Redis.
              if (!holdsHere(holder)) return false
              PubSub.publishUnsafe(inputs, { taskId, responses })
              return true
            }
          )
        }),
      inputs,
      relay,
      announce: (server) =>
        Effect.map(run("announce", announce(`${base}servers`, server, announceWindowMillis)), (others) => ({
          where: `the Redis key prefix "${options.prefix ?? defaultPrefix}"`,
          others
        })),
      removeOwnedBy: (owner) =>
        Effect.map(run("removeOwnedBy", removeOwned(`${base}o:${owner}`, base)), (taskIds) => {
          for (const taskId of taskIds) forget(taskId)
        }),
      size: Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.map(run("size", call.send<number>("ZCOUNT", `${base}all`, `(${now}`, "+inf")), Number))
    })
  })

/**
 * The `TaskStore` on the `Redis` service (see the module's doc); a `RangeError` for an option out of range.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<TaskStore, never, Redis.Redis> => {
  checkOptions("RedisTaskStore.layer", options)
  return Layer.effect(TaskStore, make(options))
}
