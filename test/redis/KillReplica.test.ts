/**
 * Two replicas as real processes on one Redis (`examples/replica-server.ts`): a task created on
 * one is seen working on the other; the first is killed with SIGKILL (no shutdown, no word); the
 * other ends the task `failed` within about a lease (issue 13: no task stays `working` forever).
 */
import { assert, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { orphanMessage } from "../../src/tasks/Task.ts"
import { freePort } from "../http/support.ts"
import { TestRedis, uniquePrefix } from "../support/redis.ts"
import { modernRequest as call, startReplica } from "../support/replicas.ts"

layer(TestRedis.layer, { excludeTestServices: true })("a replica killed with SIGKILL", (it) => {
  it.effect("its working task is ended failed by the surviving replica within about a lease", () =>
    Effect.gen(function*() {
      const { url } = yield* TestRedis
      const prefix = uniquePrefix()
      const [portA, portB] = [yield* Effect.promise(freePort), yield* Effect.promise(freePort)]
      const a = yield* startReplica({ redisUrl: url, prefix, port: portA, leaseMillis: 600 })
      yield* startReplica({ redisUrl: url, prefix, port: portB, leaseMillis: 600 })

      const created = yield* call(portA, "tools/call", "crunch", { name: "crunch", arguments: { seconds: 600 } })
      assert.strictEqual(created.result?.resultType, "task", JSON.stringify(created))
      const taskId: string = created.result.taskId
      const seen = yield* call(portB, "tasks/get", taskId, { taskId })
      assert.strictEqual(seen.result?.status, "working", JSON.stringify(seen))

      a.kill("SIGKILL")
      const killedAt = Date.now()
      let task: any
      for (let i = 0; i < 100; i++) {
        task = (yield* call(portB, "tasks/get", taskId, { taskId })).result
        if (task?.status !== "working") break
        yield* Effect.sleep("100 millis")
      }
      assert.strictEqual(task?.status, "failed", JSON.stringify(task))
      assert.strictEqual(task.statusMessage, orphanMessage)
      assert.isBelow(Date.now() - killedAt, 8_000, "within a few leases (600 ms each), not the task's TTL")
    }), 60_000)
})
