/**
 * Resources and resource templates of the authoring API.
 *
 * A resource is a fixed URI with a `read` effect. A template is an RFC 6570 URI template whose
 * variables are decoded by Schemas before `read` runs (a URI that matches the pattern but fails
 * decoding is answered with -32602); it may `list` concrete resources and `complete` its
 * variables. A read returns a string (text), bytes (blob), contents, or a whole result.
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
  Annotations,
  Icon,
  ReadResourceResult,
  Resource as WireResource,
  ResourceContentsUnion,
  ResourceTemplate as WireTemplate
} from "../protocol/McpSchema.ts"
import type { McpRequestContext, RequestContext } from "../session/RequestContext.ts"
import type { InputAnswerInvalid } from "./McpContext.ts"
import * as Completion from "./Completion.ts"
import * as Content from "./Content.ts"
import { completed, notAnEffect, provideRequest } from "./internal/provideRequest.ts"
import type { DecodedWithoutServices, TaskSupport } from "./Tool.ts"
import * as UriTemplate from "./UriTemplate.ts"
import { kindOf } from "../internal/valueKind.ts"
import { takesList, takesString } from "./internal/takesString.ts"
import { isObject, resultTypeProblem } from "./internal/contentBlock.ts"
import { readContentsProblem } from "./internal/readResult.ts"
import { literalScheme } from "./internal/resourceKey.ts"
import { clip } from "../internal/clip.ts"
import {
  checkAnnotations,
  checkDescription,
  checkListedResources,
  checkName,
  checkSize,
  checkText,
  checkUri,
  checkUriTemplate,
  invalid,
  notASchema
} from "./internal/wireFields.ts"
import { isEffect } from "../internal/isExit.ts"

/**
 * What a `read` may return: text, bytes, contents, or the whole result.
 *
 * @since 0.1.0
 * @category models
 */
export type ReadOutput = string | Uint8Array | ReadonlyArray<ResourceContentsUnion> | ReadResourceResult

/**
 * Descriptive fields shared by resources and templates.
 *
 * @since 0.1.0
 * @category models
 */
export interface Metadata {
  readonly name: string
  readonly title?: string | undefined
  readonly description?: string | undefined
  readonly mimeType?: string | undefined
  readonly annotations?: Annotations | undefined
  readonly icons?: ReadonlyArray<Icon> | undefined
  readonly meta?: { readonly [key: string]: unknown } | undefined
  /** Labels for middleware (authorization, filtering); not sent to clients. */
  readonly tags?: ReadonlyArray<string> | undefined
  /**
   * Whether `resources/read` may (or must) run as a background task (advertised as
   * `tasks.requests.resources.read`, as FastMCP does). Default "forbidden".
   */
  readonly taskSupport?: TaskSupport | undefined
}

/**
 * A resource at a fixed URI.
 *
 * @since 0.1.0
 * @category models
 */
export interface Definition<R> extends Metadata {
  readonly uri: string
  readonly size?: number | undefined
  /** Fails with an `McpError`, or with `McpContext.InputAnswerInvalid` (-32602, as a tool's). */
  readonly read: Effect.Effect<ReadOutput, McpError.McpError | InputAnswerInvalid, R>
}

/**
 * A template's variables by name: Schemas that decode from the string in the URI (a list of
 * strings for an exploded variable, `{path*}`), without services: `Schema.String`,
 * `Schema.FiniteFromString`, `Schema.Array(Schema.String)`. One that takes no string
 * (`Schema.Number` where `Schema.FiniteFromString` was meant, which would refuse every read) does
 * not compile.
 *
 * @since 0.2.0
 * @category models
 */
export type TemplateParams = {
  readonly [name: string]: DecodedWithoutServices & { readonly Encoded: string | ReadonlyArray<string> | undefined }
}

