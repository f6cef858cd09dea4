/**
 * Resource updates and resource list changes reported on one replica reach the clients of
 * another through Redis (`RedisStores.layer({ ..., resourceChanges: true })`): two server
 * instances, each with its own Redis client, on one real redis-server; an SDK v2 client listening
 * on B (2026-07-28 `subscriptions/listen`) and an SDK v1 client subscribed on B (2025-11-25
 * `resources/subscribe`) while a tool on A reports the change. Fails before: B's clients heard
 * nothing (each replica told its own sessions and streams only).
 */
import { assert, layer } from "@effect/vitest"
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from "@modelcontextprotocol/client"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { ResourceListChangedNotificationSchema, ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Redis from "effect/persistence/Redis"
import type * as Scope from "effect/Scope"
import { McpServer, ReplicaChanges, StreamableHttp } from "../../src/index.ts"
import { RedisReplicaChanges, RedisStores } from "../../src/redis.ts"
import { serveOnAnyPort } from "../http/support.ts"
import { monitor, redisClient, TestRedis, uniquePrefix } from "../support/redis.ts"

const Note = McpServer.resource({ uri: "test://note", name: "note", read: Effect.succeed("note") })
const Other = McpServer.resource({ uri: "test://other", name: "other", read: Effect.succeed("other") })
const Touch = McpServer.tool({
  name: "touch",
  handler: () => Effect.as(McpServer.notifyResourceUpdated("test://note"), "touched")
})
const Burst = McpServer.tool({
  name: "burst",
  handler: () =>
    Effect.as(
      Effect.andThen(
        Effect.forEach(Array.from({ length: 500 }, () => "test://other"), McpServer.notifyResourceUpdated, { discard: true }),
        McpServer.notifyResourceUpdated("test://note")
      ),
      "burst"
    )
})
const Relist = McpServer.tool({ name: "relist", handler: () => Effect.as(McpServer.notifyResourceListChanged(), "relisted") })
const components = Layer.mergeAll(Note, Other, Touch, Burst, Relist)

/** A replica: one server instance with its own stores (its own Redis client) under `prefix`. */
const replica = (url: string, prefix: string, resourceChanges: boolean, name = "replicated") =>
  Effect.gen(function*() {
    const stores = yield* Layer.build(RedisStores.layer({ url, prefix, resourceChanges }))
    return yield* Effect.provideContext(
      serveOnAnyPort((port) =>
        McpServer.serve({ name, version: "1.0.0" }, components, StreamableHttp.make({ host: "127.0.0.1", port }))
      ),
      stores
    )
  })

/** The number of subscribers of `channel`, as Redis counts them (`PUBSUB NUMSUB`). */
const subscribers = (url: string, channel: string) =>
  Effect.scoped(Effect.gen(function*() {
    const redis = Context.get(yield* Layer.build(Layer.orDie(redisClient(url))), Redis.Redis)
    const [, count] = yield* Effect.orDie(redis.send<[string, number]>("PUBSUB", "NUMSUB", channel))
    return Number(count)
  }))

/** Waits (at most 5 s) until `channel` has `count` subscribers: the replicas follow it. */
const followed = (url: string, channel: string, count: number) =>
  Effect.gen(function*() {
    let seen = -1
    for (let i = 0; i < 100 && seen !== count; i++) {
      seen = yield* subscribers(url, channel)
      if (seen !== count) yield* Effect.sleep("50 millis")
    }
    assert.strictEqual(seen, count, `${count} subscribers of ${channel}`)
  })

/** An SDK v1 client (2025-11-25) on `url`, with what it heard. */
const v1Client = (url: string): Effect.Effect<{ client: Client; updated: Array<string>; listChanged: () => number }, never, Scope.Scope> =>
  Effect.gen(function*() {
    const client = new Client({ name: "v1", version: "1.0.0" })
    const updated: Array<string> = []
    let listChanged = 0
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updated.push(n.params.uri))
    client.setNotificationHandler(ResourceListChangedNotificationSchema, () => void listChanged++)
    yield* Effect.acquireRelease(
      Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(url)))),
      () => Effect.promise(() => client.close().catch(() => undefined))
    )
    return { client, updated, listChanged: () => listChanged }
  })

