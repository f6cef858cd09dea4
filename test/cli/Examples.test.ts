/**
 * The examples run themselves without relying on `import.meta.main` (undefined under tsx on
 * Node 20, where `if (import.meta.main)` silently did nothing): `isMain` falls back to comparing
 * the script Node was started with and the module's file; and they export their servers for the
 * CLI.
 */
import { assert, describe, it } from "@effect/vitest"
import { pathToFileURL } from "node:url"
import { isMain } from "../../examples/internal/cli.ts"
import * as Everything from "../../examples/everything-server.ts"
import Hello from "../../examples/hello-server.ts"
import { example } from "./support.ts"

const meta = (fields: { readonly url: string; readonly main?: boolean }) => fields as unknown as ImportMeta

describe("examples", () => {
  it("isMain: import.meta.main where Node has it, else argv[1] compared with the module's file", () => {
    assert.isTrue(isMain(meta({ url: "file:///anything.ts", main: true })))
    assert.isFalse(isMain(meta({ url: pathToFileURL(process.argv[1]!).href, main: false })))
    // No `main` (tsx on Node 20): the started script is the module, or it is not.
    assert.isTrue(isMain(meta({ url: pathToFileURL(process.argv[1]!).href })))
    assert.isFalse(isMain(meta({ url: pathToFileURL(example("hello-server.ts")).href })))
    assert.isFalse(isMain(meta({ url: "data:text/javascript,0" })))
  })

  it("hello-server has a default export { options, components }; everything-server named exports", () => {
    assert.strictEqual(Hello.options.name, "hello")
    assert.isDefined(Hello.components)
    assert.strictEqual(Everything.options.name, "effect-mcp-everything-server")
    assert.isDefined(Everything.components)
  })
})