/**
 * A resource template: `params` decode the URI's variables (their encoded side is the string in the
 * URI). `R` is what `read` needs, `RL` what `list` needs, `RC` what each completer needs, by
 * variable name.
 *
 * @since 0.1.0
 * @category models
 */
export interface TemplateDefinition<
  Params extends TemplateParams,
  R,
  RL = R,
  RC = { readonly [K in keyof Params]: R }
> extends Metadata {
  readonly uriTemplate: string
  /** Decoders of the template's variables, by name: each must be a variable of `uriTemplate` (registration fails otherwise). */
  readonly params?: Params | undefined
  /**
   * Concrete resources of this template, listed by `resources/list` after the registered ones.
   * When it fails (or lists a resource clients would refuse), its resources are left out, the
   * failure logged naming the template: the rest of the list is still answered.
   */
  readonly list?: Effect.Effect<ReadonlyArray<WireResource>, McpError.McpError, RL> | undefined
  /** Completions of the template's variables (`completion/complete` with `ref/resource`). */
  readonly complete?: Completion.CompletersOf<Params, RC> | undefined
  /** Fails with an `McpError`, or with `McpContext.InputAnswerInvalid` (-32602, as a tool's). */
  readonly read: (params: ReadParams<Params>, uri: string) => Effect.Effect<ReadOutput, McpError.McpError | InputAnswerInvalid, R>
}

/**
 * What a template's `read` gets: its variables decoded by `params`; without `params`, the variables
 * as they matched (strings, lists of strings for exploded ones).
 *
 * @since 0.2.0
 * @category models
 */
export type ReadParams<Params extends TemplateParams> = [keyof Params] extends [never] ? Variables
  : Schema.Struct<Params>["Type"]

/**
 * A resource ready to be served.
 *
 * @since 0.1.0
 * @category models
 */
export interface Registered {
  readonly uri: string
  readonly tags: ReadonlyArray<string>
  readonly taskSupport: TaskSupport
  readonly wire: WireResource
  readonly read: (context: RequestContext) => Effect.Effect<ReadResourceResult, McpError.McpError>
}

/**
 * The variables a template found in a URI (percent-decoded, not yet decoded by its `params`).
 *
 * @since 0.2.0
 * @category models
 */
export type Variables = NonNullable<ReturnType<UriTemplate.UriTemplate["match"]>>

/**
 * A template ready to be served.
 *
 * @since 0.1.0
 * @category models
 */
export interface RegisteredTemplate {
  readonly uriTemplate: string
  readonly tags: ReadonlyArray<string>
  readonly taskSupport: TaskSupport
  readonly wire: WireTemplate
  /** Reads `uri` if it matches this template; `undefined` when it does not. */
  readonly read: (uri: string, context: RequestContext) => Effect.Effect<ReadResourceResult, McpError.McpError> | undefined
  /** The variables of `uri` when it matches this template, for `readMatch`; `undefined` when it does not. */
  readonly match: (uri: string) => Variables | undefined
  /**
   * Reads `uri`, whose `variables` `match` gave (decoded by `params` first: -32602 when they do
   * not decode). For a caller that matched already (a read run later as a task) not to match again.
   */
  readonly readMatch: (
    uri: string,
    variables: Variables,
    context: RequestContext
  ) => Effect.Effect<ReadResourceResult, McpError.McpError>
  /**
   * What `readMatch` answers without reading when `variables` do not decode by `params` (-32602);
   * `undefined` when they decode. What may be subscribed is what a read would serve.
   */
  readonly refusal: (variables: Variables) => Exit.Exit<never, McpError.McpError> | undefined
  /** Whether the template matches `uri` (without reading anything). */
  readonly matches: (uri: string) => boolean
  /**
   * The variables of a URI in its normal form (`internal/resourceKey.ts`) when it matches this
   * template with its literal scheme in lower case (`Docs://{id}` as `docs://{id}`).
   */
  readonly matchKey: (key: string) => Variables | undefined
  /** Whether the template's literal scheme has an upper-case letter (`matchKey` is then not `match`). */
  readonly foldsScheme: boolean
  /**
   * The URI the template gives for `variables` (RFC 6570 expansion): one spelling of every URI
   * that matches it with them (`docs://a%2Fb` and `docs://a/b` both match `docs://{+path}` with
   * `path` `a/b`, read as one resource).
   */
  readonly expand: (variables: Variables) => string
  readonly list: ((context: RequestContext) => Effect.Effect<ReadonlyArray<WireResource>, McpError.McpError>) | undefined
  /** Its completion (`undefined` when it completes nothing: no completer function). */
  readonly complete: Completion.Compiled | undefined
}

