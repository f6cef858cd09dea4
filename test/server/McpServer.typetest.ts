/**
 * Type-level tests of the authoring API (`McpServer`, `Tool`, `Resource`, `Prompt`, `McpContext`).
 *
 * Checked by `tsc --noEmit`, never executed. `expectTypeOf` pins inferred types; every
 * `// @ts-expect-error` marks a definition that must NOT compile (if it ever compiles, the unused
 * directive fails the build). Each rejected handler sits on the line right after its directive.
 */
import type * as Brand from "effect/Brand"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as SchemaGetter from "effect/SchemaGetter"
import { expectTypeOf } from "vitest"
import {
  Content,
  Extension,
  type InMemory,
  McpContext,
  McpError,
  type McpRequestContext,
  McpServer,
  Middleware,
  Tool
} from "../../src/index.ts"
import type { ClientRequestError } from "../../src/lowlevel.ts"
import { ToolInjection } from "../../src/middleware/index.ts"

declare const pair: InMemory.Pair

class NotFound extends Schema.TaggedError<NotFound>()("NotFound", { id: Schema.String }) {}
class Other extends Schema.TaggedError<Other>()("Other", { reason: Schema.String }) {}
class Greeter extends Context.Service<Greeter, { readonly greet: (name: string) => string }>()("typetest/Greeter") {}
class Clock extends Context.Service<Clock, { readonly now: number }>()("typetest/Clock") {}

// ---------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------

// Struct fields: optional keys are optional properties, everything readonly.
McpServer.tool({
  name: "fields",
  parameters: { a: Schema.Number, b: Schema.optionalKey(Schema.String) },
  handler: (params) => {
    expectTypeOf(params).toEqualTypeOf<{ readonly a: number; readonly b?: string }>()
    return Effect.succeed(`${params.a}${params.b ?? ""}`)
  }
})

// A Struct schema: its Type; decoding transformations give the decoded side.
McpServer.tool({
  name: "struct",
  parameters: Schema.Struct({ n: Schema.NumberFromString, tags: Schema.Array(Schema.String) }),
  handler: (params) => {
    expectTypeOf(params).toEqualTypeOf<{ readonly n: number; readonly tags: ReadonlyArray<string> }>()
    return Effect.succeed("ok")
  }
})

// A raw JSON Schema: a record of unknown.
McpServer.tool({
  name: "raw",
  parameters: Tool.jsonSchema({ type: "object", properties: { q: { type: "string" } } }),
  handler: (params) => {
    expectTypeOf(params).toEqualTypeOf<{ readonly [key: string]: unknown }>()
    // @ts-expect-error: unvalidated arguments are unknown
    params.q.toUpperCase()
    return Effect.succeed("ok")
  }
})

// Field by field: optional (with or without undefined), defaults, brands, unions, records, arrays,
// transformations (the decoded side), dates (the handler gets a Date; clients send its ISO string).
const UserId = Schema.String.pipe(Schema.brand("UserId"))
McpServer.tool({
  name: "every-kind-of-field",
  parameters: {
    optional: Schema.optional(Schema.String),
    optionalKey: Schema.optionalKey(Schema.Int),
    withDefault: Schema.Int.pipe(Schema.withDecodingDefaultKey(Effect.succeed(10))),
    user: UserId,
    idOrName: Schema.Union([Schema.Int, Schema.String]),
    counts: Schema.Record(Schema.String, Schema.Int),
    tags: Schema.Array(Schema.String),
    pair: Schema.Tuple([Schema.String, Schema.Int]),
    level: Schema.Literals(["low", "high"]),
    size: Schema.NumberFromString,
    since: Schema.Date
  },
  handler: (params) => {
    expectTypeOf(params).toEqualTypeOf<{
      readonly optional?: string | undefined
      readonly optionalKey?: number
      readonly withDefault: number
      readonly user: string & Brand.Brand<"UserId">
      readonly idOrName: number | string
      readonly counts: { readonly [x: string]: number }
      readonly tags: ReadonlyArray<string>
      readonly pair: readonly [string, number]
      readonly level: "low" | "high"
      readonly size: number
      readonly since: Date
    }>()
    return Effect.succeed(params.user)
  }
})
McpServer.tool({
  name: "brand-is-checked",
  parameters: { user: UserId },
  handler: ({ user }) => {
    const plain: string = user
    // @ts-expect-error: a plain string is no UserId
    const branded: typeof UserId.Type = plain
    return Effect.succeed(branded)
  }
})

