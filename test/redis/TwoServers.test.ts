/**
 * Two *different* servers (`examples/replica-server.ts`, named `replica`, and
 * `test/fixtures/other-server.ts`, named `other`, with a `crunch` tool of its own) given one Redis
 * and one key prefix by mistake, as real processes. A replica killed with SIGKILL leaves its tasks
 * to a replica of its own server: the other server leaves them alone (it neither runs its own tool
 * of the same name on their calls nor fails them). And the mistake is loud: the server that finds
 * the prefix in use by a server of another name says so when it starts.
 */
import { assert, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { orphanMessage } from "../../src/tasks/Task.ts"
import { TestRedis, uniquePrefix } from "../support/redis.ts"
import { modernRequest as call, pollTask, startReplicaOnAnyPort } from "../support/replicas.ts"

const leaseMillis = 600

layer(TestRedis.layer, { excludeTestServices: true })("two servers of different names on one Redis prefix", (it) => {
  // One test for what were two (each started its own replicas: six starts, now four, each about a
  // second of CPU and seen taking 15 s on a loaded machine): the replicas and the other server
  // started for the warning are those whose tasks the other server must leave alone.
  it.effect("a server that finds the prefix in use by a server of another name warns, naming both and the option; a replica does not; the other server leaves a dead replica's tasks alone; a replica of their own server takes them over", () =>
    Effect.gen(function*() {
      const { url } = yield* TestRedis
      const prefix = uniquePrefix()
      let replicaOutput = ""
      let otherOutput = ""
      const { child: a, port: portA } = yield* startReplicaOnAnyPort({ redisUrl: url, prefix, leaseMillis })
      // One after the other: the second replica's start sees the prefix in use by its own server only.
      const { child: b } = yield* startReplicaOnAnyPort({ redisUrl: url, prefix, leaseMillis, output: (chunk) => replicaOutput += chunk })
      const { port: portOther } = yield* startReplicaOnAnyPort({
        redisUrl: url,
        prefix,
        leaseMillis,
        server: "other",
        output: (chunk) => otherOutput += chunk
      })
      // Logged as the server starts (within a few seconds at most; waited for at most 15 s).
      const warningIn = (output: string) => output.split("\n").find((line) => line.includes("in use by"))
      for (let i = 0; i < 150 && warningIn(otherOutput) === undefined; i++) yield* Effect.sleep("100 millis")
      const warning = warningIn(otherOutput)
      assert.isDefined(warning, otherOutput)
      assert.include(warning, `"${prefix}"`)
      assert.include(warning, `"replica"`)
      assert.include(warning, `"other"`)
      assert.include(warning, "prefix")
      assert.notInclude(replicaOutput, "in use by", "replicas of one server share the prefix: no warning")

      // The 2 s crunch last, the replicas killed as soon as it is a task: created first, it was done
      // on its replica (which answers as a task after 100 ms) before the kill when the charge's
      // creation took 1.9 s more, on a loaded machine, and read "completed" below.
      const charge = yield* call(portA, "tools/call", "charge", { name: "charge", arguments: { cents: 500, seconds: 600 } })
      const crunch = yield* call(portA, "tools/call", "crunch", { name: "crunch", arguments: { seconds: 2 } })
      // Both replicas go (the second would take the first's tasks over): the other server is left alone with them.
      b.kill("SIGKILL")
      a.kill("SIGKILL")
      assert.strictEqual(crunch.result?.resultType, "task", JSON.stringify(crunch))
      assert.strictEqual(charge.result?.resultType, "task", JSON.stringify(charge))
      const taskIds: ReadonlyArray<string> = [crunch.result.taskId, charge.result.taskId]

      // Five leases and more: the other server's reaper (every third of a lease) had every chance.
      // (Before, it ran its own `crunch` on the first's arguments and failed the `charge` task.)
      const deadline = Date.now() + 5 * leaseMillis + 2_500
      // Each task as last read (a task's end is final: once ended, it is kept as read then).
      const seen: Array<any> = taskIds.map(() => undefined)
      while (Date.now() < deadline) {
        for (const [i, taskId] of taskIds.entries()) {
          if (seen[i] === undefined || seen[i].status === "working") seen[i] = (yield* call(portOther, "tasks/get", taskId, { taskId })).result
        }
        yield* Effect.sleep("200 millis")
      }
      assert.deepStrictEqual(seen.map((task) => task?.status), ["working", "working"], `left alone by the other server: ${JSON.stringify(seen)}`)

      // A replica of their own server takes them over: the call run again by the right tool, the
      // runOnce task failed.
      const { port: portA2 } = yield* startReplicaOnAnyPort({ redisUrl: url, prefix, leaseMillis })
      const rerun = yield* pollTask(portA2, taskIds[0]!, (task) => task?.status !== "working")
      const once = yield* pollTask(portA2, taskIds[1]!, (task) => task?.status !== "working")
      assert.strictEqual(rerun?.status, "completed", JSON.stringify(rerun))
      assert.deepStrictEqual(rerun.result?.content, [{ type: "text", text: "crunched for 2 s" }], JSON.stringify(rerun))
      assert.strictEqual(once?.status, "failed", JSON.stringify(once))
      assert.strictEqual(once.statusMessage, orphanMessage)
      // Four replica starts one after the other (each bounded at 120 s: `listenBound`; seen taking
      // 15 s and more on a loaded machine), the 5.5 s watch and the take-over.
    }), 600_000)
})
