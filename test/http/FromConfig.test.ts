/**
 * `StreamableHttp.fromConfig`: the transport's options from Effect `Config` (the environment):
 * port, path, stateless, health path; options in code win; a variable that does not parse stops
 * the server naming it. A real child process (test/fixtures/from-config-server.ts) for port 0 and
 * for what a user sees of a bad variable.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import * as Cause from "effect/Cause"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as Option from "effect/Option"
import { fileURLToPath } from "node:url"
import { McpServer, StreamableHttp } from "../../src/index.ts"
import * as HttpConfig from "../../src/transport/http/internal/config.ts"
import { spawnNode } from "../support/child.ts"
import { serveOnAnyPort, sleep } from "./support.ts"

const Echo = McpServer.tool({
  name: "echo",
  description: "Echoes",
  parameters: { text: Schema.String },
  handler: ({ text }) => Effect.succeed(text)
})

const fromConfigServer = fileURLToPath(new URL("../fixtures/from-config-server.ts", import.meta.url))

/** The fixture server as a child process, with `env` added to this one's environment (killed when the test ends). */
const spawnFromConfig = (env: Record<string, string>) =>
  spawnNode(fromConfigServer, [], { env: { ...process.env, ...env }, stdin: "ignore" })

const withEnvironment = (env: Record<string, string>) => Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))

const waitHealthy = async (url: string) => {
  for (let i = 0; i < 300; i++) {
    try {
      const response = await fetch(url)
      if (response.status === 200) return await response.json()
    } catch {
      // not listening yet
    }
    await sleep(10)
  }
  return undefined
}

