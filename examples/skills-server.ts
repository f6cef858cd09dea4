/**
 * A server of Agent Skills (the skills extension, SEP-2640): the skill in
 * `examples/skills/conformance-skill` (a `SKILL.md` and `references/guide.md`), read from disk,
 * served with `skills/list`, `skills/get` and `resources/directory/read`. The everything server
 * serves it too, for the conformance suite's `sep-2640-skills-*` scenarios.
 *
 * Run: `node examples/skills-server.ts` (MCP over stdio), or with `--http [--port N]`; or
 * `effect-mcp run examples/skills-server.ts` (it exports `options` and `components`).
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { fileURLToPath } from "node:url"
import type { McpServer } from "../src/index.ts"
import { Skills } from "../src/skills.ts"
import { isMain, main } from "./internal/cli.ts"

/** The conformance skill, read from `examples/skills/conformance-skill`, with directory reads. */
export const ConformanceSkills: Layer.Layer<never, never, McpServer.McpServer> = Layer.unwrap(
  Effect.map(
    Skills.fromDirectory(fileURLToPath(new URL("./skills/conformance-skill", import.meta.url))),
    (skill) => Skills.layer([skill], { directoryRead: true })
  )
).pipe(Layer.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)), Layer.orDie)

/** The skills server's options. */
export const options: McpServer.Options = { name: "effect-mcp-skills-server", version: "0.1.0" }
/** The skills server's components. */
export const components = ConformanceSkills

if (isMain(import.meta)) main(options, components)