// A Class, a union of Structs, a Record, a recursive Schema of an interface: objects, accepted.
class Query extends Schema.Class<Query>("Query")({ q: Schema.String }) {}
McpServer.tool({
  name: "class-parameters",
  parameters: Query,
  handler: (params) => {
    expectTypeOf(params).toEqualTypeOf<Query>()
    return Effect.succeed(params.q)
  }
})
McpServer.tool({
  name: "union-parameters",
  parameters: Schema.Union([
    Schema.Struct({ kind: Schema.Literal("id"), id: Schema.Int }),
    Schema.Struct({ kind: Schema.Literal("name"), name: Schema.String })
  ]),
  handler: (params) => {
    expectTypeOf(params).toEqualTypeOf<
      { readonly kind: "id"; readonly id: number } | { readonly kind: "name"; readonly name: string }
    >()
    return Effect.succeed(params.kind === "id" ? `${params.id}` : params.name)
  }
})
McpServer.tool({
  name: "record-parameters",
  parameters: Schema.Record(Schema.String, Schema.Number),
  handler: (params) => {
    expectTypeOf(params).toEqualTypeOf<{ readonly [x: string]: number }>()
    return Effect.succeed("ok")
  }
})
interface Tree {
  readonly label: string
  readonly children: ReadonlyArray<Tree>
}
const Tree: Schema.Codec<Tree> = Schema.Struct({
  label: Schema.String,
  children: Schema.Array(Schema.suspend((): Schema.Codec<Tree> => Tree))
})
McpServer.tool({
  name: "recursive-parameters",
  parameters: Tree,
  handler: (params) => {
    expectTypeOf(params).toEqualTypeOf<Tree>()
    return Effect.succeed(params.label)
  }
})
// MCP's arguments are an object: a Schema of a scalar does not compile.
McpServer.tool({
  name: "string-parameters",
  // @ts-expect-error: a string is not an object
  parameters: Schema.String,
  handler: () => Effect.succeed("ok")
})
McpServer.tool({
  name: "number-parameters",
  // @ts-expect-error: nor is a number
  parameters: Schema.Int,
  handler: () => Effect.succeed("ok")
})
McpServer.tool({
  name: "json-string-parameters",
  // @ts-expect-error: nor an object sent as a JSON string
  parameters: Schema.fromJsonString(Schema.Struct({ a: Schema.Number })),
  handler: () => Effect.succeed("ok")
})

// No parameters: an empty object.
McpServer.tool({
  name: "none",
  handler: (params) => {
    expectTypeOf(params).toEqualTypeOf<{}>()
    return Effect.succeed("ok")
  }
})

McpServer.tool({
  name: "wrong-field-use",
  parameters: { a: Schema.Number },
  // @ts-expect-error: `a` is a number, not a string
  handler: ({ a }) => Effect.succeed(a.toUpperCase())
})

// ---------------------------------------------------------------------------
// Success
// ---------------------------------------------------------------------------

// Without `success`: a string, content blocks or a whole result.
McpServer.tool({ name: "text", handler: () => Effect.succeed("text") })
McpServer.tool({ name: "block", handler: () => Effect.succeed(Content.text("t")) })
McpServer.tool({ name: "blocks", handler: () => Effect.succeed([Content.text("t"), Content.image("AAAA", "image/png")]) })
McpServer.tool({ name: "result", handler: () => Effect.succeed({ content: [Content.text("t")], isError: true }) })
McpServer.tool({
  name: "number-without-success",
  // @ts-expect-error: a number is not an Output
  handler: () => Effect.succeed(42)
})

// With `success`: exactly its Type.
McpServer.tool({
  name: "typed-success",
  success: Schema.Struct({ sum: Schema.Number }),
  handler: () => Effect.succeed({ sum: 1 })
})
McpServer.tool({
  name: "wrong-success",
  success: Schema.Struct({ sum: Schema.Number }),
  // @ts-expect-error: `sum` must be a number
  handler: () => Effect.succeed({ sum: "1" })
})
McpServer.tool({
  name: "text-with-success",
  success: Schema.Struct({ sum: Schema.Number }),
  // @ts-expect-error: with a success schema, a plain string is not accepted
  handler: () => Effect.succeed("1")
})
McpServer.tool({ name: "scalar-success", success: Schema.Int, handler: () => Effect.succeed(42) })
McpServer.tool({
  name: "wrong-scalar-success",
  success: Schema.Int,
  // @ts-expect-error: the success type is number
  handler: () => Effect.succeed("42")
})
// The success type is the decoded side (the handler returns a number; the wire gets the string).
McpServer.tool({
  name: "decoded-success",
  success: Schema.Struct({ n: Schema.NumberFromString }),
  handler: () => Effect.succeed({ n: 1 })
})