/**
 * Compiles a resource definition once; `context` holds the services `read` needs.
 *
 * @since 0.1.0
 * @category registration
 */
export const compile = <R>(definition: Definition<R>, context: Context.Context<Exclude<R, McpRequestContext>>): Registered => {
  if (typeof definition.uri !== "string") throw invalid(`Resource ${definition.name}`, "uri", "a string", definition.uri)
  const owner = `Resource ${definition.uri}`
  checkName(owner, definition.name)
  checkUri(`Resource ${definition.name}`, definition.uri)
  const wire: { -readonly [K in keyof WireResource]: WireResource[K] } = { ...metadata(owner, definition), uri: definition.uri }
  if (definition.size !== undefined) {
    checkSize(owner, definition.size)
    wire.size = definition.size
  }
  // Not an Effect (a function, where types are not checked): every read died unnamed.
  if (!Effect.isEffect(definition.read)) throw invalid(owner, "read", "an Effect", definition.read)
  const read = definition.read as Effect.Effect<ReadOutput, McpError.McpError, any>
  const uri = definition.uri
  const mimeType = definition.mimeType
  return {
    uri,
    tags: definition.tags ?? [],
    taskSupport: definition.taskSupport ?? "forbidden",
    wire,
    read: (request) => {
      const done = completed(read)
      if (done !== undefined) return Exit.map(done, (output) => toResult(owner, uri, mimeType, output, request))
      return Effect.map(provideRequest(read, context, request), (output) => toResult(owner, uri, mimeType, output, request))
    }
  }
}

/**
 * Compiles a template definition once: the URI matcher, the variable decoders, the completers.
 *
 * @since 0.1.0
 * @category registration
 */
