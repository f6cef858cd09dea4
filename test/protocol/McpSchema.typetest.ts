/**
 * Type-level oracle for `src/protocol/McpSchema.ts`.
 *
 * Checked by `tsc --noEmit` (never executed): every schema's encoded and decoded
 * types must be mutually assignable with the matching type of the official SDK's
 * `spec.types.ts`. If the spec or a schema drifts, the `Assert<…>` of that pair stops
 * compiling and the build fails.
 *
 * Blanket exception, applied to every check: our types are deeply `readonly`
 * (Effect's convention: `ReadonlyArray`, readonly properties) while the spec's are
 * mutable. `readonly T[]` is not assignable to `T[]`, so our side is passed through
 * `Writable<…>` (strips `readonly`, nothing else) before comparing. Other exceptions
 * are documented next to the assertion they concern.
 */
import * as Schema from "effect/Schema"
import * as Struct from "effect/Struct"
import type * as Spec from "@modelcontextprotocol/sdk/spec.types.js"
import * as Mcp from "../../src/protocol/McpSchema.ts"

// -----------------------------------------------------------------------------
// Helpers
// -----------------------------------------------------------------------------

/** Compiles only when `T` is `true`. */
type Assert<T extends true> = T

/** `true` iff `A` and `B` are assignable to each other (non-distributive). */
type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false

/** Deeply removes `readonly` (from arrays and properties); key-less types such as `object` are left alone. */
type Writable<T> = T extends ReadonlyArray<infer E> ? Array<Writable<E>>
  : T extends object ? ([keyof T] extends [never] ? T : { -readonly [K in keyof T]: Writable<T[K]> })
  : T

/** Boolean AND (unconstrained parameters: constraint checks would force deep generic evaluation). */
type And<A, B> = [A] extends [true] ? ([B] extends [true] ? true : false) : false

/** `true` iff no property of `T` is `false` (vacuously `true` for `{}`). */
type AllTrue<T> = false extends T[keyof T] ? false : true

/** The declared keys of `T`, without index signatures. */
type KnownKeys<T> = keyof { [K in keyof T as string extends K ? never : number extends K ? never : K]: 0 }

/** `true` for a union type (`boolean` included), `false` otherwise. */
type IsUnion<T, C = T> = T extends C ? ([C] extends [T] ? false : true) : never

/**
 * Mutual assignability alone misses a dropped *optional* key (`{ a?: X }` and `{}` are
 * assignable both ways), so this also requires the same declared keys, recursively
 * through nested objects and arrays. Unions are not descended into here: each union
 * member has its own assertion below.
 */
type SameKeys<A, B> = [A] extends [ReadonlyArray<infer EA>] ? ([B] extends [ReadonlyArray<infer EB>] ? SameKeys<EA, EB> : false)
  : [A] extends [object] ? (
      [IsUnion<A> | IsUnion<B>] extends [false] ? (
          Mutual<KnownKeys<A>, KnownKeys<B>> extends true ? AllTrue<
              {
                [K in KnownKeys<A>]: K extends keyof A & keyof B ? SameKeys<NonNullable<A[K]>, NonNullable<B[K]>>
                  : false
              }
            >
            : false
        )
        : true
    )
  : true

/**
 * Schema `S` matches spec type `T`: its encoded and decoded types are both mutually
 * assignable with `T`, and declare exactly the same keys (deeply).
 */
type Matches<S extends { readonly Type: unknown; readonly Encoded: unknown }, T> = S extends
  { readonly Type: infer Decoded; readonly Encoded: infer Encoded } ? And<
    And<Mutual<Writable<Encoded>, T>, Mutual<Writable<Decoded>, T>>,
    SameKeys<Writable<Encoded>, T>
  >
  : false

// -----------------------------------------------------------------------------
// Drift demonstrably fails the build
// -----------------------------------------------------------------------------

/** A deliberately wrong `Tool`: `name` is a number. */
const WrongTool = Schema.Struct({ ...Mcp.Tool.fields, name: Schema.Number })
// @ts-expect-error: WrongTool does not match Spec.Tool, so the assertion must not compile
export type _DriftFails = Assert<Matches<typeof WrongTool, Spec.Tool>>

