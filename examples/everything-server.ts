/**
 * The "everything" server: the fixtures of the official MCP conformance suite
 * (`../shared/docs/conformance-fixtures.md`), written with the authoring API.
 *
 * Run: `node examples/everything-server.ts` (MCP over stdio; `--http [--port N] [--stateless]` for
 * Streamable HTTP), or `effect-mcp run examples/everything-server.ts`: the module exports its
 * server as `options` and `components`.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { Content, McpContext, McpError, McpServer, Tool } from "../src/index.ts"
import { ListenTriggers } from "./fixtures/listen-triggers.ts"
import { TasksExtensionFixtures } from "./fixtures/tasks-extension.ts"
import { isMain, main } from "./internal/cli.ts"
import { ConformanceSkills } from "./skills-server.ts"

/** A 1×1 PNG. */
export const png =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
/** A minimal (empty) WAV file. */
export const wav = "UklGRiQAAABXQVZFZm10IBAAAAABAAEARKwAAIhYAQACABAAZGF0YQAAAAA="

// ---------------------------------------------------------------------------
// Tools
// ---------------------------------------------------------------------------

const SimpleText = McpServer.tool({
  name: "test_simple_text",
  description: "Returns a simple text response",
  handler: () => Effect.succeed("This is a simple text response for testing.")
})

const ImageContent = McpServer.tool({
  name: "test_image_content",
  description: "Returns an image",
  handler: () => Effect.succeed(Content.image(png, "image/png"))
})

const AudioContent = McpServer.tool({
  name: "test_audio_content",
  description: "Returns an audio clip",
  handler: () => Effect.succeed(Content.audio(wav, "audio/wav"))
})

const EmbeddedResource = McpServer.tool({
  name: "test_embedded_resource",
  description: "Returns an embedded resource",
  handler: () =>
    Effect.succeed(
      Content.resourceText("test://embedded-resource", "This is an embedded resource content.", { mimeType: "text/plain" })
    )
})

const MultipleContentTypes = McpServer.tool({
  name: "test_multiple_content_types",
  description: "Returns text, an image and an embedded resource",
  handler: () =>
    Effect.succeed([
      Content.text("Multiple content types test:"),
      Content.image(png, "image/png"),
      Content.resourceText("test://mixed-content-resource", JSON.stringify({ test: "data", value: 123 }), {
        mimeType: "application/json"
      })
    ])
})

const ToolWithLogging = McpServer.tool({
  name: "test_tool_with_logging",
  description: "Logs three messages while it runs",
  handler: () =>
    Effect.gen(function*() {
      yield* McpContext.log("info", "Tool execution started")
      yield* Effect.sleep(50)
      yield* McpContext.log("info", "Tool processing data")
      yield* Effect.sleep(50)
      yield* McpContext.log("info", "Tool execution completed")
      return "Tool with logging executed successfully"
    })
})

const ToolWithProgress = McpServer.tool({
  name: "test_tool_with_progress",
  description: "Reports progress at 0, 50 and 100 percent",
  handler: () =>
    Effect.gen(function*() {
      yield* McpContext.progress(0, 100, "Starting")
      yield* Effect.sleep(50)
      yield* McpContext.progress(50, 100, "Halfway")
      yield* Effect.sleep(50)
      yield* McpContext.progress(100, 100, "Done")
      return `Progress reported for token ${String(yield* McpContext.progressToken)}`
    })
})

const ErrorHandling = McpServer.tool({
  name: "test_error_handling",
  description: "Always returns a tool error",
  handler: () =>
    Effect.succeed({
      content: [Content.text("This tool intentionally returns an error for testing")],
      isError: true
    })
})

const textOf = (content: unknown): string =>
  typeof content === "object" && content !== null && "text" in content ? String(content.text) : JSON.stringify(content)

const Sampling = McpServer.tool({
  name: "test_sampling",
  description: "Asks the client's model to answer a prompt",
  parameters: { prompt: Schema.String.annotate({ description: "The prompt to send" }) },
  handler: ({ prompt }) =>
    McpContext.sample({
      messages: [{ role: "user", content: { type: "text", text: prompt } }],
      maxTokens: 100
    }).pipe(
      Effect.map((result) => `LLM response: ${textOf(result.content)}`),
      Effect.catch((error) => Effect.succeed({ content: [Content.text(error.message)], isError: true }))
    )
})