/** An SDK v2 client pinned to 2026-07-28 on `url`, with what its listen stream carried. */
const v2Client = (url: string) =>
  Effect.gen(function*() {
    const client = new ClientV2({ name: "v2", version: "2.0.0" }, { capabilities: {}, versionNegotiation: { mode: { pin: "2026-07-28" } as never } })
    const updated: Array<string> = []
    let listChanged = 0
    client.setNotificationHandler("notifications/resources/updated", (n: any) => void updated.push(n.params.uri))
    client.setNotificationHandler("notifications/resources/list_changed", () => void listChanged++)
    yield* Effect.acquireRelease(
      Effect.promise(() => client.connect(new TransportV2(new URL(url)))),
      () => Effect.promise(() => client.close().catch(() => undefined))
    )
    return { client, updated, listChanged: () => listChanged }
  })

/** `RedisReplicaChanges` alone, on a Redis client of its own, as the service (until the scope closes). */
const changesOn = (url: string, options: RedisReplicaChanges.Options) =>
  Effect.map(
    Layer.build(RedisReplicaChanges.layer(options).pipe(Layer.provide(Layer.orDie(redisClient(url))))),
    (context) => Context.get(context, ReplicaChanges.ReplicaChanges)
  )

/** A logger keeping the text of each message in `logged` (and, given `at`, when it was logged, in ms). */
const loggingTo = (logged: Array<string>, at?: Array<number>) =>
  Logger.layer([
    Logger.make(({ date, message }) => {
      logged.push(Array.isArray(message) ? message.join(" ") : String(message))
      at?.push(date.getTime())
    })
  ])

/** Waits (at most 5 s, 50 ms apart) until `check` holds, then asserts it. */
const until = (check: () => boolean, what: string) =>
  Effect.gen(function*() {
    for (let i = 0; i < 100 && !check(); i++) yield* Effect.sleep("50 millis")
    assert.isTrue(check(), what)
  })

/** Calls `name` on `url` with a short-lived 2026-07-28 client (the replica where the change is made). */
const callOn = (url: string, name: string) =>
  Effect.scoped(Effect.gen(function*() {
    const { client } = yield* v2Client(url)
    yield* Effect.promise(() => client.callTool({ name, arguments: {} }))
  }))