// ---------------------------------------------------------------------------
// Failure
// ---------------------------------------------------------------------------

McpServer.tool({
  name: "declared-failure",
  parameters: { id: Schema.String },
  failure: NotFound,
  handler: ({ id }) => Effect.fail(new NotFound({ id }))
})
McpServer.tool({
  name: "declared-union-failure",
  failure: Schema.Union([NotFound, Other]),
  handler: () => Effect.fail(new Other({ reason: "r" }))
})
McpServer.tool({
  name: "undeclared-failure",
  failure: NotFound,
  // @ts-expect-error: Other is not the declared failure
  handler: () => Effect.fail(new Other({ reason: "r" }))
})
McpServer.tool({
  name: "no-failure-declared",
  // @ts-expect-error: nothing may fail when no failure is declared
  handler: () => Effect.fail(new NotFound({ id: "1" }))
})
McpServer.tool({
  name: "no-failure-declared-string",
  // @ts-expect-error: not even with a string
  handler: () => Effect.fail("boom")
})
McpServer.tool({
  name: "unhandled-client-request-error",
  // @ts-expect-error: elicitation can fail (ClientRequestError | ElicitationInvalid); the handler must handle it
  handler: () => Effect.map(McpContext.elicit("?", Schema.Struct({ name: Schema.String })), () => "ok")
})
McpServer.tool({
  name: "elicitation-invalid-through",
  // ElicitationInvalid (and ClientCapabilityMissing) may go through: -32602 (-32021); the other ClientRequestErrors must be handled
  handler: () =>
    McpContext.elicit("?", Schema.Struct({ name: Schema.String })).pipe(
      Effect.map(() => "ok"),
      Effect.catchTag(
        ["ClientVersionUnsupported", "ClientRequestTimeout", "ClientRequestFailed", "ClientResultInvalid", "SessionClosed"],
        () => Effect.succeed("no")
      )
    )
})
// Defects are always allowed (they are not in the error channel).
McpServer.tool({ name: "defect", handler: () => Effect.die("boom") })

// ---------------------------------------------------------------------------
// Services: the Layer needs McpServer and the handler's services, never McpRequestContext
// ---------------------------------------------------------------------------

const WithServices = McpServer.tool({
  name: "with-services",
  handler: () =>
    Effect.gen(function*() {
      const greeter = yield* Greeter
      yield* McpContext.log("info", "hi")
      yield* McpContext.progress(1)
      const info = yield* McpContext.clientInfo
      return greeter.greet(info?.name ?? "?")
    })
})
expectTypeOf(WithServices).toEqualTypeOf<Layer.Layer<never, never, McpServer.McpServer | Greeter>>()

const OnlyContext = McpServer.tool({ name: "only-context", handler: () => Effect.map(McpContext.sessionId, (id) => id) })
expectTypeOf(OnlyContext).toEqualTypeOf<Layer.Layer<never, never, McpServer.McpServer>>()

const ResourceLayer = McpServer.resource({
  uri: "test://r",
  name: "r",
  read: Effect.map(Effect.andThen(Effect.service(Clock), McpContext.clientInfo), () => "r")
})
expectTypeOf(ResourceLayer).toEqualTypeOf<Layer.Layer<never, never, McpServer.McpServer | Clock>>()

const PromptLayer = McpServer.prompt({
  name: "p",
  handler: () => Effect.map(Effect.andThen(Effect.service(Greeter), McpContext.meta), () => "p")
})
expectTypeOf(PromptLayer).toEqualTypeOf<Layer.Layer<never, never, McpServer.McpServer | Greeter>>()

const added = McpServer.addTool({ name: "added", handler: () => Effect.map(Effect.service(Clock), (clock) => `${clock.now}`) })
expectTypeOf(added).toEqualTypeOf<Effect.Effect<void, never, McpServer.McpServer | Clock>>()

// The Layer does not leak McpRequestContext to whoever provides it.
expectTypeOf<Layer.Services<typeof WithServices>>().not.toEqualTypeOf<McpRequestContext>()
expectTypeOf<McpRequestContext>().not.toExtend<Layer.Services<typeof WithServices>>()