const Elicitation = McpServer.tool({
  name: "test_elicitation",
  description: "Asks the user for a username and an email",
  parameters: { message: Schema.String.annotate({ description: "What to ask the user" }) },
  handler: ({ message }) =>
    McpContext.elicit(
      message,
      Schema.Struct({
        username: Schema.String.annotate({ description: "Your username" }),
        email: Schema.String.annotate({ description: "Your email address", format: "email" })
      })
    ).pipe(
      Effect.map((outcome) =>
        `User response: action=${outcome.action}, content=${JSON.stringify("content" in outcome ? outcome.content : {})}`
      ),
      Effect.catch((error) => Effect.succeed({ content: [Content.text(error.message)], isError: true }))
    )
})

const ElicitationDefaults = McpServer.tool({
  name: "test_elicitation_sep1034_defaults",
  description: "Elicits a form whose fields have defaults (SEP-1034)",
  handler: () =>
    McpContext.elicit(
      "Please review and update the form fields with defaults",
      Schema.Struct({
        name: Schema.String.annotate({ description: "User name", default: "John Doe" }),
        age: Schema.Int.annotate({ description: "User age", default: 30 }),
        score: Schema.Finite.annotate({ description: "User score", default: 95.5 }),
        status: Schema.Literals(["active", "inactive", "pending"]).annotate({
          description: "User status",
          default: "active"
        }),
        verified: Schema.Boolean.annotate({ description: "Verification status", default: true })
      })
    ).pipe(
      Effect.map((outcome) =>
        `Elicitation completed: action=${outcome.action}, content=${
          JSON.stringify("content" in outcome ? outcome.content : {})
        }`
      ),
      Effect.catch((error) => Effect.succeed({ content: [Content.text(error.message)], isError: true }))
    )
})

const ElicitationEnums = McpServer.tool({
  name: "test_elicitation_sep1330_enums",
  description: "Elicits every enum shape (SEP-1330)",
  handler: () =>
    Effect.gen(function*() {
      const context = yield* McpContext.current
      // The legacy `enumNames` form has no Effect Schema spelling: the raw requested schema is sent.
      const result = yield* context.elicit({
        message: "Please select options from the enum fields",
        requestedSchema: {
          type: "object",
          properties: {
            untitledSingle: { type: "string", description: "Untitled single-select", enum: ["option1", "option2", "option3"] },
            titledSingle: {
              type: "string",
              description: "Titled single-select",
              oneOf: [
                { const: "value1", title: "First Option" },
                { const: "value2", title: "Second Option" },
                { const: "value3", title: "Third Option" }
              ]
            },
            legacyEnum: {
              type: "string",
              description: "Legacy titled enum",
              enum: ["opt1", "opt2", "opt3"],
              enumNames: ["Option One", "Option Two", "Option Three"]
            },
            untitledMulti: {
              type: "array",
              description: "Untitled multi-select",
              items: { type: "string", enum: ["option1", "option2", "option3"] }
            },
            titledMulti: {
              type: "array",
              description: "Titled multi-select",
              items: {
                anyOf: [
                  { const: "value1", title: "First Choice" },
                  { const: "value2", title: "Second Choice" },
                  { const: "value3", title: "Third Choice" }
                ]
              }
            }
          },
          required: []
        }
      })
      return `Elicitation completed: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`
    }).pipe(Effect.catch((error) => Effect.succeed({ content: [Content.text(error.message)], isError: true })))
})

