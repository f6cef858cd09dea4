/**
 * The README's example, kept as a file so the type checker and a test keep it honest.
 *
 * The module exports its server (the default export, `{ options, components }`), so
 * `effect-mcp run examples/hello-server.ts` runs it, `effect-mcp inspect` lists it and
 * `effect-mcp install` configures a desktop client for it; `node examples/hello-server.ts` runs it
 * too (over stdio).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpContext, McpServer, type ServerModule } from "../src/index.ts"
import { isMain, main } from "./internal/cli.ts"

class UnknownCity extends Schema.TaggedError<UnknownCity>()("UnknownCity", { city: Schema.String }) {}

const Weather = McpServer.tool({
  name: "weather",
  description: "Current temperature in a city",
  parameters: { city: Schema.String.annotate({ description: "City name" }) },
  success: Schema.Struct({ city: Schema.String, celsius: Schema.Finite }),
  failure: UnknownCity,
  handler: ({ city }) =>
    Effect.gen(function*() {
      yield* McpContext.log("info", `looking up ${city}`) // notifications/message to the client
      if (city !== "Paris") return yield* new UnknownCity({ city })
      return { city, celsius: 21.5 }
    })
})

const Greeting = McpServer.prompt({
  name: "greeting",
  description: "Greets someone",
  arguments: { name: Schema.String },
  handler: ({ name }) => Effect.succeed(`Say hello to ${name}.`)
})

export const components = Layer.mergeAll(Weather, Greeting)
export const options = { name: "hello", version: "1.0.0" }

export default { options, components } satisfies ServerModule

if (isMain(import.meta)) main(options, components)
