/**
 * A handler's module that cannot be imported (`Cli.ModuleLoadError`) is named as the CLI imports
 * it, with the file Node looked for and the command that needed it: what a user can act on. Run
 * from source here (`./Install.ts`); scripts/consumer-test.ts checks the built package's bin
 * (`./Install.js`, its installed file), which only a build shows.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { execFile } from "node:child_process"
import { join } from "node:path"
import { bin, example, root } from "./support.ts"

/** A module hook that fails the resolution of the specifier `EFFECT_MCP_BROKEN` names. */
const broken = `data:text/javascript,${
  encodeURIComponent(`
import { registerHooks } from "node:module"
registerHooks({ resolve(specifier, context, next) {
  if (specifier === process.env.EFFECT_MCP_BROKEN) throw new Error("simulated: " + specifier + " is not there")
  return next(specifier, context)
} })
`)
}`

describe("Cli.ModuleLoadError", () => {
  // Fails before the fix: the line named the module alone, by its source name ("./Install.ts",
  // which the built package does not have: its file is Install.js), and no command.
  it.effect("names the module as imported, its file and the command that needed it (exit 1, one line)", () =>
    Effect.gen(function*() {
      for (
        const [args, module, file, command] of [
          [["install", "stdio", example("hello-server.ts")], "./Install.ts", join(root, "src/cli/Install.ts"), "install"],
          [["inspect", example("hello-server.ts")], "./ServerModule.ts", join(root, "src/cli/ServerModule.ts"), "inspect"]
        ] as const
      ) {
        const result = yield* Effect.promise(() =>
          new Promise<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }>((resolve) => {
            const child = execFile(process.execPath, ["--import", broken, bin, ...args], {
              cwd: root,
              env: { ...process.env, EFFECT_MCP_BROKEN: module, NO_COLOR: "1" },
              timeout: 30_000
            }, (error, stdout, stderr) => {
              resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : child.exitCode, stdout, stderr })
            })
            child.stdin?.end()
          })
        )
        const what = `${args.join(" ")} (${module} broken): ${result.stderr}`
        assert.strictEqual(result.code, 1, what)
        assert.strictEqual(result.stdout, "", what)
        assert.strictEqual(
          result.stderr,
          `effect-mcp: the CLI could not load ${module} (${file}), which effect-mcp ${command} needs ` +
            `(is effect-mcp-server installed whole, with its peer dependencies?): simulated: ${module} is not there\n`,
          what
        )
      }
    }), 120_000)
})
