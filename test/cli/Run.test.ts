/**
 * `effect-mcp run` as a child process: the everything server over stdio driven by the SDK v1
 * client (stdout carrying only protocol, even when the module writes with console.log), over
 * Streamable HTTP (`--http --port N`, stateless too) with the SDK v1 client; the one line logged
 * once it listens; SIGTERM drains it (exit 0); a busy port named, with a `--port` hint and no
 * listening line; a signal before the server serves (its module loading, its components being
 * built) ends it as an interrupted command (130 for SIGINT, 143 for SIGTERM), not 0.
 */
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import * as Effect from "effect/Effect"
import { mkdirSync } from "node:fs"
import { createServer, type Server } from "node:net"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { BOTH, initializeMessage, post, rawRequest } from "../http/support.ts"
import { listeningPort } from "../support/child.ts"
import { withCompileCache } from "../support/compileCache.ts"
import {
  answers,
  bin,
  cli,
  cliInProcess,
  example,
  hangingModule,
  httpClient,
  interruptWhileLoading,
  library,
  onFreePort,
  spawnCli,
  startBound,
  tempProject,
  waitListening,
  waitUntil,
  writeModule
} from "./support.ts"

const everything = example("everything-server.ts")

/** An SDK v1 client over stdio to `effect-mcp run ...args`, closed with the scope; stderr collected. */
const stdioClient = (args: ReadonlyArray<string>) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const transport = new StdioClientTransport({ command: process.execPath, args: [bin, "run", ...args], env: withCompileCache(getDefaultEnvironment()), stderr: "pipe" })
      let stderr = ""
      transport.stderr?.on("data", (chunk) => void (stderr += String(chunk)))
      const errors: Array<Error> = []
      const client = new Client({ name: "cli-test", version: "1.0.0" })
      await client.connect(transport)
      // A line on stdout that is not JSON-RPC reaches the transport's onerror.
      const previous = transport.onerror
      transport.onerror = (error) => {
        errors.push(error)
        previous?.(error)
      }
      return { client, stderr: () => stderr, errors }
    }),
    ({ client }) => Effect.promise(() => client.close().catch(() => undefined))
  )

/**
 * `effect-mcp run …args --port 0` (options as {@link spawnCli}'s) once it listens, and its port:
 * its own pick, which no test of another worker can take first, as one picked beforehand could.
 */
const serving = (args: ReadonlyArray<string>, options: { readonly cwd?: string; readonly env?: NodeJS.ProcessEnv } = {}) =>
  Effect.gen(function*() {
    const running = yield* spawnCli([...args, "--port", "0"], options)
    const port = yield* Effect.promise(() => listeningPort(running, 15_000))
    assert.isDefined(port, `the listening line:\n${running.stderr()}`)
    return { running, port: port!, url: `http://127.0.0.1:${port}/mcp` }
  })

/** A port held by the test (connections closed at once) until the scope closes. */
const heldPort = Effect.map(
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<Server>((resolve) => {
        const server = createServer((socket) => socket.destroy())
        server.listen(0, "127.0.0.1", () => resolve(server))
      })
    ),
    (server) => Effect.promise(() => new Promise<void>((resolve) => server.close(() => resolve())))
  ),
  (server) => (server.address() as { port: number }).port
)

const texts = (content: unknown) => (content as ReadonlyArray<{ readonly text?: string }>).map((block) => block.text)

