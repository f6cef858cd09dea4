/**
 * Tools of the authoring API: one Schema gives the handler's parameter type, the validation of
 * the arguments, and the `inputSchema` on the wire; optional `success` and `failure` Schemas give
 * the `outputSchema` with `structuredContent`, and the declared, typed failures.
 *
 * Error rules (MCP 2025-11-25):
 * - a declared failure → an `isError: true` result carrying the encoded failure (the model can
 *   read it and react);
 * - an undeclared failure or a defect → an `isError: true` result with a masked message (the
 *   real cause is logged), unless masking is turned off; a result or content blocks built by hand
 *   that clients would refuse (`content` not an array, a block without a valid `type`...) are the
 *   handler's defect, the log saying what was wrong;
 * - a failure about the request itself (`McpError.MissingRequiredClientCapability`, -32021;
 *   `McpError.UrlElicitationRequired`, -32042) → that JSON-RPC error (in MCP 2026-07-28, which
 *   retired -32042, the URL elicitations become the call's input requests: `input_required`);
 * - invalid arguments → `-32602` for clients before 2025-11-25, an `isError` result from
 *   2025-11-25 on (SEP-1303, so the model can correct itself), whether the parameters are a
 *   Schema or a raw JSON Schema (`jsonSchema`); every problem is listed, up to 16 KB of text, but
 *   arguments of more than 10,000 values (properties and items at every level) are told their
 *   first problem only;
 * - an unknown tool → `-32602` (answered by the server, see `McpServer`).
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as SchemaJITCompiler from "effect/schema/SchemaJITCompiler"
import * as McpError from "../protocol/McpError.ts"
import * as ParamHeaders from "../protocol/ParamHeaders.ts"
import type {
  CallToolResult,
  ContentBlock,
  Icon,
  Tool as WireTool,
  ToolAnnotations,
  ToolExecution
} from "../protocol/McpSchema.ts"
import * as ProtocolVersion from "../protocol/ProtocolVersion.ts"
import {
  featuresOf,
  hasNonObjectRoot,
  takesObjectStructuredContent,
  withObjectStructuredContent,
  withoutModernResultFields
} from "../protocol/versions/Projection.ts"
import { shapesItsValues } from "./internal/shapedOutput.ts"
import { ClientCapabilityMissing } from "../session/ClientRequestError.ts"
import type { McpRequestContext, RequestContext } from "../session/RequestContext.ts"
import * as JsonSchemaValidator from "./internal/jsonSchemaValidator.ts"
import { clip } from "../internal/clip.ts"
import { forLog } from "../internal/loggedCause.ts"
import { lazy } from "../internal/lazy.ts"
import { isEffect, isExit } from "../internal/isExit.ts"
import { firstProblemOnly, maxProblemsText, maxValuesForEveryProblem, moreValuesThan } from "../internal/nesting.ts"
import { rooted } from "../internal/rooted.ts"
import { notAnEffect, provideRequest, requestServices } from "./internal/provideRequest.ts"
import { undecodablePaths } from "./internal/jsonDecodable.ts"
import type { InputAnswerInvalid } from "./McpContext.ts"
import { outputEncoder } from "./internal/outputCodec.ts"
import { resultProblem } from "./internal/toolResult.ts"
import { markDeclaredFailure } from "./internal/declaredFailure.ts"
import * as JsonSchema from "./JsonSchema.ts"
import { kindOf } from "../internal/valueKind.ts"
import { checkDescription, checkName, checkToolAnnotations, invalid, notASchema } from "./internal/wireFields.ts"

// ---------------------------------------------------------------------------
// Definition types
// ---------------------------------------------------------------------------

/**
 * A JSON Schema passed through untouched (`$schema`, `$defs`, `additionalProperties` kept), that
 * the arguments are validated against.
 *
 * @since 0.1.0
 * @category models
 */
export class RawJsonSchema {
  readonly schema: { readonly type: "object"; readonly [key: string]: unknown }
  /**
   * Checks the schema and prepares the tool's validator (throwing, with the tool's name, when
   * the schema is not well-formed). Given by {@link jsonSchema}, the only code that refers to the
   * validator: a bundled server without raw JSON Schema tools leaves the validator and its
   * library (about 30 KB minified, 1.4 ms of a bundled server's start) out.
   */
  readonly makeValidator: (tool: string) => JsonSchemaValidator.ArgumentValidator
  constructor(
    schema: { readonly type: "object"; readonly [key: string]: unknown },
    makeValidator: (tool: string) => JsonSchemaValidator.ArgumentValidator
  ) {
    this.schema = schema
    this.makeValidator = makeValidator
  }
}

