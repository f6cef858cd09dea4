/**
 * A refused registration (a key given twice, a definition no client could use) is a
 * `RegistrationError` that prints as its message and the line of the user's code that defined
 * the component, not the library's frames: in a child server under `Stdio.runMain`, and
 * in-process for each kind of component, `addTool` at run time, and an extension given twice.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { fileURLToPath } from "node:url"
import { Extension, McpServer, RegistrationError } from "../../src/index.ts"
import { definitionSite, siteOf } from "../../src/server/internal/definitionSite.ts"
import { spawnNode } from "../support/child.ts"
import { startServer, using } from "./McpServerHarness.ts"

const fixture = fileURLToPath(new URL("../fixtures/duplicate-tool-server.ts", import.meta.url))
const failing = fileURLToPath(new URL("../fixtures/failing-stdio-server.ts", import.meta.url))
const here = fileURLToPath(import.meta.url)

/** The refusal of `effect` (a defect), and its printed form. */
const refusalOf = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.exit(effect), (exit) => {
    assert.isTrue(Exit.isFailure(exit), "the registration must fail")
    const cause = Exit.isFailure(exit) ? exit.cause : Cause.empty
    const defect = cause.reasons.find(Cause.isDieReason)?.defect
    return { defect, printed: Cause.pretty(cause) }
  })

/** The line number of the first line of this file that includes `marker`. */
const lineOf = (source: string, marker: string) => source.split("\n").findIndex((line) => line.includes(marker)) + 1

const read = Effect.succeed("text")

