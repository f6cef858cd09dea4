/**
 * A handler's module that cannot be imported (`Cli.ModuleLoadError`) is named as the CLI imports
 * it, with the file Node looked for and the command that needed it: what a user can act on. Run
 * from source here (`./Install.ts`); scripts/consumer-test.ts checks the built package's bin
 * (`./Install.js`, its installed file), which only a build shows.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { join } from "node:path"
import { cliWithBrokenImport, example, root } from "./support.ts"

describe("Cli.ModuleLoadError", () => {
  // Fails before the fix: the line named the module alone, by its source name ("./Install.ts",
  // which the built package does not have: its file is Install.js), and no command.
  it.effect("names the module as imported, its file and the command that needed it (exit 1, one line)", () =>
    Effect.gen(function*() {
      for (
        const [args, module, file, command] of [
          [["install", "stdio", example("hello-server.ts")], "./Install.ts", join(root, "src/cli/Install.ts"), "install"],
          [["inspect", example("hello-server.ts")], "./ServerModule.ts", join(root, "src/cli/ServerModule.ts"), "inspect"],
          // A package's module: no file of the CLI's to name.
          [["inspect", example("hello-server.ts")], "@effect/platform-node/NodeServices", undefined, "inspect"]
        ] as const
      ) {
        const result = yield* cliWithBrokenImport(args, module)
        const what = `${args.join(" ")} (${module} broken): ${result.stderr}`
        assert.strictEqual(result.code, 1, what)
        assert.strictEqual(result.stdout, "", what)
        assert.strictEqual(
          result.stderr,
          `effect-mcp: the CLI could not load ${module}${file === undefined ? "" : ` (${file})`}, which effect-mcp ${command} needs ` +
            `(is effect-mcp-server installed whole, with its peer dependencies?): simulated: ${module} is not there\n`,
          what
        )
      }
    }), 120_000)
})