/**
 * Gives a tool a raw JSON Schema instead of an Effect Schema: clients see it exactly as written,
 * and the handler receives the arguments as sent once they are valid against it.
 *
 * Validation follows JSON Schema 2020-12, or the draft its `$schema` names (2019-09, draft-07,
 * draft-04; any other dialect is refused). Invalid arguments are answered as for a Schema tool,
 * with every problem and its instance path (as there: up to 16 KB; the first problem only past
 * 10,000 values); arguments nested deeper than 64 levels are refused before validation. A schema
 * that is not well-formed (a keyword of the wrong shape, an unknown `type`, an invalid `pattern`,
 * a local `$ref` that does not resolve) fails the tool's registration, naming the tool. The
 * validator (`@cfworker/json-schema`) is loaded when such a tool is first called, and its schema
 * compiled once then: servers without raw JSON Schema tools never load it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const jsonSchema = (schema: { readonly type: "object"; readonly [key: string]: unknown }): RawJsonSchema =>
  new RawJsonSchema(schema, (tool) => JsonSchemaValidator.make(tool, schema))

/**
 * A Schema the server decodes with (a tool's parameters, a prompt's arguments, a template's
 * variables, an elicitation's form): its decoding needs no services. The server decodes
 * synchronously, with no services provided, so a transformation that reads one
 * (`SchemaGetter.transformEffect` yielding a service) would fail every request with "Service not
 * found", whatever the Layers provide: it does not compile instead. Read the service in the handler.
 *
 * @since 0.2.0
 * @category models
 */
export type DecodedWithoutServices = Schema.Top & { readonly DecodingServices: never }

/**
 * A Schema the server encodes with (a tool's `success` and `failure`): its encoding needs no
 * services, as {@link DecodedWithoutServices}'s decoding.
 *
 * @since 0.2.0
 * @category models
 */
export type EncodedWithoutServices = Schema.Top & { readonly EncodingServices: never }

/**
 * Struct fields the server decodes with (see {@link DecodedWithoutServices}).
 *
 * @since 0.2.0
 * @category models
 */
export type Fields = { readonly [name: string]: DecodedWithoutServices }

/**
 * A tool's parameters given as one Schema: of a JSON object (a Struct, a Class, a union of
 * Structs, a Record), decoded without services. A Schema of a string or a number does not compile
 * (MCP's arguments are an object); one of an array or a `Date`, objects too, fails the
 * registration, naming the tool.
 *
 * @since 0.2.0
 * @category models
 */
export type ParametersSchema = DecodedWithoutServices & { readonly Encoded: object }

/**
 * What a tool's `parameters` may be: Struct fields, a Struct schema, or a raw JSON Schema.
 *
 * @since 0.1.0
 * @category models
 */
export type Parameters = Fields | ParametersSchema | RawJsonSchema

/**
 * The handler's parameter type for the given `parameters`.
 *
 * @since 0.1.0
 * @category models
 */
export type ParametersType<P> = P extends RawJsonSchema ? { readonly [key: string]: unknown }
  : P extends Schema.Top ? P["Type"]
  : P extends Schema.Struct.Fields ? Schema.Struct<P>["Type"]
  : never

/**
 * What a handler without a `success` schema may return: a string (one text block), one content
 * block, several, or a whole `CallToolResult`, whose `structuredContent` may be any JSON value
 * ({@link AnyStructuredResult}).
 *
 * @since 0.1.0
 * @category models
 */
export type Output = string | ContentBlock | ReadonlyArray<ContentBlock> | CallToolResult | AnyStructuredResult

/**
 * A `CallToolResult` whose `structuredContent` is any JSON value (an array, a string, `null`...),
 * as MCP 2026-07-28 allows (SEP-2106). It is sent so to 2026-07-28 clients; earlier versions take
 * an object only, and get `{ result: value }` (2025-06-18, 2025-11-25; before 2025-06-18 there is
 * no `structuredContent`).
 *
 * @since 0.2.0
 * @category models
 */
export type AnyStructuredResult = Omit<CallToolResult, "structuredContent"> & { readonly structuredContent?: unknown }

/**
 * The handler's success type: `success`'s type when declared, else {@link Output}.
 *
 * @since 0.1.0
 * @category models
 */
export type SuccessType<S> = [S] extends [Schema.Top] ? S["Type"] : Output

/**
 * The errors about the request itself a handler may fail with, whatever it declares: they answer
 * as JSON-RPC errors (-32021, -32042, 429, -32603 "Store unavailable"), not as tool errors. A handler that means to answer
 * with a JSON-RPC error of its own (a protocol-level failure, not the tool's) fails with
 * `McpError.JsonRpcError`.
 *
 * @since 0.2.0
 * @category models
 */
export type RequestError =
  | McpError.MissingRequiredClientCapability
  | McpError.UrlElicitationRequired
  | McpError.LimitExceeded
  | McpError.StoreUnavailable
  | McpError.JsonRpcError

/**
 * The handler's error type: `failure`'s type when declared, else nothing of its own; plus the
 * {@link RequestError}s, `ClientCapabilityMissing` (input the client cannot give: in MCP
 * 2026-07-28, where capabilities are the request's, it answers -32021 naming the capability; in a
 * 2025-era session it is a tool error whose text is its message, naming the capability), and
 * `McpContext.InputAnswerInvalid` (the client's answer to what the handler asked is invalid: an
 * answer to a form that does not match it, an answer that is not the method's result: -32602
 * saying what is wrong, in both eras, unless `failure` takes it).
 *
 * @since 0.1.0
 * @category models
 */
export type FailureType<F> =
  | ([F] extends [Schema.Top] ? F["Type"] : never)
  | RequestError
  | ClientCapabilityMissing
  | InputAnswerInvalid

/**
 * Everything that describes a tool, its handler included.
 *
 * @since 0.1.0
 * @category models
 */
export interface Definition<
  P extends Parameters | undefined,
  S extends EncodedWithoutServices | undefined,
  F extends EncodedWithoutServices | undefined,
  R