const JsonSchema2020 = McpServer.tool({
  name: "json_schema_2020_12_tool",
  description: "A tool whose input schema is raw JSON Schema 2020-12 ($defs, $ref, $anchor, allOf/anyOf, if/then/else)",
  parameters: Tool.jsonSchema({
    $schema: "https://json-schema.org/draft/2020-12/schema",
    type: "object",
    $defs: {
      address: {
        $anchor: "addressDef",
        type: "object",
        properties: { street: { type: "string" }, city: { type: "string" } }
      }
    },
    properties: {
      name: { type: "string" },
      address: { $ref: "#/$defs/address" },
      contactMethod: { type: "string", enum: ["phone", "email"] },
      phone: { type: "string" },
      email: { type: "string" }
    },
    // SEP-2106: composition and conditional keywords are kept as written
    allOf: [{ anyOf: [{ required: ["phone"] }, { required: ["email"] }] }],
    if: { properties: { contactMethod: { const: "phone" } } },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else keyword, not a thenable
    then: { required: ["phone"] },
    else: { required: ["email"] },
    additionalProperties: false
  }),
  handler: (args) => Effect.succeed(`Received: ${JSON.stringify(args)}`)
})

const Reconnection = McpServer.tool({
  name: "test_reconnection",
  description: "Answers after a short pause (the HTTP transport closes the stream first: SSE polling probe)",
  handler: () =>
    Effect.gen(function*() {
      yield* McpContext.closeStream // over HTTP: the client must resume with Last-Event-ID to get the result
      yield* Effect.sleep(100)
      return "Reconnection test completed"
    })
})

// ---------------------------------------------------------------------------
// MCP 2026-07-28 (stateless) fixtures of conformance 0.2 (`server-stateless`)
// ---------------------------------------------------------------------------

const HeaderRouted = McpServer.tool({
  name: "test_header_routed",
  description: "Echoes its region, which clients mirror into the Mcp-Param-Region header (SEP-2243)",
  parameters: Tool.jsonSchema({
    type: "object",
    properties: { region: { type: "string", "x-mcp-header": "Region", description: "Where to route" } },
    required: ["region"]
  }),
  handler: (args) => Effect.succeed(`Region: ${String((args as { readonly region?: unknown }).region)}`)
})

const MissingCapability = McpServer.tool({
  name: "test_missing_capability",
  description: "Needs the client's sampling capability on this request (else -32021)",
  handler: () =>
    Effect.gen(function*() {
      const capabilities = yield* McpContext.clientCapabilities
      if (capabilities.sampling === undefined) {
        return yield* Effect.fail(new McpError.MissingRequiredClientCapability({ requiredCapabilities: { sampling: {} } }))
      }
      return "The client declared sampling"
    })
})

const StreamingElicitation = McpServer.tool({
  name: "test_streaming_elicitation",
  description: "Streams progress, then answers (never a request on the response stream)",
  handler: () =>
    Effect.gen(function*() {
      yield* McpContext.progress(1, 2, "Working")
      yield* McpContext.progress(2, 2, "Done")
      return "Streaming completed"
    })
})

const LoggingTool = McpServer.tool({
  name: "test_logging_tool",
  description: "Logs a message (2026-07-28: only when the request opted in with a log level)",
  handler: () => Effect.as(McpContext.log("info", "test_logging_tool ran"), "Logged")
})

// ---------------------------------------------------------------------------
// MCP 2026-07-28 multi round-trip (MRTR) fixtures of conformance 0.2 (`input-required-result-*`):
// the same McpContext.elicit / sample / listRoots as in a 2025 session, answered by round trips.
// ---------------------------------------------------------------------------

const NameForm = Schema.Struct({ name: Schema.String })

/** The text of a sampling answer. */
const sampledText = (result: { readonly content: unknown }) => textOf(result.content)

/**
 * Turns a client-capability failure into a tool error the model can read; the client's invalid
 * answer (`McpContext.InputAnswerInvalid`) goes through, answered -32602 (`input-required-result-validate-input`).
 */
const orToolError = <A, E extends { readonly _tag: string; readonly message: string }, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A | { content: Array<ReturnType<typeof Content.text>>; isError: boolean }, Extract<E, McpContext.InputAnswerInvalid>, R> =>
  Effect.catch(effect, (error) =>
    error._tag === "ClientResultInvalid" || error._tag === "ElicitationInvalid"
      ? Effect.fail(error as Extract<E, McpContext.InputAnswerInvalid>)
      : Effect.succeed({ content: [Content.text(error.message)], isError: true }))