/** A deliberately wrong `CallToolResult`: `isError` became required. */
const WrongCallToolResult = Schema.Struct({ ...Mcp.CallToolResult.fields, isError: Schema.Boolean })
// @ts-expect-error: a required key where the spec has an optional one is drift too
export type _DriftFails2 = Assert<Matches<typeof WrongCallToolResult, Spec.CallToolResult>>

/** A deliberately incomplete `Tool`: the optional `icons` key is missing. */
const ToolWithoutIcons = Mcp.Tool.mapFields(Struct.omit(["icons"]))
// @ts-expect-error: a dropped optional key is caught by the key check
export type _DriftFails3 = Assert<Matches<typeof ToolWithoutIcons, Spec.Tool>>

/** A deliberately incomplete nested object: `ClientCapabilities.tasks.requests.sampling` lost `createMessage`. */
const CapsMissingNestedKey = Schema.Struct({
  ...Mcp.ClientCapabilities.fields,
  tasks: Schema.optionalKey(Schema.Struct({
    list: Schema.optionalKey(Schema.ObjectKeyword),
    cancel: Schema.optionalKey(Schema.ObjectKeyword),
    requests: Schema.optionalKey(Schema.Struct({
      sampling: Schema.optionalKey(Schema.Struct({})),
      elicitation: Schema.optionalKey(Schema.Struct({ create: Schema.optionalKey(Schema.ObjectKeyword) }))
    }))
  }))
})
// @ts-expect-error: the key check descends into nested objects
export type _DriftFails4 = Assert<Matches<typeof CapsMissingNestedKey, Spec.ClientCapabilities>>

// The helpers really compare both directions.
// @ts-expect-error: `{ a: string }` is not assignable to `{ a: string; b: number }`
export type _MutualIsTwoWay = Assert<Mutual<{ a: string }, { a: string; b: number }>>

// -----------------------------------------------------------------------------
// Common types
// -----------------------------------------------------------------------------

export type _JsonObject = Assert<Matches<typeof Mcp.JsonObject, NonNullable<Spec.CallToolRequestParams["arguments"]>>>
export type _Meta = Assert<Matches<typeof Mcp.Meta, NonNullable<Spec.Result["_meta"]>>>
export type _CapabilityMap = Assert<Matches<typeof Mcp.CapabilityMap, NonNullable<Spec.ClientCapabilities["experimental"]>>>
export type _ProgressToken = Assert<Matches<typeof Mcp.ProgressToken, Spec.ProgressToken>>
export type _RequestId = Assert<Matches<typeof Mcp.RequestId, Spec.RequestId>>
export type _Cursor = Assert<Matches<typeof Mcp.Cursor, Spec.Cursor>>
export type _Role = Assert<Matches<typeof Mcp.Role, Spec.Role>>
export type _RequestMeta = Assert<Matches<typeof Mcp.RequestMeta, NonNullable<Spec.RequestParams["_meta"]>>>
export type _RequestParams = Assert<Matches<typeof Mcp.RequestParams, Spec.RequestParams>>
export type _NotificationParams = Assert<Matches<typeof Mcp.NotificationParams, Spec.NotificationParams>>
// Spec.Result has an index signature `[key: string]: unknown` (results are open objects).
// Our Result is a closed struct (unknown keys are dropped); the types still match both
// ways because an object type literal is assignable to an `unknown` index signature.
export type _Result = Assert<Matches<typeof Mcp.Result, Spec.Result>>
export type _EmptyResult = Assert<Matches<typeof Mcp.EmptyResult, Spec.EmptyResult>>
export type _PaginatedRequestParams = Assert<Matches<typeof Mcp.PaginatedRequestParams, Spec.PaginatedRequestParams>>
export type _PaginatedResult = Assert<Matches<typeof Mcp.PaginatedResult, Spec.PaginatedResult>>
export type _TaskAugmentedRequestParams = Assert<
  Matches<typeof Mcp.TaskAugmentedRequestParams, Spec.TaskAugmentedRequestParams>
>

// -----------------------------------------------------------------------------
// Metadata, capabilities, initialize
// -----------------------------------------------------------------------------