layer(TestRedis.layer, { excludeTestServices: true })("resource changes across replicas (Redis)", (it) => {
  it.effect("an update and a list change made on A reach the 2026 listen stream and the 2025 subscription on B, once each", () =>
    Effect.gen(function*() {
      const { url } = yield* TestRedis
      const prefix = uniquePrefix()
      const a = yield* replica(url, prefix, true)
      const b = yield* replica(url, prefix, true)
      yield* followed(url, `${prefix}resources:changes`, 2)
      const modern = yield* v2Client(b.url)
      const listening = yield* Effect.promise(() => modern.client.listen({ resourceSubscriptions: ["test://note"], resourcesListChanged: true }))
      assert.deepStrictEqual(listening.honoredFilter, { resourceSubscriptions: ["test://note"], resourcesListChanged: true })
      const legacy = yield* v1Client(b.url)
      yield* Effect.promise(() => legacy.client.subscribeResource({ uri: "test://note" }))
      // A client on A too: told once (locally), not a second time through Redis.
      const onA = yield* v1Client(a.url)
      yield* Effect.promise(() => onA.client.subscribeResource({ uri: "test://note" }))

      yield* callOn(a.url, "touch")
      yield* until(() => modern.updated.length > 0 && legacy.updated.length > 0 && onA.updated.length > 0, "every client heard the update")
      yield* callOn(a.url, "relist")
      yield* until(() => modern.listChanged() > 0 && legacy.listChanged() > 0, "B's clients heard the list change")
      // Time for a second delivery, were there one.
      yield* Effect.sleep("300 millis")
      assert.deepStrictEqual(modern.updated, ["test://note"], "the listen stream on B: once")
      assert.deepStrictEqual(legacy.updated, ["test://note"], "the 2025 subscription on B: once")
      assert.deepStrictEqual(onA.updated, ["test://note"], "the 2025 subscription on A: once, not again from Redis")
      assert.strictEqual(modern.listChanged(), 1)
      assert.strictEqual(legacy.listChanged(), 1)
      yield* Effect.promise(() => listening.close())
    }), 60_000)

  it.effect("a burst of updates of one URI goes out coalesced; an update of an unsubscribed URI is not told", () =>
    Effect.gen(function*() {
      const { url, port } = yield* TestRedis
      const prefix = uniquePrefix()
      const a = yield* replica(url, prefix, true)
      const b = yield* replica(url, prefix, true)
      yield* followed(url, `${prefix}resources:changes`, 2)
      // The PUBLISHes on the channel, as Redis runs them.
      const commands = yield* monitor(port)
      const publish = `"PUBLISH" "${prefix}resources:changes"`
      const legacy = yield* v1Client(b.url)
      yield* Effect.promise(() => legacy.client.subscribeResource({ uri: "test://note" }))
      yield* callOn(a.url, "burst")
      yield* until(() => legacy.updated.length > 0, "B's client heard the update after the burst")
      yield* Effect.sleep("300 millis")
      assert.deepStrictEqual(legacy.updated, ["test://note"], "test://other is not subscribed on B; test://note once")
      // 501 updates of two URIs, made in one handler: a message or two (the set of URIs waiting
      // when the sender runs; the handler's fiber may yield once meanwhile), not one per update.
      assert.isAtLeast(commands.count(publish), 1)
      assert.isAtMost(commands.count(publish), 3, "the burst is coalesced")
    }), 60_000)

  it.effect("a Redis down fails neither the handler nor the local delivery; back, the changes cross again", () =>
    Effect.gen(function*() {
      const redis = yield* TestRedis
      const prefix = uniquePrefix()
      const a = yield* replica(redis.url, prefix, true)
      const b = yield* replica(redis.url, prefix, true)
      yield* followed(redis.url, `${prefix}resources:changes`, 2)
      const onA = yield* v1Client(a.url)
      yield* Effect.promise(() => onA.client.subscribeResource({ uri: "test://note" }))
      const onB = yield* v1Client(b.url)
      yield* Effect.promise(() => onB.client.subscribeResource({ uri: "test://note" }))
      yield* redis.stop
      // The tool answers, and A's own client is told, while Redis is down.
      const answer: any = yield* Effect.promise(() => onA.client.callTool({ name: "touch", arguments: {} }))
      assert.strictEqual(answer.content[0].text, "touched")
      yield* until(() => onA.updated.length === 1, "A's client is told while Redis is down")
      yield* redis.start
      // The replicas subscribe again by themselves.
      yield* followed(redis.url, `${prefix}resources:changes`, 2)
      // A's own client reconnects with a backoff of its own: a change made before it has is
      // dropped (counted), so A touches again until B hears (at most 50 times, 100 ms apart).
      let touches = 0
      for (; touches < 50 && onB.updated.length === 0; touches++) {
        yield* Effect.promise(() => onA.client.callTool({ name: "touch", arguments: {} }))
        yield* Effect.sleep("100 millis")
      }
      yield* until(() => onB.updated.length > 0, "B's client is told again once Redis is back")
      yield* until(() => onA.updated.length === touches + 1, "A's client is told of every touch, once")
    }), 60_000)

  it.effect("past maxPending URIs waiting, updates of others are dropped: the waiting set is bounded", () =>
    Effect.gen(function*() {
      const { url } = yield* TestRedis
      const prefix = uniquePrefix()
      const logged: Array<string> = []
      const sender = yield* changesOn(url, { prefix, maxPending: 3 }).pipe(Effect.provide(loggingTo(logged)))
      const receiver = yield* changesOn(url, { prefix })
      const heard: Array<string> = []
      receiver.subscribe((change) => void heard.push(change._tag === "ResourceUpdated" ? change.uri : change._tag))
      yield* followed(url, `${prefix}resources:changes`, 2)
      // Ten URIs (and one of them again) in one turn: three wait, the others are dropped.
      for (let i = 0; i < 10; i++) sender.publish({ _tag: "ResourceUpdated", server: "s", uri: `test://r/${i}` })
      sender.publish({ _tag: "ResourceUpdated", server: "s", uri: "test://r/0" })
      sender.publish({ _tag: "ResourceListChanged", server: "s" })
      yield* until(() => heard.length >= 4, "the receiver heard what waited")
      yield* Effect.sleep("200 millis")
      assert.deepStrictEqual(heard, ["ResourceListChanged", "test://r/0", "test://r/1", "test://r/2"])
      // The seven dropped are counted and said.
      assert.isTrue(
        logged.some((line) => line.includes("7 resource changes not sent to the other replicas (more than 3 URIs waited")),
        logged.join("\n")
      )
    }), 60_000)

  // At `warnEveryMillis` of 1 s (10 s by default: the same code, the time an option).
  it.effect("changes dropped within warnEveryMillis of a warning are said once it is past, not only at a later drop", () =>
    Effect.gen(function*() {
      const { url } = yield* TestRedis
      const prefix = uniquePrefix()
      const logged: Array<string> = []
      const loggedAt: Array<number> = []
      const sender = yield* changesOn(url, { prefix, maxPending: 1, warnEveryMillis: 1_000 }).pipe(Effect.provide(loggingTo(logged, loggedAt)))
      const receiver = yield* changesOn(url, { prefix })
      const heard: Array<string> = []
      receiver.subscribe((change) => void heard.push(change._tag === "ResourceUpdated" ? change.uri : change._tag))
      yield* followed(url, `${prefix}resources:changes`, 2)
      const said = (count: number) => () => logged.some((line) => line.includes(`${count} resource change${count === 1 ? "" : "s"} not sent`))
      // One dropped: said at once (the first warning).
      sender.publish({ _tag: "ResourceUpdated", server: "s", uri: "test://a" })
      sender.publish({ _tag: "ResourceUpdated", server: "s", uri: "test://b" })
      yield* until(() => heard.includes("test://a") && said(1)(), "the first drop said at once")
      // Three more dropped within the second: said when it is past (at most 5 s here), though nothing is dropped after.
      sender.publish({ _tag: "ResourceUpdated", server: "s", uri: "test://c" })
      for (const uri of ["test://d", "test://e", "test://f"]) sender.publish({ _tag: "ResourceUpdated", server: "s", uri })
      yield* until(() => heard.includes("test://c"), "the one that waited is sent")
      for (let i = 0; i < 50 && !said(3)(); i++) yield* Effect.sleep("100 millis")
      assert.isTrue(said(3)(), logged.join("\n"))
      assert.deepStrictEqual(heard, ["test://a", "test://c"])
      // Not before the second was past: the option is the shortest time between two warnings (a
      // lower bound, which load cannot break; less 100 ms for the clock read between the product's
      // check and the log's date). Said at once, as the one that waited was sent, it was 50 ms.
      const whenSaid = (count: number) => loggedAt[logged.findIndex((line) => line.includes(`${count} resource change`))]!
      assert.isAtLeast(whenSaid(3) - whenSaid(1), 900, logged.join("\n"))
    }), 60_000)

  it.effect("a message of another shape on the channel (not JSON, wrong types, too long) is skipped; a good one after it arrives", () =>
    Effect.gen(function*() {
      const { url } = yield* TestRedis
      const prefix = uniquePrefix()
      const channel = `${prefix}resources:changes`
      const receiver = yield* changesOn(url, { prefix })
      const heard: Array<string> = []
      receiver.subscribe((change) => void heard.push(change._tag === "ResourceUpdated" ? `${change.server} ${change.uri}` : `${change.server} list`))
      yield* followed(url, channel, 1)
      const publisher = Context.get(yield* Layer.build(Layer.orDie(redisClient(url))), Redis.Redis)
      const send = (message: string) => Effect.orDie(publisher.send("PUBLISH", channel, message))
      yield* send("not JSON")
      yield* send("other|not JSON either")
      yield* send("other|[1,2]")
      yield* send("other|null")
      yield* send(`other|{"s":1,"u":["test://number-server"],"l":1}`)
      yield* send(`other|{"s":"s","u":"test://not-an-array","l":true}`)
      yield* send(`other|{"s":"s","u":[1,null,{"uri":"test://object"},["test://array"]]}`)
      // Longer than a message may be (1 Mi characters): not parsed, not delivered.
      yield* send(`other|{"s":"s","u":["test://huge/${"x".repeat(2 * 1024 * 1024)}"]}`)
      // More than 100 URIs: the first 100 only.
      yield* send(`other|${JSON.stringify({ s: "s", u: Array.from({ length: 150 }, (_, i) => `test://many/${i}`) })}`)
      yield* send(`other|{"s":"s","u":["test://good"],"l":1}`)
      yield* until(() => heard.includes("s test://good"), "the good message arrived")
      yield* Effect.sleep("200 millis")
      assert.deepStrictEqual(heard, [
        ...Array.from({ length: 100 }, (_, i) => `s test://many/${i}`),
        "s list",
        "s test://good"
      ])
    }), 60_000)

  it.effect("URIs past a message's length go in the next message; one too long by itself is dropped and counted", () =>
    Effect.gen(function*() {
      const { url } = yield* TestRedis
      const prefix = uniquePrefix()
      const logged: Array<string> = []
      const sender = yield* changesOn(url, { prefix }).pipe(Effect.provide(loggingTo(logged)))
      const receiver = yield* changesOn(url, { prefix })
      const heard: Array<string> = []
      receiver.subscribe((change) => void heard.push(change._tag === "ResourceUpdated" ? change.uri : change._tag))
      yield* followed(url, `${prefix}resources:changes`, 2)
      // 60 URIs of 20 Ki characters (1.2 Mi in all): two messages at least, every URI delivered.
      const long = Array.from({ length: 60 }, (_, i) => `test://long/${i}/${"x".repeat(20 * 1024)}`)
      for (const uri of long) sender.publish({ _tag: "ResourceUpdated", server: "s", uri })
      // Longer than a message by itself: never sent.
      sender.publish({ _tag: "ResourceUpdated", server: "s", uri: `test://huge/${"x".repeat(1024 * 1024)}` })
      sender.publish({ _tag: "ResourceUpdated", server: "s", uri: "test://short" })
      yield* until(() => heard.length >= 61, "the receiver heard the URIs that fit")
      yield* Effect.sleep("200 millis")
      assert.deepStrictEqual(heard, [...long, "test://short"])
      assert.isTrue(
        logged.some((line) => line.includes("1 resource change not sent to the other replicas")),
        logged.join("\n")
      )
    }), 60_000)

  it.effect("RedisStores.layer with resourceChanges has ReplicaChanges in its type, and provides it", () =>
    Effect.gen(function*() {
      const { url } = yield* TestRedis
      const prefix = uniquePrefix()
      // Typed: \`Context.get\` of a service not in the Layer's output does not compile.
      const a = Context.get(yield* Layer.build(RedisStores.layer({ url, prefix, resourceChanges: true })), ReplicaChanges.ReplicaChanges)
      const b = Context.get(
        yield* Layer.build(RedisStores.layer({ url, prefix, resourceChanges: { maxPending: 10 } })),
        ReplicaChanges.ReplicaChanges
      )
      const off = yield* Layer.build(RedisStores.layer({ url, prefix }))
      // @ts-expect-error off, the Layer does not provide it
      assert.throws(() => Context.get(off, ReplicaChanges.ReplicaChanges))
      const heard: Array<string> = []
      b.subscribe((change) => void heard.push(change._tag === "ResourceUpdated" ? change.uri : change._tag))
      yield* followed(url, `${prefix}resources:changes`, 2)
      a.publish({ _tag: "ResourceUpdated", server: "s", uri: "test://typed" })
      yield* until(() => heard.length > 0, "B heard A's change")
      assert.deepStrictEqual(heard, ["test://typed"])
    }), 60_000)

  it.effect("closing the layer unsubscribes from the channel", () =>
    Effect.gen(function*() {
      const { url } = yield* TestRedis
      const prefix = uniquePrefix()
      const channel = `${prefix}resources:changes`
      yield* Effect.scoped(Effect.gen(function*() {
        yield* Layer.build(RedisReplicaChanges.layer({ prefix }).pipe(Layer.provide(Layer.orDie(redisClient(url)))))
        yield* followed(url, channel, 1)
      }))
      yield* followed(url, channel, 0)
    }), 60_000)

  it.effect("a server of another name on the same prefix (by mistake) is not told", () =>
    Effect.gen(function*() {
      const { url } = yield* TestRedis
      const prefix = uniquePrefix()
      const a = yield* replica(url, prefix, true)
      const b = yield* replica(url, prefix, true)
      const other = yield* replica(url, prefix, true, "other")
      yield* followed(url, `${prefix}resources:changes`, 3)
      const onB = yield* v1Client(b.url)
      yield* Effect.promise(() => onB.client.subscribeResource({ uri: "test://note" }))
      const onOther = yield* v1Client(other.url)
      yield* Effect.promise(() => onOther.client.subscribeResource({ uri: "test://note" }))
      yield* callOn(a.url, "touch")
      yield* callOn(a.url, "relist")
      yield* until(() => onB.updated.length > 0 && onB.listChanged() > 0, "B heard both")
      yield* Effect.sleep("300 millis")
      assert.deepStrictEqual(onOther.updated, [])
      assert.strictEqual(onOther.listChanged(), 0)
    }), 60_000)

  it.effect("off (the default): B's clients hear nothing of A's changes", () =>
    Effect.gen(function*() {
      const { url } = yield* TestRedis
      const prefix = uniquePrefix()
      const a = yield* replica(url, prefix, false)
      const b = yield* replica(url, prefix, false)
      const legacy = yield* v1Client(b.url)
      yield* Effect.promise(() => legacy.client.subscribeResource({ uri: "test://note" }))
      yield* callOn(a.url, "touch")
      yield* Effect.sleep("500 millis")
      assert.deepStrictEqual(legacy.updated, [])
    }), 60_000)
})
