/**
 * `Dev.run`'s times given in code (`holdTimeout`, `startNotice`) follow the rule of their
 * environment variables (`MCP_DEV_HOLD_MILLIS`, `MCP_DEV_START_NOTICE_MILLIS`: a whole number of
 * milliseconds from 1, src/cli/internal/devTimes.ts): another fails `Dev.run` at once with
 * `Dev.InvalidTime`, naming the option. And dev says a time under a second in milliseconds.
 *
 * `Dev.run` runs in this process; its server child is a stand-in script that never tells a port
 * (a server whose start hangs), started and stopped in a few milliseconds.
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { Console as NodeConsole } from "node:console"
import { connect } from "node:net"
import { Writable } from "node:stream"
import * as Dev from "../../src/cli/Dev.ts"
import * as DevTimes from "../../src/cli/internal/devTimes.ts"
import { tempProject, writeModule } from "./support.ts"

/** A stand-in for the CLI in dev's child: it never tells its port, and lives until stopped. */
const standIn = "setInterval(() => {}, 60_000)\n"

/** `Dev.run` of a module that needs no server (the stand-in serves nothing), with these times. */
const devWith = (dir: string, times: Pick<Dev.Options, "holdTimeout" | "startNotice" | "shutdownTimeout" | "debounce">, listener?: Dev.Options["listener"]) =>
  Dev.run({
    file: writeModule(dir, "server.ts", "export default {}\n"),
    host: "127.0.0.1",
    port: 0,
    listener,
    watch: [],
    command: { node: process.execPath, nodeArgs: [], bin: writeModule(dir, "stand-in.mjs", standIn) },
    ...times
  }).pipe(Effect.provide(NodeServices.layer))

/** What `effect` writes, to a string: Effect's console and process.stderr (the relay writes there), restored after. */
const capturingStderr = <A, E, R>(run: (said: () => string) => Effect.Effect<A, E, R>) =>
  Effect.suspend(() => {
    let said = ""
    const stream = new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        said += String(chunk)
        callback()
      }
    })
    const write = process.stderr.write
    process.stderr.write = stream.write.bind(stream) as typeof process.stderr.write
    return run(() => said).pipe(
      Effect.provideService(Console.Console, new NodeConsole({ stdout: stream, stderr: stream })),
      Effect.ensuring(Effect.sync(() => void (process.stderr.write = write)))
    )
  })

