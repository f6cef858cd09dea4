/**
 * Prompts of the authoring API: Schema-typed arguments (their encoded side is the string the
 * client sends), messages with text, image, audio or embedded resources, and completion of
 * arguments. A missing required argument or one that fails decoding is answered with -32602;
 * messages built by hand that clients would refuse (a `role` of "system", a block without a valid
 * `type`...) are the handler's defect (-32603, the log saying what was wrong).
 *
 * @since 0.1.0
 */
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as McpError from "../protocol/McpError.ts"
import * as ProtocolVersion from "../protocol/ProtocolVersion.ts"
import { withoutModernResultFields } from "../protocol/versions/Projection.ts"
import type {
  GetPromptResult,
  Icon,
  Prompt as WirePrompt,
  PromptArgument,
  PromptMessage
} from "../protocol/McpSchema.ts"
import type { McpRequestContext, RequestContext } from "../session/RequestContext.ts"
import type { InputAnswerInvalid } from "./McpContext.ts"
import * as Completion from "./Completion.ts"
import { completed, notAnEffect, provideRequest } from "./internal/provideRequest.ts"
import * as JsonSchema from "./JsonSchema.ts"
import type { DecodedWithoutServices, TaskSupport } from "./Tool.ts"
import { kindOf } from "../internal/valueKind.ts"
import { takesString } from "./internal/takesString.ts"
import { promptResultProblem } from "./internal/promptResult.ts"
import { checkDescription, checkName, notASchema } from "./internal/wireFields.ts"
import { isEffect } from "../internal/isExit.ts"

/**
 * What a prompt handler may return: text (one user message), one message, several, or the whole result.
 *
 * @since 0.1.0
 * @category models
 */
export type Output = string | PromptMessage | ReadonlyArray<PromptMessage> | GetPromptResult

/**
 * A prompt's arguments by name: Schemas that decode from a string (prompt arguments are strings on
 * the wire), without services: `Schema.String`, string `Schema.Literals`, `Schema.FiniteFromString`,
 * optional with `Schema.optionalKey`. One that takes no string (`Schema.Number` where
 * `Schema.FiniteFromString` was meant, which would refuse every call) does not compile.
 *
 * @since 0.2.0
 * @category models
 */
export type Arguments = { readonly [name: string]: DecodedWithoutServices & { readonly Encoded: string | undefined } }

/**
 * Everything that describes a prompt, its handler included: `R` is what the handler needs, `RC`
 * what each completer needs, by argument name.
 *
 * @since 0.1.0
 * @category models
 */
export interface Definition<Args extends Arguments, R, RC = { readonly [K in keyof Args]: R }> {
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
  readonly complete?: Completion.CompletersOf<Args, RC> | undefined
  /**
   * Fails with an `McpError` (its JSON-RPC error), or with the client's invalid answer to what it
   * asked (`McpContext.InputAnswerInvalid`: -32602, as a tool's).
   */
  readonly handler: (args: Schema.Struct<Args>["Type"]) => Effect.Effect<Output, McpError.McpError | InputAnswerInvalid, R>
}

/**
 * A prompt ready to be served.
 *
 * @since 0.1.0
 * @category models
 */
export interface Registered {
  readonly name: string
  readonly tags: ReadonlyArray<string>
  readonly taskSupport: TaskSupport
  readonly wire: WirePrompt
  readonly get: (
    args: { readonly [name: string]: string } | undefined,
    context: RequestContext
  ) => Effect.Effect<GetPromptResult, McpError.McpError>
  /** Its completion (`undefined` when it completes nothing: no completer function). */
  readonly complete: Completion.Compiled | undefined
}

/**
 * Compiles a prompt definition once; `context` holds the services the handler needs.
 *
 * @since 0.1.0
 * @category registration
 */
