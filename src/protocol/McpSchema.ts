/**
 * MCP wire schemas, protocol 2025-11-25 (the base shape every other protocol
 * version is projected from).
 *
 * One Effect Schema per type in the official `spec.types.ts`, named exactly
 * like the spec type, plus a `type` of the same name for its decoded value.
 * The JSON-RPC envelope (`JSONRPCRequest`, `JSONRPCResponse`, …) lives in
 * `JsonRpc.ts`; this module only describes what goes inside `params` and
 * `result`.
 *
 * Conventions (shared by every schema here):
 * - Optional fields are `Schema.optionalKey`: absent, never `undefined`/`null`.
 * - Decoded and encoded forms are identical (no transformations), so a value
 *   that decodes can be re-encoded to the same JSON.
 * - Known objects are closed `Struct`s: unknown keys are dropped on decode and
 *   encode. Open-ended JSON (`_meta`, tool `arguments`, `structuredContent`,
 *   JSON Schemas in `Tool.inputSchema`/`outputSchema`, `experimental` and
 *   `extensions` capabilities, `tasks/result` payloads) uses records or
 *   `StructWithRest`, so every key survives decoding and encoding untouched.
 * - Numbers the spec's JSON Schema declares `integer` use `Schema.Int`; the
 *   rest use `Schema.Finite` (JSON cannot carry NaN/Infinity anyway).
 * - Union members are ordered so that the first member that decodes is the
 *   most specific one (a `Union` keeps the first success and would otherwise
 *   strip the keys of a more specific member).
 *
 * The compile-time oracle is `test/protocol/McpSchema.typetest.ts`, which
 * checks every schema against `@modelcontextprotocol/sdk/spec.types.js`.
 *
 * @module
 */
import * as Schema from "effect/Schema"

// -----------------------------------------------------------------------------
// Common building blocks
// -----------------------------------------------------------------------------

/** An open JSON object: every key is kept exactly as given (`{ [key: string]: unknown }`). */
export const JsonObject = Schema.Record(Schema.String, Schema.Unknown)
/** An open JSON object: every key is kept exactly as given. */
export type JsonObject = typeof JsonObject.Type

/** Generic `_meta` bag on results, notifications and data objects (open object, preserved as given). */
export const Meta = JsonObject
/** Generic `_meta` bag on results, notifications and data objects. */
export type Meta = typeof Meta.Type

/** A map of opaque capability objects (`{ [key: string]: object }`), used by `experimental` and `extensions`. */
export const CapabilityMap = Schema.Record(Schema.String, Schema.ObjectKeyword)
/** A map of opaque capability objects. */
export type CapabilityMap = typeof CapabilityMap.Type

/** A progress token (string or integer) that ties `notifications/progress` to the originating request. */
export const ProgressToken = Schema.Union([Schema.String, Schema.Int])
/** A progress token (string or integer). */
export type ProgressToken = typeof ProgressToken.Type

/** A JSON-RPC request id (string or integer), as referenced from `notifications/cancelled`. */
export const RequestId = Schema.Union([Schema.String, Schema.Int])
/** A JSON-RPC request id (string or integer). */
export type RequestId = typeof RequestId.Type

/** An opaque pagination cursor. */
export const Cursor = Schema.String
/** An opaque pagination cursor. */
export type Cursor = typeof Cursor.Type

/** The sender or recipient of a message in a conversation. */
export const Role = Schema.Literals(["user", "assistant"])
/** The sender or recipient of a message in a conversation. */
export type Role = typeof Role.Type

/**
 * `_meta` of a request's params: an open object whose `progressToken` (if any) is
 * typed, so `params._meta?.progressToken` is readable without casts.
 */
export const RequestMeta = Schema.StructWithRest(
  Schema.Struct({ progressToken: Schema.optionalKey(ProgressToken) }),
  [JsonObject]
)
/** `_meta` of a request's params. */
export type RequestMeta = typeof RequestMeta.Type

/**
 * Params of a request that takes no other parameters (`ping`, and the base of every
 * other request's params).
 *
 * Missing params: JSON-RPC lets a request or notification omit `params`. Every map
 * entry below describes the params *object*; the server core MUST decode an absent
 * `params` as `{}` (see {@link paramsOrEmpty}). Methods whose params are all optional
 * (`ping`, the `*\/list` methods, parameterless notifications) therefore accept
 * absent params, `{}` and `{ _meta }`; methods with required params reject `{}`.
 */
export const RequestParams = Schema.Struct({
  _meta: Schema.optionalKey(RequestMeta)
})
/** Params of a request that takes no other parameters. */
export type RequestParams = typeof RequestParams.Type

/** Params of a notification that carries no other parameters (`notifications/initialized`, `…/list_changed`). */
export const NotificationParams = Schema.Struct({
  _meta: Schema.optionalKey(Meta)
})
/** Params of a notification that carries no other parameters. */
export type NotificationParams = typeof NotificationParams.Type

/** Base of every result: an optional `_meta`. */
export const Result = Schema.Struct({
  _meta: Schema.optionalKey(Meta)
})
/** Base of every result. */
export type Result = typeof Result.Type

/** A response that indicates success but carries no data (`ping`, `resources/subscribe`, `logging/setLevel`, …). */
export const EmptyResult = Result
/** A response that indicates success but carries no data. */
export type EmptyResult = typeof EmptyResult.Type

/**
 * Normalises JSON-RPC `params` before decoding with a method map schema: an absent
 * (`undefined`) `params` becomes `{}`; anything else is returned unchanged.
 */
export const paramsOrEmpty = (params: unknown): unknown => params === undefined ? {} : params

// -----------------------------------------------------------------------------
// Tasks (2025-11-25, experimental; declared early because requests reference them)
// -----------------------------------------------------------------------------

/** The status of a task. */
export const TaskStatus = Schema.Literals(["working", "input_required", "completed", "failed", "cancelled"])
/** The status of a task. */
export type TaskStatus = typeof TaskStatus.Type

/** Metadata a requestor puts in `params.task` to ask for task-augmented execution. */
export const TaskMetadata = Schema.Struct({
  /** Requested retention in milliseconds from creation. */
  ttl: Schema.optionalKey(Schema.Int)
})
/** Metadata a requestor puts in `params.task`. */
export type TaskMetadata = typeof TaskMetadata.Type

/** The key under which {@link RelatedTaskMetadata} appears in `_meta`. */
export const RELATED_TASK_META_KEY = "io.modelcontextprotocol/related-task"