export type _Icon = Assert<Matches<typeof Mcp.Icon, Spec.Icon>>
export type _BaseMetadata = Assert<Matches<typeof Mcp.BaseMetadata, Spec.BaseMetadata>>
export type _Implementation = Assert<Matches<typeof Mcp.Implementation, Spec.Implementation>>
export type _ClientCapabilities = Assert<Matches<typeof Mcp.ClientCapabilities, Spec.ClientCapabilities>>
export type _ServerCapabilities = Assert<Matches<typeof Mcp.ServerCapabilities, Spec.ServerCapabilities>>
export type _InitializeRequestParams = Assert<
  Matches<typeof Mcp.InitializeRequestParams, Spec.InitializeRequestParams>
>
export type _InitializeResult = Assert<Matches<typeof Mcp.InitializeResult, Spec.InitializeResult>>

// -----------------------------------------------------------------------------
// Content
// -----------------------------------------------------------------------------

export type _Annotations = Assert<Matches<typeof Mcp.Annotations, Spec.Annotations>>
export type _TextContent = Assert<Matches<typeof Mcp.TextContent, Spec.TextContent>>
export type _ImageContent = Assert<Matches<typeof Mcp.ImageContent, Spec.ImageContent>>
export type _AudioContent = Assert<Matches<typeof Mcp.AudioContent, Spec.AudioContent>>
export type _ResourceLink = Assert<Matches<typeof Mcp.ResourceLink, Spec.ResourceLink>>
export type _EmbeddedResource = Assert<Matches<typeof Mcp.EmbeddedResource, Spec.EmbeddedResource>>
export type _ContentBlock = Assert<Matches<typeof Mcp.ContentBlock, Spec.ContentBlock>>
export type _ToolUseContent = Assert<Matches<typeof Mcp.ToolUseContent, Spec.ToolUseContent>>
export type _ToolResultContent = Assert<Matches<typeof Mcp.ToolResultContent, Spec.ToolResultContent>>
export type _SamplingMessageContentBlock = Assert<
  Matches<typeof Mcp.SamplingMessageContentBlock, Spec.SamplingMessageContentBlock>
>

// -----------------------------------------------------------------------------
// Resources
// -----------------------------------------------------------------------------

export type _Resource = Assert<Matches<typeof Mcp.Resource, Spec.Resource>>
export type _ResourceTemplate = Assert<Matches<typeof Mcp.ResourceTemplate, Spec.ResourceTemplate>>
export type _ResourceContents = Assert<Matches<typeof Mcp.ResourceContents, Spec.ResourceContents>>
export type _TextResourceContents = Assert<Matches<typeof Mcp.TextResourceContents, Spec.TextResourceContents>>
export type _BlobResourceContents = Assert<Matches<typeof Mcp.BlobResourceContents, Spec.BlobResourceContents>>
export type _ResourceContentsUnion = Assert<
  Matches<typeof Mcp.ResourceContentsUnion, Spec.TextResourceContents | Spec.BlobResourceContents>
>
export type _ListResourcesResult = Assert<Matches<typeof Mcp.ListResourcesResult, Spec.ListResourcesResult>>
export type _ListResourceTemplatesResult = Assert<
  Matches<typeof Mcp.ListResourceTemplatesResult, Spec.ListResourceTemplatesResult>
>
export type _ResourceRequestParams = Assert<Matches<typeof Mcp.ResourceRequestParams, Spec.ResourceRequestParams>>
export type _ReadResourceRequestParams = Assert<
  Matches<typeof Mcp.ReadResourceRequestParams, Spec.ReadResourceRequestParams>
>
export type _SubscribeRequestParams = Assert<Matches<typeof Mcp.SubscribeRequestParams, Spec.SubscribeRequestParams>>
export type _UnsubscribeRequestParams = Assert<
  Matches<typeof Mcp.UnsubscribeRequestParams, Spec.UnsubscribeRequestParams>
>
export type _ReadResourceResult = Assert<Matches<typeof Mcp.ReadResourceResult, Spec.ReadResourceResult>>
export type _ResourceUpdatedNotificationParams = Assert<
  Matches<typeof Mcp.ResourceUpdatedNotificationParams, Spec.ResourceUpdatedNotificationParams>
>

// -----------------------------------------------------------------------------
// Prompts
// -----------------------------------------------------------------------------

