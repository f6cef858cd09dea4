/**
 * Prompts of the authoring API: Schema-typed arguments (their encoded side is the string the
 * client sends), messages with text, image, audio or embedded resources, and completion of
 * arguments. A missing required argument or one that fails decoding is answered with -32602.
 *
 * @since 0.1.0
 */
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as McpError from "../protocol/McpError.ts"
import type {
  GetPromptResult,
  Icon,
  Prompt as WirePrompt,
  PromptArgument,
  PromptMessage
} from "../protocol/McpSchema.ts"
import type { McpRequestContext, RequestContext } from "../session/RequestContext.ts"
import * as Completion from "./Completion.ts"
import { completed, provideRequest } from "./internal/provideRequest.ts"
import * as JsonSchema from "./JsonSchema.ts"
import type { TaskSupport } from "./Tool.ts"
import { kindOf } from "../internal/valueKind.ts"
import { takesString } from "./internal/takesString.ts"
import { checkDescription } from "./internal/wireFields.ts"

/** What a prompt handler may return: text (one user message), one message, several, or the whole result. */
export type Output = string | PromptMessage | ReadonlyArray<PromptMessage> | GetPromptResult

/** Everything that describes a prompt, its handler included. */
export interface Definition<Args extends Schema.Struct.Fields, R> {
  readonly name: string
  readonly title?: string | undefined
  readonly description?: string | undefined
  readonly icons?: ReadonlyArray<Icon> | undefined
  readonly meta?: { readonly [key: string]: unknown } | undefined
  /** Labels for middleware (authorization, filtering); not sent to clients. */
  readonly tags?: ReadonlyArray<string> | undefined
  /**
   * Whether `prompts/get` may (or must) run as a background task (advertised as
   * `tasks.requests.prompts.get`, as FastMCP does). Default "forbidden".
   */
  readonly taskSupport?: TaskSupport | undefined
  /** Arguments by name; optional ones with `Schema.optionalKey`; descriptions via `.annotate({ description })`. */
  readonly arguments?: Args | undefined
  /** Completions of arguments (`completion/complete` with `ref/prompt`). */
  readonly complete?: Completion.Completers<Args, R> | undefined
  readonly handler: (args: Schema.Struct<Args>["Type"]) => Effect.Effect<Output, McpError.McpError, R>
}

/** A prompt ready to be served. */
export interface Registered {
  readonly name: string
  readonly tags: ReadonlyArray<string>
  readonly taskSupport: TaskSupport
  readonly wire: WirePrompt
  readonly get: (
    args: { readonly [name: string]: string } | undefined,
    context: RequestContext
  ) => Effect.Effect<GetPromptResult, McpError.McpError>
  readonly complete: Completion.Compiled | undefined
}

/** Compiles a prompt definition once; `context` holds the services the handler needs. */
export const compile = <Args extends Schema.Struct.Fields, R>(
  definition: Definition<Args, R>,
  context: Context.Context<Exclude<R, McpRequestContext>>
): Registered => {
  const name = definition.name
  // Checked now (the wire description is built later): a `meta: null` where types are not checked
  // fails the registration, naming the prompt, rather than make clients refuse `prompts/list`.
  checkDescription(`Prompt ${name}`, definition)
  // Every argument arrives as a string: one whose Schema takes no string (`Schema.Number` where
  // `Schema.FiniteFromString` was meant) would refuse every call with "Expected number".
  for (const [argument, field] of Object.entries(definition.arguments ?? {})) {
    if (!takesString((field as Schema.Top).ast)) {
      throw new Error(
        `Prompt ${name}: argument ${argument} must decode from a string (prompt arguments are strings on the wire); use e.g. Schema.String, Schema.Literals of strings or Schema.FiniteFromString`
      )
    }
  }
  const argsSchema = Schema.Struct(definition.arguments ?? ({} as Args))
  const decode = Schema.decodeUnknownExit(argsSchema as unknown as Schema.Codec<unknown, unknown>)
  // The wire description is built at its first use (`prompts/list`): its JSON Schema work stays off
  // a server's start (see `Tool.compile`).
  let wire: WirePrompt | undefined
  const describe = (): WirePrompt => {
    const wire: { -readonly [K in keyof WirePrompt]: WirePrompt[K] } = { name }
    if (definition.title !== undefined) wire.title = definition.title
    if (definition.description !== undefined) wire.description = definition.description
    if (definition.arguments !== undefined) wire.arguments = argumentsOf(argsSchema)
    if (definition.icons !== undefined) wire.icons = definition.icons
    if (definition.meta !== undefined) wire._meta = definition.meta
    return wire
  }
  const handler = definition.handler as (args: unknown) => Effect.Effect<Output, McpError.McpError, any>
  return {
    name,
    tags: definition.tags ?? [],
    taskSupport: definition.taskSupport ?? "forbidden",
    get wire() {
      return wire ??= describe()
    },
    get: (args, request) => {
      const decoded = decode(args ?? {})
      if (decoded._tag === "Failure") return McpError.decodeFailure(`arguments for prompt ${name}`, decoded.cause)
      const effect = handler(decoded.value)
      const done = completed(effect)
      if (done !== undefined) return Exit.map(done, normalize)
      return Effect.map(provideRequest(effect, context, request), normalize)
    },
    complete: definition.complete === undefined
      ? undefined
      : Completion.compile(definition.complete as Completion.Completers<Schema.Struct.Fields, R>, context)
  }
}

// ---------------------------------------------------------------------------
// Internal
// ---------------------------------------------------------------------------

/** The wire `arguments` from the Struct's JSON Schema: names, descriptions, titles, required. */
const argumentsOf = (schema: Schema.Top): ReadonlyArray<PromptArgument> => {
  const json = JsonSchema.toolInputSchema(schema) as {
    readonly properties?: { readonly [name: string]: { readonly description?: string; readonly title?: string } }
    readonly required?: ReadonlyArray<string>
  }
  const required = new Set(json.required ?? [])
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const argument: { -readonly [K in keyof PromptArgument]: PromptArgument[K] } = { name }
    if (property.title !== undefined) argument.title = property.title
    if (property.description !== undefined) argument.description = property.description
    if (required.has(name)) argument.required = true
    return argument
  })
}

const normalize = (output: Output): GetPromptResult => {
  if (typeof output === "string") return { messages: [{ role: "user", content: { type: "text", text: output } }] }
  // Not an `Output` (where types are not checked): a defect of the handler, with what it was.
  if (typeof output !== "object" || output === null) {
    throw new TypeError(`Prompt handler succeeded with ${kindOf(output)}, not a string, messages or a GetPromptResult`)
  }
  if (Array.isArray(output)) return { messages: output as ReadonlyArray<PromptMessage> }
  if ("messages" in (output as object)) return output as GetPromptResult
  return { messages: [output as PromptMessage] }
}