> {
  readonly name: string
  readonly title?: string | undefined
  readonly description?: string | undefined
  readonly parameters?: P
  /**
   * The Schema of the handler's success value: the tool's `outputSchema`, and the value its
   * `structuredContent` (and, as JSON, its text block). Any root (MCP 2026-07-28, SEP-2106): an
   * array, a string, a union... is listed and sent as it is to 2026-07-28 clients; earlier
   * versions want an object there, and get the schema wrapped as
   * `{ type: "object", properties: { result: <schema> }, required: ["result"] }` with the value
   * as `{ result: <value> }`.
   */
  readonly success?: S
  readonly failure?: F
  /**
   * The text the model reads for a declared failure. Default: the error's `message` when it has
   * one (a `message` field, or a `get message()` of its class), else the encoded error as JSON.
   * The encoded error itself is the result's `structuredContent` when the tool has no `success`
   * schema (with one, `structuredContent` must match the output schema, which clients check).
   */
  readonly formatFailure?: ((error: [F] extends [Schema.Top] ? F["Type"] : never) => string) | undefined
  readonly annotations?: ToolAnnotations | undefined
  readonly icons?: ReadonlyArray<Icon> | undefined
  readonly meta?: { readonly [key: string]: unknown } | undefined
  readonly execution?: ToolExecution | undefined
  /**
   * The work must not run twice. On a task store shared by replicas (Redis), a task whose
   * replica stopped while running it is run again by another replica (at least once); a
   * `runOnce` tool's task ends `failed` instead ("The server running this task stopped before it
   * finished"). Default `false`.
   */
  readonly runOnce?: boolean | undefined
  /** Labels for middleware (authorization, filtering); not sent to clients. */
  readonly tags?: ReadonlyArray<string> | undefined
  readonly handler: (
    params: ParametersType<P extends undefined ? {} : P>
  ) => Effect.Effect<SuccessType<S>, FailureType<F>, R>
}

/**
 * Whether a component may run as a background task: never, on request, or always.
 *
 * @since 0.1.0
 * @category models
 */
export type TaskSupport = "forbidden" | "optional" | "required"

/**
 * A tool ready to be served: its wire description and how to call it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Registered {
  readonly name: string
  readonly tags: ReadonlyArray<string>
  /** Whether the tool may (or must) run as a background task (`execution.taskSupport`). */
  readonly taskSupport: TaskSupport
  /** Its work must not run twice (see `Definition.runOnce`). */
  readonly runOnce: boolean
  /**
   * Its description in `tools/list`, before the projection to the request's version: its
   * `outputSchema` may have a root that is not an object (MCP 2026-07-28, SEP-2106), which the
   * projection wraps as `{ result: ... }` for earlier versions (`Projection.legacyOutputSchema`).
   */
  readonly wire: WireTool
  readonly call: (args: unknown, context: RequestContext) => Effect.Effect<CallToolResult, McpError.McpError>
  /**
   * @internal What is wrong with the `x-mcp-header` declarations of its raw JSON Schema
   * (`ParamHeaders.declarationProblem`), if anything: said when it is registered (see
   * {@link warningsOf}).
   */
  readonly paramHeaderProblem?: string | undefined
}

/**
 * How failures nobody declared are shown to clients, and how the tool's schemas are advertised.
 *
 * @since 0.1.0
 * @category models
 */
export interface ErrorMasking {
  /** true (default): defects become "Internal error"; false: their message is shown. */
  readonly maskErrors: boolean
  /**
   * true (default, when left out): the `inputSchema` and `outputSchema` made of the tool's Schemas
   * are advertised with their `$ref`s inlined ({@link JsonSchema.dereference}); false: as made.
   */
  readonly dereferenceSchemas?: boolean | undefined
}

// ---------------------------------------------------------------------------
// Compilation
// ---------------------------------------------------------------------------

/**
 * Compiles a definition once: the JSON Schemas on the wire, JIT-compiled decoders and encoders,
 * and the call path. `context` holds the services the handler needs (captured at registration).
 *
 * @since 0.1.0
 * @category registration
 */
export const compile = <
  P extends Parameters | undefined,
  S extends EncodedWithoutServices | undefined,
  F extends EncodedWithoutServices | undefined,
  R