export type _PromptArgument = Assert<Matches<typeof Mcp.PromptArgument, Spec.PromptArgument>>
export type _Prompt = Assert<Matches<typeof Mcp.Prompt, Spec.Prompt>>
export type _PromptMessage = Assert<Matches<typeof Mcp.PromptMessage, Spec.PromptMessage>>
export type _ListPromptsResult = Assert<Matches<typeof Mcp.ListPromptsResult, Spec.ListPromptsResult>>
export type _GetPromptRequestParams = Assert<Matches<typeof Mcp.GetPromptRequestParams, Spec.GetPromptRequestParams>>
export type _GetPromptResult = Assert<Matches<typeof Mcp.GetPromptResult, Spec.GetPromptResult>>

// -----------------------------------------------------------------------------
// Tools
// -----------------------------------------------------------------------------

export type _ToolAnnotations = Assert<Matches<typeof Mcp.ToolAnnotations, Spec.ToolAnnotations>>
export type _ToolExecution = Assert<Matches<typeof Mcp.ToolExecution, Spec.ToolExecution>>
// Exception: ours adds an index signature `[key: string]: unknown` so that `$defs`,
// `additionalProperties`, … survive. The spec's inline object type is implicitly
// indexable, so both directions still hold.
export type _ToolInputSchema = Assert<Matches<typeof Mcp.ToolInputSchema, Spec.Tool["inputSchema"]>>
export type _ToolOutputSchema = Assert<
  Matches<typeof Mcp.ToolOutputSchema, NonNullable<Spec.Tool["outputSchema"]>>
>
export type _Tool = Assert<Matches<typeof Mcp.Tool, Spec.Tool>>
export type _ListToolsResult = Assert<Matches<typeof Mcp.ListToolsResult, Spec.ListToolsResult>>
export type _CallToolRequestParams = Assert<Matches<typeof Mcp.CallToolRequestParams, Spec.CallToolRequestParams>>
export type _CallToolResult = Assert<Matches<typeof Mcp.CallToolResult, Spec.CallToolResult>>

// -----------------------------------------------------------------------------
// Tasks
// -----------------------------------------------------------------------------

export type _TaskStatus = Assert<Matches<typeof Mcp.TaskStatus, Spec.TaskStatus>>
export type _TaskMetadata = Assert<Matches<typeof Mcp.TaskMetadata, Spec.TaskMetadata>>
export type _RelatedTaskMetadata = Assert<Matches<typeof Mcp.RelatedTaskMetadata, Spec.RelatedTaskMetadata>>
export type _Task = Assert<Matches<typeof Mcp.Task, Spec.Task>>
export type _CreateTaskResult = Assert<Matches<typeof Mcp.CreateTaskResult, Spec.CreateTaskResult>>
// Exception (tasks/get|result|cancel params): the spec declares these params inline as
// `{ taskId: string }` without `_meta`; ours also admit the optional `_meta` every
// request may carry, so they are compared with `RequestParams & <spec params>`.
export type _GetTaskRequestParams = Assert<
  Matches<typeof Mcp.GetTaskRequestParams, Spec.RequestParams & Spec.GetTaskRequest["params"]>
>
export type _GetTaskResult = Assert<Matches<typeof Mcp.GetTaskResult, Spec.GetTaskResult>>
export type _GetTaskPayloadRequestParams = Assert<
  Matches<typeof Mcp.GetTaskPayloadRequestParams, Spec.RequestParams & Spec.GetTaskPayloadRequest["params"]>
>
export type _GetTaskPayloadResult = Assert<Matches<typeof Mcp.GetTaskPayloadResult, Spec.GetTaskPayloadResult>>
export type _CancelTaskRequestParams = Assert<
  Matches<typeof Mcp.CancelTaskRequestParams, Spec.RequestParams & Spec.CancelTaskRequest["params"]>
>
export type _CancelTaskResult = Assert<Matches<typeof Mcp.CancelTaskResult, Spec.CancelTaskResult>>
export type _ListTasksRequestParams = Assert<
  Matches<typeof Mcp.ListTasksRequestParams, NonNullable<Spec.ListTasksRequest["params"]>>
>
export type _ListTasksResult = Assert<Matches<typeof Mcp.ListTasksResult, Spec.ListTasksResult>>
export type _TaskStatusNotificationParams = Assert<
  Matches<typeof Mcp.TaskStatusNotificationParams, Spec.TaskStatusNotificationParams>
>

// -----------------------------------------------------------------------------
// Completion
// -----------------------------------------------------------------------------

export type _PromptReference = Assert<Matches<typeof Mcp.PromptReference, Spec.PromptReference>>
export type _ResourceTemplateReference = Assert<
  Matches<typeof Mcp.ResourceTemplateReference, Spec.ResourceTemplateReference>
