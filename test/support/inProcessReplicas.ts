/**
 * Two replicas of one deployment in this process: servers of the same components with the tasks
 * extension on one `RedisTaskStore` prefix of the test Redis (each with its own Redis client, as
 * replicas have), served over Streamable HTTP. Replicas as processes of their own (killed,
 * stopped, cut off) are `replicas.ts`'s, which `npm run cluster-demo` imports too: this module
 * needs the test Redis (`TestRedis`), and stays apart.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { McpServer } from "../../src/index.ts"
import { RedisTaskStore } from "../../src/redis.ts"
import { serveHttp } from "../extensions/support.ts"
import type { Running } from "../http/support.ts"
import { redisClient, TestRedis, uniquePrefix } from "./redis.ts"

/**
 * Serves `components` twice (`name` "replica", tasks on) on one fresh prefix of the test Redis,
 * each server with a task store and a Redis client of its own, in the test's scope: a call made
 * through `one` runs its work there, a task's requests may go through `two`.
 */
export const twoReplicas = (
  components: Layer.Layer<never, never, McpServer.McpServer>
): Effect.Effect<{ readonly one: Running; readonly two: Running }, never, TestRedis | Scope.Scope> =>
  Effect.gen(function*() {
    const { url: redisUrl } = yield* TestRedis
    const prefix = uniquePrefix()
    const replica = () =>
      Effect.flatMap(
        Layer.build(RedisTaskStore.layer({ prefix }).pipe(Layer.provide(redisClient(redisUrl)), Layer.orDie)),
        (stores) => serveHttp({ name: "replica", version: "1", tasks: McpServer.tasks() }, components).pipe(Effect.provideContext(stores))
      )
    const one = yield* replica()
    const two = yield* replica()
    return { one, two }
  })