describe("StreamableHttp.fromConfig", () => {
  it.live("MCP_HTTP_PORT, MCP_HTTP_PATH, MCP_HTTP_STATELESS and MCP_HTTP_HEALTH_PATH configure the endpoint", () =>
    Effect.gen(function*() {
      // Port 0 (any free port, the one its listening line names): not the default 3000, so the
      // variable was read; no port picked beforehand that another process could take first.
      const { port } = yield* serveOnAnyPort(() =>
        McpServer.serve({ name: "cfg", version: "1" }, Echo, StreamableHttp.fromConfig()).pipe(
          withEnvironment({
            MCP_HTTP_PORT: "0",
            MCP_HTTP_PATH: "/rpc",
            MCP_HTTP_STATELESS: "true",
            MCP_HTTP_HEALTH_PATH: "/healthz"
          })
        )
      )
      assert.notStrictEqual(port, 3000, "MCP_HTTP_PORT was not read: the default port")
      assert.deepStrictEqual(yield* Effect.promise(() => waitHealthy(`http://127.0.0.1:${port}/healthz`)), { status: "ok" })
      // Stateless on /rpc: a call without initialize is answered.
      const response = yield* Effect.promise(() =>
        fetch(`http://127.0.0.1:${port}/rpc`, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text: "cfg" } } })
        }).then((r) => r.json() as Promise<any>))
      assert.deepStrictEqual(response.result.content, [{ type: "text", text: "cfg" }])
    }))

  // Fails before the fix: fromConfig threw at once, a TypeError saying "/mcp" is the endpoint's
  // path, though the environment's path (MCP_HTTP_PATH) is another: nothing else can be checked
  // before the environment is read.
  it.live("a healthPath given in code is checked against the path the environment gives", () =>
    Effect.gen(function*() {
      const { port } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "cfg", version: "1" }, Echo, StreamableHttp.fromConfig({ port, healthPath: "/mcp" })).pipe(
          withEnvironment({ MCP_HTTP_PATH: "/rpc" })
        )
      )
      assert.deepStrictEqual(yield* Effect.promise(() => waitHealthy(`http://127.0.0.1:${port}/mcp`)), { status: "ok" })
      const status = yield* Effect.promise(() =>
        fetch(`http://127.0.0.1:${port}/rpc`, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" })
        }).then((r) => r.status))
      assert.notStrictEqual(status, 404)
      // The same path from the environment: MCP_HTTP_PATH is named; from neither (the default),
      // the healthPath given in code, as where the endpoint is made.
      for (const [env, named] of [[{ MCP_HTTP_PATH: "/mcp/" }, "MCP_HTTP_PATH"], [{}, "healthPath"]] as const) {
        const exit = yield* Effect.exit(
          McpServer.serve({ name: "cfg", version: "1" }, Echo, StreamableHttp.fromConfig({ port: 0, healthPath: "/mcp" })).pipe(
            withEnvironment(env)
          )
        )
        assert.isTrue(Exit.isFailure(exit), named)
        const defect = Exit.isFailure(exit) ? Cause.findDefect(exit.cause) : undefined
        assert.isTrue(defect?._tag === "Success", named)
        if (defect?._tag === "Success") {
          const error = defect.success as Error
          if (named === "MCP_HTTP_PATH") {
            assert.instanceOf(error, StreamableHttp.HttpConfigError)
            assert.strictEqual((error as StreamableHttp.HttpConfigError).variable, "MCP_HTTP_PATH")
          } else {
            assert.instanceOf(error, TypeError)
            assert.include(error.message, "StreamableHttp.fromConfig: healthPath \"/mcp\" is the endpoint's path (path \"/mcp\")")
          }
        }
      }
    }))

  // Fails before the fix: the variable was not read, and the endpoint kept its default (no bound
  // per address): both sessions stayed open.
  it.live("MCP_HTTP_MAX_SESSIONS_PER_ADDRESS bounds one address's sessions: a second initialize ends the first, idle", () =>
    Effect.gen(function*() {
      const { port } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "cfg", version: "1" }, Echo, StreamableHttp.fromConfig({ port, healthPath: "/healthz" })).pipe(
          withEnvironment({ MCP_HTTP_MAX_SESSIONS_PER_ADDRESS: "1" })
        )
      )
      assert.deepStrictEqual(yield* Effect.promise(() => waitHealthy(`http://127.0.0.1:${port}/healthz`)), { status: "ok" })
      const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" }
      const initialize = () =>
        fetch(`http://127.0.0.1:${port}/mcp`, {
          method: "POST",
          headers,
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "initialize",
            params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } }
          })
        }).then(async (response) => {
          await response.text()
          assert.strictEqual(response.status, 200)
          return response.headers.get("mcp-session-id")!
        })
      const ping = (sessionId: string) =>
        fetch(`http://127.0.0.1:${port}/mcp`, {
          method: "POST",
          headers: { ...headers, "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" })
        }).then(async (response) => {
          await response.text()
          return response.status
        })
      const first = yield* Effect.promise(initialize)
      const second = yield* Effect.promise(initialize)
      assert.strictEqual(yield* Effect.promise(() => ping(second)), 200)
      assert.strictEqual(yield* Effect.promise(() => ping(first)), 404, "the first session was kept past the bound")
    }))

  it.live("options given in code win over the environment", () =>
    Effect.gen(function*() {
      const { port } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "cfg", version: "1" }, Echo, StreamableHttp.fromConfig({ port, healthPath: "/ready" })).pipe(
          withEnvironment({ MCP_HTTP_PORT: "1", MCP_HTTP_HEALTH_PATH: "/healthz" })
        )
      )
      assert.notStrictEqual(port, 1, "the code's port 0 (any free port), not the environment's 1")
      assert.deepStrictEqual(yield* Effect.promise(() => waitHealthy(`http://127.0.0.1:${port}/ready`)), { status: "ok" })
    }))

  it.live("an option given as undefined in code is not given: the environment's value is kept (was: the default)", () =>
    Effect.gen(function*() {
      // As `fromConfig({ healthPath: flags.healthPath })` passes it when the flag is absent.
      const fromFlags: { readonly healthPath?: `/${string}` | undefined; readonly path?: `/${string}` | undefined } = {
        healthPath: undefined,
        path: undefined
      }
      const { port } = yield* serveOnAnyPort((port) =>
        McpServer.serve({ name: "cfg", version: "1" }, Echo, StreamableHttp.fromConfig({ port, ...fromFlags })).pipe(
          withEnvironment({ MCP_HTTP_HEALTH_PATH: "/healthz", MCP_HTTP_PATH: "/rpc" })
        )
      )
      assert.deepStrictEqual(yield* Effect.promise(() => waitHealthy(`http://127.0.0.1:${port}/healthz`)), { status: "ok" })
      const status = yield* Effect.promise(() =>
        fetch(`http://127.0.0.1:${port}/rpc`, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" })
        }).then((r) => r.status))
      assert.notStrictEqual(status, 404)
    }))

  it.live("a variable that does not parse, or a limit that is not positive, stops the server, naming it", () =>
    Effect.gen(function*() {
      for (const [env, named] of [
        [{ MCP_HTTP_PORT: "not-a-port" }, "MCP_HTTP_PORT"],
        [{ MCP_HTTP_PORT: "65536" }, "MCP_HTTP_PORT must be a port number from 0 (a free port) to 65535, got "],
        [{ MCP_HTTP_PORT: "-1" }, "MCP_HTTP_PORT must be a port number"],
        [{ MCP_HTTP_MAX_SESSIONS: "0" }, "MCP_HTTP_MAX_SESSIONS must be greater than 0"],
        [{ MCP_HTTP_MAX_BODY_BYTES_IN_FLIGHT: "0" }, "MCP_HTTP_MAX_BODY_BYTES_IN_FLIGHT must be greater than 0"],
        [{ MCP_HTTP_MAX_SESSIONS_PER_PRINCIPAL: "none" }, "MCP_HTTP_MAX_SESSIONS_PER_PRINCIPAL must be greater than 0 (a whole number) or Infinity (no limit), got \"none\""],
        [{ MCP_HTTP_MAX_SESSIONS_PER_ADDRESS: "1e3" }, "MCP_HTTP_MAX_SESSIONS_PER_ADDRESS must be greater than 0"],
        [{ MCP_HTTP_REQUEST_TIMEOUT_MILLIS: "-5" }, "MCP_HTTP_REQUEST_TIMEOUT_MILLIS must be greater than 0"],
        [{ MCP_HTTP_KEEP_ALIVE_TIMEOUT_MILLIS: "0" }, "MCP_HTTP_KEEP_ALIVE_TIMEOUT_MILLIS must be greater than 0"],
        // A Node timer fires a longer one (Node adds a second) after 1 ms: every idle connection closed at once.
        [
          { MCP_HTTP_KEEP_ALIVE_TIMEOUT_MILLIS: "2147483000" },
          "MCP_HTTP_KEEP_ALIVE_TIMEOUT_MILLIS must be an integer >= 1 and at most 2147482647 (milliseconds) or Infinity (never), got \"2147483000\""
        ],
        [{ MCP_HTTP_FINISHED_STREAM_GRACE_MILLIS: "-1" }, "MCP_HTTP_FINISHED_STREAM_GRACE_MILLIS must be 0 or more (a whole number), got \"-1\""],
        [{ MCP_HTTP_FINISHED_STREAM_GRACE_MILLIS: "Infinity" }, "MCP_HTTP_FINISHED_STREAM_GRACE_MILLIS must be 0 or more"],
        [{ MCP_HTTP_MAX_GRACED_STREAMS_PER_SESSION: "0" }, "MCP_HTTP_MAX_GRACED_STREAMS_PER_SESSION must be greater than 0"],
        [{ MCP_HTTP_MAX_GRACED_BYTES_PER_SESSION: "0" }, "MCP_HTTP_MAX_GRACED_BYTES_PER_SESSION must be greater than 0"],
        [{ MCP_HTTP_ALLOWED_HOSTS: "," }, "MCP_HTTP_ALLOWED_HOSTS names no host"],
        // As --allowed-hosts says it (one parser); it said "write any alone" before.
        [{ MCP_HTTP_ALLOWED_HOSTS: "*" }, "MCP_HTTP_ALLOWED_HOSTS lists \"*\": * is not a host name"],
        // Fail before the fix: the router's "Method 'GET' already declared for route '/mcp'", naming no variable.
        [{ MCP_HTTP_HEALTH_PATH: "/mcp" }, "MCP_HTTP_HEALTH_PATH \"/mcp\" is the endpoint's path (path \"/mcp\")"],
        [{ MCP_HTTP_HEALTH_PATH: "/healthz", MCP_HTTP_PATH: "healthz" }, "MCP_HTTP_HEALTH_PATH \"/healthz\" is the endpoint's path (path \"/healthz\")"],
        // Fail before the fix: taken, every body larger than it refused 503 for ever.
        [
          { MCP_HTTP_MAX_BODY_BYTES_IN_FLIGHT: "1024" },
          "MCP_HTTP_MAX_BODY_BYTES_IN_FLIGHT must be at least maxBodyBytes (4194304, its default), got 1024: a body larger than it would be refused 503 for ever"
        ],
        [
          { MCP_HTTP_MAX_BODY_BYTES_IN_FLIGHT: "1024", MCP_HTTP_MAX_BODY_BYTES: "2048" },
          "MCP_HTTP_MAX_BODY_BYTES_IN_FLIGHT must be at least maxBodyBytes (2048, MCP_HTTP_MAX_BODY_BYTES), got 1024"
        ]
      ] as const) {
        const exit = yield* Effect.exit(
          McpServer.serve({ name: "cfg", version: "1" }, Echo, StreamableHttp.fromConfig()).pipe(withEnvironment(env))
        )
        assert.isTrue(Exit.isFailure(exit), named)
        if (Exit.isFailure(exit)) {
          assert.include(Cause.pretty(exit.cause), named)
          // Typed: a defect (the listener promises no error) a program can catch and tell apart.
          const defect = Cause.findDefect(exit.cause)
          assert.isTrue(defect._tag === "Success" && defect.success instanceof StreamableHttp.HttpConfigError, named)
          if (defect._tag === "Success") assert.strictEqual((defect.success as StreamableHttp.HttpConfigError).variable, Object.keys(env)[0])
        }
      }
    }))

  // Fails before the fix: "Infinity" was refused ("must be greater than 0"): no variable could lift
  // a limit the options lift with `Infinity` (the default of maxSessionsPerAddress aside).
  it.effect("Infinity lifts the limits and timeouts whose options take Infinity, in any case; not maxBodyBytes", () =>
    Effect.gen(function*() {
      const options = yield* withEnvironment({
        MCP_HTTP_MAX_BODY_BYTES_IN_FLIGHT: "Infinity",
        MCP_HTTP_MAX_SESSIONS: "infinity",
        MCP_HTTP_MAX_SESSIONS_PER_PRINCIPAL: " INFINITY ",
        MCP_HTTP_MAX_SESSIONS_PER_ADDRESS: "Infinity",
        MCP_HTTP_REQUEST_TIMEOUT_MILLIS: "Infinity",
        MCP_HTTP_SESSION_IDLE_TIMEOUT_MILLIS: "Infinity",
        MCP_HTTP_KEEP_ALIVE_TIMEOUT_MILLIS: "Infinity"
      })(HttpConfig.serveOptions)
      const infinity = Number.POSITIVE_INFINITY
      assert.deepStrictEqual(options, {
        maxBodyBytesInFlight: infinity,
        maxSessions: infinity,
        maxSessionsPerPrincipal: infinity,
        maxSessionsPerAddress: infinity,
        requestTimeoutMillis: infinity,
        sessionIdleTimeoutMillis: infinity,
        keepAliveTimeoutMillis: infinity
      })
      for (const [variable, value] of [["MCP_HTTP_MAX_BODY_BYTES", "Infinity"], ["MCP_HTTP_MAX_SESSIONS", "-Infinity"], ["MCP_HTTP_MAX_SESSIONS", "Inf"]] as const) {
        const exit = yield* Effect.exit(withEnvironment({ [variable]: value })(HttpConfig.serveOptions))
        assert.isTrue(Exit.isFailure(exit), `${variable}=${value}`)
        if (Exit.isFailure(exit)) assert.include(Cause.pretty(exit.cause), `${variable} must be greater than 0 (a whole number)`)
      }
      const refused = yield* Effect.exit(withEnvironment({ MCP_HTTP_MAX_SESSIONS: "0" })(HttpConfig.serveOptions))
      if (Exit.isFailure(refused)) assert.include(Cause.pretty(refused.cause), "MCP_HTTP_MAX_SESSIONS must be greater than 0 (a whole number) or Infinity (no limit), got \"0\"")
      assert.isTrue(Exit.isFailure(refused))
    }))

  // Fails before the fix: taken, every body larger than 1024 bytes refused 503 for ever.
  it.live("a maxBodyBytesInFlight in code below the maxBodyBytes of the environment (or its default) stops the server, naming the variable (or the option)", () =>
    Effect.gen(function*() {
      for (const [env, named] of [
        [{ MCP_HTTP_MAX_BODY_BYTES: "2048" }, "MCP_HTTP_MAX_BODY_BYTES"],
        [{}, "maxBodyBytesInFlight"]
      ] as const) {
        const exit = yield* Effect.exit(
          McpServer.serve({ name: "cfg", version: "1" }, Echo, StreamableHttp.fromConfig({ port: 0, maxBodyBytesInFlight: 1024 })).pipe(
            withEnvironment(env)
          )
        )
        const defect = Exit.isFailure(exit) ? Cause.findDefect(exit.cause) : undefined
        assert.isTrue(defect?._tag === "Success", named)
        if (defect?._tag !== "Success") continue
        const error = defect.success as Error
        if (named === "MCP_HTTP_MAX_BODY_BYTES") {
          assert.instanceOf(error, StreamableHttp.HttpConfigError)
          assert.strictEqual((error as StreamableHttp.HttpConfigError).variable, "MCP_HTTP_MAX_BODY_BYTES")
          assert.strictEqual(error.message, "MCP_HTTP_MAX_BODY_BYTES must be at most maxBodyBytesInFlight (1024, given in code), got 2048: a body larger than 1024 bytes would be refused 503 for ever")
        } else {
          assert.instanceOf(error, RangeError)
          assert.include(error.message, "StreamableHttp.fromConfig: maxBodyBytesInFlight must be at least maxBodyBytes (4194304, its default), got 1024")
        }
      }
    }))

  it.effect("every variable is read as documented: booleans' words, integers, lists, the word for all", () =>
    Effect.gen(function*() {
      const options = yield* withEnvironment({
        MCP_HTTP_HOST: "0.0.0.0",
        MCP_HTTP_PORT: "8080",
        MCP_HTTP_PATH: "rpc",
        MCP_HTTP_STATELESS: "yes",
        MCP_HTTP_ALLOWED_HOSTS: "a.example, b.example",
        MCP_HTTP_ALLOWED_ORIGINS: "any",
        MCP_HTTP_CORS_ORIGINS: "https://app.example,",
        MCP_HTTP_HEALTH_PATH: "/healthz",
        MCP_HTTP_MAX_BODY_BYTES: "1024",
        MCP_HTTP_MAX_BODY_BYTES_IN_FLIGHT: "1048576",
        MCP_HTTP_MAX_SESSIONS: "7",
        MCP_HTTP_MAX_SESSIONS_PER_PRINCIPAL: "3",
        MCP_HTTP_MAX_SESSIONS_PER_ADDRESS: "2",
        MCP_HTTP_REQUEST_TIMEOUT_MILLIS: "5000",
        MCP_HTTP_SESSION_IDLE_TIMEOUT_MILLIS: "60000",
        MCP_HTTP_KEEP_ALIVE_TIMEOUT_MILLIS: "620000",
        MCP_HTTP_FINISHED_STREAM_GRACE_MILLIS: "0",
        MCP_HTTP_MAX_GRACED_STREAMS_PER_SESSION: "4",
        MCP_HTTP_MAX_GRACED_BYTES_PER_SESSION: "65536"
      })(HttpConfig.serveOptions)
      assert.deepStrictEqual(options, {
        host: "0.0.0.0",
        port: 8080,
        path: "/rpc",
        stateless: true,
        allowedHosts: ["a.example", "b.example"],
        allowedOrigins: "any",
        cors: { allowedOrigins: ["https://app.example"] },
        healthPath: "/healthz",
        maxBodyBytes: 1024,
        maxBodyBytesInFlight: 1048576,
        maxSessions: 7,
        maxSessionsPerPrincipal: 3,
        maxSessionsPerAddress: 2,
        requestTimeoutMillis: 5000,
        sessionIdleTimeoutMillis: 60000,
        keepAliveTimeoutMillis: 620000,
        finishedStreamGraceMillis: 0,
        maxGracedStreamsPerSession: 4,
        maxGracedBytesPerSession: 65536
      })
      for (const [word, value] of [["off", false], ["0", false], ["N", false], ["TRUE", true], ["1", true]] as const) {
        assert.strictEqual((yield* withEnvironment({ MCP_HTTP_STATELESS: word })(HttpConfig.serveOptions)).stateless, value, word)
      }
      assert.deepStrictEqual(yield* withEnvironment({})(HttpConfig.serveOptions), {})
    }))

  // Fails before the fix: both were taken as written, and never matched a Host header (`[::1]`,
  // a name without its port): every request 403, nothing said.
  it.effect("MCP_HTTP_ALLOWED_HOSTS: a bare IPv6 address is taken in brackets; a name with a port is refused, naming the variable", () =>
    Effect.gen(function*() {
      const options = yield* withEnvironment({ MCP_HTTP_ALLOWED_HOSTS: "::1, Mcp.Example.com" })(HttpConfig.serveOptions)
      assert.deepStrictEqual(options.allowedHosts, ["[::1]", "mcp.example.com"])
      for (const value of ["localhost:3000", "a.example,[::1]:8080"]) {
        const exit = yield* Effect.exit(withEnvironment({ MCP_HTTP_ALLOWED_HOSTS: value })(HttpConfig.serveOptions))
        const error = Exit.isFailure(exit) ? Option.getOrUndefined(Exit.findErrorOption(exit)) : undefined
        assert.instanceOf(error, StreamableHttp.HttpConfigError, value)
        assert.strictEqual(error?.variable, "MCP_HTTP_ALLOWED_HOSTS")
        assert.include(error?.message, "names a port", value)
      }
      const exit = yield* Effect.exit(withEnvironment({ MCP_HTTP_ALLOWED_HOSTS: "localhost:3000" })(HttpConfig.serveOptions))
      assert.strictEqual(
        Exit.isFailure(exit) ? Option.getOrUndefined(Exit.findErrorOption(exit))?.message : undefined,
        "MCP_HTTP_ALLOWED_HOSTS lists \"localhost:3000\", which names a port (the Host check compares host names without their port): write localhost"
      )
    }))

  // Fails before (review): "[::1]" was kept in its brackets (listen: ENOTFOUND), a blank value was
  // taken as a host, and "0x50" and "1e3" were read by Number (ports 80 and 1000). An empty value
  // is an unset one (the default host), as before.
  it.effect("MCP_HTTP_HOST: an IPv6 address in brackets is the address, a blank one is refused; numbers are decimal digits", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* withEnvironment({ MCP_HTTP_HOST: "[::1]" })(HttpConfig.serveOptions)).host, "::1")
      assert.strictEqual((yield* withEnvironment({ MCP_HTTP_HOST: " 127.0.0.1 " })(HttpConfig.serveOptions)).host, "127.0.0.1")
      assert.isUndefined((yield* withEnvironment({ MCP_HTTP_HOST: "" })(HttpConfig.serveOptions)).host)
      // The word for all in any case, as host names are (it was refused as "beside names").
      assert.strictEqual((yield* withEnvironment({ MCP_HTTP_ALLOWED_HOSTS: "ANY" })(HttpConfig.serveOptions)).allowedHosts, "any")
      for (const [variable, value] of [["MCP_HTTP_HOST", "  "], ["MCP_HTTP_HOST", "[]"], ["MCP_HTTP_HOST", "[localhost]"], ["MCP_HTTP_PORT", "0x50"], ["MCP_HTTP_PORT", "1e3"], ["MCP_HTTP_MAX_SESSIONS", "1e3"]]) {
        const exit = yield* Effect.exit(withEnvironment({ [variable!]: value! })(HttpConfig.serveOptions))
        const error = Exit.isFailure(exit) ? Option.getOrUndefined(Exit.findErrorOption(exit)) : undefined
        assert.instanceOf(error, StreamableHttp.HttpConfigError, `${variable}=${JSON.stringify(value)}`)
        assert.strictEqual(error?.variable, variable)
      }
    }))

  // Found by fuzzing (fails before a fix): these were taken as written, silently: a path with a
  // space (every request 404), "*" as an allowed origin and "any" as a CORS origin (origins named
  // so: every browser refused), "any" beside hosts (a host named any).
  it.effect("a path with surrounding whitespace, or the word for 'all' misplaced, is refused naming the variable (or understood), never taken literally", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [Record<string, string>, string, (options: StreamableHttp.ServeOptions) => boolean]> = [
        [{ MCP_HTTP_PATH: " /rpc" }, "MCP_HTTP_PATH", (options) => options.path === "/rpc"],
        [{ MCP_HTTP_HEALTH_PATH: "/healthz " }, "MCP_HTTP_HEALTH_PATH", (options) => options.healthPath === "/healthz"],
        [{ MCP_HTTP_ALLOWED_ORIGINS: "*" }, "MCP_HTTP_ALLOWED_ORIGINS", (options) => options.allowedOrigins === "any"],
        [{ MCP_HTTP_CORS_ORIGINS: "any" }, "MCP_HTTP_CORS_ORIGINS", (options) => options.cors?.allowedOrigins === "*"],
        [{ MCP_HTTP_ALLOWED_HOSTS: "any, example.com" }, "MCP_HTTP_ALLOWED_HOSTS", (options) => options.allowedHosts === "any"]
      ]
      for (const [env, variable, understood] of cases) {
        const exit = yield* Effect.exit(withEnvironment(env)(HttpConfig.serveOptions))
        const refused = Exit.isFailure(exit) && Option.getOrUndefined(Exit.findErrorOption(exit))?.variable === variable
        assert.isTrue(refused || (Exit.isSuccess(exit) && understood(exit.value)), `${JSON.stringify(env)}: ${JSON.stringify(exit)}`)
      }
    }))
})