/** Associates a message with a task; found in `_meta["io.modelcontextprotocol/related-task"]`. */
export const RelatedTaskMetadata = Schema.Struct({
  taskId: Schema.String
})
/** Associates a message with a task. */
export type RelatedTaskMetadata = typeof RelatedTaskMetadata.Type

/** Data associated with a task (the body of `tasks/get`, `tasks/cancel` and `notifications/tasks/status`). */
export const Task = Schema.Struct({
  taskId: Schema.String,
  status: TaskStatus,
  statusMessage: Schema.optionalKey(Schema.String),
  /** ISO 8601 creation timestamp. */
  createdAt: Schema.String,
  /** ISO 8601 timestamp of the last update. */
  lastUpdatedAt: Schema.String,
  /** Actual retention in milliseconds from creation; `null` means unlimited. */
  ttl: Schema.NullOr(Schema.Int),
  /** Suggested polling interval in milliseconds. */
  pollInterval: Schema.optionalKey(Schema.Int)
})
/** Data associated with a task. */
export type Task = typeof Task.Type

/** Common params of any request that can be task-augmented (`tools/call`, `sampling/createMessage`, `elicitation/create`). */
export const TaskAugmentedRequestParams = Schema.Struct({
  ...RequestParams.fields,
  task: Schema.optionalKey(TaskMetadata)
})
/** Common params of any task-augmentable request. */
export type TaskAugmentedRequestParams = typeof TaskAugmentedRequestParams.Type

/** The immediate answer to a task-augmented request. */
export const CreateTaskResult = Schema.Struct({
  ...Result.fields,
  task: Task
})
/** The immediate answer to a task-augmented request. */
export type CreateTaskResult = typeof CreateTaskResult.Type

// -----------------------------------------------------------------------------
// Pagination
// -----------------------------------------------------------------------------

/** Params of a paginated list request (`tools/list`, `resources/list`, `tasks/list`, …). */
export const PaginatedRequestParams = Schema.Struct({
  ...RequestParams.fields,
  cursor: Schema.optionalKey(Cursor)
})
/** Params of a paginated list request. */
export type PaginatedRequestParams = typeof PaginatedRequestParams.Type

/** Base of a paginated list result. */
export const PaginatedResult = Schema.Struct({
  ...Result.fields,
  nextCursor: Schema.optionalKey(Cursor)
})
/** Base of a paginated list result. */
export type PaginatedResult = typeof PaginatedResult.Type

// -----------------------------------------------------------------------------
// Metadata, icons, implementation
// -----------------------------------------------------------------------------

/** An optionally sized, optionally themed icon a client can display. */
export const Icon = Schema.Struct({
  /** `http(s):` URL or `data:` URI. */
  src: Schema.String,
  mimeType: Schema.optionalKey(Schema.String),
  /** `WxH` strings such as `"48x48"`, or `"any"`. */
  sizes: Schema.optionalKey(Schema.Array(Schema.String)),
  theme: Schema.optionalKey(Schema.Literals(["light", "dark"]))
})
/** An icon a client can display. */
export type Icon = typeof Icon.Type

/** Programmatic `name` plus optional display `title`, shared by tools, prompts, resources and implementations. */
export const BaseMetadata = Schema.Struct({
  name: Schema.String,
  title: Schema.optionalKey(Schema.String)
})
/** Programmatic `name` plus optional display `title`. */
export type BaseMetadata = typeof BaseMetadata.Type

const iconsField = { icons: Schema.optionalKey(Schema.Array(Icon)) }

/** Describes an MCP implementation (`clientInfo` / `serverInfo`). */
export const Implementation = Schema.Struct({
  ...BaseMetadata.fields,
  ...iconsField,
  version: Schema.String,
  description: Schema.optionalKey(Schema.String),
  websiteUrl: Schema.optionalKey(Schema.String)
})
/** Describes an MCP implementation. */
export type Implementation = typeof Implementation.Type

// -----------------------------------------------------------------------------
// Capabilities and initialization
// -----------------------------------------------------------------------------

const flag = Schema.optionalKey(Schema.ObjectKeyword)
const listChanged = { listChanged: Schema.optionalKey(Schema.Boolean) }

/** Capabilities a client declares in `initialize` (presence of a key = support). */
export const ClientCapabilities = Schema.Struct({
  experimental: Schema.optionalKey(CapabilityMap),
  roots: Schema.optionalKey(Schema.Struct(listChanged)),
  sampling: Schema.optionalKey(Schema.Struct({ context: flag, tools: flag })),
  elicitation: Schema.optionalKey(Schema.Struct({ form: flag, url: flag })),
  tasks: Schema.optionalKey(Schema.Struct({
    list: flag,
    cancel: flag,
    requests: Schema.optionalKey(Schema.Struct({
      sampling: Schema.optionalKey(Schema.Struct({ createMessage: flag })),
      elicitation: Schema.optionalKey(Schema.Struct({ create: flag }))
    }))
  })),
  extensions: Schema.optionalKey(CapabilityMap)
})
/** Capabilities a client declares in `initialize`. */
export type ClientCapabilities = typeof ClientCapabilities.Type

/** Capabilities a server declares in its `initialize` result (presence of a key = support). */
export const ServerCapabilities = Schema.Struct({
  experimental: Schema.optionalKey(CapabilityMap),
  logging: flag,
  completions: flag,
  prompts: Schema.optionalKey(Schema.Struct(listChanged)),
  resources: Schema.optionalKey(Schema.Struct({
    subscribe: Schema.optionalKey(Schema.Boolean),
    ...listChanged
  })),
  tools: Schema.optionalKey(Schema.Struct(listChanged)),
  tasks: Schema.optionalKey(Schema.Struct({
    list: flag,
    cancel: flag,
    requests: Schema.optionalKey(Schema.Struct({
      tools: Schema.optionalKey(Schema.Struct({ call: flag }))
    }))
  })),
  extensions: Schema.optionalKey(CapabilityMap)
})
/** Capabilities a server declares in its `initialize` result. */
export type ServerCapabilities = typeof ServerCapabilities.Type

/** Params of `initialize` (client → server, first message of a legacy session). */
export const InitializeRequestParams = Schema.Struct({
  ...RequestParams.fields,
  protocolVersion: Schema.String,
  capabilities: ClientCapabilities,
  clientInfo: Implementation
})
/** Params of `initialize`. */
export type InitializeRequestParams = typeof InitializeRequestParams.Type

/** Result of `initialize`: negotiated version, server capabilities and identity. */
export const InitializeResult = Schema.Struct({
  ...Result.fields,
  protocolVersion: Schema.String,
  capabilities: ServerCapabilities,
  serverInfo: Implementation,
  instructions: Schema.optionalKey(Schema.String)
})
/** Result of `initialize`. */
export type InitializeResult = typeof InitializeResult.Type