// Each part of a template or a prompt may need services of its own: they all reach the Layer.
class Cache extends Context.Service<Cache, { readonly get: (key: string) => ReadonlyArray<string> }>()("typetest/Cache") {}
const TemplateLayer = McpServer.resourceTemplate({
  uriTemplate: "test://notes/{owner}/{id}",
  name: "notes",
  params: { owner: Schema.String, id: Schema.String },
  list: Effect.map(Effect.service(Clock), () => []),
  complete: {
    owner: (value) => Effect.map(Effect.service(Cache), (cache) => cache.get(value)),
    id: (value, context) => Effect.map(McpContext.clientInfo, () => [value, context.arguments.owner ?? ""])
  },
  read: ({ owner, id }) => Effect.map(Effect.service(Greeter), (greeter) => greeter.greet(`${owner}/${id}`))
})
expectTypeOf(TemplateLayer).toEqualTypeOf<Layer.Layer<never, never, McpServer.McpServer | Greeter | Clock | Cache>>()
// A completer given as `undefined` (untyped code, a conditional) needs nothing: the Layer does not need `unknown`.
const UndefinedCompleter = McpServer.resourceTemplate({
  uriTemplate: "test://undefined/{n}",
  name: "undefined",
  complete: { n: undefined },
  read: (_, uri) => Effect.succeed(uri)
})
expectTypeOf(UndefinedCompleter).toEqualTypeOf<Layer.Layer<never, never, McpServer.McpServer>>()
const UndefinedPromptCompleter = McpServer.prompt({
  name: "undefined",
  arguments: { a: Schema.String },
  complete: { a: undefined },
  handler: () => Effect.succeed("x")
})
expectTypeOf(UndefinedPromptCompleter).toEqualTypeOf<Layer.Layer<never, never, McpServer.McpServer>>()
const CompletedPrompt = McpServer.prompt({
  name: "completed",
  arguments: { city: Schema.String, day: Schema.String },
  complete: {
    city: (value) => Effect.map(Effect.service(Cache), (cache) => cache.get(value)),
    day: () => Effect.map(Effect.service(Clock), (clock) => [`${clock.now}`])
  },
  handler: ({ city }) => Effect.map(Effect.service(Greeter), (greeter) => greeter.greet(city))
})
expectTypeOf(CompletedPrompt).toEqualTypeOf<Layer.Layer<never, never, McpServer.McpServer | Greeter | Cache | Clock>>()
const addedPrompt = McpServer.addPrompt({
  name: "added-prompt",
  arguments: { city: Schema.String },
  complete: { city: (value) => Effect.map(Effect.service(Cache), (cache) => cache.get(value)) },
  handler: () => Effect.succeed("p")
})
expectTypeOf(addedPrompt).toEqualTypeOf<Effect.Effect<void, never, McpServer.McpServer | Cache>>()
const addedTemplate = McpServer.addResourceTemplate({
  uriTemplate: "test://added/{id}",
  name: "added-template",
  params: { id: Schema.String },
  complete: { id: (value) => Effect.map(Effect.service(Cache), (cache) => cache.get(value)) },
  read: () => Effect.map(Effect.service(Clock), (clock) => `${clock.now}`)
})
expectTypeOf(addedTemplate).toEqualTypeOf<Effect.Effect<void, never, McpServer.McpServer | Clock | Cache>>()
// With the types given (as before: one `R` for every part), completers and `list` may need `R`.
const GivenPrompt = McpServer.prompt<{ readonly city: typeof Schema.String }, Greeter>({
  name: "given-types",
  arguments: { city: Schema.String },
  complete: { city: (value) => Effect.map(Effect.service(Greeter), (greeter) => [greeter.greet(value)]) },
  handler: ({ city }) => Effect.map(Effect.service(Greeter), (greeter) => greeter.greet(city))
})
expectTypeOf(GivenPrompt).toEqualTypeOf<Layer.Layer<never, never, McpServer.McpServer | Greeter>>()
const GivenTemplate = McpServer.resourceTemplate<{ readonly id: typeof Schema.String }, Clock>({
  uriTemplate: "test://given/{id}",
  name: "given-types",
  params: { id: Schema.String },
  list: Effect.map(Effect.service(Clock), () => []),
  complete: { id: () => Effect.map(Effect.service(Clock), (clock) => [`${clock.now}`]) },
  read: () => Effect.map(Effect.service(Clock), (clock) => `${clock.now}`)
})
expectTypeOf(GivenTemplate).toEqualTypeOf<Layer.Layer<never, never, McpServer.McpServer | Clock>>()

// Without services anywhere, the Layer needs the server only.
const PlainPrompt = McpServer.prompt({
  name: "plain",
  arguments: { a: Schema.String },
  complete: { a: (value) => Effect.succeed([value]) },
  handler: () => Effect.succeed("p")
})
expectTypeOf(PlainPrompt).toEqualTypeOf<Layer.Layer<never, never, McpServer.McpServer>>()

