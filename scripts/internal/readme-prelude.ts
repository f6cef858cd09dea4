/**
 * What the README's code blocks take from their surroundings, for `npm run docs:check`: most of
 * them are fragments of a server (a tool, a middleware, a `serve` line) that name the example
 * server's components (`Weather`, `Greeting`), a program's own code (`loadBigFile`, `rollout`,
 * `NoteBook`) or the server's `options` and `components` without writing them out. Each block is
 * type-checked with the modules it does not import itself imported, and these names it does not
 * declare itself taken from here. Kept to what a user would have written: a wrong type here would
 * hide a wrong README.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { McpContext, McpServer } from "effect-mcp-server"

class UnknownCity extends Schema.TaggedError<UnknownCity>()("UnknownCity", { city: Schema.String }) {}

/**
 * The README's first example's components, as it writes them: its testing example runs against
 * them (it waits for the tool's log message), so they must do what the README's do.
 */
export const Weather = McpServer.tool({
  name: "weather",
  description: "Current temperature in a city",
  parameters: { city: Schema.String.annotate({ description: "City name" }) },
  success: Schema.Struct({ city: Schema.String, celsius: Schema.Finite }),
  failure: UnknownCity,
  handler: ({ city }) =>
    Effect.gen(function*() {
      yield* McpContext.log("info", `looking up ${city}`)
      if (city !== "Paris") return yield* new UnknownCity({ city })
      return { city, celsius: 21.5 }
    })
})
export const Greeting = McpServer.prompt({
  name: "greeting",
  description: "Greets someone",
  arguments: { name: Schema.String },
  handler: ({ name }) => Effect.succeed(`Say hello to ${name}.`)
})

/** A server's options and components, as the fragments' `serve` lines name them. */
export const options = { name: "example", version: "1.0.0" }
export const Tools = Layer.mergeAll(Weather, Greeting)
export const components = Tools

/** A program's own code the task examples call. */
export const loadBigFile: Effect.Effect<string> = Effect.succeed("...")
export const rollout = (service: string): Effect.Effect<string> => Effect.succeed(`${service} deployed`)

/** The extension example's service. */
export class NoteBook extends Context.Service<NoteBook, {
  readonly add: (text: string) => Effect.Effect<number>
  readonly all: Effect.Effect<ReadonlyArray<string>>
}>()("NoteBook") {
  static readonly layer = Layer.sync(NoteBook, () => {
    const notes: Array<string> = []
    return NoteBook.of({ add: (text) => Effect.sync(() => notes.push(text)), all: Effect.sync(() => [...notes]) })
  })
}
