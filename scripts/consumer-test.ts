/**
 * `npm run test:consumer`: the package as a new user gets it (CI runs it from a fresh clone).
 *
 * 1. `npm pack` (its `prepack` builds `dist/`), and the tarball's contents: `dist/`, `src/` (the
 *    declaration maps point at it), README, LICENSE, CHANGELOG and package.json; no tests, bench,
 *    scripts or examples; every `exports` target is in the tarball and none is a `.ts` source;
 *    every `.bundler.js` is one a bundler reaches (from an export's `module` condition);
 *    `dist/package.json` holds only `type` and `sideEffects` (what Node and bundlers read there).
 * 2. A new project in the system's temporary folder installs the tarball and the peers
 *    (`effect`, `@effect/platform-node`) from the registry, plus the SDK, TypeScript and esbuild:
 *    exactly one copy of `effect` ends up installed.
 * 3. The README's example, stripped of its types into `server.mjs`, runs on this Node (24) and
 *    the official SDK client drives it over stdio: tools/list, tools/call (success and declared
 *    failure), prompts/get. Started with a load hook, it answers `initialize` without loading the
 *    task store, the task wire modules, the task machinery or Effect's `PubSub` (cold start).
 * 4. The same server bundled with the README's esbuild recipe into one file answers the same way,
 *    and the bundle holds none of the HTTP stack (a stdio server must not carry it), none of the
 *    task machinery (the example imports modules by path and enables no tasks) and no module
 *    wrapped in a lazy initialiser; the same server over Streamable HTTP, bundled the same way,
 *    answers the SDK client over HTTP (bundlers get the `module` condition), with no module wrapped
 *    in a lazy initialiser either, nor does a server with `RedisStores.layer` (its `NodeRedis`
 *    imported statically by the `module` condition's variant). A `WebHandler` (`effect-mcp-server/web`), bundled as an ES
 *    module without the recipe's `require` banner, loads and answers, and its module graph holds
 *    no Node server (nor `ws`, CommonJS, which Vite's SSR with `ssr.noExternal: true` fails to run).
 * 5. The `effect-mcp` bin of the installed package: `npx effect-mcp --help`, `inspect --json` of
 *    the README example exported as a server module (`server-module.ts`: Node strips its types),
 *    and `run --stdio` of it driven by the SDK client as in 3; a module of the bin that cannot be
 *    imported is named as the package has it (`./Install.js`, its installed file, the command).
 * 6. The oldest Node `engines.node` allows (22.19.0), installed from the registry: the README
 *    example over stdio, its Streamable HTTP variant unbundled (the endpoint loaded on first use),
 *    and the bin's `run --stdio` of the `.ts` server module (Node strips the types). On the
 *    system's Node when it is older than that (CI's 20), the bin refuses clearly (exit 1), and the
 *    README example run there says in one line on stderr that the Node is unsupported, and answers.
 * 7. `tsc --noEmit` of a TypeScript consumer that uses the root entry and every subpath (the
 *    `redis` one with the `redis` client that `@effect/platform-node` brings as its peer), once with
 *    `moduleResolution: "nodenext"` and once with `"bundler"`; importing an internal module is an
 *    error in both (checked with `@ts-expect-error`) and fails at run time too. Each module exported
 *    by path (`effect-mcp-server/McpServer`, ...) is the root entry's namespace of that name, in
 *    types and at run time.
 * 8. The getting-started guide's `tsconfig.json` and `server.ts`, with a second module importing
 *    it by its `.ts` path (as Node's type stripping needs): `tsc -p`, then `node` runs it.
 * 9. A consumer that emits declarations (`declaration: true`, as libraries and monorepo packages
 *    do) exports a server, its programs and the request context's effects with inferred types:
 *    every type they mention is named from an entry point (TypeScript refuses the export otherwise).
 *
 * Prints `consumer: N passed, M failed` and exits 1 on any failure.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { execFileSync, spawn, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from "node:fs"
import { stripTypeScriptTypes } from "node:module"
import { join, posix } from "node:path"
import {
  bundleArgs,
  type ConsumerProject,
  gettingStarted,
  installNode,
  makeConsumerProject,
  oldestSupportedNode,
  packageManifest,
  pinned,
  readmeExample
} from "./internal/consumerProject.ts"

let passed = 0
let failed = 0
const check = async (name: string, body: () => void | Promise<void>): Promise<void> => {
  const started = Date.now()
  try {
    await body()
    passed++
    console.log(`ok   ${name} (${Date.now() - started} ms)`)
  } catch (error) {
    failed++
    console.log(`FAIL ${name}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`)
  }
}
const expect = (condition: boolean, message: string): void => {
  if (!condition) throw new Error(message)
}

/**
 * A `node` on the system's PATH (not this repository's) older than `engines.node`: its path and
 * version (`v20.20.2`), or `undefined`.
 */
const systemNodeOlderThanFloor = (): { readonly path: string; readonly version: string } | undefined => {
  const [major, minor] = oldestSupportedNode().split(".").map(Number) as [number, number]
  for (const folder of (process.env.PATH ?? "").split(":")) {
    if (folder === "" || folder.includes("node_modules")) continue
    const path = join(folder, "node")
    if (!existsSync(path)) continue
    const version = spawnSync(path, ["--version"], { encoding: "utf8" }).stdout?.trim() ?? ""
    const match = /^v(\d+)\.(\d+)\./.exec(version)
    if (match !== null && (Number(match[1]) < major || (Number(match[1]) === major && Number(match[2]) < minor))) return { path, version }
  }
  return undefined
}

/**
 * Drives a stdio server (`node <script> ...args` in `cwd`, on this Node or on the executable `node`)
 * with the official SDK client.
 */
