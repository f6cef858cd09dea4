/**
 * `RedisStores.layer` where `redis` (or `@effect/platform-node/NodeRedis`) cannot be imported: its
 * build fails with a `StoreError` saying what to install, not a defect. Imported when the first
 * layer is built (under Node; bundlers get it statically, scripts/build.ts): a program importing
 * `effect-mcp-server/redis` for `layerStores` alone never needs `redis`. A child Node whose module
 * hook fails that import (bounded: 30 s).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { execFile } from "node:child_process"
import { fileURLToPath, pathToFileURL } from "node:url"

const root = fileURLToPath(new URL("../../", import.meta.url))

const hook = `data:text/javascript,${
  encodeURIComponent(`
import { registerHooks } from "node:module"
registerHooks({ resolve(specifier, context, next) {
  if (specifier === "@effect/platform-node/NodeRedis") throw new Error("simulated: " + specifier + " is not installed")
  return next(specifier, context)
} })
`)
}`

const program = `
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as RedisStores from ${JSON.stringify(pathToFileURL(`${root}src/redis/RedisStores.ts`).href)}
const exit = await Effect.runPromiseExit(Effect.scoped(Layer.build(RedisStores.layer({ url: "redis://127.0.0.1:1" }))))
const reason = exit._tag === "Failure" ? exit.cause.reasons[0] : undefined
console.log(JSON.stringify({ reason: reason?._tag, tag: reason?.error?._tag, message: reason?.error?.message, cause: String(reason?.error?.cause) }))
`

describe("RedisStores.layer without redis", () => {
  it.effect("fails with a StoreError naming what to install (not a defect)", () =>
    Effect.gen(function*() {
      const stdout = yield* Effect.promise(() =>
        new Promise<string>((resolve) => {
          const child = execFile(process.execPath, ["--import", hook, "--input-type=module", "-e", program], { cwd: root, timeout: 30_000 }, (_error, out, err) =>
            resolve(`${out}${err}`))
          child.stdin?.end()
        })
      )
      const line = stdout.split("\n").find((text) => text.startsWith("{"))
      assert.isDefined(line, stdout)
      assert.deepStrictEqual(JSON.parse(line!), {
        reason: "Fail",
        tag: "StoreError",
        message: "RedisStores.layer needs the packages redis and @effect/platform-node: npm install redis",
        cause: "Error: simulated: @effect/platform-node/NodeRedis is not installed"
      })
    }), 60_000)
})