const InputElicitation = McpServer.tool({
  name: "test_input_required_result_elicitation",
  description: "Asks the user's name (MRTR), then greets them",
  handler: () =>
    orToolError(Effect.gen(function*() {
      const outcome = yield* McpContext.elicit("What is your name?", NameForm, { inputKey: "user_name" })
      return outcome.action === "accept" ? `Hello, ${outcome.content.name}!` : "Hello, stranger!"
    }))
})

const InputSampling = McpServer.tool({
  name: "test_input_required_result_sampling",
  description: "Asks the client's model a question (MRTR)",
  handler: () =>
    orToolError(Effect.map(
      McpContext.sample({
        messages: [{ role: "user", content: { type: "text", text: "What is the capital of France?" } }],
        maxTokens: 100
      }, { inputKey: "capital_question" }),
      (result) => `The model says: ${sampledText(result)}`
    ))
})

const InputListRoots = McpServer.tool({
  name: "test_input_required_result_list_roots",
  description: "Lists the client's roots (MRTR)",
  handler: () =>
    orToolError(Effect.map(
      McpContext.listRootsWith({ inputKey: "client_roots" }),
      (result) => `Roots: ${result.roots.map((root) => root.uri).join(", ")}`
    ))
})

const InputRequestState = McpServer.tool({
  name: "test_input_required_result_request_state",
  description: "Asks for a confirmation; the round's state comes back sealed",
  handler: () =>
    orToolError(Effect.gen(function*() {
      const outcome = yield* McpContext.elicit("Confirm?", Schema.Struct({ ok: Schema.Boolean }), { inputKey: "confirm" })
      return outcome.action === "accept" && outcome.content.ok ? "state-ok: confirmed" : "state-ok: not confirmed"
    }))
})

const InputMultiple = McpServer.tool({
  name: "test_input_required_result_multiple_inputs",
  description: "Asks for three inputs at once (elicitation, sampling, roots), in one round",
  handler: () =>
    orToolError(Effect.gen(function*() {
      const [name, greeting, roots] = yield* Effect.all([
        McpContext.elicit("What is your name?", NameForm, { inputKey: "user_name" }),
        McpContext.sample({
          messages: [{ role: "user", content: { type: "text", text: "Write a greeting" } }],
          maxTokens: 50
        }, { inputKey: "greeting" }),
        McpContext.listRootsWith({ inputKey: "client_roots" })
      ], { concurrency: "unbounded" })
      const who = name.action === "accept" ? name.content.name : "stranger"
      return `${sampledText(greeting)} ${who} (${roots.roots.length} roots)`
    }))
})

const InputMultiRound = McpServer.tool({
  name: "test_input_required_result_multi_round",
  description: "Asks for a name, then (next round) for a colour",
  handler: () =>
    orToolError(Effect.gen(function*() {
      const name = yield* McpContext.elicit("What is your name?", NameForm, { inputKey: "step1" })
      const colour = yield* McpContext.elicit("Your favourite colour?", Schema.Struct({ color: Schema.String }), {
        inputKey: "step2"
      })
      const who = name.action === "accept" ? name.content.name : "stranger"
      return `${who} likes ${colour.action === "accept" ? colour.content.color : "no colour"}`
    }))
})

const InputTamperedState = McpServer.tool({
  name: "test_input_required_result_tampered_state",
  description: "Asks for a name; a tampered requestState is refused (-32602)",
  handler: () =>
    orToolError(Effect.map(
      McpContext.elicit("What is your name?", NameForm, { inputKey: "user_name" }),
      (outcome) => outcome.action === "accept" ? `Hello, ${outcome.content.name}!` : "Hello!"
    ))
})