const driveReadmeServer = async (
  cwd: string,
  script: string,
  args: ReadonlyArray<string> = [],
  node: string = process.execPath
): Promise<void> => {
  const transport = new StdioClientTransport({ command: node, args: [script, ...args], cwd, stderr: "pipe" })
  let stderr = ""
  transport.stderr?.on("data", (chunk) => void (stderr += String(chunk)))
  const client = new Client({ name: "consumer-test", version: "1.0.0" })
  const timeout = setTimeout(() => void client.close(), 20_000)
  try {
    await client.connect(transport)
    expect(client.getServerVersion()?.name === "hello", `serverInfo: ${JSON.stringify(client.getServerVersion())}`)
    const { tools } = await client.listTools()
    expect(tools.length === 1 && tools[0]!.name === "weather", `tools/list: ${JSON.stringify(tools)}`)
    expect(
      JSON.stringify(tools[0]!.inputSchema) ===
        JSON.stringify({ type: "object", properties: { city: { type: "string", description: "City name" } }, required: ["city"] }),
      `inputSchema: ${JSON.stringify(tools[0]!.inputSchema)}`
    )
    const paris = await client.callTool({ name: "weather", arguments: { city: "Paris" } })
    expect(JSON.stringify(paris.structuredContent) === JSON.stringify({ city: "Paris", celsius: 21.5 }), `Paris: ${JSON.stringify(paris)}`)
    const rome = await client.callTool({ name: "weather", arguments: { city: "Rome" } })
    expect(rome.isError === true, `Rome is a declared failure: ${JSON.stringify(rome)}`)
    const text = (rome.content as ReadonlyArray<{ readonly text: string }>)[0]!.text
    expect(text === JSON.stringify({ _tag: "UnknownCity", city: "Rome" }), `Rome failure: ${text}`)
    const prompt = await client.getPrompt({ name: "greeting", arguments: { name: "Ada" } })
    expect(
      JSON.stringify(prompt.messages) === JSON.stringify([{ role: "user", content: { type: "text", text: "Say hello to Ada." } }]),
      `prompts/get: ${JSON.stringify(prompt.messages)}`
    )
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\nserver stderr:\n${stderr}`)
  } finally {
    clearTimeout(timeout)
    await client.close()
  }
}

/**
 * Starts the README example served over Streamable HTTP (`node <script>` in `cwd`, on this Node or
 * on the executable `node`) and drives it with the official SDK client over HTTP.
 */
const driveHttpServer = async (cwd: string, script: string, node: string = process.execPath): Promise<void> => {
  const child = spawn(node, [script], { cwd, stdio: ["ignore", "pipe", "pipe"] })
  try {
    let output = ""
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "serving at" line within 20 s:\n${output}`)), 20_000)
      const onData = (chunk: unknown) => {
        output += String(chunk)
        const match = /MCP over Streamable HTTP at (http:\/\/\S+)/.exec(output)
        if (match !== null) {
          clearTimeout(timer)
          resolve(match[1]!)
        }
      }
      child.stdout.on("data", onData)
      child.stderr.on("data", onData)
      child.on("exit", (code) => reject(new Error(`the HTTP server exited (${code}):\n${output}`)))
    })
    const client = new Client({ name: "consumer-test", version: "1.0.0" })
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(url)))
      expect(client.getServerVersion()?.name === "hello", `serverInfo: ${JSON.stringify(client.getServerVersion())}`)
      const result = await client.callTool({ name: "weather", arguments: { city: "Paris" } })
      expect(
        JSON.stringify(result.structuredContent) === JSON.stringify({ city: "Paris", celsius: 21.5 }),
        `tools/call: ${JSON.stringify(result)}`
      )
    } finally {
      await client.close()
    }
  } finally {
    child.kill("SIGKILL")
  }
}

/** Every folder named `effect` that holds effect's package.json, under `dir/node_modules`. */
const effectCopies = (dir: string): Array<string> => {
  const copies: Array<string> = []
  const walk = (modules: string, depth: number) => {
    if (depth > 6 || !existsSync(modules)) return
    for (const entry of readdirSync(modules)) {
      const path = join(modules, entry)
      if (entry.startsWith("@")) {
        for (const scoped of readdirSync(path)) walk(join(path, scoped, "node_modules"), depth + 1)
        continue
      }
      if (!statSync(path).isDirectory()) continue
      if (entry === "effect" && existsSync(join(path, "package.json"))) copies.push(path)
      walk(join(path, "node_modules"), depth + 1)
    }
  }
  walk(join(dir, "node_modules"), 0)
  return copies
}

/** The modules of the root entry that are also exported by path (`effect-mcp-server/McpServer`, ...). */
const modulePaths = Object.keys(packageManifest.exports).filter((entry) => /^\.\/[A-Z]/.test(entry)).map((entry) => entry.slice(2))