describe("RegistrationError", () => {
  // Fails before: worded "the server stopped RegistrationError: …", the other definition's line not
  // named; under NodeRuntime.runMain and GracefulShutdown.runMain (no `logToStderr`) on stdout, the
  // protocol's stream, with nothing on stderr.
  it.live("a duplicate tool in a child stdio server: a failure to start, on stderr, with the message and both lines, no library frame, under each runner", () =>
    Effect.gen(function*() {
      for (const runner of ["stdio", "node-runtime", "graceful"]) {
        const running = yield* spawnNode(fixture, [runner], { stdin: "ignore" })
        const exited = yield* Effect.promise(() => running.exited(20_000))
        const stderr = running.stderr()
        assert.strictEqual(exited?.code, 1, `${runner}: ${stderr}`)
        assert.strictEqual(running.stdout(), "", runner)
        assert.include(stderr, "effect-mcp-server: the server could not start: Tool echo is registered twice (two component Layers give it)", runner)
        assert.include(stderr, `The other definition is at file://${fixture}:12:`, runner)
        assert.include(stderr, `at file://${fixture}:14:`, runner)
        // Said once, without the tag's name.
        assert.strictEqual(stderr.split("is registered twice").length, 2, `${runner}: ${stderr}`)
        assert.notInclude(stderr, "RegistrationError", runner)
        assert.notInclude(stderr, "src/server/", runner)
        assert.notInclude(stderr, "node_modules", runner)
      }
    }), 60_000)

  // Fails before: under GracefulShutdown.runMain a failure that could not be marked reported (a
  // string, a frozen error) was said on stdout, the protocol's stream, and nothing on stderr; one
  // that could was marked (the user's error changed). Under NodeRuntime.runMain, marking is the
  // one way there is: an error is marked, said once on stderr.
  it.live("a stdio server that fails to build under GracefulShutdown.runMain: said once, on stderr, whatever the error, which is left unmarked", () =>
    Effect.gen(function*() {
      const cases = [
        ["graceful", "string", "not configured", "undefined"],
        ["graceful", "frozen", "not configured (frozen)", "undefined"],
        ["graceful", "error", "not configured (an error)", "undefined"],
        ["node-runtime", "error", "not configured (an error)", "false"]
      ] as const
      for (const [runner, kind, message, marked] of cases) {
        const what = `${runner} ${kind}`
        const running = yield* spawnNode(failing, [runner, kind], { stdin: "ignore" })
        const exited = yield* Effect.promise(() => running.exited(20_000))
        const stderr = running.stderr()
        assert.strictEqual(exited?.code, 1, `${what}: ${stderr}`)
        assert.strictEqual(running.stdout(), "", what)
        assert.include(stderr, `effect-mcp-server: the server could not start: Error: ${message}`, what)
        assert.strictEqual(stderr.split(message).length, 2, `${what}: ${stderr}`)
        assert.include(stderr, `marked: ${marked}`, what)
      }
      // Marked reported already: said by nobody, as Effect's runMain does not.
      for (const runner of ["graceful", "node-runtime"]) {
        const running = yield* spawnNode(failing, [runner, "reported"], { stdin: "ignore" })
        const exited = yield* Effect.promise(() => running.exited(20_000))
        assert.strictEqual(exited?.code, 1, runner)
        assert.notInclude(`${running.stdout()}${running.stderr()}`, "not configured", runner)
      }
    }), 60_000)

  // Fails before: not said on stderr (where a client shows it) at all, only by the runner on stdout;
  // the proxy's own TypeError, thrown as the error was marked, in place of the error.
  it.live("a stdio server that fails to build with an error that cannot be marked reported, under NodeRuntime.runMain: said on stderr too", () =>
    Effect.gen(function*() {
      for (const kind of ["string", "frozen", "proxy"]) {
        const running = yield* spawnNode(failing, ["node-runtime", kind], { stdin: "ignore" })
        const exited = yield* Effect.promise(() => running.exited(20_000))
        const stderr = running.stderr()
        assert.strictEqual(exited?.code, 1, `${kind}: ${stderr}`)
        assert.include(stderr, "effect-mcp-server: the server could not start: Error: not configured", `${kind}: ${stderr}`)
        assert.strictEqual(stderr.split("not configured").length, 2, `${kind}: ${stderr}`)
      }
    }), 60_000)

  it.live("in-process: each kind of refused definition names its component and the line defining it", () =>
    Effect.gen(function*() {
      const source = yield* Effect.promise(() => import("node:fs/promises").then((fs) => fs.readFile(here, "utf8")))
      const cases: ReadonlyArray<readonly [Layer.Layer<never, never, McpServer.McpServer>, string, string]> = [
        [McpServer.resource({ uri: "notes/today", name: "today", read }), "starts with its scheme", "MARK:scheme"], // MARK:scheme
        [McpServer.resourceTemplate({ uriTemplate: "x://{a", name: "t", read: () => read }), "unclosed \"{\"", "MARK:template"], // MARK:template
        [McpServer.prompt({ name: "", handler: () => Effect.succeed("") }), "name must not be empty", "MARK:prompt"], // MARK:prompt
        [McpServer.tool({ name: "", handler: () => Effect.succeed("") }), "name must not be empty", "MARK:tool"], // MARK:tool
        [
          Layer.mergeAll(
            McpServer.resource({ uri: "x://a", name: "a", read }),
            McpServer.resource({ uri: "x://a", name: "b", read }) // MARK:twice
          ),
          "Resource x://a is registered twice",
          "MARK:twice"
        ]
      ]
      for (const [layer, message, marker] of cases) {
        const { defect, printed } = yield* refusalOf(Effect.scoped(startServer({}, layer)))
        assert.isTrue(RegistrationError.isRegistrationError(defect), printed)
        assert.include(printed, message)
        assert.include(printed, `${here}:${lineOf(source, `// ${marker}`)}:`, printed)
        // The error's own rendering (its `cause`, printed after it, has the library's frames).
        const own = printed.split(" {\n  [cause]")[0]!
        assert.notInclude(own, "src/server/", printed)
        // Fails before (no cause): what the definition threw is kept, its message the error's.
        const cause = (defect as RegistrationError.RegistrationError).cause
        if (marker !== "MARK:twice") {
          assert.instanceOf(cause, Error, printed)
          assert.strictEqual((cause as Error).message, (defect as RegistrationError.RegistrationError).message)
        } else assert.isUndefined(cause)
      }
    }))

  // Fails before: only the refused definition's line was named; the other was to be found by hand.
  it.live("a key given twice names both definitions' lines: the refused one as its site, the other in the message", () =>
    Effect.gen(function*() {
      const source = yield* Effect.promise(() => import("node:fs/promises").then((fs) => fs.readFile(here, "utf8")))
      const line = (marker: string) => `${here}:${lineOf(source, `// ${marker}`)}:`
      const cases: ReadonlyArray<readonly [Layer.Layer<never, never, McpServer.McpServer>, string]> = [
        [
          Layer.mergeAll(
            McpServer.tool({ name: "t", handler: () => Effect.succeed("") }), // MARK:tool-1
            McpServer.tool({ name: "t", handler: () => Effect.succeed("") }) // MARK:tool-2
          ),
          "tool"
        ],
        [
          Layer.mergeAll(
            McpServer.prompt({ name: "p", handler: () => Effect.succeed("") }), // MARK:prompt-1
            McpServer.prompt({ name: "p", handler: () => Effect.succeed("") }) // MARK:prompt-2
          ),
          "prompt"
        ],
        [
          Layer.mergeAll(
            McpServer.resource({ uri: "x://caf%C3%A9", name: "a", read }), // MARK:resource-1
            McpServer.resource({ uri: "x://café", name: "b", read }) // MARK:resource-2
          ),
          "resource"
        ]
      ]
      for (const [layer, kind] of cases) {
        const { defect, printed } = yield* refusalOf(Effect.scoped(startServer({}, layer)))
        assert.isTrue(RegistrationError.isRegistrationError(defect), printed)
        const error = defect as RegistrationError.RegistrationError
        // Which of the two is refused is the build's order: each names the other.
        const [first, second] = [line(`MARK:${kind}-1`), line(`MARK:${kind}-2`)]
        const refused = `${error.site}:`.includes(first) ? first : second
        const other = refused === first ? second : first
        assert.include(`${error.site}:`, refused, printed)
        assert.include(`${error.otherSite}:`, other, printed)
        assert.include(error.message, `The other definition is at ${error.otherSite}.`, printed)
        assert.include(printed, refused, printed)
        assert.include(printed, other, printed)
      }
    }))

  it.live("in-process: addTool at run time and an extension given twice point at their call", () =>
    Effect.gen(function*() {
      const source = yield* Effect.promise(() => import("node:fs/promises").then((fs) => fs.readFile(here, "utf8")))
      const server = yield* startServer()
      const added = yield* refusalOf(using(server, McpServer.addTool({ name: "", handler: () => Effect.succeed("") }))) // MARK:addTool
      assert.isTrue(RegistrationError.isRegistrationError(added.defect), added.printed)
      assert.include(added.printed, `${here}:${lineOf(source, "// MARK:addTool")}:`, added.printed)
      const Units = Extension.make({ id: "com.example/units" })
      const twice = yield* refusalOf(
        Effect.scoped(startServer({}, Layer.mergeAll(McpServer.extension(Units), McpServer.extension(Units).pipe(Layer.fresh)))) // MARK:extension
      )
      assert.isTrue(RegistrationError.isRegistrationError(twice.defect), twice.printed)
      assert.include(twice.printed, "com.example/units is registered twice")
      assert.include(twice.printed, `${here}:${lineOf(source, "// MARK:extension")}:`)
    }))

  // Fails before: without `Error.captureStackTrace` (an engine that has none) every
  // `McpServer.tool(...)` threw a TypeError as it was called, though a site is only a nicety; and a
  // `prepareStackTrace` of the program's that throws replaced the RegistrationError by its own error.
  it.live("no site where the engine gives none: a definition without Error.captureStackTrace, a prepareStackTrace that throws", () =>
    Effect.gen(function*() {
      const capture = Error.captureStackTrace
      let layer: Layer.Layer<never, never, McpServer.McpServer>
      try {
        ;(Error as { captureStackTrace?: unknown }).captureStackTrace = undefined
        layer = McpServer.tool({ name: "", handler: () => Effect.succeed("") })
      } finally {
        Error.captureStackTrace = capture
      }
      const { defect, printed } = yield* refusalOf(Effect.scoped(startServer({}, layer)))
      assert.isTrue(RegistrationError.isRegistrationError(defect), printed)
      assert.isUndefined((defect as RegistrationError.RegistrationError).site)
      assert.include(printed, "name must not be empty")

      const definedHere = () => definitionSite(definedHere)
      const site = definedHere()
      const prepare = Error.prepareStackTrace
      let frame: string | undefined | Error
      try {
        Error.prepareStackTrace = () => {
          throw new Error("the program's prepareStackTrace failed")
        }
        frame = siteOf(site)
      } catch (error) {
        frame = error as Error
      } finally {
        Error.prepareStackTrace = prepare
      }
      assert.isUndefined(frame)
      // Formatted as the program's prepareStackTrace formats it (here V8's default, restored): a site.
      assert.include(siteOf(definedHere()), here)
    }))
})