const InputCapabilities = McpServer.tool({
  name: "test_input_required_result_capabilities",
  description: "Asks only for what the request's client capabilities allow",
  handler: () =>
    orToolError(Effect.gen(function*() {
      const capabilities = yield* McpContext.clientCapabilities
      if (capabilities.elicitation !== undefined) {
        const outcome = yield* McpContext.elicit("What is your name?", NameForm, { inputKey: "user_name" })
        return outcome.action === "accept" ? `Hello, ${outcome.content.name}!` : "Hello!"
      }
      if (capabilities.sampling !== undefined) {
        const result = yield* McpContext.sample({
          messages: [{ role: "user", content: { type: "text", text: "Say hello" } }],
          maxTokens: 50
        }, { inputKey: "hello" })
        return sampledText(result)
      }
      return "The client declared neither elicitation nor sampling"
    }))
})

const InputPrompt = McpServer.prompt({
  name: "test_input_required_result_prompt",
  description: "A prompt that asks for context first (MRTR)",
  handler: () =>
    McpContext.elicit("What context should the prompt use?", Schema.Struct({ context: Schema.String }), {
      inputKey: "user_context"
    }).pipe(
      Effect.map((outcome) => `Use this context: ${outcome.action === "accept" ? outcome.content.context : "none"}`),
      Effect.orElseSucceed(() => "Use no context.")
    )
})

// ---------------------------------------------------------------------------
// Background tasks (MCP 2025-11-25)
// ---------------------------------------------------------------------------

/** How many steps of `test_task_slow` ran: lets tests prove that cancelling stops the work. */
export const taskProbe = { steps: 0, completed: 0 }

const TaskSlow = McpServer.tool({
  name: "test_task_slow",
  description: "Sleeps `ms` in `steps` steps, reporting progress; may run as a task",
  parameters: {
    ms: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)).annotate({ description: "Total time to sleep" }),
    steps: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))).annotate({ description: "Steps (default 1)" })
  },
  execution: { taskSupport: "optional" },
  handler: ({ ms, steps = 1 }) =>
    Effect.gen(function*() {
      for (let i = 1; i <= steps; i++) {
        yield* Effect.sleep(Math.round(ms / steps))
        taskProbe.steps++
        yield* McpContext.progress(i, steps, `step ${i} of ${steps}`)
      }
      taskProbe.completed++
      return "done"
    })
})

const TaskRequired = McpServer.tool({
  name: "test_task_required",
  description: "Must run as a task",
  execution: { taskSupport: "required" },
  handler: () => Effect.as(Effect.sleep(50), "required task done")
})

const TaskInput = McpServer.tool({
  name: "test_task_input",
  description: "Asks the user for a name (elicitation from inside a task)",
  execution: { taskSupport: "optional" },
  handler: () =>
    McpContext.elicit("What is your name?", Schema.Struct({ name: Schema.String })).pipe(
      Effect.map((outcome) => outcome.action === "accept" ? `hello ${outcome.content.name}` : `no name (${outcome.action})`),
      Effect.catch((error) => Effect.succeed({ content: [Content.text(error.message)], isError: true }))
    )
})

class TaskFailure extends Schema.TaggedError<TaskFailure>()("TaskFailure", { reason: Schema.String }) {}

const TaskFail = McpServer.tool({
  name: "test_task_fail",
  description: "Fails with a declared error",
  execution: { taskSupport: "optional" },
  failure: TaskFailure,
  handler: () => Effect.andThen(Effect.sleep(20), Effect.fail(new TaskFailure({ reason: "it was meant to fail" })))
})

const TaskResource = McpServer.resource({
  uri: "test://task-resource",
  name: "Task Resource",
  description: "A slow resource that may be read as a task",
  mimeType: "text/plain",
  taskSupport: "optional",
  read: Effect.as(Effect.sleep(100), "task resource content")
})

const TaskPrompt = McpServer.prompt({
  name: "test_task_prompt",
  description: "A slow prompt that may be rendered as a task",
  taskSupport: "optional",
  handler: () => Effect.as(Effect.sleep(100), "task prompt text")
})

// ---------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------

const StaticText = McpServer.resource({
  uri: "test://static-text",
  name: "Static Text Resource",
  description: "A static text resource",
  mimeType: "text/plain",
  read: Effect.succeed("This is the content of the static text resource.")
})

const StaticBinary = McpServer.resource({
  uri: "test://static-binary",
  name: "Static Binary Resource",
  description: "A static binary resource (a PNG)",
  mimeType: "image/png",
  read: Effect.succeed(Buffer.from(png, "base64") as Uint8Array)
})