export const compileTemplate = <Params extends TemplateParams, R>(
  definition: TemplateDefinition<Params, R, R, any>,
  context: Context.Context<Exclude<R, McpRequestContext>>
): RegisteredTemplate => {
  if (typeof definition.uriTemplate !== "string") {
    throw invalid(`Resource template ${definition.name}`, "uriTemplate", "a string", definition.uriTemplate)
  }
  checkName(`Resource template ${definition.uriTemplate}`, definition.name)
  checkUriTemplate(`Resource template ${definition.name}`, definition.uriTemplate)
  const template = UriTemplate.parse(definition.uriTemplate)
  // A variable arrives as a string (a list of strings when exploded): a Schema that takes neither
  // would refuse every read with "Expected number".
  for (const [variable, field] of Object.entries(definition.params ?? {})) {
    // A parameter the template does not have (a misspelt `ID` for `{id}`) is never in what a URI
    // gives: a required one would refuse every read with "Missing key" (-32602).
    if (!template.variables.includes(variable)) {
      throw new Error(
        `Resource template ${definition.uriTemplate}: parameter ${variable} is not a variable of the template (its variables: ${
          template.variables.length === 0 ? "none" : template.variables.join(", ")
        })`
      )
    }
    // `Schema.Defect` for `Schema.Defect()`, where types are not checked: an unnamed TypeError.
    if (!Schema.isSchema(field)) throw new Error(`Resource template ${definition.uriTemplate}: parameter ${variable} ${notASchema}`)
    // An exploded `{/path*}` gives a list of strings, any other variable a string: a Schema that
    // takes the other refuses every read of a URI with that variable (-32602).
    if (template.listVariables.includes(variable)) {
      if (!takesList((field as Schema.Top).ast)) {
        throw new Error(
          `Resource template ${definition.uriTemplate}: parameter ${variable} must decode from a list of strings (an exploded variable gives one); use e.g. Schema.Array(Schema.String)`
        )
      }
    } else if (!takesString((field as Schema.Top).ast)) {
      throw new Error(
        `Resource template ${definition.uriTemplate}: parameter ${variable} must decode from a string (URI variables are strings); use e.g. Schema.String or Schema.FiniteFromString`
      )
    }
  }
  Completion.checkNames(`Resource template ${definition.uriTemplate}`, definition.complete, "variable of the template", template.variables)
  // URIs are compared with their scheme in lower case (RFC 3986 section 6.2.2.1): a template whose
  // literal scheme is not matches a URI in its normal form as one that is would.
  const scheme = literalScheme(definition.uriTemplate)
  const foldsScheme = scheme !== undefined && scheme !== scheme.toLowerCase()
  const keyTemplate = foldsScheme
    ? UriTemplate.parse(scheme!.toLowerCase() + definition.uriTemplate.slice(scheme!.length))
    : template
  const paramsSchema = Schema.Struct(definition.params ?? ({} as Params))
  const decode = Schema.decodeUnknownExit(paramsSchema as unknown as Schema.Codec<unknown, unknown>)
  const wire: WireTemplate = { ...metadata(`Resource template ${definition.uriTemplate}`, definition), uriTemplate: definition.uriTemplate }
  const read = definition.read as (params: unknown, uri: string) => Effect.Effect<ReadOutput, McpError.McpError, any>
  const list = definition.list as Effect.Effect<ReadonlyArray<WireResource>, McpError.McpError, any> | undefined
  const mimeType = definition.mimeType
  const owner = `Resource template ${definition.uriTemplate}`
  if (list !== undefined && !Effect.isEffect(list)) throw invalid(owner, "list", "an Effect", list)
  const readMatch = (uri: string, variables: Variables, request: RequestContext) => {
    const params = decode(variables)
    if (params._tag === "Failure") return McpError.decodeFailure(`URI for template ${definition.uriTemplate}`, params.cause)
    const effect = read(params.value, uri)
    const done = completed(effect)
    if (done !== undefined) return Exit.map(done, (output) => toResult(owner, uri, mimeType, output, request))
    if (!isEffect(effect)) return Exit.die(notAnEffect(owner, effect))
    return Effect.map(provideRequest(effect, context, request), (output) => toResult(owner, uri, mimeType, output, request))
  }
  const refusal = (variables: Variables) => {
    const params = decode(variables)
    return params._tag === "Failure" ? McpError.decodeFailure(`URI for template ${definition.uriTemplate}`, params.cause) : undefined
  }
  return {
    uriTemplate: definition.uriTemplate,
    tags: definition.tags ?? [],
    taskSupport: definition.taskSupport ?? "forbidden",
    wire,
    read: (uri, request) => {
      const variables = template.match(uri)
      return variables === undefined ? undefined : readMatch(uri, variables, request)
    },
    match: template.match,
    readMatch,
    refusal,
    matches: (uri) => template.match(uri) !== undefined,
    matchKey: keyTemplate.match,
    foldsScheme,
    expand: template.expand,
    // What it lists is checked as a registered resource is (a bad field made clients refuse the whole list).
    list: list === undefined ? undefined : (request) =>
      Effect.map(provideRequest(list, context, request), (listed) => {
        checkListedResources(`Resource template ${definition.uriTemplate}`, listed)
        return listed
      }),
    complete: !Completion.hasCompleters(definition.complete)
      ? undefined
      : Completion.compile(definition.complete as Completion.Completers<Schema.Struct.Fields, R>, context)
  }
}