>(
  definition: Definition<P, S, F, R>,
  context: Context.Context<Exclude<R, McpRequestContext>>,
  masking: ErrorMasking
): Registered => {
  const name = definition.name
  checkWireFields(definition)
  const parameters = definition.parameters as Parameters | undefined
  const paramsSchema = parameters === undefined
    ? emptyParameters()
    : parameters instanceof RawJsonSchema
    ? undefined
    : Schema.isSchema(parameters)
    ? parameters
    : Schema.Struct(parameters as Schema.Struct.Fields)
  // Cold start: the JSON Schemas, decoders and encoders are built at their first use (`tools/list`,
  // the first call, the first failure), not here: building them costs a few ms per server at start
  // (most of it the first run of Schema's JSON Schema and codec code), which a stdio server would
  // pay before it can answer `initialize`. Afterwards each is one `??=` per use.
  // A parameters schema given as a Schema (not as fields, whose Struct is always an object) is
  // turned into JSON Schema now, so a non-object schema fails at start, naming the tool.
  if (paramsSchema !== undefined) {
    const { missing, undecodable } = undecodablePaths(paramsSchema)
    if (missing.length > 0) {
      throw new Error(
        `Tool ${name}: parameter ${missing.join(", ")} ${notASchema}`
      )
    }
    if (undecodable.length > 0) {
      throw new Error(
        `Tool ${name}: parameter ${undecodable.join(", ")} cannot be decoded from JSON (a Schema.instanceOf or declared type without a JSON form); use a schema a client can send, e.g. a Struct or a transformation from a string`
      )
    }
  }
  // Inlined once, here (not at each `tools/list`); a raw JSON Schema is advertised as given.
  const dereference = masking.dereferenceSchemas !== false
  let inputSchema: WireTool["inputSchema"] | undefined = parameters instanceof RawJsonSchema
    ? parameters.schema
    : Schema.isSchema(parameters)
    ? inputSchemaOf(name, paramsSchema!, dereference)
    : undefined
  const success = definition.success
  let output: OutputCodec | undefined
  const outputCodec = (success: Schema.Top): OutputCodec => output ??= outputOf(success, dereference)

  let wire: WireTool | undefined
  const describe = (): WireTool => {
    const wire: { -readonly [K in keyof WireTool]: WireTool[K] } = {
      name,
      inputSchema: inputSchema ??= inputSchemaOf(name, paramsSchema!, dereference)
    }
    if (definition.title !== undefined) wire.title = definition.title
    if (definition.description !== undefined) wire.description = definition.description
    if (success !== undefined) {
      wire.outputSchema = outputCodec(success).jsonSchema as NonNullable<WireTool["outputSchema"]>
    }
    if (definition.annotations !== undefined) wire.annotations = definition.annotations
    if (definition.execution !== undefined) wire.execution = definition.execution
    if (definition.icons !== undefined) wire.icons = definition.icons
    if (definition.meta !== undefined) wire._meta = definition.meta
    return wire
  }

  let decodeParams: Decoders | undefined
  // Checks the schema now (throwing, with the tool's name, when it is not well-formed); the
  // validator itself is loaded and compiled at the first call.
  const validator = parameters instanceof RawJsonSchema ? parameters.makeValidator(name) : undefined
  const failure = definition.failure
  let encodeFailure: ((error: unknown) => Exit.Exit<unknown, Schema.SchemaError>) | undefined
  const handler = definition.handler as (params: unknown) => Effect.Effect<unknown, unknown, any>
  const formatFailure = definition.formatFailure as ((error: unknown) => string) | undefined

  /** A declared failure as the tool's error result (see `Definition.formatFailure`). */
  const failureResult = (error: unknown, encoded: unknown): CallToolResult => {
    const message = (error as { readonly message?: unknown } | null)?.message
    const text = formatFailure !== undefined
      ? formatted(formatFailure, error, encoded)
      : typeof message === "string" && message.length > 0
      ? message
      : stringify(encoded)
    const result: { -readonly [K in keyof CallToolResult]: CallToolResult[K] } = { content: [{ type: "text", text }], isError: true }
    if (success === undefined && typeof encoded === "object" && encoded !== null && !Array.isArray(encoded)) {
      result.structuredContent = encoded as { readonly [key: string]: unknown }
    }
    // What `Retry` decides by: the text is the model's, JSON only without a message or formatter.
    return markDeclaredFailure(result, encoded)
  }

  /**
   * The handler's exit as the call's answer; `anyStructured`: the request's version takes any JSON
   * value as `structuredContent` (MCP 2026-07-28, SEP-2106), not an object only; `wrap`: it takes
   * an object only (2025-06-18, 2025-11-25), so a value that is not one, or one whose
   * `outputSchema` is listed wrapped, is sent as `{ result: value }`. Neither (2025-03-26,
   * 2024-11-05): `structuredContent` is not sent at all, the value itself is the text.
   */
  const resultOf = (
    exit: Exit.Exit<unknown, unknown>,
    anyStructured: boolean,
    wrap: boolean
  ): Effect.Effect<CallToolResult, McpError.McpError> => {
    if (exit._tag === "Success") {
      if (success === undefined) {
        const output = exit.value
        // Not an `Output` (where types are not checked): a defect of the handler, answered as one.
        if (typeof output === "string") return Exit.succeed({ content: [{ type: "text", text: output }] })
        if (typeof output !== "object" || output === null) {
          return undeclared(name, Cause.die(new TypeError(`the handler succeeded with ${kindOf(output)}, not a string, content blocks or a CallToolResult`)), masking)
        }
        // Built by hand (proxied, parsed, cast): a shape the wire does not allow would make the
        // client refuse the whole answer. A defect of the handler, answered as one, the log saying
        // what was wrong.
        let result: CallToolResult
        let problem: string | undefined
        try {
          if (!Array.isArray(output) && !("content" in output) && !("type" in output)) {
            return undeclared(name, Cause.die(new TypeError(`the handler succeeded with ${neither}`)), masking)
          }
          result = normalize(output as Output)
          problem = resultProblem(result as unknown as { readonly [key: string]: unknown })
        } catch {
          // Properties that cannot be read (a getter or a Proxy that throws): not judged here;
          // serialising it fails, and that request is answered -32603 saying why.
          return Exit.succeed(output as CallToolResult)
        }
        if (problem !== undefined) {
          return undeclared(name, Cause.die(new TypeError(`the handler succeeded with a result clients would refuse: ${problem}`)), masking)
        }
        // Before 2026-07-28: what only it defines on a result (`resultType`, `ttlMs`...) is not
        // sent (dropped here already, so that the middleware around sees what is), and a `structuredContent`
        // that is not an object (any JSON value there, SEP-2106) is sent as `{ result: value }`,
        // as a tool's success value is (here too for a task's result, which the projection of a
        // `tools/call` answer does not see).
        return Exit.succeed(
          anyStructured ? result : wrap ? withObjectStructuredContent(withoutModernResultFields(result)) : withoutModernResultFields(result)
        )
      }
      const codec = outputCodec(success)
      const encoded = codec.encode(exit.value)
      if (encoded._tag === "Success") {
        return Exit.succeed(structured(codec.wrapped && wrap ? { result: encoded.value } : encoded.value))
      }
      return undeclared(name, Cause.fail(encoded.cause), masking)
    }
    // A handler stopped for input (MCP 2026-07-28 MRTR), nothing else in its cause: the server
    // answers input_required. Anything that failed beside the stop wins, answered below as it
    // would be alone (`McpError.failureBesideInput`, the one rule), the stop left out of it.
    let cause = McpError.failureBesideInput(exit.cause)
    if (cause === undefined) return Exit.failCause(exit.cause as Cause.Cause<never>)
    if (Cause.hasInterruptsOnly(cause)) return Exit.failCause(cause as Cause.Cause<never>)
    // A defect beside a failure (a parallel branch died as another failed) is the tool's bug,
    // whatever the failure: answered and logged as one (`McpError.hasServerDefect`), not hidden
    // behind the client's invalid answer or a declared failure.
    if (McpError.hasServerDefect(cause)) return undeclared(name, cause, masking)
    if (anyStructured) {
      // MCP 2026-07-28: a URL elicitation required asks for input (the round lists every one);
      // anything else that failed beside it wins, answered below as it would be alone
      // (`McpError.failureBesideUrlElicitation`). A 2025-era session answers -32042 as before.
      const beside = McpError.failureBesideUrlElicitation(cause)
      if (beside === undefined) return Exit.failCause(cause as Cause.Cause<never>)
      cause = beside
    }
    // Errors about the request itself, not the tool's work, are the protocol's answer.
    for (const reason of cause.reasons) {
      if (reason._tag !== "Fail") continue
      if (isRequestError(reason.error)) return Exit.fail(reason.error)
      // MCP 2026-07-28: a capability the request itself did not declare is -32021, naming it.
      const missing = McpError.missingClientCapability(reason.error)
      if (missing !== undefined) return Exit.fail(missing)
    }
    if (failure !== undefined) {
      encodeFailure ??= encoder(failure)
      for (const reason of cause.reasons) {
        if (reason._tag !== "Fail") continue
        const encoded = encodeFailure(reason.error)
        if (encoded._tag === "Success") return Exit.succeed(failureResult(reason.error, encoded.value))
      }
    }
    // The client's answer to a form does not match it: the client's invalid params (MCP
    // 2026-07-28 answers an answer that cannot be parsed with a JSON-RPC error; a 2025-era
    // session's answer to the same question alike), not the tool's failure, nor logged as one;
    // made a defect (`Effect.orDie`, as the guides do) too.
    const invalid = McpError.clientAnswerInvalidOf(cause)
    if (invalid !== undefined) return Exit.fail(invalid)
    // A 2025-era session: input the client cannot give is every handler's failure (not the
    // server's fault, nothing secret in it), a tool error saying which capability is missing.
    // Masked as "internal error", neither the model nor the user could tell what was wrong.
    for (const reason of cause.reasons) {
      if (reason._tag === "Fail" && reason.error instanceof ClientCapabilityMissing) {
        return Exit.succeed({ content: [{ type: "text", text: reason.error.message }], isError: true })
      }
      // The same made a defect (`Effect.orDie`, as the guides do) is still input the client
      // cannot give, not the tool's failure: -32021 in MCP 2026-07-28, else that tool error.
      if (reason._tag === "Die" && reason.defect instanceof ClientCapabilityMissing) {
        const missing = McpError.missingClientCapability(reason.defect)
        if (missing !== undefined) return Exit.fail(missing)
        return Exit.succeed({ content: [{ type: "text", text: reason.defect.message }], isError: true })
      }
    }
    return undeclared(name, cause, masking)
  }

  // Made once per tool: the call's answer at each kind of version, with no closure per call.
  const modernResult = (exit: Exit.Exit<unknown, unknown>) => resultOf(exit, true, false)
  const objectResult = (exit: Exit.Exit<unknown, unknown>) => resultOf(exit, false, true)
  const textResult = (exit: Exit.Exit<unknown, unknown>) => resultOf(exit, false, false)
  const resultAt = (request: RequestContext) =>
    takesObjectStructuredContent(request.protocolVersion)
      ? objectResult
      : ProtocolVersion.isModern(request.protocolVersion)
      ? modernResult
      : textResult
  const toResult = (exit: Exit.Exit<unknown, unknown>, request: RequestContext) => resultAt(request)(exit)

  const run = (params: unknown, request: RequestContext): Effect.Effect<CallToolResult, McpError.McpError> => {
    let effect: Effect.Effect<unknown, unknown, any>
    try {
      effect = handler(params)
    } catch (defect) {
      return toResult(Exit.die(defect), request)
    }
    // An already-completed effect needs no services and no fiber: answer inline.
    if (isExit(effect)) return toResult(effect, request)
    // No Effect (an async function, where types are not checked): the handler's defect, answered as one.
    if (!isEffect(effect)) return toResult(Exit.die(notAnEffect(`Tool ${name}`, effect)), request)
    // A background task's handler: its task's fiber runs it as its root.
    if (request.relatedTask !== undefined) {
      const handler = effect as Effect.Effect<unknown, unknown>
      return rooted({
        handler,
        services: (current) => requestServices(context, current, request),
        result: resultAt(request)
      })
    }
    return Effect.flatMap(Effect.exit(provideRequest(effect, context, request)), resultAt(request))
  }

  /** Runs the handler when the raw JSON Schema found no problem in the arguments. */
  const runChecked = (
    problems: ReadonlyArray<string>,
    params: unknown,
    request: RequestContext
  ): Effect.Effect<CallToolResult, McpError.McpError> =>
    problems.length === 0
      ? run(params, request)
      : invalidArguments(
        McpError.invalidParams(clip(`Invalid arguments for tool ${name}:\n${problems.join("\n")}`, maxProblemsText)),
        request
      )

  /**
   * A tool that cannot be described (its wire description throws as it is built: a Schema Effect
   * cannot turn into JSON Schema) is not called: it is left out of `tools/list`, and its result
   * could not be encoded. Its call is refused before its handler runs, naming it, and logged with
   * the cause; once described, it stays so (one check per call).
   */
  const undescribed = (): Effect.Effect<never, McpError.McpError> | undefined => {
    try {
      wire = describe()
      return undefined
    } catch (error) {
      return Effect.andThen(
        Effect.logError(`effect-mcp-server: tool ${name} cannot be described to clients and is not called`, forLog(Cause.die(error))),
        Exit.fail(McpError.withoutStackTrace(() =>
          new McpError.InternalError({
            message: `Tool ${name} cannot be described to clients (a Schema of it cannot be turned into JSON Schema), so it is not called`
          })
        ))
      )
    }
  }

  const call = (args: unknown, request: RequestContext): Effect.Effect<CallToolResult, McpError.McpError> => {
    if (wire === undefined) {
      const refused = undescribed()
      if (refused !== undefined) return refused
    }
    const params: unknown = args ?? {}
    if (validator !== undefined) {
      const checked = validator.validate(params)
      // Once the validator is loaded, validation is synchronous: no fiber for it.
      if (isExit(checked)) {
        const exit = checked as Exit.Exit<ReadonlyArray<string>>
        return exit._tag === "Success" ? runChecked(exit.value, params, request) : toResult(exit, request)
      }
      return Effect.matchCauseEffect(checked, {
        onSuccess: (problems) => runChecked(problems, params, request),
        // The validator could not be loaded or could not use the schema: a defect, answered as one.
        onFailure: (cause) => toResult(Exit.failCause(cause), request)
      })
    }
    if (paramsSchema === undefined) return run(params, request)
    const decoders = decodeParams ??= jit(paramsSchema)
    const decoded = decoders.first(params)
    if (decoded._tag === "Success") return run(decoded.value, request)
    if (!McpError.isSchemaVerdict(decoded.cause)) return undecodable(decoded.cause, request)
    // Every problem, for the model to fix them in one go; only the first of arguments too large
    // to find and list them all (see `maxValuesForEveryProblem`).
    const large = moreValuesThan(params, maxValuesForEveryProblem)
    const every = large ? decoded : decoders.every(params)
    const problems = McpError.schemaFailureMessage(
      (every._tag === "Failure" && McpError.isSchemaVerdict(every.cause) ? every : decoded).cause
    )
    const message = large
      ? `Invalid arguments for tool ${name} (${firstProblemOnly}): ${problems}`
      : `Invalid arguments for tool ${name}: ${problems}`
    return invalidArguments(McpError.invalidParams(clip(message, maxProblemsText)), request)
  }

  /**
   * A decode of the arguments that died, never shown to the client: a recursive schema's decoder
   * that overflowed the stack is told as arguments nested too deeply (the client's to change);
   * anything else (a transformation or filter that threw) is a defect of the tool, masked and
   * logged as its handler's are.
   */
  const undecodable = (
    cause: Cause.Cause<Schema.SchemaError>,
    request: RequestContext
  ): Effect.Effect<CallToolResult, McpError.McpError> =>
    isStackOverflow(cause)
      ? invalidArguments(McpError.invalidParams(`Invalid arguments for tool ${name}: ${tooDeep}`), request)
      : undeclared(name, cause, masking)

  return {
    name,
    tags: definition.tags ?? [],
    taskSupport: definition.execution?.taskSupport ?? "forbidden",
    runOnce: definition.runOnce === true,
    get wire() {
      return wire ??= describe()
    },
    call,
    // Only a raw JSON Schema can declare `x-mcp-header` (the JSON Schema made of an Effect Schema
    // has no such keyword); checked here, at registration, not at the first `tools/list`.
    paramHeaderProblem: parameters instanceof RawJsonSchema ? ParamHeaders.declarationProblem(parameters.schema) : undefined
  }
}

