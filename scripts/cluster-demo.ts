/**
 * `npm run cluster-demo`: two replicas of `examples/replica-server.ts` on one Redis, shown at work.
 *
 * Starts a Redis (Debian's `redis-server`, on a free 127.0.0.1 port, no persistence) unless
 * `REDIS_URL` names one, then two replicas (stateless Streamable HTTP on free ports, 1 s leases),
 * and walks through: two tasks created on replica A (`crunch`, which may run again, and
 * `charge`, which must not: `runOnce`) are read on replica B; replica A is killed with SIGKILL;
 * within about a lease, replica B takes both over: it runs `crunch` again to completion and ends
 * `charge` `failed`. Everything started is stopped at the end.
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

  const crunch = (yield* rpc(portA, "tools/call", "crunch", { name: "crunch", arguments: { seconds: 3 } })).result
  say(`A: tools/call crunch (3 s) became task ${crunch.taskId} (${crunch.status})`)
  const charge = (yield* rpc(portA, "tools/call", "charge", { name: "charge", arguments: { cents: 500, seconds: 600 } })).result
  say(`A: tools/call charge (runOnce) became task ${charge.taskId} (${charge.status})`)
  for (const taskId of [crunch.taskId, charge.taskId]) {
    const seen = (yield* rpc(portB, "tasks/get", taskId, { taskId })).result
    say(`B: tasks/get ${taskId} → ${seen.status} (one store for both replicas)`)
  }

  a.kill("SIGKILL")
  say("A: killed with SIGKILL")
  const started = Date.now()
  for (const [name, taskId] of [["crunch", crunch.taskId], ["charge", charge.taskId]] as const) {
    let task: any
    for (let i = 0; i < 100 && (task === undefined || task.status === "working"); i++) {
      if (task !== undefined) yield* Effect.sleep("200 millis")
      task = (yield* rpc(portB, "tasks/get", taskId, { taskId })).result
    }
    if (task.status === "working") throw new Error(`the ${name} task was not taken over within 20 s`)
    const outcome = task.status === "completed" ? JSON.stringify(task.result.content[0].text) : `"${task.statusMessage}"`
    say(`B: tasks/get ${name} ${taskId} → ${task.status} after ${Date.now() - started} ms: ${outcome}`)
  }
})

await Effect.runPromise(Effect.scoped(program))
say("done: everything started is stopped")