// -----------------------------------------------------------------------------
// Content
// -----------------------------------------------------------------------------

const unitInterval = Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 }))

/** Client-facing hints on content and resources: audience, priority (0..1), last modification time. */
export const Annotations = Schema.Struct({
  audience: Schema.optionalKey(Schema.Array(Role)),
  priority: Schema.optionalKey(unitInterval),
  /** ISO 8601 timestamp. */
  lastModified: Schema.optionalKey(Schema.String)
})
/** Client-facing hints on content and resources. */
export type Annotations = typeof Annotations.Type

const annotationsField = { annotations: Schema.optionalKey(Annotations) }
const metaField = { _meta: Schema.optionalKey(Meta) }

/** Text provided to or from an LLM. */
export const TextContent = Schema.Struct({
  type: Schema.Literal("text"),
  text: Schema.String,
  ...annotationsField,
  ...metaField
})
/** Text provided to or from an LLM. */
export type TextContent = typeof TextContent.Type

/** A base64-encoded image provided to or from an LLM. */
export const ImageContent = Schema.Struct({
  type: Schema.Literal("image"),
  data: Schema.String,
  mimeType: Schema.String,
  ...annotationsField,
  ...metaField
})
/** A base64-encoded image. */
export type ImageContent = typeof ImageContent.Type

/** Base64-encoded audio provided to or from an LLM. */
export const AudioContent = Schema.Struct({
  type: Schema.Literal("audio"),
  data: Schema.String,
  mimeType: Schema.String,
  ...annotationsField,
  ...metaField
})
/** Base64-encoded audio. */
export type AudioContent = typeof AudioContent.Type

/** A known resource the server can read (an entry of `resources/list`). */
export const Resource = Schema.Struct({
  ...BaseMetadata.fields,
  ...iconsField,
  uri: Schema.String,
  description: Schema.optionalKey(Schema.String),
  mimeType: Schema.optionalKey(Schema.String),
  ...annotationsField,
  /** Raw size in bytes, if known. */
  size: Schema.optionalKey(Schema.Int),
  ...metaField
})
/** A known resource the server can read. */
export type Resource = typeof Resource.Type

/** A link to a resource, returned inside a prompt or tool result. */
export const ResourceLink = Schema.Struct({
  type: Schema.Literal("resource_link"),
  ...Resource.fields
})
/** A link to a resource. */
export type ResourceLink = typeof ResourceLink.Type

/** Fields shared by text and blob resource contents. */
export const ResourceContents = Schema.Struct({
  uri: Schema.String,
  mimeType: Schema.optionalKey(Schema.String),
  ...metaField
})
/** Fields shared by text and blob resource contents. */
export type ResourceContents = typeof ResourceContents.Type

/** Textual contents of a resource. */
export const TextResourceContents = Schema.Struct({
  ...ResourceContents.fields,
  text: Schema.String
})
/** Textual contents of a resource. */
export type TextResourceContents = typeof TextResourceContents.Type

/** Binary (base64) contents of a resource. */
export const BlobResourceContents = Schema.Struct({
  ...ResourceContents.fields,
  blob: Schema.String
})
/** Binary (base64) contents of a resource. */
export type BlobResourceContents = typeof BlobResourceContents.Type

/** Text or blob resource contents (`resources/read`, embedded resources). */
export const ResourceContentsUnion = Schema.Union([TextResourceContents, BlobResourceContents])
/** Text or blob resource contents. */
export type ResourceContentsUnion = typeof ResourceContentsUnion.Type

/** The contents of a resource embedded into a prompt or tool result. */
export const EmbeddedResource = Schema.Struct({
  type: Schema.Literal("resource"),
  resource: ResourceContentsUnion,
  ...annotationsField,
  ...metaField
})
/** The contents of a resource embedded into a prompt or tool result. */
export type EmbeddedResource = typeof EmbeddedResource.Type

/** Any content block of a prompt message or tool result. */
export const ContentBlock = Schema.Union([TextContent, ImageContent, AudioContent, ResourceLink, EmbeddedResource])
/** Any content block of a prompt message or tool result. */
export type ContentBlock = typeof ContentBlock.Type

/** A request from the assistant (in sampling) to call a tool. */
export const ToolUseContent = Schema.Struct({
  type: Schema.Literal("tool_use"),
  id: Schema.String,
  name: Schema.String,
  /** Tool arguments, preserved as given. */
  input: JsonObject,
  ...metaField
})
/** A request from the assistant to call a tool. */
export type ToolUseContent = typeof ToolUseContent.Type

/** The result of a tool use, sent back to the assistant in sampling. */
export const ToolResultContent = Schema.Struct({
  type: Schema.Literal("tool_result"),
  toolUseId: Schema.String,
  content: Schema.Array(ContentBlock),
  /** Structured result, preserved as given. */
  structuredContent: Schema.optionalKey(JsonObject),
  isError: Schema.optionalKey(Schema.Boolean),
  ...metaField
})
/** The result of a tool use. */
export type ToolResultContent = typeof ToolResultContent.Type

/** Any content block allowed in a sampling message. */
export const SamplingMessageContentBlock = Schema.Union([
  TextContent,
  ImageContent,
  AudioContent,
  ToolUseContent,
  ToolResultContent
])
/** Any content block allowed in a sampling message. */
export type SamplingMessageContentBlock = typeof SamplingMessageContentBlock.Type

// -----------------------------------------------------------------------------
// Resources
// -----------------------------------------------------------------------------

/** A parameterised resource (RFC 6570 URI template) the server offers. */
export const ResourceTemplate = Schema.Struct({
  ...BaseMetadata.fields,
  ...iconsField,
  uriTemplate: Schema.String,
  description: Schema.optionalKey(Schema.String),
  mimeType: Schema.optionalKey(Schema.String),
  ...annotationsField,
  ...metaField
})
/** A parameterised resource the server offers. */
export type ResourceTemplate = typeof ResourceTemplate.Type

/** Result of `resources/list`. */
export const ListResourcesResult = Schema.Struct({
  ...PaginatedResult.fields,
  resources: Schema.Array(Resource)
})
/** Result of `resources/list`. */
export type ListResourcesResult = typeof ListResourcesResult.Type

/** Result of `resources/templates/list`. */
export const ListResourceTemplatesResult = Schema.Struct({
  ...PaginatedResult.fields,
  resourceTemplates: Schema.Array(ResourceTemplate)
})
/** Result of `resources/templates/list`. */
export type ListResourceTemplatesResult = typeof ListResourceTemplatesResult.Type