describe("effect-mcp run --stdio", () => {
  it.live("the everything server (named exports) with the SDK v1 client: tools, resources, templates, prompts", () =>
    Effect.gen(function*() {
      const { client, errors } = yield* stdioClient([everything, "--stdio"])
      assert.strictEqual(client.getServerVersion()?.name, "effect-mcp-everything-server")
      const { tools } = yield* Effect.promise(() => client.listTools())
      assert.includeMembers(tools.map((tool) => tool.name), ["test_simple_text", "test_sampling", "test_task_slow"])
      const simple = yield* Effect.promise(() => client.callTool({ name: "test_simple_text", arguments: {} }))
      assert.deepStrictEqual(texts(simple.content), ["This is a simple text response for testing."])
      const resource = yield* Effect.promise(() => client.readResource({ uri: "test://static-text" }))
      assert.strictEqual((resource.contents[0] as { text: string }).text, "This is the content of the static text resource.")
      const template = yield* Effect.promise(() => client.readResource({ uri: "test://template/42/data" }))
      assert.strictEqual(JSON.parse((template.contents[0] as { text: string }).text).id, "42")
      const prompt = yield* Effect.promise(() =>
        client.getPrompt({ name: "test_prompt_with_arguments", arguments: { arg1: "a", arg2: "b" } })
      )
      assert.include((prompt.messages[0]!.content as { text: string }).text, "arg1='a'")
      assert.deepStrictEqual(errors, [])
    }), 120_000)

  // Fails before the fix for console.dir and console.dirxml: Node writes them to stdout by their own
  // paths (dirxml is log under another name), not through console.log.
  it.live("stdout carries only protocol: console.log (info, debug, dir, dirxml, table) at import and in a handler goes to stderr", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const file = writeModule(
        dir,
        "noisy.ts",
        `import * as Effect from "effect/Effect"
import { McpServer } from "${library}"
console.log("noisy: loading")
console.dir({ noisy: "dir at import" })
console.dirxml("noisy: dirxml")
console.table([{ noisy: "table" }])
export default {
  options: { name: "noisy", version: "1.0.0" },
  components: McpServer.tool({
    name: "shout",
    handler: () =>
      Effect.sync(() => {
        console.log("noisy: in the handler")
        console.info("noisy: info")
        console.debug("noisy: debug")
        console.dir({ noisy: "dir in the handler" }, { depth: 0 })
        return "done"
      })
  })
}
`
      )
      // Raw lines, not the SDK: every stdout line must be a JSON-RPC message.
      const running = yield* spawnCli(["run", file, "--stdio"])
      const send = (message: object) => running.child.stdin!.write(`${JSON.stringify(message)}\n`)
      send({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } }
      })
      yield* waitUntil(() => running.stdout().includes(`"id":1`), "the initialize answer")
      send({ jsonrpc: "2.0", method: "notifications/initialized" })
      send({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "shout", arguments: {} } })
      yield* waitUntil(() => running.stdout().includes(`"id":2`), "the tools/call answer")
      running.child.stdin!.end()
      assert.strictEqual(yield* Effect.promise(() => running.exited(30_000)), 0)
      const lines = running.stdout().split("\n").filter((line) => line !== "")
      for (const line of lines) assert.strictEqual(JSON.parse(line).jsonrpc, "2.0", line)
      assert.include(running.stderr(), "noisy: loading")
      assert.include(running.stderr(), "noisy: in the handler")
      for (const said of ["noisy: info", "noisy: debug", "dir at import", "noisy: dirxml", "│ 'table' │", "dir in the handler"]) {
        assert.include(running.stderr(), said)
        assert.notInclude(running.stdout(), said)
      }
      assert.notInclude(running.stdout(), "noisy:")
    }), 120_000)

  // Fails before the fix: Node imports a CommonJS module with its whole `module.exports` as the
  // default export, and TypeScript's CommonJS output (`exports.default = ...` beside `__esModule`,
  // as tsc emits `export default { options, components }` in a package that is not "type":
  // "module") has the server one level down: "its default export is not { options, components }".
  it.live("a module compiled to CommonJS (tsc's exports.default beside __esModule): its default export is the server", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      writeModule(dir, "package.json", JSON.stringify({ type: "commonjs" }))
      mkdirSync(join(dir, "dist"))
      const file = writeModule(
        join(dir, "dist"),
        "server.js",
        `"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const Effect = require("effect/Effect");
const index_1 = require(${JSON.stringify(fileURLToPath(library))});
const Compiled = index_1.McpServer.tool({ name: "compiled", handler: () => Effect.succeed("from CommonJS") });
exports.default = { options: { name: "compiled-server", version: "1.0.0" }, components: Compiled };
`
      )
      const { client, errors } = yield* stdioClient([file])
      assert.strictEqual(client.getServerVersion()?.name, "compiled-server")
      const result = yield* Effect.promise(() => client.callTool({ name: "compiled", arguments: {} }))
      assert.deepStrictEqual(texts(result.content), ["from CommonJS"])
      assert.deepStrictEqual(errors, [])
    }), 120_000)

  // Fails before the fix: the wizard (effect/cli's --wizard) was written on stdout, the protocol's
  // channel, and a cancelled one (here: its input ended at the first question) exited 0.
  it.live("--wizard writes on stderr, stdout keeps nothing; a cancelled wizard (its input ended) exits 1, said; --help beside it still 0", () =>
    Effect.gen(function*() {
      const cancelled = yield* cli(["run", "--wizard"])
      assert.strictEqual(cancelled.code, 1, cancelled.stderr)
      assert.strictEqual(cancelled.stdout, "")
      assert.include(cancelled.stderr, "Command wizard")
      assert.include(cancelled.stderr, "Wizard cancelled.")
      assert.include(cancelled.stderr, "effect-mcp: --wizard ended without running the command (cancelled, or declined): nothing was done")
      // Help comes first (effect/cli shows no wizard then): on stdout, a success. In this process
      // (the wizard, had it started, would have waited for an answer: its bound, code null).
      const help = yield* cliInProcess(["run", "--help", "--wizard"])
      assert.strictEqual(help.code, 0, help.stderr)
      assert.include(help.stdout, "effect-mcp run")
      assert.strictEqual(help.stderr, "")
    }), 120_000)

  // Fails before the fix: the wizard started from the command line as given and then asked for
  // every argument and flag: the file came twice, and the command built was refused (exit 2) once
  // every question was answered (here, with its input ended at the first one, a cancelled wizard).
  it.live("--wizard beside the command's own arguments or flags: refused at once (exit 2), no question asked; --log-level beside it is not one", () =>
    Effect.gen(function*() {
      for (
        const [command, args] of [
          ["run", ["run", everything, "--wizard"]],
          ["inspect", ["inspect", "--json", "--wizard"]],
          ["install", ["install", "stdio", everything, "--wizard"]],
          // Global flags before the command (was: the wizard, started from `run <file>`).
          ["run", ["--log-level", "debug", "run", everything, "--wizard"]],
          ["inspect", ["--wizard", "--log-level=debug", "inspect", "--json"]]
        ] as const
      ) {
        // Refused before any question: in this process.
        const refused = yield* cliInProcess(args)
        assert.strictEqual(refused.code, 2, refused.stderr)
        assert.strictEqual(refused.stdout, "")
        assert.notInclude(refused.stderr, "Command wizard")
        assert.include(refused.stderr, `effect-mcp ${command}: --wizard asks for the command's arguments and flags itself: give none beside it`)
      }
      // A global flag is not the command's: the wizard starts (and, its input ended, is cancelled).
      for (const args of [["run", "--wizard", "--log-level", "debug"], ["--log-level", "debug", "run", "--wizard"]]) {
        const logLevel = yield* cli(args)
        assert.strictEqual(logLevel.code, 1, logLevel.stderr)
        assert.include(logLevel.stderr, "Command wizard")
      }
    }), 240_000)

  // Fails before the fix: effect/cli's wizard asks for every flag, hidden ones too: it asked
  // whether to set --exit-with-stdin, dev's own flag for its server, which the help does not show.
  it.live("--wizard asks for the flags the help shows, not the hidden --exit-with-stdin", () =>
    Effect.gen(function*() {
      const running = yield* spawnCli(["run", "--wizard"])
      // Each question answered as it comes, "no" (the last one, "Run this command?", a toggle, with
      // j) but the module's: at most 20, within 20 s each. A question as first shown (on a line of
      // its own, or after the escape that hides the cursor), not as shown again while it is answered.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's escape is what is looked for
      const question = /(?:^|\n|\u001b\[\?25l)\? (Set [^\n]*?\?|File|Run this command\?) \u203a /g
      const asked: Array<string> = []
      while (asked.length < 20 && !asked.includes("Run this command?")) {
        const pending = yield* Effect.promise(() =>
          running.until(() => {
            const all = [...running.stderr().matchAll(question)].map((match) => match[1]!)
            return all.length > asked.length ? all[asked.length] : undefined
          }, 80_000)
        )
        assert.isDefined(pending, `no question after ${JSON.stringify(asked)}: ${running.stderr()}`)
        asked.push(pending!)
        running.child.stdin!.write(pending === "File" ? `${everything}\n` : pending === "Run this command?" ? "j\n" : "n\n")
      }
      assert.strictEqual(yield* Effect.promise(() => running.exited(30_000)), 1, running.stderr())
      assert.deepStrictEqual(asked, [
        "Set Stdio (--stdio)?",
        "Set Http (--http)?",
        "Set Port (--port)?",
        "Set Host (--host)?",
        "Set Allowed hosts (--allowed-hosts)?",
        "Set Stateless (--stateless)?",
        "Set Principal from env (--principal-from-env)?",
        "File",
        "Run this command?"
      ])
    }), 240_000)
})