const typescriptConsumer = `import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import {
  Completion,
  Content,
  EventStore,
  Extension,
  GracefulShutdown,
  InMemory,
  McpContext,
  McpError,
  McpRequestContext,
  McpServer,
  Middleware,
  Prompt,
  Resource,
  SessionStore,
  Stdio,
  StoreError,
  StreamableHttp,
  Tool,
  type Principal,
  type Transport
} from "effect-mcp-server"
import { JsonRpc, McpSchema, Negotiation, Projection, ProtocolVersion } from "effect-mcp-server/protocol"
import { Connection, JsonSchema, LowLevelServer, Pagination, ServerSession, UriTemplate } from "effect-mcp-server/lowlevel"
import { Authorization, Logging, RateLimit, ResponseCache, Telemetry, Timeout } from "effect-mcp-server/middleware"
import { Task, TaskStore, TaskSupervisor } from "effect-mcp-server/tasks"
import { RedisCacheStore, RedisEventStore, RedisRateLimitStore, RedisStores } from "effect-mcp-server/redis"
import { Skills } from "effect-mcp-server/skills"
import { BearerAuth } from "effect-mcp-server/auth"
import { WebHandler } from "effect-mcp-server/web"
import { McpTestClient } from "effect-mcp-server/testing"
${modulePaths.map((name) => `import * as Module${name} from "effect-mcp-server/${name}"`).join("\n")}
// @ts-expect-error internal modules are not part of the package's interface
import * as Internal from "effect-mcp-server/dist/internal/emptyMap.js"

// Each module by path is the root entry's namespace of the same name.
${modulePaths.map((name) => `export const same${name}: typeof ${name} = Module${name}`).join("\n")}

class NotFound extends Schema.TaggedError<NotFound>()("NotFound", { id: Schema.String }) {}

const Lookup = McpServer.tool({
  name: "lookup",
  parameters: { id: Schema.String },
  success: Schema.Struct({ id: Schema.String, size: Schema.Number }),
  failure: NotFound,
  handler: ({ id }) =>
    Effect.gen(function*() {
      yield* McpContext.log("info", \`lookup \${id}\`)
      if (id === "missing") return yield* new NotFound({ id })
      return { id, size: id.length }
    })
})

// @ts-expect-error a handler may only fail with its declared failure
McpServer.tool({ name: "bad", parameters: {}, failure: NotFound, handler: () => Effect.fail("oops" as const) })

const Readme = McpServer.resource({ uri: "docs://readme", name: "readme", read: Effect.succeed("hello") })
const Greeting = McpServer.prompt({
  name: "greeting",
  arguments: { name: Schema.String },
  handler: ({ name }) => Effect.succeed(\`Hello \${name}\`)
})
const Audit = Middleware.make("audit", { onCallTool: (params, _context, next) => next(params) })
const components = Layer.mergeAll(Lookup, Readme, Greeting, Telemetry.layer, McpServer.middleware(Audit, Logging.middleware(), Timeout.middleware()))
const options = { name: "consumer", version: "1.0.0" }
export const traced: Effect.Effect<void, unknown> = McpServer.serve(options, components, Stdio.make()).pipe(
  Effect.provide(Telemetry.otlp({ url: "http://127.0.0.1:4318", serviceName: "consumer" }))
)

export const stdio: Effect.Effect<void, unknown> = McpServer.serve(options, components, Stdio.make())
export const http: Effect.Effect<never, unknown> = McpServer.serve(options, components, StreamableHttp.make({ port: 3000 }))
export const pair: InMemory.Pair = InMemory.makePair()
export const transport: Transport = pair.server
export const version: ProtocolVersion.ProtocolVersion = ProtocolVersion.latest
export const request: JsonRpc.Message = { jsonrpc: "2.0", id: 1, method: "ping" }
export const principal: Principal = { subject: "ada", scopes: [], claims: {} }
export const stores: Layer.Layer<RateLimit.RateLimitStore | ResponseCache.CacheStore | EventStore.EventStore, StoreError.StoreError> =
  RedisStores.layer({ url: "redis://127.0.0.1:6379", prefix: "consumer:" })
export const auth: BearerAuth.Config = BearerAuth.config({
  verifier: BearerAuth.jwt({ jwksUrl: "https://auth.example.com/jwks.json", issuer: "https://auth.example.com", audience: "https://mcp.example.com/mcp" }),
  resource: "https://mcp.example.com/mcp",
  authorizationServers: ["https://auth.example.com"]
})
export const protectedHttp: Effect.Effect<never, unknown> = McpServer.serve(options, components, StreamableHttp.make({ port: 3000, auth }))
export const web: WebHandler.WebHandler = WebHandler.make(options, components, { stateless: true, cors: { allowedOrigins: "*" }, healthPath: "/healthz" })
export const tested = Effect.scoped(Effect.flatMap(McpTestClient.make(components), (client) => client.callTool("lookup", { id: "1" })))
export const skills: Layer.Layer<never, never, McpServer.McpServer> = Skills.layer([Skills.make({ name: "greet", description: "Greets", body: "Say hello." })])
export const values = [
  Completion, Content, EventStore, McpError, McpRequestContext, Prompt, Resource, SessionStore, Tool,
  McpSchema, Negotiation, Projection, Connection, JsonSchema, LowLevelServer, Pagination, ServerSession,
  UriTemplate, Authorization, RateLimit, ResponseCache, Task, TaskStore, TaskSupervisor, Internal,
  RedisCacheStore, RedisEventStore, RedisRateLimitStore, StoreError
]
`

/**
 * A consumer that emits declarations (a library, a package of a monorepo, `composite` projects):
 * TypeScript must name, from an entry point, every type the inferred types of its exports mention,
 * or it refuses the export ("cannot be named without a reference to ... dist/session/...").
 * Written both ways the guides import: from the root entry, and by path as the README does.
 */
const declarationConsumer = (style: "root" | "path") => `import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
${
  style === "root"
    ? `import { McpContext, McpServer, Stdio, StreamableHttp } from "effect-mcp-server"`
    : ["McpContext", "McpServer", "Stdio", "StreamableHttp"].map((name) => `import * as ${name} from "effect-mcp-server/${name}"`).join("\n")
}

class UnknownCity extends Schema.TaggedError<UnknownCity>()("UnknownCity", { city: Schema.String }) {}

export const Weather = McpServer.tool({
  name: "weather",
  parameters: { city: Schema.String },
  failure: UnknownCity,
  handler: ({ city }) => (city === "Paris" ? Effect.succeed("sunny") : Effect.fail(new UnknownCity({ city })))
})
export const components = Layer.mergeAll(Weather)
export const options = { name: "weather", version: "1.0.0" }
export const stdio = McpServer.serve(options, components, Stdio.make())
export const http = McpServer.serve(options, components, StreamableHttp.make({ port: 3000 }))
export const fromConfig = StreamableHttp.fromConfig()
export const transport = Stdio.make()
export const stdioHandled = stdio.pipe(Effect.catchTag("TransportFailure", () => Effect.void))
export const ask = McpContext.elicit("Your name?", Schema.Struct({ name: Schema.String }))
export const askHandled = ask.pipe(Effect.catchTag("ClientCapabilityMissing", () => Effect.succeed(undefined)))
export const sample = McpContext.sample({ messages: [], maxTokens: 100 })
export const roots = McpContext.listRoots
export const current = McpContext.current
export const principal = McpContext.principal
export const request = McpContext.http
`