/** Params shared by requests about one resource URI. */
export const ResourceRequestParams = Schema.Struct({
  ...RequestParams.fields,
  uri: Schema.String
})
/** Params shared by requests about one resource URI. */
export type ResourceRequestParams = typeof ResourceRequestParams.Type

/** Params of `resources/read`. */
export const ReadResourceRequestParams = ResourceRequestParams
/** Params of `resources/read`. */
export type ReadResourceRequestParams = typeof ReadResourceRequestParams.Type

/**
 * Params of `resources/read` with an optional `task`: an extension (as in FastMCP) that lets a
 * server advertising `tasks.requests.resources.read` read a resource as a background task.
 */
export const TaskAugmentedReadResourceRequestParams = Schema.Struct({
  ...ReadResourceRequestParams.fields,
  task: Schema.optionalKey(TaskMetadata)
})
/** Params of `resources/read` with an optional `task` (extension). */
export type TaskAugmentedReadResourceRequestParams = typeof TaskAugmentedReadResourceRequestParams.Type

/** Params of `resources/subscribe`. */
export const SubscribeRequestParams = ResourceRequestParams
/** Params of `resources/subscribe`. */
export type SubscribeRequestParams = typeof SubscribeRequestParams.Type

/** Params of `resources/unsubscribe`. */
export const UnsubscribeRequestParams = ResourceRequestParams
/** Params of `resources/unsubscribe`. */
export type UnsubscribeRequestParams = typeof UnsubscribeRequestParams.Type

/** Result of `resources/read`. */
export const ReadResourceResult = Schema.Struct({
  ...Result.fields,
  contents: Schema.Array(ResourceContentsUnion)
})
/** Result of `resources/read`. */
export type ReadResourceResult = typeof ReadResourceResult.Type

/** Params of `notifications/resources/updated`. */
export const ResourceUpdatedNotificationParams = Schema.Struct({
  ...NotificationParams.fields,
  uri: Schema.String
})
/** Params of `notifications/resources/updated`. */
export type ResourceUpdatedNotificationParams = typeof ResourceUpdatedNotificationParams.Type

// -----------------------------------------------------------------------------
// Prompts
// -----------------------------------------------------------------------------

/** Describes one argument a prompt template accepts. */
export const PromptArgument = Schema.Struct({
  ...BaseMetadata.fields,
  description: Schema.optionalKey(Schema.String),
  required: Schema.optionalKey(Schema.Boolean)
})
/** Describes one argument a prompt template accepts. */
export type PromptArgument = typeof PromptArgument.Type

/** A prompt or prompt template the server offers (an entry of `prompts/list`). */
export const Prompt = Schema.Struct({
  ...BaseMetadata.fields,
  ...iconsField,
  description: Schema.optionalKey(Schema.String),
  arguments: Schema.optionalKey(Schema.Array(PromptArgument)),
  ...metaField
})
/** A prompt or prompt template the server offers. */
export type Prompt = typeof Prompt.Type

/** One message of a rendered prompt. */
export const PromptMessage = Schema.Struct({
  role: Role,
  content: ContentBlock
})
/** One message of a rendered prompt. */
export type PromptMessage = typeof PromptMessage.Type

/** Result of `prompts/list`. */
export const ListPromptsResult = Schema.Struct({
  ...PaginatedResult.fields,
  prompts: Schema.Array(Prompt)
})
/** Result of `prompts/list`. */
export type ListPromptsResult = typeof ListPromptsResult.Type

/** Params of `prompts/get`: prompt name and string template arguments. */
export const GetPromptRequestParams = Schema.Struct({
  ...RequestParams.fields,
  name: Schema.String,
  arguments: Schema.optionalKey(Schema.Record(Schema.String, Schema.String))
})
/** Params of `prompts/get`. */
export type GetPromptRequestParams = typeof GetPromptRequestParams.Type

/**
 * Params of `prompts/get` with an optional `task`: an extension (as in FastMCP) that lets a
 * server advertising `tasks.requests.prompts.get` run a prompt as a background task. 2025-11-25
 * defines `task` for `tools/call` (and client-side requests) only.
 */
export const TaskAugmentedGetPromptRequestParams = Schema.Struct({
  ...GetPromptRequestParams.fields,
  task: Schema.optionalKey(TaskMetadata)
})
/** Params of `prompts/get` with an optional `task` (extension). */
export type TaskAugmentedGetPromptRequestParams = typeof TaskAugmentedGetPromptRequestParams.Type

/** Result of `prompts/get`. */
export const GetPromptResult = Schema.Struct({
  ...Result.fields,
  description: Schema.optionalKey(Schema.String),
  messages: Schema.Array(PromptMessage)
})
/** Result of `prompts/get`. */
export type GetPromptResult = typeof GetPromptResult.Type

// -----------------------------------------------------------------------------
// Tools
// -----------------------------------------------------------------------------

/** Behaviour hints about a tool (all advisory, never trusted for security decisions). */
export const ToolAnnotations = Schema.Struct({
  title: Schema.optionalKey(Schema.String),
  readOnlyHint: Schema.optionalKey(Schema.Boolean),
  destructiveHint: Schema.optionalKey(Schema.Boolean),
  idempotentHint: Schema.optionalKey(Schema.Boolean),
  openWorldHint: Schema.optionalKey(Schema.Boolean)
})
/** Behaviour hints about a tool. */
export type ToolAnnotations = typeof ToolAnnotations.Type

/** Execution properties of a tool: whether it supports task-augmented calls (default `"forbidden"`). */
export const ToolExecution = Schema.Struct({
  taskSupport: Schema.optionalKey(Schema.Literals(["forbidden", "optional", "required"]))
})
/** Execution properties of a tool. */
export type ToolExecution = typeof ToolExecution.Type

/**
 * A tool's JSON Schema (root `type: "object"`). The known keys are typed; every other
 * key (`$defs`, `additionalProperties`, `$id`, `oneOf`, vendor keys, …) is kept exactly
 * as given, on decode and on encode. Property schemas are opaque objects.
 */
export const ToolInputSchema = Schema.StructWithRest(
  Schema.Struct({
    $schema: Schema.optionalKey(Schema.String),
    type: Schema.Literal("object"),
    properties: Schema.optionalKey(Schema.Record(Schema.String, Schema.ObjectKeyword)),
    required: Schema.optionalKey(Schema.Array(Schema.String))
  }),
  [JsonObject]
)
/** A tool's input JSON Schema. */
export type ToolInputSchema = typeof ToolInputSchema.Type

/** A tool's output JSON Schema (same shape and pass-through rules as {@link ToolInputSchema}). */
export const ToolOutputSchema = ToolInputSchema
/** A tool's output JSON Schema. */
export type ToolOutputSchema = typeof ToolOutputSchema.Type

