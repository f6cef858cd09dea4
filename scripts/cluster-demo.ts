/**
 * `npm run cluster-demo`: two replicas of `examples/replica-server.ts` on one Redis, shown at work.
 *
 * Starts a Redis (Debian's `redis-server`, on a free 127.0.0.1 port, no persistence) unless
 * `REDIS_URL` names one, then two replicas (stateless Streamable HTTP on free ports, 1 s leases),
 * and walks through: a task created on replica A is read on replica B; replica A is killed with
 * SIGKILL; replica B ends the task `failed` within about a lease. Everything started is stopped
 * at the end.
 */
import * as Effect from "effect/Effect"
import { freePort } from "../test/http/support.ts"
import { make as startRedis } from "../test/support/redis.ts"
import { modernRequest, startReplica } from "../test/support/replicas.ts"

const say = (line: string) => console.log(`cluster-demo: ${line}`)
/** One key prefix for both replicas: one deployment. */
const prefix = `demo-${Date.now()}:`

const replica = (name: string, redisUrl: string, port: number) =>
  Effect.tap(startReplica({ redisUrl, prefix, port, leaseMillis: 1_000 }), () =>
    Effect.sync(() => say(`replica ${name} serves http://127.0.0.1:${port}/mcp`)))
const rpc = modernRequest

const program = Effect.gen(function*() {
  const redisUrl = process.env.REDIS_URL ?? `redis://127.0.0.1:${(yield* startRedis()).port}`
  say(`Redis at ${redisUrl}`)
  const [portA, portB] = [yield* Effect.promise(freePort), yield* Effect.promise(freePort)]
  const a = yield* replica("A", redisUrl, portA)
  yield* replica("B", redisUrl, portB)

  const created = (yield* rpc(portA, "tools/call", "crunch", { name: "crunch", arguments: { seconds: 600 } })).result
  say(`A: tools/call crunch became task ${created.taskId} (${created.status})`)
  const seen = (yield* rpc(portB, "tasks/get", created.taskId, { taskId: created.taskId })).result
  say(`B: tasks/get ${created.taskId} → ${seen.status} (one store for both replicas)`)

  a.kill("SIGKILL")
  say("A: killed with SIGKILL")
  const started = Date.now()
  for (let i = 0; i < 100; i++) {
    const task = (yield* rpc(portB, "tasks/get", created.taskId, { taskId: created.taskId })).result
    if (task.status !== "working") {
      say(`B: tasks/get ${created.taskId} → ${task.status} after ${Date.now() - started} ms: "${task.statusMessage}"`)
      return
    }
    yield* Effect.sleep("200 millis")
  }
  throw new Error("the task was not ended within 20 s")
})

await Effect.runPromise(Effect.scoped(program))
say("done: everything started is stopped")