describe("effect-mcp run --stdio --principal-from-env", () => {
  /** `whoami` of the protected example, served by `run ...flags` with `env` (the SDK v1 client over stdio). */
  const whoami = (flags: ReadonlyArray<string>, env: Record<string, string>) =>
    Effect.acquireUseRelease(
      Effect.promise(async () => {
        const transport = new StdioClientTransport({
          command: process.execPath,
          args: [bin, "run", example("protected-server.ts"), ...flags],
          env: withCompileCache({ PATH: process.env.PATH ?? "", ...env }),
          stderr: "pipe"
        })
        const client = new Client({ name: "cli-test", version: "1.0.0" })
        await client.connect(transport)
        return client
      }),
      (client) =>
        Effect.promise(async () => {
          const { tools } = await client.listTools()
          const result = await client.callTool({ name: "whoami", arguments: {} })
          return { tools: tools.map((tool) => tool.name).sort(), principal: result.structuredContent }
        }),
      (client) => Effect.promise(() => client.close().catch(() => undefined))
    )

  // Fails before the fix: there was no such flag (exit 2), and `run` served stdio with no principal
  // whatever the environment said (admin_echo hidden, whoami anonymous).
  it.live("MCP_SUBJECT and MCP_SCOPES name the session's principal; without the flag there is none", () =>
    Effect.gen(function*() {
      const env = { MCP_SUBJECT: "ada", MCP_SCOPES: "admin notes:read" }
      const named = yield* whoami(["--stdio", "--principal-from-env"], env)
      assert.deepStrictEqual(named, { tools: ["admin_echo", "whoami"], principal: { subject: "ada", scopes: ["admin", "notes:read"] } })
      const anonymous = yield* whoami(["--stdio"], env)
      assert.deepStrictEqual(anonymous.tools, ["whoami"])
      assert.deepStrictEqual(anonymous.principal, { subject: "anonymous", scopes: [] })
    }))
})