/** Definition of a tool the client can call (an entry of `tools/list`). */
export const Tool = Schema.Struct({
  ...BaseMetadata.fields,
  ...iconsField,
  description: Schema.optionalKey(Schema.String),
  inputSchema: ToolInputSchema,
  execution: Schema.optionalKey(ToolExecution),
  outputSchema: Schema.optionalKey(ToolOutputSchema),
  annotations: Schema.optionalKey(ToolAnnotations),
  ...metaField
})
/** Definition of a tool the client can call. */
export type Tool = typeof Tool.Type

/** Result of `tools/list`. */
export const ListToolsResult = Schema.Struct({
  ...PaginatedResult.fields,
  tools: Schema.Array(Tool)
})
/** Result of `tools/list`. */
export type ListToolsResult = typeof ListToolsResult.Type

/** Params of `tools/call`: tool name, raw arguments (preserved as given), optional `task` augmentation. */
export const CallToolRequestParams = Schema.Struct({
  ...TaskAugmentedRequestParams.fields,
  name: Schema.String,
  arguments: Schema.optionalKey(JsonObject)
})
/** Params of `tools/call`. */
export type CallToolRequestParams = typeof CallToolRequestParams.Type

/** Result of `tools/call` (when not task-augmented). Tool failures use `isError: true`. */
export const CallToolResult = Schema.Struct({
  ...Result.fields,
  content: Schema.Array(ContentBlock),
  /** Structured result, preserved as given. */
  structuredContent: Schema.optionalKey(JsonObject),
  isError: Schema.optionalKey(Schema.Boolean)
})
/** Result of `tools/call`. */
export type CallToolResult = typeof CallToolResult.Type

// -----------------------------------------------------------------------------
// Task methods
// -----------------------------------------------------------------------------

/** Params of `tasks/get`. */
export const GetTaskRequestParams = Schema.Struct({
  ...RequestParams.fields,
  taskId: Schema.String
})
/** Params of `tasks/get`. */
export type GetTaskRequestParams = typeof GetTaskRequestParams.Type

/** Result of `tasks/get`: the task's current state. */
export const GetTaskResult = Schema.Struct({
  ...Result.fields,
  ...Task.fields
})
/** Result of `tasks/get`. */
export type GetTaskResult = typeof GetTaskResult.Type

/** Params of `tasks/result`. */
export const GetTaskPayloadRequestParams = Schema.Struct({
  ...RequestParams.fields,
  taskId: Schema.String
})
/** Params of `tasks/result`. */
export type GetTaskPayloadRequestParams = typeof GetTaskPayloadRequestParams.Type

/**
 * Result of `tasks/result`: exactly what the original request would have returned
 * (e.g. a `CallToolResult`). Kept as an open object: every key is preserved.
 */
export const GetTaskPayloadResult = Schema.StructWithRest(Result, [JsonObject])
/** Result of `tasks/result`. */
export type GetTaskPayloadResult = typeof GetTaskPayloadResult.Type

/** Params of `tasks/cancel`. */
export const CancelTaskRequestParams = Schema.Struct({
  ...RequestParams.fields,
  taskId: Schema.String
})
/** Params of `tasks/cancel`. */
export type CancelTaskRequestParams = typeof CancelTaskRequestParams.Type

/** Result of `tasks/cancel`: the task, now `cancelled`. */
export const CancelTaskResult = Schema.Struct({
  ...Result.fields,
  ...Task.fields
})
/** Result of `tasks/cancel`. */
export type CancelTaskResult = typeof CancelTaskResult.Type

/** Params of `tasks/list`. */
export const ListTasksRequestParams = PaginatedRequestParams
/** Params of `tasks/list`. */
export type ListTasksRequestParams = typeof ListTasksRequestParams.Type

/** Result of `tasks/list`. */
export const ListTasksResult = Schema.Struct({
  ...PaginatedResult.fields,
  tasks: Schema.Array(Task)
})
/** Result of `tasks/list`. */
export type ListTasksResult = typeof ListTasksResult.Type

/** Params of `notifications/tasks/status`: the full task. */
export const TaskStatusNotificationParams = Schema.Struct({
  ...NotificationParams.fields,
  ...Task.fields
})
/** Params of `notifications/tasks/status`. */
export type TaskStatusNotificationParams = typeof TaskStatusNotificationParams.Type

// -----------------------------------------------------------------------------
// Completion
// -----------------------------------------------------------------------------

/** Identifies a prompt for `completion/complete`. */
export const PromptReference = Schema.Struct({
  type: Schema.Literal("ref/prompt"),
  ...BaseMetadata.fields
})
/** Identifies a prompt for `completion/complete`. */
export type PromptReference = typeof PromptReference.Type

/** Identifies a resource or resource template for `completion/complete`. */
export const ResourceTemplateReference = Schema.Struct({
  type: Schema.Literal("ref/resource"),
  uri: Schema.String
})
/** Identifies a resource or resource template for `completion/complete`. */
export type ResourceTemplateReference = typeof ResourceTemplateReference.Type

/** Params of `completion/complete`: what to complete, the argument, already-resolved arguments. */
export const CompleteRequestParams = Schema.Struct({
  ...RequestParams.fields,
  ref: Schema.Union([PromptReference, ResourceTemplateReference]),
  argument: Schema.Struct({
    name: Schema.String,
    value: Schema.String
  }),
  context: Schema.optionalKey(Schema.Struct({
    arguments: Schema.optionalKey(Schema.Record(Schema.String, Schema.String))
  }))
})
/** Params of `completion/complete`. */
export type CompleteRequestParams = typeof CompleteRequestParams.Type

/** Result of `completion/complete` (at most 100 values). */
export const CompleteResult = Schema.Struct({
  ...Result.fields,
  completion: Schema.Struct({
    values: Schema.Array(Schema.String).check(Schema.isMaxLength(100)),
    total: Schema.optionalKey(Schema.Int),
    hasMore: Schema.optionalKey(Schema.Boolean)
  })
})
/** Result of `completion/complete`. */
export type CompleteResult = typeof CompleteResult.Type

// -----------------------------------------------------------------------------
// Logging, progress, cancellation
// -----------------------------------------------------------------------------

/** Syslog (RFC 5424) severity of a log message. */
export const LoggingLevel = Schema.Literals([
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency"
])
/** Syslog severity of a log message. */
export type LoggingLevel = typeof LoggingLevel.Type

