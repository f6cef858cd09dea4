/**
 * The demo server (`npm start`): a tour of the authoring API, over Streamable HTTP (`--stdio`: over stdio).
 *
 * - `add {a, b}`: integers in, a typed `{ sum }` out (outputSchema + structuredContent)
 * - `divide {a, b}`: a declared failure (`DivisionByZero`) becomes an `isError` result
 * - `count {to}`: progress notifications, `Effect.log` reaching the client, cancellable
 * - `greet_me {}`: asks the user for their name with a Schema-typed form (elicitation)
 * - `add_reminder {text}`: adds a resource at run time (clients get `list_changed`)
 * - `demo://readme`, `demo://clock` (subscribe: updated every 5 s), `demo://users/{id}` (template)
 * - prompt `review_code {code, language?}` with completion of `language`
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import { GracefulShutdown, McpContext, McpServer, Stdio, StreamableHttp } from "../src/index.ts"
import { flags, isMain, traced, withPortHint } from "./internal/cli.ts"

class DivisionByZero extends Schema.TaggedError<DivisionByZero>()("DivisionByZero", {
  dividend: Schema.Finite
}) {}

const Add = McpServer.tool({
  name: "add",
  title: "Add two integers",
  description: "Adds two integers.",
  parameters: { a: Schema.Int, b: Schema.Int },
  success: Schema.Struct({ sum: Schema.Int }),
  annotations: { readOnlyHint: true },
  handler: ({ a, b }) => Effect.succeed({ sum: a + b })
})

const Divide = McpServer.tool({
  name: "divide",
  description: "Divides a by b; dividing by zero is a declared failure.",
  parameters: { a: Schema.Finite, b: Schema.Finite },
  success: Schema.Struct({ quotient: Schema.Finite }),
  failure: DivisionByZero,
  handler: ({ a, b }) => b === 0 ? Effect.fail(new DivisionByZero({ dividend: a })) : Effect.succeed({ quotient: a / b })
})

const Count = McpServer.tool({
  name: "count",
  description: "Counts to `to`, one number every 200 ms, reporting progress (cancel it from the client).",
  parameters: { to: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 100 })) },
  handler: ({ to }) =>
    Effect.gen(function*() {
      for (let i = 1; i <= to; i++) {
        yield* McpContext.progress(i, to, `counted ${i}`)
        yield* Effect.logInfo(`counted ${i} of ${to}`)
        yield* Effect.sleep(200)
      }
      return `counted to ${to}`
    })
})

const GreetMe = McpServer.tool({
  name: "greet_me",
  description: "Asks for your name (elicitation) and greets you.",
  handler: () =>
    McpContext.elicit(
      "What should I call you?",
      Schema.Struct({
        name: Schema.String.annotate({ description: "Your name" }),
        formal: Schema.Boolean.annotate({ description: "Use a formal greeting", default: false })
      })
    ).pipe(
      Effect.map((outcome) =>
        outcome.action === "accept"
          ? `${outcome.content.formal ? "Good day" : "Hi"}, ${outcome.content.name}!`
          : `No greeting (${outcome.action}).`
      ),
      Effect.catch((error) => Effect.succeed({ content: [{ type: "text" as const, text: error.message }], isError: true }))
    )
})

let reminders = 0
const AddReminder = McpServer.tool({
  name: "add_reminder",
  description: "Adds a reminder as a new resource (the resource list changes while the server runs).",
  parameters: { text: Schema.String },
  handler: ({ text }) =>
    Effect.gen(function*() {
      const uri = `demo://reminders/${++reminders}`
      yield* McpServer.addResource({ uri, name: `reminder ${reminders}`, mimeType: "text/plain", read: Effect.succeed(text) })
      return `added ${uri}`
    })
})

const Readme = McpServer.resource({
  uri: "demo://readme",
  name: "readme",
  title: "About this server",
  mimeType: "text/markdown",
  read: Effect.succeed("# effect-mcp-server demo\n\nTry the tools, read `demo://users/1`, subscribe to `demo://clock`.")
})

const Clock = McpServer.resource({
  uri: "demo://clock",
  name: "clock",
  description: "The server's time; subscribe to be told every 5 seconds that it changed.",
  mimeType: "text/plain",
  read: Effect.sync(() => new Date().toISOString())
})

const ClockTicks = Layer.effectDiscard(
  McpServer.notifyResourceUpdated("demo://clock").pipe(Effect.repeat(Schedule.spaced("5 seconds")), Effect.forkScoped)
)

const users = ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
const Users = McpServer.resourceTemplate({
  uriTemplate: "demo://users/{id}",
  name: "user",
  description: "A user by numeric id",
  mimeType: "application/json",
  params: { id: Schema.NumberFromString.check(Schema.isInt()) },
  list: Effect.succeed(users.map((name, i) => ({ uri: `demo://users/${i + 1}`, name }))),
  complete: { id: (value) => Effect.succeed(users.map((_, i) => String(i + 1)).filter((id) => id.startsWith(value))) },
  read: ({ id }) => {
    const name = users[id - 1]
    return name === undefined
      ? Effect.succeed(JSON.stringify({ id, error: "no such user" }))
      : Effect.succeed(JSON.stringify({ id, name }))
  }
})

const languages = ["typescript", "python", "rust", "go", "haskell"]
const ReviewCode = McpServer.prompt({
  name: "review_code",
  description: "Asks the model to review a piece of code.",
  arguments: {
    code: Schema.String.annotate({ description: "The code to review" }),
    language: Schema.optionalKey(Schema.String.annotate({ description: "Its language" }))
  },
  complete: { language: (value) => Effect.succeed(languages.filter((l) => l.startsWith(value))) },
  handler: ({ code, language }) =>
    Effect.succeed(`Please review this ${language ?? "code"}:\n\n${code}`)
})

/** The demo's components. */
export const components = Layer.mergeAll(Add, Divide, Count, GreetMe, AddReminder, Readme, Clock, ClockTicks, Users, ReviewCode)

/** The demo's server options. */
export const options: McpServer.Options = {
  name: "effect-mcp-demo",
  title: "effect-mcp-server demo",
  version: "0.1.0",
  instructions: "A demo of effect-mcp-server: typed tools, resources, templates, prompts and completions."
}

if (isMain(import.meta)) {
  const cli = flags()
  const tracing = traced(options, components)
  if (cli.stdio) {
    process.stderr.write(
      "effect-mcp-server demo: speaking MCP on stdin/stdout.\n" +
        `  Inspect it with: npx @modelcontextprotocol/inspector ${process.execPath} ${new URL(import.meta.url).pathname} --stdio\n`
    )
    McpServer.serve(options, tracing.components, Stdio.make()).pipe(tracing.provide, Stdio.runMain)
  } else {
    // The server logs its URL once it listens (a busy port is named instead).
    const url = `http://${cli.host}:${cli.port}/mcp`
    process.stderr.write(
      "effect-mcp-server demo over Streamable HTTP; once it listens, inspect it with:\n" +
        `  npx @modelcontextprotocol/inspector --transport http --server-url ${url}\n` +
        "  (stdio: npx node examples/demo.ts --stdio, or npx node src/cli/bin.ts run examples/demo.ts --stdio; not `npm start`,\n" +
        "  whose banner would reach stdout, unless as `npm --silent start -- --stdio`)\n"
    )
    McpServer.serve(options, tracing.components, StreamableHttp.make({ host: cli.host, port: cli.port, stateless: cli.stateless })).pipe(
      withPortHint,
      tracing.provide,
      GracefulShutdown.runMain
    )
  }
}