// ---------------------------------------------------------------------------
// Internal
// ---------------------------------------------------------------------------

/**
 * Checks the fields copied to the wire as given (the wire description is built later, at the
 * first `tools/list`): a value the wire does not allow (`meta: null`, a `readOnlyHint` of "yes",
 * where types are not checked) fails the registration naming the tool and the field, rather than
 * make clients refuse every `tools/list` page it is on.
 */
const checkWireFields = (definition: Definition<any, any, any, any>): void => {
  const name: unknown = definition.name
  // A name no client can call the tool by (`tools/call` names it with a non-empty string): refused.
  // One that only breaks the naming rule is served, with a warning (see `nameWarning`).
  checkName("Tool", name)
  const owner = `Tool ${name as string}`
  checkDescription(owner, definition)
  if (definition.annotations !== undefined) checkToolAnnotations(owner, definition.annotations)
  const execution: unknown = definition.execution
  if (execution !== undefined) {
    if (!Predicate.isObject(execution)) throw invalid(owner, "execution", "an object", execution)
    const taskSupport = execution.taskSupport
    if (taskSupport !== undefined && taskSupport !== "forbidden" && taskSupport !== "optional" && taskSupport !== "required") {
      throw invalid(owner, "execution.taskSupport", `"forbidden", "optional" or "required"`, taskSupport)
    }
  }
}

