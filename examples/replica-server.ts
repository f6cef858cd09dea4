/**
 * A replica: one of several servers behind a load balancer, sharing their tasks, rate limits and
 * caches on Redis (`effect-mcp-server/redis`). Stateless Streamable HTTP (both eras' stateless
 * requests; MCP 2026-07-28 tasks with the tasks extension).
 *
 *     REDIS_URL=redis://127.0.0.1:6379 node examples/replica-server.ts --http --port 3001
 *     REDIS_URL=redis://127.0.0.1:6379 node examples/replica-server.ts --http --port 3002
 *
 * A task created on one is read, updated and cancelled through the other. If a replica dies
 * (kill -9), another takes its tasks over within about a lease (`LEASE_MILLIS`, default 15 000)
 * and runs their calls again (`crunch`); the task of a tool whose work must not run twice
 * (`charge`, `runOnce`) ends `failed` instead. `REDIS_PREFIX` (default `replicas:`) separates
 * deployments sharing a Redis; `STORE=memory` keeps each replica's stores in memory instead (for
 * comparisons: nothing is shared then).
 *
 * `MCP_REQUEST_STATE_KEYS` (keys of 32 bytes or more, comma-separated, the same on every replica;
 * e.g. `openssl rand -base64 32`) is the key ring that seals the `requestState` of `input_required`
 * answers (`greet_later` asking before it became a task), so that the retry may reach another
 * replica. Without it each replica seals with a key of its own, and says so: a retry that reaches
 * another replica is refused (-32602 "Invalid requestState").
 *
 * It runs with V8's allocation-site pretenuring off, as the README advises for a server with many
 * requests in flight ("Garbage collection under load"): a replica waits on Redis for every task
 * read and write, so many requests' young objects are alive at each scavenge; with V8's defaults
 * it soon allocates some of their sites in the old generation, and each scavenge of its reads then
 * kept 1.5–2.2 MB instead of 0.1 (`bench/cluster.ts`'s tasks/get tail).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { setFlagsFromString } from "node:v8"
import { GracefulShutdown, McpContext, McpServer, StreamableHttp } from "../src/index.ts"
import { RedisStores } from "../src/redis.ts"
import { flags, isMain, traced, withPortHint, withRequestStateKeys } from "./internal/cli.ts"

/** A long piece of work: a task-supporting tool (MCP 2026-07-28 makes it a task after 100 ms). */
const Crunch = McpServer.tool({
  name: "crunch",
  description: "Crunches numbers for a while",
  parameters: { seconds: Schema.Finite },
  execution: { taskSupport: "optional" },
  handler: ({ seconds }) => Effect.as(Effect.sleep(`${seconds} seconds`), `crunched for ${seconds} s`)
})

/** Work that must not run twice: a replica's death fails its task instead of running it again. */
const Charge = McpServer.tool({
  name: "charge",
  description: "Charges an amount (slowly); never twice",
  parameters: { cents: Schema.Int, seconds: Schema.Finite },
  execution: { taskSupport: "optional" },
  runOnce: true,
  handler: ({ cents, seconds }) => Effect.as(Effect.sleep(`${seconds} seconds`), `charged ${cents} cents`)
})

/**
 * Works a while, then asks the user's name: taken over by another replica, it runs again there
 * with the caller's client info and capabilities, and asks there (`tasks/update` on any replica).
 */
const GreetLater = McpServer.tool({
  name: "greet_later",
  description: "Works for `seconds`, then asks your name and greets you",
  parameters: { seconds: Schema.Finite },
  execution: { taskSupport: "optional" },
  handler: ({ seconds }) =>
    Effect.gen(function*() {
      yield* Effect.sleep(`${seconds} seconds`)
      const client = yield* McpContext.clientInfo
      const answer = yield* McpContext.elicit("Your name?", Schema.Struct({ name: Schema.String }))
      const name = answer.action === "accept" ? answer.content.name : "stranger"
      return `Hello, ${name} (on ${client?.name ?? "an unknown client"})`
    }).pipe(Effect.orDie)
})

/**
 * Works a while, then asks two questions, one after the other: taken over by another replica
 * after the first was answered, its run there asks that one again, under a key of its own.
 */
const Survey = McpServer.tool({
  name: "survey",
  description: "Works for `seconds`, then asks your name and your favourite colour",
  parameters: { seconds: Schema.Finite },
  execution: { taskSupport: "optional" },
  handler: ({ seconds }) =>
    Effect.gen(function*() {
      yield* Effect.sleep(`${seconds} seconds`)
      const name = yield* McpContext.elicit("Your name?", Schema.Struct({ name: Schema.String }))
      const colour = yield* McpContext.elicit("Your favourite colour?", Schema.Struct({ colour: Schema.String }))
      return `${name.action === "accept" ? name.content.name : "someone"} likes ${colour.action === "accept" ? colour.content.colour : "no colour"}`
    }).pipe(Effect.orDie)
})

/** A task at once, done after `ms`: what `bench/cluster.ts` creates by the thousand. */
const Queued = McpServer.tool({
  name: "queued",
  description: "Becomes a task at once and completes after `ms` milliseconds",
  parameters: { ms: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)) },
  execution: { taskSupport: "optional" },
  handler: ({ ms }) => Effect.andThen(McpContext.becomeTask, Effect.as(Effect.sleep(ms), "done"))
})

const lease = Number(process.env.LEASE_MILLIS ?? 15_000)

/**
 * Tasks one requestor may keep (`MAX_TASKS_PER_REQUESTOR`, default 100): `bench/cluster.ts`, one
 * anonymous client creating thousands, raises it.
 */
const limits = {
  maxTasksPerOwner: Number(process.env.MAX_TASKS_PER_REQUESTOR ?? 100),
  maxTasksPerAddress: Math.max(500, Number(process.env.MAX_TASKS_PER_REQUESTOR ?? 100))
}

export const options: McpServer.Options = { name: "replica", version: "1.0.0", tasks: McpServer.tasks({ leaseMillis: lease, ...limits }) }
export const components = Layer.mergeAll(Crunch, Charge, GreetLater, Survey, Queued)

if (isMain(import.meta)) {
  // Before the server starts: V8 decides what to pretenure from the scavenges under load.
  setFlagsFromString("--no-allocation-site-pretenuring")
  const cli = flags(process.argv.slice(2), {}, true)
  const url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379"
  // `STORE=memory`: each replica its own stores in memory (for comparisons: nothing is shared).
  const stores = process.env.STORE === "memory" ? Layer.empty : RedisStores.layer({ url, prefix: process.env.REDIS_PREFIX ?? "replicas:", tasks: limits })
  // One key ring for `requestState` across the replicas (MCP_REQUEST_STATE_KEYS).
  const served = withRequestStateKeys(options, process.env.STORE !== "memory")
  const tracing = traced(served, components)
  McpServer.serve(served, tracing.components, StreamableHttp.make({ host: cli.host, port: cli.port, stateless: true })).pipe(
    Effect.provide(stores),
    withPortHint,
    tracing.provide,
    GracefulShutdown.runMain
  )
}