const tsconfig = (moduleResolution: "nodenext" | "bundler") =>
  JSON.stringify({
    compilerOptions: {
      target: "ES2022",
      module: moduleResolution === "nodenext" ? "NodeNext" : "ESNext",
      moduleResolution,
      strict: true,
      exactOptionalPropertyTypes: true,
      noEmit: true,
      // effect's own declarations need the DOM lib for WebCrypto types; like effect, users skip them.
      skipLibCheck: true,
      lib: ["ES2022"],
      types: ["node"]
    },
    files: ["consumer.ts"]
  }, null, 2)

const main = async () => {
  let project: ConsumerProject | undefined
  await check("npm pack, install the tarball and the peers in a new project", () => {
    project = makeConsumerProject([
      pinned("@modelcontextprotocol/sdk"),
      pinned("typescript"),
      pinned("@types/node"),
      pinned("esbuild")
    ])
  })
  if (project === undefined) return
  const { dir, packed } = project
  try {
    await check("the tarball holds only what a user needs", () => {
      const unwanted = packed.files.filter((file) =>
        /^(test|bench|scripts|examples|node_modules|scratch)\//.test(file) || /(^|\/)\.|\.test\.ts$/.test(file)
      )
      expect(unwanted.length === 0, `unexpected files: ${unwanted.join(", ")}`)
      for (const required of ["package.json", "README.md", "LICENSE", "CHANGELOG.md", "dist/index.js", "dist/index.d.ts"]) {
        expect(packed.files.includes(required), `missing ${required}`)
      }
      const strays = packed.files.filter((file) => !/^(dist|src)\//.test(file) && !/^(package\.json|README\.md|LICENSE|CHANGELOG\.md)$/.test(file))
      expect(strays.length === 0, `files outside the whitelist: ${strays.join(", ")}`)
      expect(packed.files.some((file) => file.endsWith(".d.ts.map")), "no declaration maps")
      expect(packed.files.some((file) => file.endsWith(".js.map")), "no source maps")
    })

    await check("the modules keep their /* @__PURE__ */ annotations (a user's bundler drops unused top-level calls by them)", () => {
      const installed = (path: string) => readFileSync(join(dir, "node_modules", packageManifest.name, path), "utf8")
      for (const module of ["protocol/JsonRpc", "protocol/McpSchema"]) {
        const annotations = (text: string) => text.split("@__PURE__").length - 1
        const shipped = annotations(installed(`dist/${module}.js`))
        const written = annotations(installed(`src/${module}.ts`))
        expect(written > 0 && shipped === written, `dist/${module}.js has ${shipped} of the ${written} annotations of its source`)
      }
    })

    await check("dist/package.json: the modules' own scope (type module, sideEffects false), not the manifest", () => {
      // Node reads the nearest package.json of every module it loads (its `exports` parsed each
      // time): the small one costs less. Bundlers read `sideEffects` from it as well.
      const scope = JSON.parse(readFileSync(join(dir, "node_modules", packageManifest.name, "dist/package.json"), "utf8"))
      expect(
        JSON.stringify(scope) === JSON.stringify({ type: "module", sideEffects: false }),
        `dist/package.json is ${JSON.stringify(scope)}`
      )
    })

    await check("every exports target is in the tarball and none is TypeScript source", () => {
      for (const [entry, target] of Object.entries(packageManifest.exports)) {
        const targets = typeof target === "string" ? [target] : Object.values(target)
        for (const path of targets) {
          expect(!/(?<!\.d)\.ts$/.test(path), `${entry} points at TypeScript source ${path}`)
          expect(packed.files.includes(path.replace(/^\.\//, "")), `${entry} → ${path} is not in the tarball`)
        }
      }
    })

    await check("every .bundler.js in the tarball is reached from an export's module condition", () => {
      // Bundlers alone read the variants: one that no export's `module` condition reaches through
      // static imports (a module only Node runs, the CLI's, importing McpServer) ships unused.
      const installed = (path: string) => readFileSync(join(dir, "node_modules", packageManifest.name, path), "utf8")
      const reached = new Set<string>()
      const queue = Object.values(packageManifest.exports).flatMap((target) =>
        typeof target === "string" || target.module === undefined ? [] : [target.module.replace(/^\.\//, "")]
      )
      for (let path = queue.pop(); path !== undefined; path = queue.pop()) {
        if (reached.has(path)) continue
        reached.add(path)
        for (const match of installed(path).matchAll(/(?:\bfrom |^import )"(\.{1,2}\/[^"]+\.js)"/gm)) {
          queue.push(posix.join(posix.dirname(path), match[1]!))
        }
      }
      const unreached = packed.files.filter((file) => file.endsWith(".bundler.js") && !reached.has(file))
      expect(reached.size > 0 && unreached.length === 0, `variants no export reaches: ${unreached.join(", ")}`)
    })

    await check("one copy of effect is installed (the package's is the user's)", () => {
      const copies = effectCopies(dir)
      expect(copies.length === 1, `copies of effect: ${copies.join(", ")}`)
      const installed = JSON.parse(readFileSync(join(dir, "node_modules/effect-mcp-server/package.json"), "utf8"))
      // The runtime dependencies, each loaded only by what needs it and free of effect: the JSON
      // Schema validator of raw-schema tools, `jose` for bearer tokens (effect-mcp-server/auth),
      // the YAML parser of skills read from disk, and the JSONC editor of `effect-mcp install`.
      const dependencies = Object.keys(installed.dependencies ?? {}).sort()
      expect(
        JSON.stringify(dependencies) === JSON.stringify(["@cfworker/json-schema", "jose", "jsonc-parser", "yaml"]),
        `unexpected dependencies: ${JSON.stringify(installed.dependencies)}`
      )
      expect(installed.dependencies?.effect === undefined, "effect is a dependency")
      expect(installed.peerDependencies?.effect !== undefined, "effect is not a peer dependency")
    })

    const server = join(dir, "server.mjs")
    await check("the README example as server.mjs, driven over stdio by the SDK client", async () => {
      const source = readmeExample()
      expect(source.includes(`from "effect-mcp-server/McpServer"`), "the README example does not import effect-mcp-server/McpServer")
      writeFileSync(server, stripTypeScriptTypes(source))
      await driveReadmeServer(dir, server)
    })

    await check("the README example installed loads none of the task machinery, nor Effect's PubSub, to answer initialize", () => {
      // Cold start (bench/coldstart.ts): each module a server loads is read, compiled and run
      // before it answers. A server without tasks needs neither the task store (its options are
      // checked by tasks/internal/memoryOptions.js), nor the tasks extension's wire modules, nor
      // what subscriptions/listen follows tasks with (server/internal/listenTasks.js, PubSub).
      writeFileSync(
        join(dir, "load-logger.mjs"),
        `import { registerHooks } from "node:module"
const loaded = []
registerHooks({ load: (url, context, next) => { loaded.push(url); return next(url, context) } })
process.on("exit", () => process.stderr.write("loaded:" + JSON.stringify(loaded) + "\\n"))
`
      )
      const initialize = JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "consumer", version: "1.0.0" } }
      })
      const run = spawnSync(process.execPath, ["--import", "./load-logger.mjs", server], {
        cwd: dir,
        input: `${initialize}\n`,
        encoding: "utf8",
        timeout: 20_000
      })
      expect(run.stdout.includes(`"serverInfo":{"name":"hello"`), `no initialize answer: ${run.stdout}${run.stderr}`)
      const line = run.stderr.split("\n").find((text) => text.startsWith("loaded:"))
      expect(line !== undefined, `the load logger said nothing: ${run.stderr}`)
      const loaded = JSON.parse(line!.slice("loaded:".length)) as ReadonlyArray<string>
      expect(loaded.some((url) => url.includes("/effect-mcp-server/dist/server/McpServer.js")), "the package's McpServer.js was not logged")
      const unneeded = loaded.filter((url) =>
        /\/effect-mcp-server\/dist\/(tasks\/(TaskStore|TaskSupervisor|wire\/[^/]+)|server\/internal\/(tasks|taskRelay|listenTasks))\.js$/.test(url) ||
        /\/effect\/dist\/PubSub\.js$/.test(url)
      )
      expect(unneeded.length === 0, `the installed README server loads: ${unneeded.join(", ")}`)
    })

    await check("the README example bundled with esbuild (one file, no HTTP stack), driven the same way", async () => {
      const bundle = join(dir, "server.bundle.mjs")
      const esbuild = join(dir, "node_modules/.bin", process.platform === "win32" ? "esbuild.cmd" : "esbuild")
      execFileSync(esbuild, [...bundleArgs(server, bundle), `--metafile=${bundle}.json`], {
        cwd: dir,
        stdio: ["ignore", "inherit", "inherit"]
      })
      // The modules that contribute code to the bundle (the metafile's top-level inputs also list
      // modules esbuild parsed and then tree-shook away).
      const outputs = JSON.parse(readFileSync(`${bundle}.json`, "utf8")).outputs as Record<
        string,
        { readonly inputs: Record<string, { readonly bytesInOutput: number }> }
      >
      const inputs = Object.values(outputs).flatMap((output) =>
        Object.entries(output.inputs).filter(([, input]) => input.bytesInOutput > 0).map(([path]) => path)
      )
      expect(inputs.some((input) => input.includes("effect-mcp-server/dist/")), "the bundle holds none of the package")
      const http = inputs.filter((input) => /effect\/dist\/http\/|NodeHttpServer|internal\/endpoint|\/ws\//.test(input))
      expect(http.length === 0, `the stdio bundle carries the HTTP stack: ${http.slice(0, 5).join(", ")}`)
      // Modules imported by path are tree-shaken by member: a server without tasks carries none
      // of their machinery (the root entry's namespaces would keep every member, evanw/esbuild#1420).
      const tasks = inputs.filter((input) => /effect-mcp-server\/dist\/(tasks\/TaskSupervisor|tasks\/TaskStore|server\/internal\/tasks)\.js/.test(input))
      expect(tasks.length === 0, `the bundle of a server without tasks carries them: ${tasks.join(", ")}`)
      // Bundlers take the `module` export condition (of the root entry and of
      // `effect-mcp-server/StreamableHttp`): no `import()` of the HTTP endpoint, so esbuild wraps
      // no module of effect or of the package in a lazy
      // initialiser (`__esm`), which costs start-up time (the optional JSON Schema validator,
      // imported on first use, is the one library wrapped). Checked on an unminified build,
      // where the helper keeps its name.
      const readable = join(dir, "server.readable.mjs")
      execFileSync(esbuild, bundleArgs(server, readable).filter((arg) => arg !== "--minify"), { cwd: dir, stdio: "inherit" })
      const wrapped = readFileSync(readable, "utf8").match(/__esm\(\{\s*"[^"]*node_modules\/(?:effect|effect-mcp-server)\/[^"]*"/g) ?? []
      expect(wrapped.length === 0, `the stdio bundle wraps modules in lazy initialisers: ${wrapped.slice(0, 3).join(", ")}`)
      // Nor does it import a Node built-in, the recipe's banner included: Node makes an ES module of
      // each at link time, reading all its exports (the package and the banner take `node:net`,
      // `node:crypto`, `node:module`, ... with `process.getBuiltinModule`).
      const builtins = readFileSync(readable, "utf8").match(/^import\b.*from\s*["']node:[^"']+["']/gm) ?? []
      expect(builtins.length === 0, `the stdio bundle imports Node built-ins: ${builtins.join(", ")}`)
      await driveReadmeServer(dir, bundle)
    })

    await check("a Streamable HTTP server bundled the same way answers the SDK client over HTTP", async () => {
      // The README example served over Streamable HTTP on a free port, bundled with the recipe.
      const source = stripTypeScriptTypes(readmeExample())
        .replace(`import * as Stdio from "effect-mcp-server/Stdio"`, `import * as Stdio from "effect-mcp-server/Stdio"\nimport * as StreamableHttp from "effect-mcp-server/StreamableHttp"`)
        .replace("Stdio.make())", "StreamableHttp.make({ port: 0 }))")
      expect(source.includes("StreamableHttp.make({ port: 0 })"), "could not turn the README example into an HTTP server")
      const entry = join(dir, "http-server.mjs")
      const bundle = join(dir, "http-server.bundle.mjs")
      writeFileSync(entry, source)
      const esbuild = join(dir, "node_modules/.bin", process.platform === "win32" ? "esbuild.cmd" : "esbuild")
      execFileSync(esbuild, bundleArgs(entry, bundle), { cwd: dir, stdio: ["ignore", "inherit", "inherit"] })
      // `serve` imports its Node server (and `@effect/platform-node`) statically in the `module`
      // condition's variants: no module of effect, of the package or of the platform is wrapped in a
      // lazy initialiser (an `import()` of the platform's `NodeHttpServer` cost this server +12 %
      // instructions at start, callgrind). Checked on an unminified build, as the stdio bundle.
      const readable = join(dir, "http-server.readable.mjs")
      execFileSync(esbuild, bundleArgs(entry, readable).filter((arg) => arg !== "--minify"), { cwd: dir, stdio: "inherit" })
      const wrapped = readFileSync(readable, "utf8").match(/__esm\(\{\s*"[^"]*node_modules\/(?:effect|effect-mcp-server|@effect\/platform-node)\/[^"]*"/g) ?? []
      expect(wrapped.length === 0, `the HTTP bundle wraps modules in lazy initialisers: ${wrapped.length}, ${wrapped.slice(0, 3).join(", ")}`)
      await driveHttpServer(dir, bundle)
    })

    await check("a server with RedisStores bundled the same way: no module wrapped in a lazy initialiser", () => {
      // `RedisStores.layer` imports `@effect/platform-node/NodeRedis` (and `redis`, an optional
      // peer) when first built under Node; its `.bundler.js` variant imports it statically: an
      // `import()` of it wrapped 114 modules of effect and the platform in lazy initialisers
      // (`__esm`), +4.8 % instructions from start to a first answer (callgrind).
      const source = stripTypeScriptTypes(readmeExample())
        .replace(
          `import * as Stdio from "effect-mcp-server/Stdio"`,
          `import * as Stdio from "effect-mcp-server/Stdio"\nimport * as StreamableHttp from "effect-mcp-server/StreamableHttp"\nimport { RedisStores } from "effect-mcp-server/redis"`
        )
        .replace(
          "Stdio.make())",
          `StreamableHttp.make({ port: 0 })).pipe(Effect.provide(RedisStores.layer({ url: "redis://127.0.0.1:6379", prefix: "consumer:" })))`
        )
      expect(source.includes("RedisStores.layer({"), "could not turn the README example into a server with RedisStores")
      const entry = join(dir, "redis-server.mjs")
      const readable = join(dir, "redis-server.readable.mjs")
      writeFileSync(entry, source)
      const esbuild = join(dir, "node_modules/.bin", process.platform === "win32" ? "esbuild.cmd" : "esbuild")
      execFileSync(esbuild, [...bundleArgs(entry, readable).filter((arg) => arg !== "--minify"), `--metafile=${readable}.json`], {
        cwd: dir,
        stdio: ["ignore", "inherit", "inherit"]
      })
      const bundled = readFileSync(readable, "utf8")
      // It does hold the client (the layer is used), not wrapped.
      const met = Object.keys(JSON.parse(readFileSync(`${readable}.json`, "utf8")).inputs as Record<string, unknown>)
      expect(met.some((input) => input.includes("@effect/platform-node/dist/NodeRedis.js")), `the bundle met no NodeRedis: ${met.slice(0, 5).join(", ")}`)
      const wrapped = bundled.match(/__esm\(\{\s*"[^"]*node_modules\/(?:effect|effect-mcp-server|@effect\/platform-node)\/[^"]*"/g) ?? []
      expect(wrapped.length === 0, `the Redis bundle wraps modules in lazy initialisers: ${wrapped.length}, ${wrapped.slice(0, 3).join(", ")}`)
    })

    await check("WebHandler bundled as an ES module without the require banner: no Node server in its module graph, it loads and answers", () => {
      // Where modules are evaluated as ES modules with no `require` (Vite's SSR with
      // `ssr.noExternal: true`, a bundle without the recipe's `createRequire` banner), the CommonJS
      // `ws` (imported by `@effect/platform-node/NodeHttpServer`) fails as soon as it runs. Vite's
      // SSR evaluates every module it meets, used or not: `effect-mcp-server/web` must not meet
      // `StreamableHttp.serve`'s Node server at all. The metafile's inputs are every module esbuild
      // met, those it tree-shook away included. (The root entry does meet it: docs/http.md.)
      const entry = join(dir, "web.mjs")
      const bundle = join(dir, "web.bundle.mjs")
      writeFileSync(
        entry,
        `import { WebHandler } from "effect-mcp-server/web"\nimport * as Layer from "effect/Layer"\n` +
          `const web = WebHandler.make({ name: "web", version: "1.0.0" }, Layer.empty, { stateless: true })\n` +
          `const response = await web.handler(new Request("http://127.0.0.1/mcp", { method: "POST", ` +
          `headers: { "content-type": "application/json", accept: "application/json, text/event-stream" }, ` +
          `body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }) }))\n` +
          `console.log(response.status, await response.text())\nawait web.dispose()\n`
      )
      const esbuild = join(dir, "node_modules/.bin", process.platform === "win32" ? "esbuild.cmd" : "esbuild")
      execFileSync(esbuild, [...bundleArgs(entry, bundle).filter((arg) => !arg.startsWith("--banner:")), `--metafile=${bundle}.json`], {
        cwd: dir,
        stdio: ["ignore", "inherit", "inherit"]
      })
      const met = Object.keys(JSON.parse(readFileSync(`${bundle}.json`, "utf8")).inputs as Record<string, unknown>)
      expect(met.some((input) => input.includes("effect-mcp-server/dist/web/")), `the bundle met no WebHandler: ${met.slice(0, 5).join(", ")}`)
      const server = met.filter((input) => /internal\/nodeServer\.|NodeHttpServer\.js|\/ws\//.test(input))
      expect(server.length === 0, `WebHandler's module graph holds a Node server: ${server.slice(0, 5).join(", ")}`)
      const run = spawnSync(process.execPath, [bundle], { cwd: dir, encoding: "utf8", timeout: 20_000 })
      expect(
        run.status === 0 && /^200 \{"jsonrpc":"2\.0","id":1,"result":\{\}\}$/.test(run.stdout.trim()),
        `exit ${run.status}; stdout ${run.stdout}; stderr ${run.stderr.slice(0, 2000)}`
      )
    })

    await check("the effect-mcp bin: npx effect-mcp --help, inspect --json, install into a JSONC file, and run --stdio of a server module", async () => {
      // The README example, exporting its server instead of running it (the CLI's convention).
      const source = readmeExample().replace(
        /McpServer\.serve\((\{[^}]*\}), (.+?), Stdio\.make\(\)\)\s*\.pipe\(Stdio\.runMain\)/s,
        "export default { options: $1, components: $2 } satisfies ServerModule"
      ).replace(`from "effect-mcp-server"`, `from "effect-mcp-server"\nimport type { ServerModule } from "effect-mcp-server"`)
      expect(source.includes("export default {"), "the README example's McpServer.serve(...) line was not found")
      writeFileSync(join(dir, "server-module.ts"), source)
      const npx = process.platform === "win32" ? "npx.cmd" : "npx"
      const help = execFileSync(npx, ["--no", "--", "effect-mcp", "--help"], { cwd: dir, encoding: "utf8" })
      for (const command of ["run", "dev", "inspect", "install"]) expect(help.includes(command), `--help lacks ${command}:\n${help}`)
      const inspected = JSON.parse(
        execFileSync(npx, ["--no", "--", "effect-mcp", "inspect", "server-module.ts", "--json"], { cwd: dir, encoding: "utf8" })
      ) as { readonly serverInfo: { readonly name: string }; readonly tools: ReadonlyArray<{ readonly name: string }> }
      expect(inspected.serverInfo.name === "hello", `inspect: ${JSON.stringify(inspected.serverInfo)}`)
      expect(inspected.tools.map((tool) => tool.name).join() === "weather", `inspect tools: ${JSON.stringify(inspected.tools)}`)
      // install edits a configuration with comments in place (jsonc-parser, loaded from the package).
      const config = join(dir, "mcp.json")
      writeFileSync(config, `{\n  // workspace servers\n  "servers": {},\n}\n`)
      execFileSync(npx, ["--no", "--", "effect-mcp", "install", "vscode", "server-module.ts", "--config", config], { cwd: dir, encoding: "utf8" })
      const installedConfig = readFileSync(config, "utf8")
      expect(
        installedConfig.includes("// workspace servers") && installedConfig.includes(`"hello": {`),
        `install into a JSONC file:\n${installedConfig}`
      )
      const bin = join(dir, "node_modules/effect-mcp-server", packageManifest.bin["effect-mcp"])
      await driveReadmeServer(dir, bin, ["run", "server-module.ts", "--stdio"])
    })

    await check("a module of the bin that cannot be imported is named as installed: ./Install.js, its file and the command", () => {
      // In the package the CLI's modules are `.js` files: the message names the one Node looked for
      // (it named `./Install.ts`, the source's name, which the package has only as source).
      writeFileSync(
        join(dir, "broken-import.mjs"),
        `import { registerHooks } from "node:module"\nregisterHooks({ resolve(specifier, context, next) {\n` +
          `  if (specifier === process.env.EFFECT_MCP_BROKEN) throw new Error("simulated: " + specifier + " is not there")\n` +
          `  return next(specifier, context)\n} })\n`
      )
      const bin = join(dir, "node_modules/effect-mcp-server", packageManifest.bin["effect-mcp"])
      const run = spawnSync(process.execPath, ["--import", "./broken-import.mjs", bin, "install", "stdio", "server-module.ts", "--print"], {
        cwd: dir,
        env: { ...process.env, EFFECT_MCP_BROKEN: "./Install.js", NO_COLOR: "1" },
        encoding: "utf8",
        timeout: 30_000
      })
      const file = join(realpathSync(join(dir, "node_modules/effect-mcp-server")), "dist/cli/Install.js")
      const said = `effect-mcp: the CLI could not load ./Install.js (${file}), which effect-mcp install needs ` +
        "(is effect-mcp-server installed whole, with its peer dependencies?): simulated: ./Install.js is not there\n"
      expect(run.status === 1 && run.stderr === said, `exit ${run.status}; stderr ${run.stderr}; expected ${said}`)
    })

    await check(`on the oldest supported Node (${oldestSupportedNode()}): server.mjs, the HTTP server unbundled, and the bin's run of a .ts server module`, async () => {
      // engines.node is a promise to users: the package, not only this repository's Node 24, runs
      // there. Installed in a folder of its own (removed with the project), as this repository gets
      // its own Node.
      const node = installNode(join(dir, "node-floor"), oldestSupportedNode())
      const version = execFileSync(node, ["--version"], { encoding: "utf8" }).trim()
      expect(version === `v${oldestSupportedNode()}`, `installed ${version}, not v${oldestSupportedNode()}`)
      await driveReadmeServer(dir, server, [], node)
      // Unbundled: the HTTP endpoint is imported on first use.
      await driveHttpServer(dir, join(dir, "http-server.mjs"), node)
      // Node strips the module's types (on by default since 22.18).
      const bin = join(dir, "node_modules/effect-mcp-server", packageManifest.bin["effect-mcp"])
      await driveReadmeServer(dir, bin, ["run", "server-module.ts", "--stdio"], node)
    })

    // The system's Node, when it is older than engines.node allows (CI's is 20): the bin says so
    // and exits 1, instead of loading and misbehaving. Not counted where there is none.
    const olderNode = systemNodeOlderThanFloor()
    if (olderNode === undefined) console.log("skip the bin on a Node older than engines.node: no such Node on this machine")
    else {
      await check(`the bin on a Node older than engines.node (${olderNode.version}): a clear refusal, exit 1`, () => {
        const bin = join(dir, "node_modules/effect-mcp-server", packageManifest.bin["effect-mcp"])
        const run = spawnSync(olderNode.path, [bin, "--help"], { cwd: dir, encoding: "utf8" })
        expect(run.status === 1, `exit ${run.status}; stdout ${run.stdout}; stderr ${run.stderr}`)
        expect(run.stdout === "", `stdout: ${run.stdout}`)
        expect(run.stderr.includes(`Node.js ${oldestSupportedNode()} or newer is needed; this is Node.js ${olderNode.version.slice(1)}`), `stderr: ${run.stderr}`)
      })
      await check(`the README example on that Node (${olderNode.version}): one warning on stderr naming both versions, and it answers`, () => {
        const initialize = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "consumer", version: "1.0.0" } } }
        const run = spawnSync(olderNode.path, [server], { cwd: dir, encoding: "utf8", input: `${JSON.stringify(initialize)}\n`, timeout: 20_000 })
        expect(run.stdout.includes(`"serverInfo":{"name":"hello"`), `exit ${run.status}; stdout ${run.stdout}; stderr ${run.stderr}`)
        const warnings = run.stderr.split("\n").filter((line) => line.includes(`Node.js ${oldestSupportedNode()} or newer is supported`))
        expect(warnings.length === 1 && warnings[0]!.includes(`this is Node.js ${olderNode.version.slice(1)}`), `stderr: ${run.stderr}`)
      })
    }

    await check("the getting-started guide's tsconfig and server.ts, with a second module importing it by its .ts path: tsc, then node", () => {
      // Node's type stripping needs relative imports to name their `.ts` files: the guide's
      // tsconfig must accept them as soon as a server has a second module.
      const { tsconfig: config, server: guideServer } = gettingStarted()
      const guide = join(dir, "guide")
      mkdirSync(guide)
      writeFileSync(join(guide, "tsconfig.json"), config)
      writeFileSync(join(guide, "server.ts"), guideServer)
      writeFileSync(
        join(guide, "main.ts"),
        `import { components, options } from "./server.ts"\nconsole.log(options.name, typeof components)\n`
      )
      const tsc = join(dir, "node_modules/typescript/bin/tsc")
      try {
        execFileSync(process.execPath, [tsc, "-p", "guide"], { cwd: dir, encoding: "utf8" })
      } catch (error) {
        const output = error as { stdout?: string; stderr?: string }
        throw new Error(`tsc failed:\n${output.stdout ?? ""}${output.stderr ?? ""}`)
      }
      const output = execFileSync(process.execPath, [join(guide, "main.ts")], { cwd: dir, encoding: "utf8" }).trim()
      expect(output === "weather object", `node guide/main.ts: ${output}`)
    })

    await check("tsc emits the declarations of a consumer's inferred exports (import from the root entry and by path)", () => {
      const files: Array<string> = []
      for (const style of ["root", "path"] as const) {
        writeFileSync(join(dir, `declarations-${style}.ts`), declarationConsumer(style))
        files.push(`declarations-${style}.ts`)
      }
      const config = JSON.parse(tsconfig("nodenext"))
      config.compilerOptions = { ...config.compilerOptions, noEmit: false, declaration: true, emitDeclarationOnly: true, outDir: "declarations" }
      config.files = files
      writeFileSync(join(dir, "tsconfig.declarations.json"), JSON.stringify(config, null, 2))
      const tsc = join(dir, "node_modules/typescript/bin/tsc")
      try {
        execFileSync(process.execPath, [tsc, "-p", "tsconfig.declarations.json"], { cwd: dir, encoding: "utf8" })
      } catch (error) {
        const output = error as { stdout?: string; stderr?: string }
        throw new Error(`tsc failed:\n${output.stdout ?? ""}${output.stderr ?? ""}`)
      }
      const emitted = readFileSync(join(dir, "declarations/declarations-path.d.ts"), "utf8")
      expect(!emitted.includes("/dist/"), `the declarations name internal modules:\n${emitted}`)
    })

    for (const moduleResolution of ["nodenext", "bundler"] as const) {
      await check(`tsc --noEmit of a consumer using every entry point (moduleResolution ${moduleResolution})`, () => {
        writeFileSync(join(dir, "consumer.ts"), typescriptConsumer)
        writeFileSync(join(dir, `tsconfig.${moduleResolution}.json`), tsconfig(moduleResolution))
        const tsc = join(dir, "node_modules/typescript/bin/tsc")
        try {
          execFileSync(process.execPath, [tsc, "-p", `tsconfig.${moduleResolution}.json`], { cwd: dir, encoding: "utf8" })
        } catch (error) {
          const output = error as { stdout?: string; stderr?: string }
          throw new Error(`tsc failed:\n${output.stdout ?? ""}${output.stderr ?? ""}`)
        }
      })
    }

    await check("each module by path is the root entry's namespace at run time", () => {
      const probe = join(dir, "modules.mjs")
      writeFileSync(
        probe,
        `import * as Root from "effect-mcp-server"\nconst names = ${JSON.stringify(modulePaths)}\nconst differ = []\n` +
          `for (const name of names) { const module = await import("effect-mcp-server/" + name); ` +
          `if (Object.keys(module).length === 0 || Object.keys(module).some((key) => module[key] !== Root[name][key])) differ.push(name) }\n` +
          `console.log(JSON.stringify(differ))\n`
      )
      const output = execFileSync(process.execPath, [probe], { cwd: dir, encoding: "utf8" }).trim()
      expect(output === "[]", `modules by path that differ from the root's namespaces: ${output}`)
    })

    await check("internal modules cannot be imported at run time", () => {
      const probe = join(dir, "internal.mjs")
      writeFileSync(
        probe,
        `try { await import("effect-mcp-server/dist/internal/emptyMap.js"); console.log("imported") } catch (e) { console.log(e.code) }\n`
      )
      const output = execFileSync(process.execPath, [probe], { cwd: dir, encoding: "utf8" }).trim()
      expect(output === "ERR_PACKAGE_PATH_NOT_EXPORTED", `importing an internal module: ${output}`)
    })
  } finally {
    project.remove()
  }
}

await main()
console.log(`consumer: ${passed} passed, ${failed} failed`)
process.exit(failed === 0 && passed > 0 ? 0 : 1)