export const compile = <Args extends Arguments, R>(
  definition: Definition<Args, R, any>,
  context: Context.Context<Exclude<R, McpRequestContext>>
): Registered => {
  const name = definition.name
  // A prompt is got by its name: an empty one (or not a string, where types are not checked) is
  // refused. MCP gives prompt names no naming rule (tools have SEP-986's): nothing else is warned of.
  checkName("Prompt", name)
  // Checked now (the wire description is built later): a `meta: null` where types are not checked
  // fails the registration, naming the prompt, rather than make clients refuse `prompts/list`.
  checkDescription(`Prompt ${name}`, definition)
  // Every argument arrives as a string: one whose Schema takes no string (`Schema.Number` where
  // `Schema.FiniteFromString` was meant) would refuse every call with "Expected number".
  for (const [argument, field] of Object.entries(definition.arguments ?? {})) {
    // `Schema.Defect` for `Schema.Defect()`, where types are not checked: an unnamed TypeError.
    if (!Schema.isSchema(field)) throw new Error(`Prompt ${name}: argument ${argument} ${notASchema}`)
    if (!takesString((field as Schema.Top).ast)) {
      throw new Error(
        `Prompt ${name}: argument ${argument} must decode from a string (prompt arguments are strings on the wire); use e.g. Schema.String, Schema.Literals of strings or Schema.FiniteFromString`
      )
    }
  }
  Completion.checkNames(`Prompt ${name}`, definition.complete, "argument of the prompt", Object.keys(definition.arguments ?? {}))
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
  // Made once: the result of every `prompts/get`, or the handler's defect naming this prompt.
  const finishModern = (output: Output) => normalize(name, output, true)
  const finishLegacy = (output: Output) => normalize(name, output, false)
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
      const finish = ProtocolVersion.isModern(request.protocolVersion) ? finishModern : finishLegacy
      const done = completed(effect)
      if (done !== undefined) return done._tag === "Success" ? finish(done.value) : Exit.failCause(done.cause)
      if (!isEffect(effect)) return Exit.die(notAnEffect(`Prompt ${name}`, effect))
      return Effect.flatMap(provideRequest(effect, context, request), finish)
    },
    complete: !Completion.hasCompleters(definition.complete)
      ? undefined
      : Completion.compile(definition.complete as Completion.Completers<Schema.Struct.Fields, R>, context)
  }
}

// ---------------------------------------------------------------------------
// Internal
// ---------------------------------------------------------------------------

/**
 * The wire `arguments` from the Struct's JSON Schema: names, descriptions, titles, required. Its
 * `$ref`s inlined: an argument Schema used twice (an `identifier`) is a `$ref`, its title and
 * description in `$defs`.
 */
const argumentsOf = (schema: Schema.Top): ReadonlyArray<PromptArgument> => {
  const json = JsonSchema.dereference(JsonSchema.toolInputSchema(schema)) as {
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

/**
 * The wire result of what a handler returned, or its defect (-32603, logged naming the prompt and
 * what was wrong) when it is not an `Output`, or messages built by hand that clients would refuse
 * (see `promptResultProblem`): sent as they were, the SDK clients refused the whole answer.
 */
const normalize = (name: string, output: Output, modern: boolean): Exit.Exit<GetPromptResult> => {
  if (typeof output === "string") return Exit.succeed({ messages: [{ role: "user", content: { type: "text", text: output } }] })
  // Not an `Output` (where types are not checked): a defect of the handler, with what it was.
  if (typeof output !== "object" || output === null) {
    return defect(name, `${kindOf(output)}, not a string, messages or a GetPromptResult`)
  }
  try {
    let result: GetPromptResult
    if (Array.isArray(output)) result = { messages: output as ReadonlyArray<PromptMessage> }
    else if ("messages" in output) result = output as GetPromptResult
    else if ("role" in output) result = { messages: [output as PromptMessage] }
    else return defect(name, neither)
    const problem = promptResultProblem(result as unknown as { readonly [key: string]: unknown })
    if (problem !== undefined) return defect(name, `a result clients would refuse: ${problem}`)
    // What only 2026-07-28 defines on a result (`resultType`...) is not sent before it (dropped
    // here already, so that the middleware around sees what is); only a whole result can carry it.
    return Exit.succeed(modern || result !== output ? result : withoutModernResultFields(result))
  } catch (error) {
    // Properties that cannot be read (a getter or a Proxy that throws): the handler's defect too.
    return Exit.die(error)
  }
}

/** What a handler that returned an object of neither shape is told. */
const neither = "an object that is neither a GetPromptResult (it has no messages) nor a message (it has no role)"

/** The defect of prompt `name`'s handler, which succeeded with `what`. */
const defect = (name: string, what: string): Exit.Exit<never> =>
  Exit.die(new TypeError(`Prompt ${name}: the handler succeeded with ${what}`))
