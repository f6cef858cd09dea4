/**
 * What the `@example` blocks of the public modules' doc comments take from their surroundings, for
 * `npm run docs:check`: the README's stand-ins (`scripts/internal/readme-prelude.ts`) and the
 * names below. Each block is type-checked with the modules it names imported and these names it
 * does not declare itself taken from here; a new fragment naming something else needs its
 * stand-in here. Kept to what a user would have written: a wrong type here would hide a wrong
 * example.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redis from "effect/persistence/Redis"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import { McpServer, type Middleware } from "effect-mcp-server"
import type { LowLevelServer } from "effect-mcp-server/lowlevel"
import type { JsonRpc } from "effect-mcp-server/protocol"
import type { Skills } from "effect-mcp-server/skills"
import { Tools } from "./readme-prelude.ts"

export * from "./readme-prelude.ts"

/** A tool and a server's components, as the `serve` examples name them. */
export const Echo = McpServer.tool({
  name: "echo",
  parameters: { text: Schema.String },
  handler: ({ text }) => Effect.succeed(text)
})
export const Components = Layer.mergeAll(Echo, Tools)

/** A low-level server (`LowLevelServer.make(...)`). */
export declare const server: LowLevelServer.LowLevelServer

/** A middleware of the program's own, and a configurable one's constructor. */
export declare const Authentication: Middleware.Middleware
export interface Config {
  readonly realm: string
}
export declare const make: (config: Config) => Effect.Effect<Middleware.Middleware>

/** The program's own services, errors and values. */
export declare const Cache: { readonly flush: Effect.Effect<void> }
export class UserNotFound extends Schema.TaggedError<UserNotFound>()("UserNotFound", { id: Schema.String }) {}
export declare const work: Effect.Effect<string, Error>
export declare const request: JsonRpc.Request
export declare const batches: Stream.Stream<ReadonlyArray<unknown>>
export declare const redis: Layer.Layer<Redis.Redis>

/** Skills as `Skills.make` makes them (the Skills examples name those of the examples before). */
export declare const Review: Skills.Skill
export declare const Invoices: Skills.Skill

/** A web framework's app (Hono's `app.all(path, (c) => ...)`). */
export declare const app: {
  readonly all: (path: string, handler: (c: { readonly req: { readonly raw: Request } }) => Promise<Response>) => void
}