// ---------------------------------------------------------------------------
// Internal
// ---------------------------------------------------------------------------

/**
 * The wire fields of `definition`, checked: a value the wire does not allow (a `meta` of `null`,
 * a `priority` of 2, where types are not checked) fails the registration naming `owner` and the
 * field, rather than make clients refuse every `resources/list` page it is on.
 */
const metadata = (owner: string, definition: Metadata) => {
  checkDescription(owner, definition)
  checkText(owner, "mimeType", definition.mimeType)
  if (definition.annotations !== undefined) checkAnnotations(owner, definition.annotations)
  const out: {
    name: string
    title?: string
    description?: string
    mimeType?: string
    annotations?: Annotations
    icons?: ReadonlyArray<Icon>
    _meta?: { readonly [key: string]: unknown }
  } = { name: definition.name }
  if (definition.title !== undefined) out.title = definition.title
  if (definition.description !== undefined) out.description = definition.description
  if (definition.mimeType !== undefined) out.mimeType = definition.mimeType
  if (definition.annotations !== undefined) out.annotations = definition.annotations
  if (definition.icons !== undefined) out.icons = definition.icons
  if (definition.meta !== undefined) out._meta = definition.meta
  return out
}

/**
 * The result of a read of `uri` that succeeded with `output`. Contents built by hand (an array, a
 * whole result) that clients would refuse are the read's defect (-32603, logged naming `owner`,
 * the resource or template, and the path): see `internal/readResult.ts`.
 */
const toResult = (
  owner: string,
  uri: string,
  mimeType: string | undefined,
  output: ReadOutput,
  request: RequestContext
): ReadResourceResult => {
  if (typeof output === "string") return { contents: [Content.textContents(uri, output, mimeType)] }
  if (output instanceof Uint8Array) return { contents: [Content.blobContents(uri, output, mimeType)] }
  if (Array.isArray(output)) {
    checkContents(owner, uri, output)
    return { contents: output as ReadonlyArray<ResourceContentsUnion> }
  }
  // Not a `ReadOutput` (where types are not checked): a defect of the read (-32603, logged), not a
  // result without contents (`undefined` went out as `{}`, a number as the result itself).
  if (typeof output !== "object" || output === null || !Array.isArray((output as { readonly contents?: unknown }).contents)) {
    throw new TypeError(
      `Resource ${uri}: the read succeeded with ${kindOf(output)}, not a string, bytes (a Uint8Array), contents or a ReadResourceResult`
    )
  }
  checkContents(owner, uri, (output as ReadResourceResult).contents)
  // A `_meta` that is not an object makes the SDK clients drop the whole response as no JSON-RPC
  // response at all: the read would never be answered (the client waits until its timeout).
  const meta = (output as { readonly _meta?: unknown })._meta
  if (meta !== undefined && !isObject(meta)) {
    throw new TypeError(`${owner}: the read of ${clip(uri, 64)} succeeded with a result clients refuse: _meta must be an object, not ${kindOf(meta)}`)
  }
  const resultTypeWrong = resultTypeProblem(output as { readonly [key: string]: unknown })
  if (resultTypeWrong !== undefined) {
    throw new TypeError(`${owner}: the read of ${clip(uri, 64)} succeeded with a result clients refuse: ${resultTypeWrong}`)
  }
  // What only 2026-07-28 defines on a result (`ttlMs`, `cacheScope`...) is not sent before it
  // (dropped here already, so that the middleware around sees what is).
  return ProtocolVersion.isModern(request.protocolVersion)
    ? output as ReadResourceResult
    : withoutModernResultFields(output as ReadResourceResult)
}

const checkContents = (owner: string, uri: string, contents: ReadonlyArray<unknown>): void => {
  const problem = readContentsProblem(contents)
  if (problem !== undefined) throw new TypeError(`${owner}: the read of ${clip(uri, 64)} succeeded with contents clients refuse: ${problem}`)
}