describe("effect-mcp run --stdio --principal-from-env without MCP_SUBJECT", () => {
  // Fails before the fix: the flag asked for a principal, the environment named none (unset, or
  // blank), and the server ran anonymous without a word.
  it.live("says on stderr that the session has no principal and why; serves all the same", () =>
    Effect.gen(function*() {
      const { MCP_SUBJECT: _, ...environment } = process.env
      for (const env of [{ ...environment, MCP_SCOPES: "admin" }, { ...environment, MCP_SUBJECT: "  " }]) {
        // stdin is closed: the end of input ends the server.
        const result = yield* cli(["run", example("protected-server.ts"), "--principal-from-env"], { env, timeout: startBound, killSignal: "SIGKILL" })
        assert.strictEqual(result.code, 0, result.stderr)
        assert.strictEqual(result.stdout, "")
        assert.include(
          result.stderr,
          "effect-mcp run: --principal-from-env, but MCP_SUBJECT names no one: the session has no principal " +
            "(set MCP_SUBJECT, and MCP_SCOPES, in the server's environment)"
        )
      }
      const named = yield* cli(["run", example("protected-server.ts"), "--principal-from-env"], {
        env: { ...environment, MCP_SUBJECT: "ada" },
        timeout: 15_000,
        killSignal: "SIGKILL"
      })
      assert.strictEqual(named.code, 0, named.stderr)
      assert.notInclude(named.stderr, "--principal-from-env")
    }), 240_000)
})