const Watched = McpServer.resource({
  uri: "test://watched-resource",
  name: "Watched Resource",
  description: "A resource clients can subscribe to",
  mimeType: "text/plain",
  read: Effect.succeed("Watched resource content")
})

const TemplateData = McpServer.resourceTemplate({
  uriTemplate: "test://template/{id}/data",
  name: "Template Data",
  description: "Data for any id",
  mimeType: "application/json",
  params: { id: Schema.String },
  complete: { id: (value) => Effect.succeed(["1", "2", "3", "123"].filter((id) => id.startsWith(value))) },
  read: ({ id }) => Effect.succeed(JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }))
})

// ---------------------------------------------------------------------------
// Prompts
// ---------------------------------------------------------------------------

const SimplePrompt = McpServer.prompt({
  name: "test_simple_prompt",
  description: "A prompt without arguments",
  handler: () => Effect.succeed("This is a simple prompt for testing.")
})

const PromptWithArguments = McpServer.prompt({
  name: "test_prompt_with_arguments",
  description: "A prompt with two required arguments",
  arguments: {
    arg1: Schema.String.annotate({ description: "First test argument" }),
    arg2: Schema.String.annotate({ description: "Second test argument" })
  },
  complete: {
    arg1: (value) => Effect.succeed(["test", "testing", "tested"].filter((v) => v.startsWith(value))),
    arg2: (value) => Effect.succeed(["alpha", "beta"].filter((v) => v.startsWith(value)))
  },
  handler: ({ arg1, arg2 }) => Effect.succeed(`Prompt with arguments: arg1='${arg1}', arg2='${arg2}'`)
})

const PromptWithEmbeddedResource = McpServer.prompt({
  name: "test_prompt_with_embedded_resource",
  description: "A prompt with an embedded resource",
  arguments: { resourceUri: Schema.String.annotate({ description: "URI of the resource to embed" }) },
  handler: ({ resourceUri }) =>
    Effect.succeed([
      {
        role: "user" as const,
        content: Content.resourceText(resourceUri, "Embedded resource content for testing.", { mimeType: "text/plain" })
      },
      { role: "user" as const, content: Content.text("Please process the embedded resource above.") }
    ])
})

const PromptWithImage = McpServer.prompt({
  name: "test_prompt_with_image",
  description: "A prompt with an image",
  handler: () =>
    Effect.succeed([
      { role: "user" as const, content: Content.image(png, "image/png") },
      { role: "user" as const, content: Content.text("Please analyze the image above.") }
    ])
})

// ---------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------

/** Server info of the everything server. */
export const options: McpServer.Options = {
  name: "effect-mcp-everything-server",
  version: "0.1.0",
  instructions: "The conformance fixtures of the official MCP suite, and background task fixtures.",
  tasks: McpServer.tasks()
}

/** Every fixture, as one Layer. */
export const components = Layer.mergeAll(
  InputElicitation,
  InputSampling,
  InputListRoots,
  InputRequestState,
  InputMultiple,
  InputMultiRound,
  InputTamperedState,
  InputCapabilities,
  InputPrompt,
  MissingCapability,
  HeaderRouted,
  StreamingElicitation,
  LoggingTool,
  SimpleText,
  ImageContent,
  AudioContent,
  EmbeddedResource,
  MultipleContentTypes,
  ToolWithLogging,
  ToolWithProgress,
  ErrorHandling,
  Sampling,
  Elicitation,
  ElicitationDefaults,
  ElicitationEnums,
  JsonSchema2020,
  Reconnection,
  TaskSlow,
  TaskRequired,
  TaskInput,
  TaskFail,
  TaskResource,
  TaskPrompt,
  TasksExtensionFixtures,
  ListenTriggers,
  StaticText,
  StaticBinary,
  Watched,
  TemplateData,
  SimplePrompt,
  PromptWithArguments,
  PromptWithEmbeddedResource,
  PromptWithImage,
  ConformanceSkills
)

if (isMain(import.meta)) main(options, components)