/** The characters of a tool name that follows MCP 2025-11-25's naming rule (SEP-986), 1 to 128 of them. */
const toolNameRule = /^[A-Za-z0-9_.-]{1,128}$/

/**
 * What is wrong with a tool name by MCP 2025-11-25's rule (SEP-986: 1 to 128 characters of
 * A-Z a-z 0-9 `_` `-` `.`), or `undefined` when nothing is. The rule is a SHOULD: clients may refuse
 * or rename such a tool (model APIs take fewer characters), but it can be called, so the server
 * serves it and warns once (see `McpServer.tool`).
 *
 * @internal
 *
 * @since 0.2.0
 * @category validation
 */
export const nameWarning = (name: string): string | undefined => {
  if (toolNameRule.test(name)) return undefined
  const problems: Array<string> = []
  if (name.length > 128) problems.push(`it is ${name.length} characters long (at most 128)`)
  const others = [...new Set(name.replace(/[A-Za-z0-9_.-]/g, ""))]
  if (others.length > 0) {
    const shown = others.slice(0, 10).map((char) => JSON.stringify(char)).join(", ")
    problems.push(`it has ${shown}${others.length > 10 ? ` and ${others.length - 10} other characters` : ""}`)
  }
  return `effect-mcp-server: the tool name ${JSON.stringify(clip(name))} does not follow MCP's naming rule ` +
    `(MCP 2025-11-25, SEP-986: 1 to 128 characters, each a letter A-Z a-z, a digit, "_", "-" or "."): ` +
    `${problems.join(", and ")}. It is served as it is, but clients may refuse or rename it; give it a name that follows the rule.`
}