/** Params of `logging/setLevel`. */
export const SetLevelRequestParams = Schema.Struct({
  ...RequestParams.fields,
  level: LoggingLevel
})
/** Params of `logging/setLevel`. */
export type SetLevelRequestParams = typeof SetLevelRequestParams.Type

/** Params of `notifications/message` (a log line sent to the client; `data` is any JSON). */
export const LoggingMessageNotificationParams = Schema.Struct({
  ...NotificationParams.fields,
  level: LoggingLevel,
  logger: Schema.optionalKey(Schema.String),
  data: Schema.Unknown
})
/** Params of `notifications/message`. */
export type LoggingMessageNotificationParams = typeof LoggingMessageNotificationParams.Type

/** Params of `notifications/progress`. */
export const ProgressNotificationParams = Schema.Struct({
  ...NotificationParams.fields,
  progressToken: ProgressToken,
  progress: Schema.Finite,
  total: Schema.optionalKey(Schema.Finite),
  message: Schema.optionalKey(Schema.String)
})
/** Params of `notifications/progress`. */
export type ProgressNotificationParams = typeof ProgressNotificationParams.Type

/** Params of `notifications/cancelled` (`requestId` is optional since 2025-11-25 because tasks use `tasks/cancel`). */
export const CancelledNotificationParams = Schema.Struct({
  ...NotificationParams.fields,
  requestId: Schema.optionalKey(RequestId),
  reason: Schema.optionalKey(Schema.String)
})
/** Params of `notifications/cancelled`. */
export type CancelledNotificationParams = typeof CancelledNotificationParams.Type

// -----------------------------------------------------------------------------
// Sampling
// -----------------------------------------------------------------------------

/** A model-name hint for sampling (treated as a substring by the client). */
export const ModelHint = Schema.Struct({
  name: Schema.optionalKey(Schema.String)
})
/** A model-name hint for sampling. */
export type ModelHint = typeof ModelHint.Type

/** The server's advisory preferences for model selection (priorities in 0..1). */
export const ModelPreferences = Schema.Struct({
  hints: Schema.optionalKey(Schema.Array(ModelHint)),
  costPriority: Schema.optionalKey(unitInterval),
  speedPriority: Schema.optionalKey(unitInterval),
  intelligencePriority: Schema.optionalKey(unitInterval)
})
/** The server's advisory preferences for model selection. */
export type ModelPreferences = typeof ModelPreferences.Type

/** How the sampled model may use tools (`auto` by default). */
export const ToolChoice = Schema.Struct({
  mode: Schema.optionalKey(Schema.Literals(["auto", "required", "none"]))
})
/** How the sampled model may use tools. */
export type ToolChoice = typeof ToolChoice.Type

/** A message sent to or received from an LLM during sampling. */
export const SamplingMessage = Schema.Struct({
  role: Role,
  content: Schema.Union([SamplingMessageContentBlock, Schema.Array(SamplingMessageContentBlock)]),
  ...metaField
})
/** A message sent to or received from an LLM during sampling. */
export type SamplingMessage = typeof SamplingMessage.Type

/** Params of `sampling/createMessage` (server → client). */
export const CreateMessageRequestParams = Schema.Struct({
  ...TaskAugmentedRequestParams.fields,
  messages: Schema.Array(SamplingMessage),
  modelPreferences: Schema.optionalKey(ModelPreferences),
  systemPrompt: Schema.optionalKey(Schema.String),
  includeContext: Schema.optionalKey(Schema.Literals(["none", "thisServer", "allServers"])),
  temperature: Schema.optionalKey(Schema.Finite),
  maxTokens: Schema.Int,
  stopSequences: Schema.optionalKey(Schema.Array(Schema.String)),
  /** Provider-specific metadata, preserved as given. */
  metadata: Schema.optionalKey(Schema.ObjectKeyword),
  tools: Schema.optionalKey(Schema.Array(Tool)),
  toolChoice: Schema.optionalKey(ToolChoice)
})
/** Params of `sampling/createMessage`. */
export type CreateMessageRequestParams = typeof CreateMessageRequestParams.Type

/** Result of `sampling/createMessage`: the sampled message, the model used and why it stopped. */
export const CreateMessageResult = Schema.Struct({
  ...Result.fields,
  ...SamplingMessage.fields,
  model: Schema.String,
  /** `"endTurn" | "stopSequence" | "maxTokens" | "toolUse"` or any provider-specific string. */
  stopReason: Schema.optionalKey(Schema.String)
})
/** Result of `sampling/createMessage`. */
export type CreateMessageResult = typeof CreateMessageResult.Type

// -----------------------------------------------------------------------------
// Elicitation
// -----------------------------------------------------------------------------

const titleAndDescription = {
  title: Schema.optionalKey(Schema.String),
  description: Schema.optionalKey(Schema.String)
}

/** A string field in an elicitation form. */
export const StringSchema = Schema.Struct({
  type: Schema.Literal("string"),
  ...titleAndDescription,
  minLength: Schema.optionalKey(Schema.Int),
  maxLength: Schema.optionalKey(Schema.Int),
  format: Schema.optionalKey(Schema.Literals(["email", "uri", "date", "date-time"])),
  default: Schema.optionalKey(Schema.String)
})
/** A string field in an elicitation form. */
export type StringSchema = typeof StringSchema.Type

/** A number or integer field in an elicitation form. */
export const NumberSchema = Schema.Struct({
  type: Schema.Literals(["number", "integer"]),
  ...titleAndDescription,
  minimum: Schema.optionalKey(Schema.Finite),
  maximum: Schema.optionalKey(Schema.Finite),
  default: Schema.optionalKey(Schema.Finite)
})
/** A number or integer field in an elicitation form. */
export type NumberSchema = typeof NumberSchema.Type

/** A boolean field in an elicitation form. */
export const BooleanSchema = Schema.Struct({
  type: Schema.Literal("boolean"),
  ...titleAndDescription,
  default: Schema.optionalKey(Schema.Boolean)
})
/** A boolean field in an elicitation form. */
export type BooleanSchema = typeof BooleanSchema.Type

/** Single-select enum field without option titles (`enum: string[]`). */
export const UntitledSingleSelectEnumSchema = Schema.Struct({
  type: Schema.Literal("string"),
  ...titleAndDescription,
  enum: Schema.Array(Schema.String),
  default: Schema.optionalKey(Schema.String)
})
/** Single-select enum field without option titles. */
export type UntitledSingleSelectEnumSchema = typeof UntitledSingleSelectEnumSchema.Type

const TitledOption = Schema.Struct({ const: Schema.String, title: Schema.String })