describe("StreamableHttp.fromConfig in a process of its own", () => {
  // `StreamableHttp.make({ port: 0 })` and `effect-mcp run --port 0` listen on a free port; the
  // variable was refused (fails before the fix: "Expected a value between 1 and 65535", exit 1).
  it.live("MCP_HTTP_PORT=0: it listens on a free port, names it, and answers an SDK client", () =>
    Effect.gen(function*() {
      const running = yield* spawnFromConfig({ MCP_HTTP_PORT: "0" })
      const url = yield* Effect.promise(() =>
        running.until(() => /MCP over Streamable HTTP at (http:\/\/\S+)/.exec(running.stderr())?.[1], 10_000)
      )
      assert.isDefined(url, `no listening line; exit ${running.child.exitCode}; stderr: ${running.stderr()}`)
      assert.notMatch(url!, /:0\//)
      const client = new Client({ name: "port-0", version: "1" })
      yield* Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(url!))))
      const result = yield* Effect.promise(() => client.callTool({ name: "echo", arguments: { text: "free port" } }))
      assert.deepStrictEqual(result.content, [{ type: "text", text: "free port" }])
      yield* Effect.promise(() => client.close())
      running.child.kill("SIGTERM")
      assert.strictEqual((yield* Effect.promise(() => running.exited(10_000)))?.code, 0)
    }))

  // It printed as a defect: "Error: effect-mcp-server: SchemaError(Expected a string representing a
  // finite number\n  at [\"MCP_HTTP_PORT\"])" and a stack into the library's files (fails before
  // the fix): a user's mistake in a variable reads as a bug of the library.
  it.live("a bad variable: one line on stderr naming it and what is wrong, no stack, exit code 1", () =>
    Effect.gen(function*() {
      for (const [env, said] of [
        [{ MCP_HTTP_PORT: "abc" }, `MCP_HTTP_PORT must be a port number from 0 (a free port) to 65535, got "abc"`],
        [{ MCP_HTTP_STATELESS: "maybe" }, `MCP_HTTP_STATELESS must be true or false (or yes/no, on/off, 1/0), got "maybe"`],
        [{ MCP_HTTP_MAX_SESSIONS: "0" }, `MCP_HTTP_MAX_SESSIONS must be greater than 0 (a whole number) or Infinity (no limit), got "0"`]
      ] as const) {
        const running = yield* spawnFromConfig(env)
        const code = (yield* Effect.promise(() => running.exited(15_000)))?.code
        const output = { stdout: running.stdout(), stderr: running.stderr() }
        assert.strictEqual(code, 1, `${JSON.stringify(env)}: ${output.stderr}`)
        const lines = output.stderr.split("\n").filter((line) => line.trim() !== "")
        assert.strictEqual(lines.length, 1, `${JSON.stringify(env)}: one line, got ${JSON.stringify(output.stderr)}`)
        assert.include(lines[0], said)
        assert.notMatch(output.stderr, /\bat \S+:\d+:\d+|\.ts:\d+|\.js:\d+/, "no stack frame")
        assert.strictEqual(output.stdout, "")
      }
    }))
})