// Middleware: the services of every hook of every middleware reach the Layer.
const NeedsGreeter = Middleware.make("needs-greeter", {
  onCallTool: (params, _context, next) => Effect.flatMap(Effect.service(Greeter), () => next(params))
})
const NeedsClock = Middleware.make("needs-clock", {
  onListTools: (params, _context, next) => Effect.flatMap(Effect.service(Clock), () => next(params))
})
const Free = Middleware.make("free", { onPing: (params, _context, next) => next(params) })
expectTypeOf(Free).toEqualTypeOf<Middleware.Middleware<never>>()
const Stack = McpServer.middleware(NeedsGreeter, NeedsClock, Free)
expectTypeOf(Stack).toEqualTypeOf<Layer.Layer<never, never, McpServer.McpServer | Greeter | Clock>>()
const FreeStack = McpServer.middleware(Free, { name: "literal" })
expectTypeOf(FreeStack).toEqualTypeOf<Layer.Layer<never, never, McpServer.McpServer>>()
const Literal = McpServer.middleware({
  name: "literal-with-a-hook",
  onCallTool: (params, context, next) => {
    expectTypeOf(context.sessionId).toEqualTypeOf<string>()
    return params.name === "x" ? Effect.fail(McpError.invalidParams("no")) : Effect.flatMap(Effect.service(Clock), () => next(params))
  }
})
expectTypeOf(Literal).toEqualTypeOf<Layer.Layer<never, never, McpServer.McpServer | Clock>>()
const Built = McpServer.middlewareFrom(Effect.succeed([NeedsGreeter, NeedsClock]))
expectTypeOf(Built).toEqualTypeOf<Layer.Layer<never, never, McpServer.McpServer | Greeter | Clock>>()
const BuiltWithService = McpServer.middlewareFrom(Effect.map(Effect.service(Greeter), () => NeedsClock))
expectTypeOf(BuiltWithService).toEqualTypeOf<Layer.Layer<never, never, McpServer.McpServer | Greeter | Clock>>()

// No Scope is given per call (README: "a hook or handler that needs a Scope opens one per call with
// Effect.scoped"): one the handler needed would be the session's or the server's, holding what each
// call acquired until it closed. A handler that needs one does not compile; `Effect.scoped` does.
const acquired = Effect.acquireRelease(Effect.succeed("held"), () => Effect.void)
McpServer.tool({
  name: "needs-a-scope",
  // @ts-expect-error: the handler needs a Scope
  handler: () => acquired
})
ToolInjection.tool({
  name: "injected-needs-a-scope",
  // @ts-expect-error: the handler needs a Scope
  handler: () => acquired
})
const ScopedTool = McpServer.tool({ name: "opens-its-scope", handler: () => Effect.scoped(acquired) })
expectTypeOf(ScopedTool).toEqualTypeOf<Layer.Layer<never, never, McpServer.McpServer>>()
McpServer.addTool({
  name: "added-needs-a-scope",
  // @ts-expect-error: the handler needs a Scope
  handler: () => Effect.andThen(Effect.service(Clock), acquired)
})
McpServer.resource({
  uri: "test://scoped",
  name: "scoped",
  // @ts-expect-error: the read needs a Scope
  read: acquired
})
McpServer.resourceTemplate({
  uriTemplate: "test://scoped/{id}",
  name: "scoped-read",
  params: { id: Schema.String },
  // @ts-expect-error: the read needs a Scope
  read: () => acquired
})
McpServer.resourceTemplate({
  uriTemplate: "test://scoped/{id}",
  name: "scoped-list",
  // @ts-expect-error: the list needs a Scope
  list: Effect.map(acquired, () => []),
  read: () => Effect.succeed("r")
})
McpServer.resourceTemplate({
  uriTemplate: "test://scoped/{id}",
  name: "scoped-completer",
  params: { id: Schema.String },
  complete: {
    // @ts-expect-error: the completer needs a Scope
    id: () => Effect.map(acquired, (value) => [value])
  },
  read: () => Effect.succeed("r")
})
McpServer.prompt({
  name: "scoped-prompt",
  // @ts-expect-error: the handler needs a Scope
  handler: () => acquired
})
McpServer.prompt({
  name: "scoped-prompt-completer",
  arguments: { a: Schema.String, b: Schema.String },
  complete: {
    a: (value) => Effect.succeed([value]),
    // @ts-expect-error: the completer needs a Scope
    b: () => Effect.map(acquired, (value) => [value])
  },
  handler: () => Effect.succeed("p")
})