/** Single-select enum field with a title per option (`oneOf: [{ const, title }]`). */
export const TitledSingleSelectEnumSchema = Schema.Struct({
  type: Schema.Literal("string"),
  ...titleAndDescription,
  oneOf: Schema.Array(TitledOption),
  default: Schema.optionalKey(Schema.String)
})
/** Single-select enum field with a title per option. */
export type TitledSingleSelectEnumSchema = typeof TitledSingleSelectEnumSchema.Type

/** Single-select enum field (titled or untitled). */
export const SingleSelectEnumSchema = Schema.Union([TitledSingleSelectEnumSchema, UntitledSingleSelectEnumSchema])
/** Single-select enum field. */
export type SingleSelectEnumSchema = typeof SingleSelectEnumSchema.Type

const multiSelectFields = {
  type: Schema.Literal("array"),
  ...titleAndDescription,
  minItems: Schema.optionalKey(Schema.Int),
  maxItems: Schema.optionalKey(Schema.Int),
  default: Schema.optionalKey(Schema.Array(Schema.String))
}

/** Multi-select enum field without option titles (`items: { type: "string", enum }`). */
export const UntitledMultiSelectEnumSchema = Schema.Struct({
  ...multiSelectFields,
  items: Schema.Struct({
    type: Schema.Literal("string"),
    enum: Schema.Array(Schema.String)
  })
})
/** Multi-select enum field without option titles. */
export type UntitledMultiSelectEnumSchema = typeof UntitledMultiSelectEnumSchema.Type

/** Multi-select enum field with a title per option (`items: { anyOf: [{ const, title }] }`). */
export const TitledMultiSelectEnumSchema = Schema.Struct({
  ...multiSelectFields,
  items: Schema.Struct({
    anyOf: Schema.Array(TitledOption)
  })
})
/** Multi-select enum field with a title per option. */
export type TitledMultiSelectEnumSchema = typeof TitledMultiSelectEnumSchema.Type

/** Multi-select enum field (titled or untitled). */
export const MultiSelectEnumSchema = Schema.Union([TitledMultiSelectEnumSchema, UntitledMultiSelectEnumSchema])
/** Multi-select enum field. */
export type MultiSelectEnumSchema = typeof MultiSelectEnumSchema.Type

/** Deprecated single-select enum with parallel `enumNames` display labels (use {@link TitledSingleSelectEnumSchema}). */
export const LegacyTitledEnumSchema = Schema.Struct({
  type: Schema.Literal("string"),
  ...titleAndDescription,
  enum: Schema.Array(Schema.String),
  enumNames: Schema.optionalKey(Schema.Array(Schema.String)),
  default: Schema.optionalKey(Schema.String)
})
/** Deprecated single-select enum with `enumNames`. */
export type LegacyTitledEnumSchema = typeof LegacyTitledEnumSchema.Type

/**
 * Any enum field. Members are tried most-specific first: the legacy variant comes
 * before the untitled one so that `enumNames` is never stripped.
 */
export const EnumSchema = Schema.Union([
  TitledSingleSelectEnumSchema,
  LegacyTitledEnumSchema,
  UntitledSingleSelectEnumSchema,
  TitledMultiSelectEnumSchema,
  UntitledMultiSelectEnumSchema
])
/** Any enum field. */
export type EnumSchema = typeof EnumSchema.Type

/**
 * {@link StringSchema} as a member of {@link PrimitiveSchemaDefinition}: it refuses the
 * enum keys, so a malformed enum field is rejected instead of silently decoding as a
 * plain string field with its options stripped.
 */
const PlainStringSchema = Schema.Struct({
  ...StringSchema.fields,
  enum: Schema.optionalKey(Schema.Never),
  enumNames: Schema.optionalKey(Schema.Never),
  oneOf: Schema.optionalKey(Schema.Never)
})

/** Any field of an elicitation form (enums are tried before plain strings). */
export const PrimitiveSchemaDefinition = Schema.Union([EnumSchema, PlainStringSchema, NumberSchema, BooleanSchema])
/** Any field of an elicitation form. */
export type PrimitiveSchemaDefinition = typeof PrimitiveSchemaDefinition.Type

/** Params of a form-mode `elicitation/create`: a message and a flat, primitive-only JSON Schema. */
export const ElicitRequestFormParams = Schema.Struct({
  ...TaskAugmentedRequestParams.fields,
  mode: Schema.optionalKey(Schema.Literal("form")),
  message: Schema.String,
  requestedSchema: Schema.Struct({
    $schema: Schema.optionalKey(Schema.String),
    type: Schema.Literal("object"),
    properties: Schema.Record(Schema.String, PrimitiveSchemaDefinition),
    required: Schema.optionalKey(Schema.Array(Schema.String))
  })
})
/** Params of a form-mode `elicitation/create`. */
export type ElicitRequestFormParams = typeof ElicitRequestFormParams.Type

/** Params of a URL-mode `elicitation/create`: send the user to `url` out of band. */
export const ElicitRequestURLParams = Schema.Struct({
  ...TaskAugmentedRequestParams.fields,
  mode: Schema.Literal("url"),
  message: Schema.String,
  elicitationId: Schema.String,
  url: Schema.String
})
/** Params of a URL-mode `elicitation/create`. */
export type ElicitRequestURLParams = typeof ElicitRequestURLParams.Type

/** Params of `elicitation/create` (URL mode is tried first; a missing `mode` means form). */
export const ElicitRequestParams = Schema.Union([ElicitRequestURLParams, ElicitRequestFormParams])
/** Params of `elicitation/create`. */
export type ElicitRequestParams = typeof ElicitRequestParams.Type

/** Result of `elicitation/create`: the user's action and, for accepted forms, the values. */
export const ElicitResult = Schema.Struct({
  ...Result.fields,
  action: Schema.Literals(["accept", "decline", "cancel"]),
  content: Schema.optionalKey(
    Schema.Record(
      Schema.String,
      Schema.Union([Schema.String, Schema.Finite, Schema.Boolean, Schema.Array(Schema.String)])
    )
  )
})
/** Result of `elicitation/create`. */
export type ElicitResult = typeof ElicitResult.Type

/** Params of `notifications/elicitation/complete` (an out-of-band URL elicitation finished). */
export const ElicitationCompleteNotificationParams = Schema.Struct({
  ...NotificationParams.fields,
  elicitationId: Schema.String
})
/** Params of `notifications/elicitation/complete`. */
export type ElicitationCompleteNotificationParams = typeof ElicitationCompleteNotificationParams.Type

/**
 * `error.data` of a `-32042` URL-elicitation-required error: the URL elicitations the
 * client must complete; other keys are preserved.
 */