describe("Dev.run's times", () => {
  // Fails before the fix: Dev.run took any Duration (a hold of 0 or NaN closed each held
  // connection as it came, an infinite notice never said anything); it ran on with them (here,
  // until the 10 s bound: a timeout, no InvalidTime).
  it.live("a holdTimeout or startNotice that is not a whole number of milliseconds from 1 fails at once with InvalidTime, naming it", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const cases: ReadonlyArray<readonly [Duration.Input, string]> = [
        [0, "0 ms"],
        [-5, "-5 ms"],
        [Number.NaN, "NaN ms"],
        [Number.POSITIVE_INFINITY, "Infinity ms"],
        [Duration.infinity, "Infinity ms"],
        ["1.5 millis", "1.5 ms"],
        [Duration.nanos(10n), "0.00001 ms"],
        ["soon" as Duration.Input, `"soon", which is no duration`]
      ]
      for (const option of ["holdTimeout", "startNotice"] as const) {
        for (const [input, got] of cases) {
          const what = `${option}: ${String(input)}`
          const exit = yield* devWith(dir, { [option]: input }).pipe(Effect.timeout("10 seconds"), Effect.exit)
          assert.isTrue(Exit.isFailure(exit), what)
          const error = Exit.isFailure(exit) ? exit.cause.reasons.find((reason) => reason._tag === "Fail")?.error : undefined
          assert.instanceOf(error, Dev.InvalidTime, `${what}: ${String(error)}`)
          const invalid = error as Dev.InvalidTime
          assert.strictEqual(invalid.option, option, what)
          assert.strictEqual(invalid.message, `Dev.run: ${option} must be a whole number of milliseconds from 1, got ${got}`, what)
        }
      }
    }), 60_000)

  // Fails before the fix: `shutdownTimeout` and `debounce` were taken unchecked. A shutdown time
  // of NaN or -5 (a Duration of 0, or below) killed every server at its restart, undrained; one
  // that is no duration was a defect as dev stopped its server; a debounce that is no duration was
  // a defect at the start, an infinite one never restarted. Dev.run ran on with them (here, until
  // the 5 s bound: a timeout, or a defect, no InvalidTime). Their own rules, the package's for such
  // times: a shutdown of 0 kills at once and an infinite one waits for the drain (as
  // `session.shutdownTimeoutMillis`), a debounce of 0 restarts at the change; see the next case.
  it.live("a shutdownTimeout or debounce that is no time it can use fails at once with InvalidTime, naming it", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const cases: ReadonlyArray<readonly [Dev.InvalidTime["option"], Duration.Input, string]> = [
        ["shutdownTimeout", -5, "a number >= 0 (milliseconds), got -5 ms"],
        ["shutdownTimeout", Number.NaN, "a number >= 0 (milliseconds), got NaN ms"],
        ["shutdownTimeout", "-1 second", "a number >= 0 (milliseconds), got -1000 ms"],
        ["shutdownTimeout", "soon" as Duration.Input, `a number >= 0 (milliseconds), got "soon", which is no duration`],
        ["debounce", -5, "a finite number >= 0 (milliseconds), got -5 ms"],
        ["debounce", Number.NaN, "a finite number >= 0 (milliseconds), got NaN ms"],
        ["debounce", Number.POSITIVE_INFINITY, "a finite number >= 0 (milliseconds), got Infinity ms"],
        ["debounce", Duration.infinity, "a finite number >= 0 (milliseconds), got Infinity ms"],
        ["debounce", "soon" as Duration.Input, `a finite number >= 0 (milliseconds), got "soon", which is no duration`]
      ]
      for (const [option, input, got] of cases) {
        const what = `${option}: ${String(input)}`
        const exit = yield* devWith(dir, { [option]: input }).pipe(Effect.timeout("5 seconds"), Effect.exit)
        assert.isTrue(Exit.isFailure(exit), what)
        const error = Exit.isFailure(exit) ? exit.cause.reasons.find((reason) => reason._tag === "Fail")?.error : undefined
        assert.instanceOf(error, Dev.InvalidTime, `${what}: ${Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "success"}`)
        const invalid = error as Dev.InvalidTime
        assert.strictEqual(invalid.option, option, what)
        assert.strictEqual(invalid.message, `Dev.run: ${option} must be ${got}`, what)
      }
    }), 90_000)

  it("shutdownTimeout and debounce take 0 (at once), shutdownTimeout an infinite time (it waits for the drain)", () => {
    assert.deepStrictEqual(DevTimes.fromInput(0, DevTimes.rules.shutdownTimeout), { millis: 0 })
    assert.deepStrictEqual(DevTimes.fromInput(Duration.infinity, DevTimes.rules.shutdownTimeout), { millis: Number.POSITIVE_INFINITY })
    assert.deepStrictEqual(DevTimes.fromInput("0 millis", DevTimes.rules.debounce), { millis: 0 })
    assert.deepStrictEqual(DevTimes.fromInput(Duration.micros(1500n), DevTimes.rules.debounce), { millis: 1.5 })
    assert.deepStrictEqual(DevTimes.fromInput(0, DevTimes.rules.holdTimeout), {
      problem: "must be a whole number of milliseconds from 1, got 0 ms"
    })
  })

  it("the rule, as the variables' and the options' (DevTimes)", () => {
    assert.deepStrictEqual(DevTimes.fromInput("2 seconds"), { millis: 2_000 })
    assert.deepStrictEqual(DevTimes.fromInput(Duration.millis(1)), { millis: 1 })
    assert.deepStrictEqual(DevTimes.fromInput(Duration.nanos(3_000_000n)), { millis: 3 })
    assert.deepStrictEqual(DevTimes.fromText(" 40 "), { millis: 40 })
    assert.deepStrictEqual(DevTimes.fromText("0"), { problem: `must be a whole number of milliseconds from 1, got "0"` })
    assert.deepStrictEqual(DevTimes.fromText("1e3"), { problem: `must be a whole number of milliseconds from 1, got "1e3"` })
  })

  // Fails before the fix: dev said times in tenths of a second, a hold of 40 ms as "0 s".
  it("dev says a time under a second in milliseconds, a longer one in seconds", () => {
    assert.deepStrictEqual(
      [1, 40, 999, 999.6, 1_000, 1_500, 3_540, 30_000].map(DevTimes.said),
      ["1 ms", "40 ms", "999 ms", "1 s", "1 s", "1.5 s", "3.5 s", "30 s"]
    )
  })

  // Fails before the fix: the notice said "within 0.2 s ... each at most 0 s", the closed
  // connection "held 0 s". Bounded: 20 s for both lines (a stand-in child starts in milliseconds).
  it.live("times in code are used (a connection held 40 ms is closed, a start not told after 200 ms is said), as dev says them", () =>
    Effect.gen(function*() {
      const dir = yield* tempProject
      const listener = yield* Dev.listen("127.0.0.1", 0)
      const address = listener.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      const notice = "effect-mcp dev: the server did not start listening within 200 ms (its module still loading, or its components still " +
        "being built): requests wait for it (each at most 40 ms) and are relayed to it once it listens; a change restarts it"
      const closed = "effect-mcp dev: a connection held 40 ms was closed unanswered: no server accepts connections"
      const said = yield* capturingStderr((said) =>
        Effect.gen(function*() {
          const dev = yield* Effect.forkChild(devWith(dir, { holdTimeout: 40, startNotice: "200 millis" }, listener))
          // Held (no server told its port), then closed by dev: the client sees its end.
          const ended = yield* Effect.promise(() =>
            new Promise<string>((resolve) => {
              const socket = connect(port, "127.0.0.1")
              socket.on("error", (error) => resolve(`error ${error.message}`))
              socket.on("close", () => resolve("closed"))
              socket.setTimeout(10_000, () => {
                socket.destroy()
                resolve("still open after 10 s")
              })
            })
          )
          assert.strictEqual(ended, "closed")
          for (let waited = 0; !(said().includes(notice) && said().includes(closed)) && waited < 20_000; waited += 25) {
            yield* Effect.sleep(25)
          }
          yield* Fiber.interrupt(dev)
          return said()
        })
      )
      assert.include(said, notice, said)
      assert.include(said, closed, said)
    }), 60_000)
})