// A hook gets no Scope per message (only `onSession` has one, for the session's life).
const PerSession = Middleware.make("per-session", {
  onSession: () => Effect.andThen(acquired, Effect.service(Clock)).pipe(Effect.asVoid),
  onCallTool: (params, context, next) => {
    expectTypeOf(context.sessionId).toEqualTypeOf<string>()
    return Effect.scoped(Effect.andThen(acquired, next(params)))
  }
})
expectTypeOf(PerSession).toEqualTypeOf<Middleware.Middleware<Clock>>()
expectTypeOf(McpServer.middleware(PerSession)).toEqualTypeOf<Layer.Layer<never, never, McpServer.McpServer | Clock>>()
Middleware.make("hook-needs-a-scope", {
  // @ts-expect-error: the hook needs a Scope
  onCallTool: (params, _context, next) => Effect.andThen(acquired, next(params))
})
Middleware.make("raw-hook-needs-a-scope", {
  // @ts-expect-error: the hook needs a Scope
  onRequest: (request, _context, next) => Effect.andThen(acquired, next(request))
})
// Services given explicitly, as before.
expectTypeOf(Middleware.make<Greeter>("given", { onPing: (params, _context, next) => next(params) })).toEqualTypeOf<
  Middleware.Middleware<Greeter>
>()

// Extensions: each method and middleware may need services of its own; the Layer needs them all.
const Stations = Extension.make({
  id: "com.example/stations",
  methods: {
    "stations/greet": Extension.method({
      params: Schema.Struct({ name: Schema.String }),
      handler: ({ name }) => Effect.map(Effect.service(Greeter), (greeter) => ({ text: greeter.greet(name) }))
    }),
    "stations/now": Extension.method({
      params: Schema.Struct({}),
      handler: () => Effect.map(Effect.service(Clock), (clock) => ({ now: clock.now }))
    })
  },
  middleware: [NeedsClock, Free]
})
expectTypeOf(Stations).toEqualTypeOf<Extension.Extension<Greeter | Clock>>()
expectTypeOf(McpServer.extension(Stations)).toEqualTypeOf<Layer.Layer<never, never, McpServer.McpServer | Greeter | Clock>>()
const Bare = Extension.make({ id: "com.example/bare", settings: { a: 1 } })
expectTypeOf(McpServer.extension(Bare)).toEqualTypeOf<Layer.Layer<never, never, McpServer.McpServer>>()
// Given explicitly, as before.
const Given = Extension.make<Greeter>({
  id: "com.example/given",
  methods: {
    "given/greet": Extension.method({
      params: Schema.Struct({}),
      handler: () => Effect.map(Effect.service(Greeter), (greeter) => ({ text: greeter.greet("x") }))
    })
  }
})
expectTypeOf(Given).toEqualTypeOf<Extension.Extension<Greeter>>()
Extension.method({
  params: Schema.Struct({}),
  // @ts-expect-error: the method needs a Scope
  handler: () => Effect.map(acquired, () => ({}))
})
Extension.make({
  id: "com.example/typo",
  // @ts-expect-error: no such field (requireDeclaration was meant)
  requireDeclartion: true
})

// serve needs the components' services but not McpServer.
const served = McpServer.serve({ name: "s", version: "1" }, WithServices, pair.server)
expectTypeOf<Effect.Services<typeof served>>().toEqualTypeOf<Greeter>()

// ---------------------------------------------------------------------------
// Resource templates and prompts
// ---------------------------------------------------------------------------

McpServer.resourceTemplate({
  uriTemplate: "test://items/{id}/{slug}",
  name: "item",
  params: { id: Schema.NumberFromString, slug: Schema.String },
  complete: {
    slug: (value, context) => {
      expectTypeOf(value).toEqualTypeOf<string>()
      expectTypeOf(context.arguments).toEqualTypeOf<{ readonly [name: string]: string }>()
      return Effect.succeed([value])
    }
  },
  read: (params, uri) => {
    expectTypeOf(params).toEqualTypeOf<{ readonly id: number; readonly slug: string }>()
    expectTypeOf(uri).toEqualTypeOf<string>()
    return Effect.succeed(`${params.id + 1}`)
  }
})