>
export type _CompleteRequestParams = Assert<Matches<typeof Mcp.CompleteRequestParams, Spec.CompleteRequestParams>>
export type _CompleteResult = Assert<Matches<typeof Mcp.CompleteResult, Spec.CompleteResult>>

// -----------------------------------------------------------------------------
// Logging, progress, cancellation
// -----------------------------------------------------------------------------

export type _LoggingLevel = Assert<Matches<typeof Mcp.LoggingLevel, Spec.LoggingLevel>>
export type _SetLevelRequestParams = Assert<Matches<typeof Mcp.SetLevelRequestParams, Spec.SetLevelRequestParams>>
export type _LoggingMessageNotificationParams = Assert<
  Matches<typeof Mcp.LoggingMessageNotificationParams, Spec.LoggingMessageNotificationParams>
>
export type _ProgressNotificationParams = Assert<
  Matches<typeof Mcp.ProgressNotificationParams, Spec.ProgressNotificationParams>
>
export type _CancelledNotificationParams = Assert<
  Matches<typeof Mcp.CancelledNotificationParams, Spec.CancelledNotificationParams>
>

// -----------------------------------------------------------------------------
// Sampling
// -----------------------------------------------------------------------------

export type _ModelHint = Assert<Matches<typeof Mcp.ModelHint, Spec.ModelHint>>
export type _ModelPreferences = Assert<Matches<typeof Mcp.ModelPreferences, Spec.ModelPreferences>>
export type _ToolChoice = Assert<Matches<typeof Mcp.ToolChoice, Spec.ToolChoice>>
export type _SamplingMessage = Assert<Matches<typeof Mcp.SamplingMessage, Spec.SamplingMessage>>
export type _CreateMessageRequestParams = Assert<
  Matches<typeof Mcp.CreateMessageRequestParams, Spec.CreateMessageRequestParams>
>
// Spec `stopReason` is `"endTurn" | … | string`, which TypeScript reduces to `string`.
export type _CreateMessageResult = Assert<Matches<typeof Mcp.CreateMessageResult, Spec.CreateMessageResult>>

// -----------------------------------------------------------------------------
// Elicitation
// -----------------------------------------------------------------------------

export type _StringSchema = Assert<Matches<typeof Mcp.StringSchema, Spec.StringSchema>>
export type _NumberSchema = Assert<Matches<typeof Mcp.NumberSchema, Spec.NumberSchema>>
export type _BooleanSchema = Assert<Matches<typeof Mcp.BooleanSchema, Spec.BooleanSchema>>
export type _UntitledSingleSelectEnumSchema = Assert<
  Matches<typeof Mcp.UntitledSingleSelectEnumSchema, Spec.UntitledSingleSelectEnumSchema>
>
export type _TitledSingleSelectEnumSchema = Assert<
  Matches<typeof Mcp.TitledSingleSelectEnumSchema, Spec.TitledSingleSelectEnumSchema>
>
export type _SingleSelectEnumSchema = Assert<Matches<typeof Mcp.SingleSelectEnumSchema, Spec.SingleSelectEnumSchema>>
export type _UntitledMultiSelectEnumSchema = Assert<
  Matches<typeof Mcp.UntitledMultiSelectEnumSchema, Spec.UntitledMultiSelectEnumSchema>
>
export type _TitledMultiSelectEnumSchema = Assert<
  Matches<typeof Mcp.TitledMultiSelectEnumSchema, Spec.TitledMultiSelectEnumSchema>
>
export type _MultiSelectEnumSchema = Assert<Matches<typeof Mcp.MultiSelectEnumSchema, Spec.MultiSelectEnumSchema>>
export type _LegacyTitledEnumSchema = Assert<Matches<typeof Mcp.LegacyTitledEnumSchema, Spec.LegacyTitledEnumSchema>>
export type _EnumSchema = Assert<Matches<typeof Mcp.EnumSchema, Spec.EnumSchema>>
export type _PrimitiveSchemaDefinition = Assert<
  Matches<typeof Mcp.PrimitiveSchemaDefinition, Spec.PrimitiveSchemaDefinition>
>
export type _ElicitRequestFormParams = Assert<
  Matches<typeof Mcp.ElicitRequestFormParams, Spec.ElicitRequestFormParams>