describe("effect-mcp run --http", () => {
  it.live("--http --port N: the SDK v1 client over Streamable HTTP; one line once listening; SIGTERM drains, exit 0", () =>
    Effect.gen(function*() {
      const { running, url } = yield* serving(["run", everything, "--http"])
      assert.include(running.stderr(), `MCP over Streamable HTTP at ${url}`)
      assert.strictEqual(running.stdout(), "")
      const result = yield* Effect.scoped(Effect.gen(function*() {
        const client = yield* httpClient(url)
        const { tools } = yield* Effect.promise(() => client.listTools())
        assert.include(tools.map((tool) => tool.name), "test_tool_with_progress")
        return yield* Effect.promise(() => client.callTool({ name: "test_simple_text", arguments: {} }))
      }))
      assert.deepStrictEqual(texts(result.content), ["This is a simple text response for testing."])
      running.child.kill("SIGTERM")
      assert.strictEqual(yield* Effect.promise(() => running.exited(30_000)), 0)
      assert.isFalse(yield* Effect.promise(() => answers(url)))
    }), 120_000)

  // Fails before the fix (exit after ~4 s): the client's close() aborts its GET stream, undici opens
  // a connection in its place and sends nothing on it; Node's server.close() waited for undici to
  // drop it (its keep-alive timeout).
  // Also the counterpart of the signals before the server serves (below): once it serves (its
  // components built), SIGTERM still drains, exit 0 (a case of its own before, with a server of its own).
  it.live("--http: SIGTERM once it serves still drains, exit 0 (the components were built); after an SDK v1 client used the server and closed, within 2 s", () =>
    Effect.gen(function*() {
      const { running, url } = yield* serving(["run", example("hello-server.ts"), "--http"])
      assert.include(running.stderr(), "MCP over Streamable HTTP at")
      const { tools } = yield* Effect.scoped(Effect.flatMap(httpClient(url), (client) => Effect.promise(() => client.listTools())))
      assert.include(tools.map((tool) => tool.name), "weather")
      running.child.kill("SIGTERM")
      const code = yield* Effect.promise(() => running.exited(2_000))
      assert.strictEqual(code, 0, code === undefined ? "still running 2 s after SIGTERM" : running.stderr())
    }), 120_000)

  // Fails before the fix: Node's default for SIGHUP (a closed terminal) ended the process at once,
  // the in-flight call cut (the client got no answer) and nothing drained.
  it.live("run --http: SIGHUP (a closed terminal) drains as SIGTERM does: the in-flight call gets its answer, exit 0", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const file = writeModule(
        dir,
        "slow.ts",
        `import * as Effect from "effect/Effect"
import { McpServer } from "${library}"
const Slow = McpServer.tool({
  name: "slow",
  handler: () => Effect.sync(() => process.stderr.write("run-test: the slow call runs\\n")).pipe(Effect.andThen(Effect.sleep(1_000)), Effect.as("slow done"))
})
export default { options: { name: "slow", version: "1.0.0" }, components: Slow }
`
      )
      const { running, url } = yield* serving(["run", file, "--http"], { cwd: dir })
      const result = yield* Effect.scoped(Effect.gen(function*() {
        const client = yield* httpClient(url)
        const call = client.callTool({ name: "slow", arguments: {} }).then((result) => ({ result }), (error: unknown) => ({ error: String(error) }))
        yield* waitUntil(() => running.stderr().includes("run-test: the slow call runs"), "the call")
        running.child.kill("SIGHUP")
        return yield* Effect.promise(() => call)
      }))
      assert.deepStrictEqual(result, { result: { content: [{ type: "text", text: "slow done" }] } })
      const code = yield* Effect.promise(() => running.exited(30_000))
      assert.strictEqual(code, 0, running.stderr())
    }), 120_000)

  it.live("--http --stateless --host 127.0.0.1: no session id, the SDK client still works", () =>
    Effect.gen(function*() {
      const { url } = yield* serving(["run", example("hello-server.ts"), "--http", "--host", "127.0.0.1", "--stateless"])
      const initialize = yield* Effect.promise(() =>
        post(url, initializeMessage(1))
      )
      assert.strictEqual(initialize.status, 200)
      assert.isNull(initialize.headers.get("mcp-session-id"))
      const paris = yield* Effect.scoped(Effect.gen(function*() {
        const client = yield* httpClient(url)
        return yield* Effect.promise(() => client.callTool({ name: "weather", arguments: { city: "Paris" } }))
      }))
      assert.deepStrictEqual(paris.structuredContent, { city: "Paris", celsius: 21.5 })
    }), 120_000)

  // One server for both (two cases, each with a server of its own).
  // Fails before the fix: there was no --allowed-hosts (exit 2, "Unrecognized flag"), so a server
  // reached under another name than localhost answered every request 403.
  // Fails before the fix: `::1` (as `--host ::1` writes it) never equalled a Host header's
  // `[::1]`: every request naming it was refused 403.
  it.live("--allowed-hosts: requests naming a listed host are answered, ::1 (an IPv6 address without brackets) as [::1], others refused (403); no warning on loopback", () =>
    Effect.gen(function*() {
      const { running, port } = yield* serving(["run", example("hello-server.ts"), "--http", "--allowed-hosts", "mcp.example.com,localhost,::1"])
      const initialize = JSON.stringify(initializeMessage(1))
      const headers = { "content-type": "application/json", accept: BOTH }
      for (const host of [`mcp.example.com:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
        const answered = yield* Effect.promise(() => rawRequest(port, "POST", { ...headers, host }, initialize))
        assert.strictEqual(answered.status, 200, `${host}: ${answered.body}`)
      }
      for (const host of [`evil.example.com:${port}`, `127.0.0.1:${port}`]) {
        const refused = yield* Effect.promise(() => rawRequest(port, "POST", { ...headers, host }, initialize))
        assert.strictEqual(refused.status, 403, `${host}: ${refused.body}`)
      }
      assert.notInclude(running.stderr(), "--allowed-hosts")
    }), 120_000)

  // Fails before the fix: nothing was said, and every request from another machine got 403.
  it.live("--host naming another machine's address, without --allowed-hosts: a warning naming --allowed-hosts", () =>
    Effect.gen(function*() {
      // 192.0.2.1 (TEST-NET-1) is no address of this machine: the warning, then EADDRNOTAVAIL, and
      // nothing listens beyond loopback.
      const running = yield* spawnCli(["run", example("hello-server.ts"), "--http", "--host", "192.0.2.1", "--port", "0"])
      assert.strictEqual(yield* Effect.promise(() => running.exited(30_000)), 1, running.stderr())
      assert.include(running.stderr(), "--host 192.0.2.1 listens for other machines")
      assert.include(running.stderr(), "list the host names their clients use with --allowed-hosts")
      // Fails before the fix: it suggested "(or any)", which turns off DNS rebinding protection
      // on a server other machines reach.
      assert.notMatch(running.stderr(), /\bany\b/)
      assert.include(running.stderr(), "choose another address with --host")
    }), 120_000)

  it.live("a busy port: exit 1, the port named with a --port hint, and no listening line", () =>
    Effect.gen(function*() {
      const blocker: Server = yield* Effect.acquireRelease(
        Effect.promise(() =>
          new Promise<Server>((resolve) => {
            const server = createServer()
            server.listen(0, "127.0.0.1", () => resolve(server))
          })
        ),
        (server) => Effect.promise(() => new Promise<void>((resolve) => server.close(() => resolve())))
      )
      const port = (blocker.address() as { port: number }).port
      const running = yield* spawnCli(["run", everything, "--http", "--port", String(port)])
      assert.strictEqual(yield* Effect.promise(() => running.exited(30_000)), 1)
      assert.include(running.stderr(), `port ${port} on 127.0.0.1 is already in use`)
      assert.include(running.stderr(), "--port")
      assert.notInclude(running.stderr(), "MCP over Streamable HTTP at")
      assert.strictEqual(running.stdout(), "")
    }), 120_000)
})

describe("effect-mcp run --http: the MCP_HTTP_* environment", () => {
  // Fail before the fix: `run --http` read no variable (StreamableHttp.make from the flags alone):
  // it listened on 3000, /healthz was 404, a body of any size was read, and a bad value was ignored.
  it.live("MCP_HTTP_PORT, MCP_HTTP_HEALTH_PATH and MCP_HTTP_MAX_BODY_BYTES are honoured", () =>
    Effect.gen(function*() {
      // The variable names the port: picked first (another process may take it: tried again then).
      const { running, port } = yield* onFreePort((port) =>
        Effect.gen(function*() {
          const env = { ...process.env, MCP_HTTP_PORT: String(port), MCP_HTTP_HEALTH_PATH: "/healthz", MCP_HTTP_MAX_BODY_BYTES: "1000" }
          const running = yield* spawnCli(["run", example("hello-server.ts"), "--http"], { env })
          yield* waitListening(running, port, () => running.stderr().includes("MCP over Streamable HTTP at"), "the listening line")
          return { running, port }
        })
      )
      assert.include(running.stderr(), `MCP over Streamable HTTP at http://127.0.0.1:${port}/mcp`)
      const health = yield* Effect.promise(() => fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5_000) }))
      assert.strictEqual(health.status, 200)
      assert.deepStrictEqual(yield* Effect.promise(() => health.json()), { status: "ok" })
      const url = `http://127.0.0.1:${port}/mcp`
      const small = yield* Effect.promise(() => post(url, initializeMessage(1)))
      assert.strictEqual(small.status, 200)
      const large = yield* Effect.promise(() => post(url, { ...initializeMessage(2), padding: "x".repeat(2_000) }))
      assert.strictEqual(large.status, 413)
    }), 120_000)

  it.live("a flag wins over its variable: --port over MCP_HTTP_PORT, --host over MCP_HTTP_HOST", () =>
    Effect.gen(function*() {
      // The variable's port is held by the test (served there, the server could not listen: no
      // listening line; and no other test's server answers there). The flag's: --port 0, its own pick.
      const variablePort = yield* heldPort
      // MCP_HTTP_HOST names no address of this machine: listening there would fail.
      const env = { ...process.env, MCP_HTTP_PORT: String(variablePort), MCP_HTTP_HOST: "192.0.2.1", MCP_HTTP_HEALTH_PATH: "/healthz" }
      const { running, port: flagPort } = yield* serving(["run", example("hello-server.ts"), "--http", "--host", "127.0.0.1"], { env })
      assert.notStrictEqual(flagPort, variablePort)
      assert.include(running.stderr(), `MCP over Streamable HTTP at http://127.0.0.1:${flagPort}/mcp`)
      assert.notInclude(running.stderr(), "listens for other machines")
      // The variables no flag sets still apply.
      const health = yield* Effect.promise(() => fetch(`http://127.0.0.1:${flagPort}/healthz`, { signal: AbortSignal.timeout(5_000) }))
      assert.strictEqual(health.status, 200)
      assert.isFalse(yield* Effect.promise(() => answers(`http://127.0.0.1:${variablePort}/healthz`)))
    }), 120_000)

  it.live("MCP_HTTP_HOST naming another machine's address, without allowed hosts: the warning names the variable", () =>
    Effect.gen(function*() {
      const env = { ...process.env, MCP_HTTP_HOST: "192.0.2.1" }
      const result = yield* cli(["run", example("hello-server.ts"), "--http", "--port", "0"], { env, timeout: startBound, killSignal: "SIGKILL" })
      assert.strictEqual(result.code, 1, result.stderr)
      assert.include(result.stderr, "MCP_HTTP_HOST=192.0.2.1 listens for other machines")
      assert.include(result.stderr, "--allowed-hosts (or MCP_HTTP_ALLOWED_HOSTS)")
      assert.include(result.stderr, "192.0.2.1")
    }), 120_000)

  it.live("a variable that cannot be used: exit 2, one line naming it on stderr, nothing served", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [Record<string, string>, string]> = [
        [{ MCP_HTTP_MAX_BODY_BYTES: "lots" }, "effect-mcp run: MCP_HTTP_MAX_BODY_BYTES must be greater than 0 (a whole number), got \"lots\"\n"],
        [{ MCP_HTTP_PORT: "70000" }, "effect-mcp run: MCP_HTTP_PORT must be a port number from 0 (a free port) to 65535, got \"70000\"\n"],
        // Found wrong only with the path (checked with it before the module loads, as fromConfig checks it).
        [{ MCP_HTTP_HEALTH_PATH: "/mcp", MCP_HTTP_PORT: "0" }, "effect-mcp run: MCP_HTTP_HEALTH_PATH "]
      ]
      for (const [variables, message] of cases) {
        // Told before the module loads: in this process.
        const result = yield* cliInProcess(["run", example("hello-server.ts"), "--http"], { env: variables, timeout: 15_000 })
        const what = JSON.stringify(variables)
        assert.strictEqual(result.code, 2, `${what}: ${JSON.stringify(result)}`)
        assert.strictEqual(result.stdout, "", what)
        assert.isTrue(result.stderr.startsWith(message), `${what}: ${result.stderr}`)
        assert.include(result.stderr, "Run \"effect-mcp run --help\" for usage.", what)
        assert.notInclude(result.stderr, "    at ", what)
        assert.notInclude(result.stderr, "MCP over Streamable HTTP at", what)
      }
    }), 240_000)

  // Fails before the fix: --no-stateless and --stateless=false parsed, but false was taken for a
  // flag not given, so MCP_HTTP_STATELESS=true won: no session (no server-to-client requests).
  it.live("MCP_HTTP_STATELESS=true: --no-stateless and --stateless=false serve with sessions; --help says so", () =>
    Effect.gen(function*() {
      const env = { ...process.env, MCP_HTTP_STATELESS: "true" }
      for (const flags of [[], ["--no-stateless"], ["--stateless=false"], ["--stateless", "false"]]) {
        const running = yield* spawnCli(["run", example("hello-server.ts"), "--http", "--port", "0", ...flags], { env })
        yield* waitUntil(() => running.stderr().includes("MCP over Streamable HTTP at"), `the listening line:\n${running.stderr()}`)
        const url = /MCP over Streamable HTTP at (\S+)/.exec(running.stderr())![1]!
        const initialize = yield* Effect.promise(() => post(url, initializeMessage(1)))
        assert.strictEqual(initialize.status, 200)
        const sessionId = initialize.headers.get("mcp-session-id")
        if (flags.length === 0) assert.isNull(sessionId, "the variable alone: stateless")
        else assert.isString(sessionId, flags.join(" "))
        running.child.kill("SIGTERM")
        assert.strictEqual(yield* Effect.promise(() => running.exited(30_000)), 0, running.stderr())
      }
      const help = yield* cliInProcess(["run", "--help"])
      assert.include(help.stdout, "--no-stateless")
      // Over stdio it means nothing, as --stateless does (refused before the module loads: in this process).
      const stdio = yield* cliInProcess(["run", example("hello-server.ts"), "--no-stateless"], { timeout: 10_000 })
      assert.strictEqual(stdio.code, 2, JSON.stringify(stdio))
      assert.include(stdio.stderr, "--no-stateless needs --http")
    }), 240_000)
})