// URI variables are strings (lists of strings when exploded).
McpServer.resourceTemplate({
  uriTemplate: "test://files{/path*}",
  name: "exploded",
  params: { path: Schema.Array(Schema.String) },
  read: (params) => {
    expectTypeOf(params).toEqualTypeOf<{ readonly path: ReadonlyArray<string> }>()
    return Effect.succeed(params.path.join("/"))
  }
})
McpServer.resourceTemplate({
  uriTemplate: "test://items/{id}",
  name: "number-variable",
  // @ts-expect-error: a number never arrives (Schema.FiniteFromString was meant)
  params: { id: Schema.Number },
  read: () => Effect.succeed("x")
})
McpServer.resourceTemplate({
  uriTemplate: "test://files{/path*}",
  name: "number-list-variable",
  // @ts-expect-error: nor a list of numbers
  params: { path: Schema.Array(Schema.Int) },
  read: () => Effect.succeed("x")
})

McpServer.resourceTemplate({
  uriTemplate: "test://items/{id}",
  name: "completers-are-keyed-by-param",
  params: { id: Schema.String },
  // @ts-expect-error: there is no `nope` parameter to complete
  complete: { nope: () => Effect.succeed([]) },
  read: () => Effect.succeed("x")
})

McpServer.resourceTemplate({
  uriTemplate: "test://items/{id}",
  name: "completers-are-keyed-by-param-beside-a-good-one",
  params: { id: Schema.String },
  complete: {
    id: () => Effect.succeed([]),
    // @ts-expect-error: there is no `nope` parameter to complete, even beside `id`
    nope: () => Effect.succeed([])
  },
  read: () => Effect.succeed("x")
})
McpServer.prompt({
  name: "prompt-completers-are-keyed-by-argument",
  arguments: { a: Schema.String },
  complete: {
    a: () => Effect.succeed([]),
    // @ts-expect-error: there is no `b` argument to complete
    b: () => Effect.succeed([])
  },
  handler: () => Effect.succeed("p")
})

// Without `params`, `read` gets the variables as they matched (strings, lists when exploded).
McpServer.resourceTemplate({
  uriTemplate: "test://repos/{owner}/{repo}",
  name: "undeclared-variables",
  complete: { owner: (value) => Effect.succeed([value]) },
  read: (params) => {
    expectTypeOf(params).toEqualTypeOf<Readonly<Record<string, string | ReadonlyArray<string>>>>()
    return Effect.succeed(`${params.owner}/${params.repo}`)
  }
})

McpServer.resourceTemplate({
  uriTemplate: "test://items/{id}",
  name: "read-errors-are-mcp-errors",
  params: { id: Schema.String },
  // @ts-expect-error: a read may fail only with an McpError
  read: () => Effect.fail(new Other({ reason: "r" }))
})

McpServer.prompt({
  name: "review",
  arguments: {
    code: Schema.String.annotate({ description: "The code" }),
    language: Schema.optionalKey(Schema.String),
    times: Schema.FiniteFromString
  },
  handler: (args) => {
    expectTypeOf(args).toEqualTypeOf<{ readonly code: string; readonly language?: string; readonly times: number }>()
    return Effect.succeed(`${args.code} ${args.language ?? ""} ${args.times}`)
  }
})

// Prompt arguments are strings on the wire: each Schema decodes from a string.
McpServer.prompt({
  name: "string-arguments",
  arguments: {
    level: Schema.Literals(["low", "high"]),
    note: Schema.optional(Schema.String),
    count: Schema.FiniteFromString.pipe(Schema.withDecodingDefaultKey(Effect.succeed("1")))
  },
  handler: (args) => {
    expectTypeOf(args).toEqualTypeOf<{ readonly level: "low" | "high"; readonly note?: string | undefined; readonly count: number }>()
    return Effect.succeed(`${args.level} ${args.count}`)
  }
})
McpServer.prompt({
  name: "number-argument",
  // @ts-expect-error: a number never arrives (Schema.FiniteFromString was meant)
  arguments: { times: Schema.Number },
  handler: () => Effect.succeed("p")
})
McpServer.prompt({
  name: "boolean-argument",
  // @ts-expect-error: nor a boolean
  arguments: { strict: Schema.Boolean },
  handler: () => Effect.succeed("p")
})
McpServer.prompt({
  name: "object-argument",
  // @ts-expect-error: nor an object
  arguments: { options: Schema.Struct({ a: Schema.String }) },
  handler: () => Effect.succeed("p")
})

McpServer.prompt({
  name: "prompt-without-arguments",
  handler: (args) => {
    expectTypeOf(args).toEqualTypeOf<{}>()
    return Effect.succeed([{ role: "user" as const, content: Content.text("x") }])
  }
})

McpServer.prompt({
  name: "prompt-wrong-output",
  // @ts-expect-error: a number is not a prompt Output
  handler: () => Effect.succeed(1)
})

// ---------------------------------------------------------------------------
// McpContext
// ---------------------------------------------------------------------------

