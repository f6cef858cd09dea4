/**
 * A user-written extension (SEP-2133), as the README shows: `com.example/notes` declares its
 * settings in `capabilities.extensions`, adds two methods (`notes/add`, `notes/list`) whose
 * handlers use a service of the application (`NoteBook`), and brings a middleware that sees every
 * request (extension methods included) and counts them.
 *
 * Run: `node examples/extension-server.ts` (MCP over stdio).
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { Extension, McpServer, Middleware } from "../src/index.ts"
import { isMain, main } from "./internal/cli.ts"

/** The application's own service: where notes are kept. */
export class NoteBook extends Context.Service<NoteBook, {
  readonly add: (text: string) => Effect.Effect<number>
  readonly all: Effect.Effect<ReadonlyArray<{ readonly id: number; readonly text: string }>>
}>()("example/NoteBook") {
  static readonly layer = Layer.sync(NoteBook, () => {
    const notes: Array<{ readonly id: number; readonly text: string }> = []
    return NoteBook.of({
      add: (text) => Effect.sync(() => notes.push({ id: notes.length + 1, text })),
      all: Effect.sync(() => [...notes])
    })
  })
}

/** Requests seen by the extension's middleware, by method (read by the tests). */
export const seen = new Map<string, number>()

/** The extension: settings, two methods, one middleware. */
export const Notes = Extension.make({
  id: "com.example/notes",
  settings: { maxNoteLength: 280 },
  methods: {
    "notes/add": Extension.method({
      params: Schema.Struct({ text: Schema.String.check(Schema.isMaxLength(280)) }),
      handler: ({ text }) => Effect.map(Effect.flatMap(Effect.service(NoteBook), (book) => book.add(text)), (id) => ({ id }))
    }),
    "notes/list": Extension.method({
      params: Schema.Struct({}),
      handler: () => Effect.map(Effect.flatMap(Effect.service(NoteBook), (book) => book.all), (notes) => ({ notes }))
    })
  },
  middleware: [Middleware.make("notes-audit", {
    onRequest: (request, context, next) =>
      Effect.suspend(() => {
        seen.set(request.method, (seen.get(request.method) ?? 0) + 1)
        return next(request, context)
      })
  })]
})

/** The server's components: the extension, with the service its handlers need. */
export const components = McpServer.extension(Notes).pipe(Layer.provide(NoteBook.layer))

/** Server info. */
export const options: McpServer.Options = { name: "notes", version: "1.0.0" }

if (isMain(import.meta)) main(options, components)