export const URLElicitationRequiredErrorData = Schema.StructWithRest(
  Schema.Struct({ elicitations: Schema.Array(ElicitRequestURLParams) }),
  [JsonObject]
)
/** `error.data` of a `-32042` URL-elicitation-required error. */
export type URLElicitationRequiredErrorData = typeof URLElicitationRequiredErrorData.Type

// -----------------------------------------------------------------------------
// Roots
// -----------------------------------------------------------------------------

/** A root directory or file (a `file://` URI) the server may operate on. */
export const Root = Schema.Struct({
  uri: Schema.String,
  name: Schema.optionalKey(Schema.String),
  ...metaField
})
/** A root directory or file the server may operate on. */
export type Root = typeof Root.Type

/** Result of `roots/list` (client → server answer). */
export const ListRootsResult = Schema.Struct({
  ...Result.fields,
  roots: Schema.Array(Root)
})
/** Result of `roots/list`. */
export type ListRootsResult = typeof ListRootsResult.Type

// -----------------------------------------------------------------------------
// Method maps consumed by the server core
// -----------------------------------------------------------------------------
//
// Every `params` schema below describes the params *object*. A message without
// `params` is decoded as `{}` (see `paramsOrEmpty`), so parameterless methods
// accept absent params, `{}` and `{ _meta }` alike.

/** Result of `tools/call`: a plain `CallToolResult`, or a `CreateTaskResult` when task-augmented. */
const CallToolResponse = Schema.Union([CallToolResult, CreateTaskResult])

/**
 * Client → server requests: method → params schema and result schema.
 * Decode absent params as `{}` (see {@link paramsOrEmpty}).
 */
export const ClientRequests = {
  "initialize": { params: InitializeRequestParams, result: InitializeResult },
  "ping": { params: RequestParams, result: EmptyResult },
  "tools/list": { params: PaginatedRequestParams, result: ListToolsResult },
  "tools/call": { params: CallToolRequestParams, result: CallToolResponse },
  "resources/list": { params: PaginatedRequestParams, result: ListResourcesResult },
  "resources/templates/list": { params: PaginatedRequestParams, result: ListResourceTemplatesResult },
  "resources/read": { params: TaskAugmentedReadResourceRequestParams, result: Schema.Union([ReadResourceResult, CreateTaskResult]) },
  "resources/subscribe": { params: SubscribeRequestParams, result: EmptyResult },
  "resources/unsubscribe": { params: UnsubscribeRequestParams, result: EmptyResult },
  "prompts/list": { params: PaginatedRequestParams, result: ListPromptsResult },
  "prompts/get": { params: TaskAugmentedGetPromptRequestParams, result: Schema.Union([GetPromptResult, CreateTaskResult]) },
  "completion/complete": { params: CompleteRequestParams, result: CompleteResult },
  "logging/setLevel": { params: SetLevelRequestParams, result: EmptyResult },
  "tasks/get": { params: GetTaskRequestParams, result: GetTaskResult },
  "tasks/result": { params: GetTaskPayloadRequestParams, result: GetTaskPayloadResult },
  "tasks/list": { params: ListTasksRequestParams, result: ListTasksResult },
  "tasks/cancel": { params: CancelTaskRequestParams, result: CancelTaskResult }
} as const

/**
 * Client → server notifications: method → params schema.
 * Decode absent params as `{}` (see {@link paramsOrEmpty}).
 */
export const ClientNotifications = {
  "notifications/initialized": NotificationParams,
  "notifications/cancelled": CancelledNotificationParams,
  "notifications/progress": ProgressNotificationParams,
  "notifications/roots/list_changed": NotificationParams,
  "notifications/tasks/status": TaskStatusNotificationParams
} as const

/**
 * Server → client requests: method → params schema and result schema (the result is
 * what the client answers). Decode absent params as `{}` (see {@link paramsOrEmpty}).
 */
export const ServerRequests = {
  "ping": { params: RequestParams, result: EmptyResult },
  "sampling/createMessage": {
    params: CreateMessageRequestParams,
    result: Schema.Union([CreateMessageResult, CreateTaskResult])
  },
  "elicitation/create": { params: ElicitRequestParams, result: Schema.Union([ElicitResult, CreateTaskResult]) },
  "roots/list": { params: RequestParams, result: ListRootsResult },
  "tasks/get": { params: GetTaskRequestParams, result: GetTaskResult },
  "tasks/result": { params: GetTaskPayloadRequestParams, result: GetTaskPayloadResult },
  "tasks/list": { params: ListTasksRequestParams, result: ListTasksResult },
  "tasks/cancel": { params: CancelTaskRequestParams, result: CancelTaskResult }
} as const

/**
 * Server → client notifications: method → params schema.
 * Decode absent params as `{}` (see {@link paramsOrEmpty}).
 */
export const ServerNotifications = {
  "notifications/progress": ProgressNotificationParams,
  "notifications/message": LoggingMessageNotificationParams,
  "notifications/resources/updated": ResourceUpdatedNotificationParams,
  "notifications/resources/list_changed": NotificationParams,
  "notifications/tools/list_changed": NotificationParams,
  "notifications/prompts/list_changed": NotificationParams,
  "notifications/elicitation/complete": ElicitationCompleteNotificationParams,
  "notifications/cancelled": CancelledNotificationParams,
  "notifications/tasks/status": TaskStatusNotificationParams
} as const

/** A client → server request method. */
export type ClientRequestMethod = keyof typeof ClientRequests
/** Decoded params of a client → server request. */
export type ClientRequestParams<M extends ClientRequestMethod> = (typeof ClientRequests)[M]["params"]["Type"]
/** Decoded result of a client → server request. */
export type ClientRequestResult<M extends ClientRequestMethod> = (typeof ClientRequests)[M]["result"]["Type"]

/** A client → server notification method. */
export type ClientNotificationMethod = keyof typeof ClientNotifications
/** Decoded params of a client → server notification. */
export type ClientNotificationParams<M extends ClientNotificationMethod> = (typeof ClientNotifications)[M]["Type"]

/** A server → client request method. */
export type ServerRequestMethod = keyof typeof ServerRequests
/** Decoded params of a server → client request. */
export type ServerRequestParams<M extends ServerRequestMethod> = (typeof ServerRequests)[M]["params"]["Type"]
/** Decoded result of a server → client request. */
export type ServerRequestResult<M extends ServerRequestMethod> = (typeof ServerRequests)[M]["result"]["Type"]

/** A server → client notification method. */
export type ServerNotificationMethod = keyof typeof ServerNotifications
/** Decoded params of a server → client notification. */
export type ServerNotificationParams<M extends ServerNotificationMethod> = (typeof ServerNotifications)[M]["Type"]