/**
 * What to warn of when `tool` is registered: its name against MCP's naming rule ({@link nameWarning}),
 * and `x-mcp-header` declarations that MCP 2026-07-28 clients on Streamable HTTP refuse (SEP-2243:
 * they must leave the tool out of their tool list). Such a tool is served as it is: over stdio,
 * and to clients of earlier versions, nothing is wrong with it.
 *
 * @internal
 *
 * @since 0.2.0
 * @category validation
 */
export const warningsOf = (tool: Registered): ReadonlyArray<string> => {
  const name = nameWarning(tool.name)
  const header = tool.paramHeaderProblem === undefined
    ? undefined
    : `effect-mcp-server: the tool ${JSON.stringify(clip(tool.name))} declares an invalid x-mcp-header (MCP 2026-07-28, ` +
      `SEP-2243): ${tool.paramHeaderProblem}. It is served as it is, but clients on Streamable HTTP at 2026-07-28 leave it ` +
      `out of their tool list; fix the declaration.`
  return name === undefined ? header === undefined ? [] : [header] : header === undefined ? [name] : [name, header]
}

/** What a handler that returned an object of neither shape is told. */
const neither = "an object that is neither a CallToolResult (it has no content) nor a content block (it has no type)"

/** What arguments a recursive schema could not decode without overflowing the stack are told. */
const tooDeep = "nested too deeply to be checked (objects and arrays thousands of levels deep)"

/** Whether a decode died of a stack overflow (V8's `RangeError`), on a value nested too deeply. */
const isStackOverflow = (cause: Cause.Cause<unknown>): boolean =>
  cause.reasons.some((reason) =>
    reason._tag === "Die" && reason.defect instanceof RangeError && reason.defect.message.includes("call stack")
  )

/** The params schema of a tool without parameters (made by the first one). */
const emptyParameters = lazy(() => Schema.Struct({}))

/**
 * Invalid arguments: `-32602` before 2025-11-25; from 2025-11-25 on (SEP-1303), a tool error the
 * model can read and correct itself from.
 */
const invalidArguments = (
  error: McpError.InvalidParams,
  request: RequestContext
): Effect.Effect<CallToolResult, McpError.McpError> =>
  featuresOf(request.protocolVersion).toolInputErrorsAsResults
    ? Exit.succeed({ content: [{ type: "text", text: error.message }], isError: true })
    : Exit.fail(error)