>
export type _ElicitRequestURLParams = Assert<Matches<typeof Mcp.ElicitRequestURLParams, Spec.ElicitRequestURLParams>>
export type _ElicitRequestParams = Assert<Matches<typeof Mcp.ElicitRequestParams, Spec.ElicitRequestParams>>
export type _ElicitResult = Assert<Matches<typeof Mcp.ElicitResult, Spec.ElicitResult>>
// Exception: the spec declares these params inline as `{ elicitationId: string }`
// without `_meta`; ours also admit the optional `_meta` every notification may carry,
// so they are compared with `NotificationParams & <spec params>`.
export type _ElicitationCompleteNotificationParams = Assert<
  Matches<
    typeof Mcp.ElicitationCompleteNotificationParams,
    Spec.NotificationParams & Spec.ElicitationCompleteNotification["params"]
  >
>
export type _URLElicitationRequiredErrorData = Assert<
  Matches<typeof Mcp.URLElicitationRequiredErrorData, Spec.URLElicitationRequiredError["error"]["data"]>
>

// -----------------------------------------------------------------------------
// Roots
// -----------------------------------------------------------------------------

export type _Root = Assert<Matches<typeof Mcp.Root, Spec.Root>>
export type _ListRootsResult = Assert<Matches<typeof Mcp.ListRootsResult, Spec.ListRootsResult>>

// -----------------------------------------------------------------------------
// Method maps: the key sets equal the spec's method unions, and every entry's
// params (and result) match the spec's request (and result) type for that method.
// -----------------------------------------------------------------------------

/** Spec params of method `M` in request/notification union `U`; absent params count as `{}`. */
type SpecParams<U extends { method: string }, M extends string> = Extract<U, { method: M }> extends infer R ?
  R extends { params: infer P } ? P
  : R extends { params?: infer P } ? NonNullable<P>
  : never
  : never

/**
 * Every entry's params schema matches the spec's params for that method. `Base` is the
 * spec's generic params (`RequestParams` / `NotificationParams`): the spec inlines the
 * params of `tasks/get|result|cancel` and `notifications/elicitation/complete` without
 * `_meta`, while ours admit the `_meta` every message may carry (see the exceptions above).
 */
// Documented extensions of the method maps (FastMCP-style background tasks for reads and prompts):
// `resources/read` and `prompts/get` accept an optional `task`, like `tools/call`.
interface Extensions {
  "resources/read": { task?: Spec.TaskMetadata }
  "prompts/get": { task?: Spec.TaskMetadata }
}
type ExtensionOf<M> = M extends keyof Extensions ? Extensions[M] : unknown

type MapParamsMatch<Map, U extends { method: string }, Base> = {
  [M in keyof Map & string]: Map[M] extends { readonly params: infer S extends Schema.Top } ?
    Matches<S, Base & SpecParams<U, M> & ExtensionOf<M>>
    : Map[M] extends Schema.Top ? Matches<Map[M], Base & SpecParams<U, M> & ExtensionOf<M>>
    : false
}

// The map check itself can fail: a map whose `tools/call` params are wrong does not pass.
type WrongMap = { "tools/call": { params: typeof Mcp.PaginatedRequestParams } }
// @ts-expect-error: `PaginatedRequestParams` is not the params of `tools/call`
export type _MapCheckFails = Assert<AllTrue<MapParamsMatch<WrongMap, Spec.ClientRequest, Spec.RequestParams>>>

export type _ClientRequestKeys = Assert<Mutual<Mcp.ClientRequestMethod, Spec.ClientRequest["method"]>>
export type _ClientNotificationKeys = Assert<Mutual<Mcp.ClientNotificationMethod, Spec.ClientNotification["method"]>>
export type _ServerRequestKeys = Assert<Mutual<Mcp.ServerRequestMethod, Spec.ServerRequest["method"]>>
export type _ServerNotificationKeys = Assert<Mutual<Mcp.ServerNotificationMethod, Spec.ServerNotification["method"]>>

export type _ClientRequestParams = Assert<AllTrue<MapParamsMatch<typeof Mcp.ClientRequests, Spec.ClientRequest, Spec.RequestParams>>>
export type _ClientNotificationParams = Assert<
  AllTrue<MapParamsMatch<typeof Mcp.ClientNotifications, Spec.ClientNotification, Spec.NotificationParams>>