const Person = Schema.Struct({ name: Schema.String, age: Schema.Int })
const elicited = McpContext.elicit("Who?", Person)
expectTypeOf(elicited).toEqualTypeOf<
  Effect.Effect<
    McpContext.ElicitOutcome<{ readonly name: string; readonly age: number }>,
    ClientRequestError.ClientRequestError | McpContext.ElicitationInvalid,
    McpRequestContext
  >
>()
Effect.map(elicited, (outcome) => {
  if (outcome.action === "accept") {
    expectTypeOf(outcome.content).toEqualTypeOf<{ readonly name: string; readonly age: number }>()
  } else {
    // @ts-expect-error: only an accepted outcome has content
    void outcome.content
  }
})
// The form is an object (a Struct of primitive fields): a Schema of a scalar does not compile.
// @ts-expect-error: a string is no form
McpContext.elicit("Name?", Schema.String)
// @ts-expect-error: nor is a number
McpContext.elicit("Age?", Schema.Int)
// A Class is a form too; the answer is its Type.
class Contact extends Schema.Class<Contact>("Contact")({ email: Schema.String }) {}
expectTypeOf(McpContext.elicit("Contact?", Contact)).toEqualTypeOf<
  Effect.Effect<
    McpContext.ElicitOutcome<Contact>,
    ClientRequestError.ClientRequestError | McpContext.ElicitationInvalid,
    McpRequestContext
  >
>()
expectTypeOf(McpContext.listRoots).toExtend<Effect.Effect<unknown, ClientRequestError.ClientRequestError, McpRequestContext>>()
// ClientCapabilityMissing is one of the typed failures a handler can catch by tag.
expectTypeOf<ClientRequestError.ClientCapabilityMissing>().toExtend<ClientRequestError.ClientRequestError>()
expectTypeOf<McpError.McpError>().not.toExtend<ClientRequestError.ClientRequestError>()

// ---------------------------------------------------------------------------
// Schemas whose decoding or encoding needs a service: the server runs them with none (it decodes
// and encodes synchronously), so every request would fail with "Service not found" whatever the
// Layers provide. They do not compile.
// ---------------------------------------------------------------------------

const needsGreeter = SchemaGetter.transformEffect((s: string) => Effect.map(Effect.service(Greeter), (g) => g.greet(s)))
const DecodedByGreeter = Schema.String.pipe(Schema.decodeTo(Schema.String, { decode: needsGreeter, encode: SchemaGetter.passthrough() }))
const EncodedByGreeter = Schema.String.pipe(Schema.decodeTo(Schema.String, { decode: SchemaGetter.passthrough(), encode: needsGreeter }))

McpServer.tool({
  name: "parameter-needs-a-service",
  // @ts-expect-error: decoding the parameter needs Greeter
  parameters: { name: DecodedByGreeter },
  handler: () => Effect.succeed("ok")
})
McpServer.tool({
  name: "parameters-schema-needs-a-service",
  // @ts-expect-error: decoding the parameters needs Greeter
  parameters: Schema.Struct({ name: DecodedByGreeter }),
  handler: () => Effect.succeed("ok")
})
McpServer.tool({
  name: "success-needs-a-service",
  // @ts-expect-error: encoding the result needs Greeter
  success: Schema.Struct({ name: EncodedByGreeter }),
  handler: () => Effect.die("unreachable")
})
class GreetedError extends Schema.TaggedError<GreetedError>()("GreetedError", { name: EncodedByGreeter }) {}
McpServer.tool({
  name: "failure-needs-a-service",
  // @ts-expect-error: encoding the failure needs Greeter
  failure: GreetedError,
  handler: () => Effect.die("unreachable")
})
// Only the direction the server runs matters: parameters are only decoded, results only encoded.
McpServer.tool({
  name: "directions",
  parameters: { name: EncodedByGreeter },
  success: Schema.Struct({ name: DecodedByGreeter }),
  handler: ({ name }) => Effect.succeed({ name })
})
McpServer.prompt({
  name: "argument-needs-a-service",
  // @ts-expect-error: decoding the argument needs Greeter
  arguments: { name: DecodedByGreeter },
  handler: () => Effect.succeed("p")
})
McpServer.resourceTemplate({
  uriTemplate: "test://greeted/{name}",
  name: "variable-needs-a-service",
  // @ts-expect-error: decoding the variable needs Greeter
  params: { name: DecodedByGreeter },
  read: () => Effect.succeed("r")
})
// @ts-expect-error: decoding the answer needs Greeter
McpContext.elicit("Who?", Schema.Struct({ name: DecodedByGreeter }))