/** The tool's `inputSchema`; a schema that is not a JSON object is refused naming the tool. */
const inputSchemaOf = (name: string, schema: Schema.Top, dereference: boolean): WireTool["inputSchema"] => {
  let inputSchema: JsonSchema.JsonSchema
  try {
    inputSchema = JsonSchema.toolInputSchema(schema)
  } catch (error) {
    throw new Error(`Tool ${name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
  }
  return (dereference ? JsonSchema.dereference(inputSchema) : inputSchema) as WireTool["inputSchema"]
}

/**
 * Arguments are decoded, and results and failures encoded, through the schema's JSON codec: the
 * form its JSON Schema describes (a `Schema.Date` parameter takes the ISO string the schema
 * advertises, a `BigInt` result is sent as its string), not the schema's own encoded side.
 */
const jit = (schema: Schema.Top): Decoders => {
  const codec = Schema.toCodecJson(schema as Schema.Codec<unknown, unknown>) as unknown as Schema.Codec<unknown, unknown>
  SchemaJITCompiler.enable(codec.ast)
  return { first: Schema.decodeUnknownExit(codec), every: Schema.decodeUnknownExit(codec, allErrors) }
}

/** A parameters schema's decoders: stopping at the first problem (as fast as any when there is none), and finding them all. */
interface Decoders {
  readonly first: (input: unknown) => Exit.Exit<unknown, Schema.SchemaError>
  readonly every: (input: unknown) => Exit.Exit<unknown, Schema.SchemaError>
}

const allErrors = { errors: "all" } as const

const encoder = (schema: Schema.Top) =>
  Schema.encodeUnknownExit(Schema.toCodecJson(schema as Schema.Codec<unknown, unknown>) as unknown as Schema.Codec<unknown, unknown>)

interface OutputCodec {
  readonly jsonSchema: { readonly [key: string]: unknown }
  readonly encode: (value: unknown) => Exit.Exit<unknown, Schema.SchemaError>
  /** The schema's root is not an object type: before 2026-07-28, values are sent as `{ result: value }`. */
  readonly wrapped: boolean
}

/**
 * The output schema and encoder. The schema is the success schema's own, whatever its root (MCP
 * 2026-07-28, SEP-2106); one whose root is not an object type is listed to earlier versions, which
 * want an object there, wrapped as `{ result: ... }` (`Projection.legacyOutputSchema`, as the SDK
 * v2 server and FastMCP do), and the values sent to them alike.
 */
const outputOf = (success: Schema.Top, dereference: boolean): OutputCodec => {
  const schema = JsonSchema.toolOutputSchema(success, { anyRoot: true })
  const jsonSchema = dereference ? JsonSchema.dereference(schema) : schema
  // Marked: a server wrapping the values of the tools listed with such a schema leaves this one's
  // (wrapped here) as they are.
  return { jsonSchema: shapesItsValues(jsonSchema), encode: outputEncoder(success), wrapped: hasNonObjectRoot(jsonSchema) }
}

/** The formatter's text; a formatter that throws (or returns no string) falls back to the JSON. */
const formatted = (format: (error: unknown) => string, error: unknown, encoded: unknown): string => {
  try {
    const text = format(error)
    return typeof text === "string" ? text : stringify(encoded)
  } catch {
    return stringify(encoded)
  }
}

const stringify = (value: unknown): string => typeof value === "string" ? value : JSON.stringify(value)

/** A success value as the result: `structuredContent`, and its JSON in a text block (as the spec asks). */
const structured = (value: unknown): CallToolResult => ({
  content: [{ type: "text", text: JSON.stringify(value) }],
  structuredContent: value as { readonly [key: string]: unknown }
})

const normalize = (output: Output): CallToolResult => {
  if (typeof output === "string") return { content: [{ type: "text", text: output }] }
  if (Array.isArray(output)) return { content: output as ReadonlyArray<ContentBlock> }
  if ("content" in (output as object)) return output as CallToolResult
  return { content: [output as ContentBlock] }
}

/**
 * The failures of a handler that answer the request as JSON-RPC errors rather than tool errors:
 * they are about the request (a client capability it lacks, an elicitation it needs first, a limit
 * it reached, e.g. `McpContext.becomeTask` past the task limits, a store it needed that failed,
 * e.g. `becomeTask`'s task store), not about the tool's work.
 */
const isRequestError = (error: unknown): error is RequestError =>
  error instanceof McpError.MissingRequiredClientCapability || error instanceof McpError.UrlElicitationRequired ||
  error instanceof McpError.LimitExceeded || error instanceof McpError.StoreUnavailable || error instanceof McpError.JsonRpcError

const undeclared = (
  name: string,
  cause: Cause.Cause<unknown>,
  masking: ErrorMasking
): Effect.Effect<CallToolResult, McpError.McpError> => {
  // Messages clipped (a 5 MB one was logged whole, and shown whole without masking).
  const logged = forLog(cause)
  const message = masking.maskErrors
    ? `Tool ${name} failed: internal error`
    : `Tool ${name} failed: ${Cause.pretty(logged)}`
  const result: CallToolResult = { content: [{ type: "text", text: message }], isError: true }
  return Effect.as(Effect.logError(`effect-mcp-server: tool ${name} failed`, logged), result)
}