describe("effect-mcp run: a signal before the server serves", () => {
  // Fails before the fix (exit 0): nothing held the shutdown, the load was interrupted, and the
  // process exited as after a clean drain, telling a supervisor the server ended well though it
  // never served.
  for (const mode of [["--stdio"], ["--http", "--port", "0"]] as const) {
    for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
      it.live(`run ${mode.join(" ")}: ${signal} while the module loads (a top-level await that never settles): exit ${code}`, () =>
        Effect.gen(function*() {
          const dir = yield* tempProject
          const file = writeModule(dir, "hanging.ts", hangingModule.source)
          const running = yield* spawnCli(["run", file, ...mode], { cwd: dir })
          const exited = yield* interruptWhileLoading(running, signal)
          assert.strictEqual(exited, code, running.stderr())
          assert.strictEqual(running.stdout(), "")
        }), 120_000)

      // Fails before the fix (exit 0): the same, while the components' Layer was being built (a
      // database connecting, say): the server had not served yet either.
      it.live(`run ${mode.join(" ")}: ${signal} while the components are built: exit ${code}`, () =>
        Effect.gen(function*() {
          const dir = yield* tempProject
          const file = writeModule(dir, "slow.ts", slowComponents)
          const running = yield* spawnCli(["run", file, ...mode], { cwd: dir })
          yield* waitUntil(() => running.stderr().includes("slow: building"), "the components to start building")
          running.child.kill(signal)
          assert.strictEqual(yield* Effect.promise(() => running.exited(30_000)), code, running.stderr())
          assert.strictEqual(running.stdout(), "")
        }), 120_000)
    }
  }

  // SIGTERM once it serves (exit 0, drained): "--http: SIGTERM once it serves still drains" above.
})

/** A server module whose components take 60 s to build (said on stderr when they start). */
const slowComponents = `import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { McpServer } from "${library}"
export default {
  options: { name: "slow", version: "1.0.0" },
  components: Layer.mergeAll(
    McpServer.tool({ name: "ready", handler: () => Effect.succeed("ready") }),
    Layer.effectDiscard(Effect.andThen(Effect.sync(() => console.error("slow: building")), Effect.sleep("60 seconds")))
  )
}
`