>
export type _ServerRequestParams = Assert<AllTrue<MapParamsMatch<typeof Mcp.ServerRequests, Spec.ServerRequest, Spec.RequestParams>>>
export type _ServerNotificationParams = Assert<
  AllTrue<MapParamsMatch<typeof Mcp.ServerNotifications, Spec.ServerNotification, Spec.NotificationParams>>
>

// Results. The spec has no method → result table, so spell it out. `tools/call`,
// `sampling/createMessage` and `elicitation/create` may also answer with a
// `CreateTaskResult` when task-augmented (the spec's `ServerResult`/`ClientResult`
// unions leave this implicit).
interface SpecClientRequestResults {
  "initialize": Spec.InitializeResult
  "ping": Spec.EmptyResult
  "tools/list": Spec.ListToolsResult
  "tools/call": Spec.CallToolResult | Spec.CreateTaskResult
  "resources/list": Spec.ListResourcesResult
  "resources/templates/list": Spec.ListResourceTemplatesResult
  "resources/read": Spec.ReadResourceResult | Spec.CreateTaskResult // extension (see Extensions)
  "resources/subscribe": Spec.EmptyResult
  "resources/unsubscribe": Spec.EmptyResult
  "prompts/list": Spec.ListPromptsResult
  "prompts/get": Spec.GetPromptResult | Spec.CreateTaskResult // extension (see Extensions)
  "completion/complete": Spec.CompleteResult
  "logging/setLevel": Spec.EmptyResult
  "tasks/get": Spec.GetTaskResult
  "tasks/result": Spec.GetTaskPayloadResult
  "tasks/list": Spec.ListTasksResult
  "tasks/cancel": Spec.CancelTaskResult
}
interface SpecServerRequestResults {
  "ping": Spec.EmptyResult
  "sampling/createMessage": Spec.CreateMessageResult | Spec.CreateTaskResult
  "elicitation/create": Spec.ElicitResult | Spec.CreateTaskResult
  "roots/list": Spec.ListRootsResult
  "tasks/get": Spec.GetTaskResult
  "tasks/result": Spec.GetTaskPayloadResult
  "tasks/list": Spec.ListTasksResult
  "tasks/cancel": Spec.CancelTaskResult
}
type MapResultsMatch<Map, R> = {
  [M in keyof Map & keyof R]: Map[M] extends { readonly result: infer S extends Schema.Top } ? Matches<S, R[M]>
    : false
}
export type _ClientRequestResultKeys = Assert<Mutual<Mcp.ClientRequestMethod, keyof SpecClientRequestResults>>
export type _ServerRequestResultKeys = Assert<Mutual<Mcp.ServerRequestMethod, keyof SpecServerRequestResults>>
export type _ClientRequestResults = Assert<AllTrue<MapResultsMatch<typeof Mcp.ClientRequests, SpecClientRequestResults>>>
export type _ServerRequestResults = Assert<AllTrue<MapResultsMatch<typeof Mcp.ServerRequests, SpecServerRequestResults>>>

// The helper types resolve to the decoded types.
export type _HelperParams = Assert<Mutual<Mcp.ClientRequestParams<"tools/call">, Mcp.CallToolRequestParams>>
export type _HelperResult = Assert<
  Mutual<Mcp.ClientRequestResult<"tools/call">, Mcp.CallToolResult | Mcp.CreateTaskResult>
>
export type _HelperNotification = Assert<
  Mutual<Mcp.ServerNotificationParams<"notifications/progress">, Mcp.ProgressNotificationParams>
>
export type _HelperServerRequest = Assert<
  Mutual<Mcp.ServerRequestResult<"roots/list">, Mcp.ListRootsResult>
>
export type _HelperClientNotification = Assert<
  Mutual<Mcp.ClientNotificationParams<"notifications/cancelled">, Mcp.CancelledNotificationParams>
>
export type _HelperServerRequestParams = Assert<
  Mutual<Mcp.ServerRequestParams<"elicitation/create">, Mcp.ElicitRequestParams>
>

// `progressToken` is readable on any request's `_meta` without a cast.
export type _ProgressTokenReadable = Assert<
  Mutual<NonNullable<NonNullable<Mcp.CallToolRequestParams["_meta"]>["progressToken"]>, string | number>
>
