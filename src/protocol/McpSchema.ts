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
 * Each schema is defined once, as a builder in `internal/mcpSchemas.ts`; this module exports
 * what the builders make. The server's own code takes the builders and builds a schema when a
 * message first needs it, so a server that does not import this module (every server, unless
 * its author does) starts without building the hundred-odd schemas here: about 2.5 ms of a
 * bundled stdio server's start (the note of issue 9).
 *
 * @since 0.1.0
 * @module
 */
import * as Built from "./internal/mcpSchemas.ts"

// -----------------------------------------------------------------------------
// Common building blocks
// -----------------------------------------------------------------------------

/**
 * An open JSON object: every key is kept exactly as given (`{ [key: string]: unknown }`).
 *
 * @since 0.1.0
 * @category models
 */
export const JsonObject = /* @__PURE__ */ Built.JsonObject()
/** An open JSON object: every key is kept exactly as given. */
export type JsonObject = typeof JsonObject.Type

/**
 * Generic `_meta` bag on results, notifications and data objects (open object, preserved as given).
 *
 * @since 0.1.0
 * @category models
 */
export const Meta = /* @__PURE__ */ Built.Meta()
/** Generic `_meta` bag on results, notifications and data objects. */
export type Meta = typeof Meta.Type

/**
 * A map of opaque capability objects (`{ [key: string]: object }`), used by `experimental` and `extensions`.
 *
 * @since 0.1.0
 * @category models
 */
export const CapabilityMap = /* @__PURE__ */ Built.CapabilityMap()
/** A map of opaque capability objects. */
export type CapabilityMap = typeof CapabilityMap.Type

/**
 * A progress token (string or integer) that ties `notifications/progress` to the originating request.
 *
 * @since 0.1.0
 * @category models
 */
export const ProgressToken = /* @__PURE__ */ Built.ProgressToken()
/** A progress token (string or integer). */
export type ProgressToken = typeof ProgressToken.Type

/**
 * A JSON-RPC request id (string or integer), as referenced from `notifications/cancelled`.
 *
 * @since 0.1.0
 * @category models
 */
export const RequestId = /* @__PURE__ */ Built.RequestId()
/** A JSON-RPC request id (string or integer). */
export type RequestId = typeof RequestId.Type

/**
 * An opaque pagination cursor.
 *
 * @since 0.1.0
 * @category models
 */
export const Cursor = /* @__PURE__ */ Built.Cursor()
/** An opaque pagination cursor. */
export type Cursor = typeof Cursor.Type

/**
 * The sender or recipient of a message in a conversation.
 *
 * @since 0.1.0
 * @category models
 */
export const Role = /* @__PURE__ */ Built.Role()
/** The sender or recipient of a message in a conversation. */
export type Role = typeof Role.Type

/**
 * `_meta` of a request's params: an open object whose `progressToken` (if any) is
 * typed, so `params._meta?.progressToken` is readable without casts.
 *
 * @since 0.1.0
 * @category models
 */
export const RequestMeta = /* @__PURE__ */ Built.RequestMeta()
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
 *
 * @since 0.1.0
 * @category models
 */
export const RequestParams = /* @__PURE__ */ Built.RequestParams()
/** Params of a request that takes no other parameters. */
export type RequestParams = typeof RequestParams.Type

/**
 * Params of a notification that carries no other parameters (`notifications/initialized`, `…/list_changed`).
 *
 * @since 0.1.0
 * @category models
 */
export const NotificationParams = /* @__PURE__ */ Built.NotificationParams()
/** Params of a notification that carries no other parameters. */
export type NotificationParams = typeof NotificationParams.Type

/**
 * Base of every result: an optional `_meta`.
 *
 * @since 0.1.0
 * @category models
 */
export const Result = /* @__PURE__ */ Built.Result()
/** Base of every result. */
export type Result = typeof Result.Type

/**
 * A response that indicates success but carries no data (`ping`, `resources/subscribe`, `logging/setLevel`, …).
 *
 * @since 0.1.0
 * @category models
 */
export const EmptyResult = /* @__PURE__ */ Built.EmptyResult()
/** A response that indicates success but carries no data. */
export type EmptyResult = typeof EmptyResult.Type

/**
 * Normalises JSON-RPC `params` before decoding with a method map schema: an absent
 * (`undefined`) `params` becomes `{}`; anything else is returned unchanged.
 *
 * @since 0.1.0
 * @category validation
 */
export const paramsOrEmpty = (params: unknown): unknown => params === undefined ? {} : params

// -----------------------------------------------------------------------------
// Tasks (2025-11-25, experimental; declared early because requests reference them)
// -----------------------------------------------------------------------------

/**
 * The status of a task.
 *
 * @since 0.1.0
 * @category models
 */
export const TaskStatus = /* @__PURE__ */ Built.TaskStatus()
/** The status of a task. */
export type TaskStatus = typeof TaskStatus.Type

/**
 * Metadata a requestor puts in `params.task` to ask for task-augmented execution.
 *
 * @since 0.1.0
 * @category models
 */
export const TaskMetadata = /* @__PURE__ */ Built.TaskMetadata()
/** Metadata a requestor puts in `params.task`. */
export type TaskMetadata = typeof TaskMetadata.Type

/**
 * The key under which {@link RelatedTaskMetadata} appears in `_meta`.
 *
 * @since 0.1.0
 * @category constants
 */
export const RELATED_TASK_META_KEY = Built.RELATED_TASK_META_KEY

/**
 * Associates a message with a task; found in `_meta["io.modelcontextprotocol/related-task"]`.
 *
 * @since 0.1.0
 * @category models
 */
export const RelatedTaskMetadata = /* @__PURE__ */ Built.RelatedTaskMetadata()
/** Associates a message with a task. */
export type RelatedTaskMetadata = typeof RelatedTaskMetadata.Type

/**
 * Data associated with a task (the body of `tasks/get`, `tasks/cancel` and `notifications/tasks/status`).
 *
 * @since 0.1.0
 * @category models
 */
export const Task = /* @__PURE__ */ Built.Task()
/** Data associated with a task. */
export type Task = typeof Task.Type

/**
 * Common params of any request that can be task-augmented (`tools/call`, `sampling/createMessage`, `elicitation/create`).
 *
 * @since 0.1.0
 * @category models
 */
export const TaskAugmentedRequestParams = /* @__PURE__ */ Built.TaskAugmentedRequestParams()
/** Common params of any task-augmentable request. */
export type TaskAugmentedRequestParams = typeof TaskAugmentedRequestParams.Type

/**
 * The immediate answer to a task-augmented request.
 *
 * @since 0.1.0
 * @category models
 */
export const CreateTaskResult = /* @__PURE__ */ Built.CreateTaskResult()
/** The immediate answer to a task-augmented request. */
export type CreateTaskResult = typeof CreateTaskResult.Type

// -----------------------------------------------------------------------------
// Pagination
// -----------------------------------------------------------------------------

/**
 * Params of a paginated list request (`tools/list`, `resources/list`, `tasks/list`, …).
 *
 * @since 0.1.0
 * @category models
 */
export const PaginatedRequestParams = /* @__PURE__ */ Built.PaginatedRequestParams()
/** Params of a paginated list request. */
export type PaginatedRequestParams = typeof PaginatedRequestParams.Type

/**
 * Base of a paginated list result.
 *
 * @since 0.1.0
 * @category models
 */
export const PaginatedResult = /* @__PURE__ */ Built.PaginatedResult()
/** Base of a paginated list result. */
export type PaginatedResult = typeof PaginatedResult.Type

// -----------------------------------------------------------------------------
// Metadata, icons, implementation
// -----------------------------------------------------------------------------

/**
 * An optionally sized, optionally themed icon a client can display.
 *
 * @since 0.1.0
 * @category models
 */
export const Icon = /* @__PURE__ */ Built.Icon()
/** An icon a client can display. */
export type Icon = typeof Icon.Type

/**
 * Programmatic `name` plus optional display `title`, shared by tools, prompts, resources and implementations.
 *
 * @since 0.1.0
 * @category models
 */
export const BaseMetadata = /* @__PURE__ */ Built.BaseMetadata()
/** Programmatic `name` plus optional display `title`. */
export type BaseMetadata = typeof BaseMetadata.Type


/**
 * Describes an MCP implementation (`clientInfo` / `serverInfo`).
 *
 * @since 0.1.0
 * @category models
 */
export const Implementation = /* @__PURE__ */ Built.Implementation()
/** Describes an MCP implementation. */
export type Implementation = typeof Implementation.Type

// -----------------------------------------------------------------------------
// Capabilities and initialization
// -----------------------------------------------------------------------------


/**
 * Capabilities a client declares in `initialize` (presence of a key = support).
 *
 * @since 0.1.0
 * @category models
 */
export const ClientCapabilities = /* @__PURE__ */ Built.ClientCapabilities()
/** Capabilities a client declares in `initialize`. */
export type ClientCapabilities = typeof ClientCapabilities.Type

/**
 * Capabilities a server declares in its `initialize` result (presence of a key = support).
 *
 * @since 0.1.0
 * @category models
 */
export const ServerCapabilities = /* @__PURE__ */ Built.ServerCapabilities()
/** Capabilities a server declares in its `initialize` result. */
export type ServerCapabilities = typeof ServerCapabilities.Type

/**
 * Params of `initialize` (client → server, first message of a legacy session).
 *
 * @since 0.1.0
 * @category models
 */
export const InitializeRequestParams = /* @__PURE__ */ Built.InitializeRequestParams()
/** Params of `initialize`. */
export type InitializeRequestParams = typeof InitializeRequestParams.Type

/**
 * Result of `initialize`: negotiated version, server capabilities and identity.
 *
 * @since 0.1.0
 * @category models
 */
export const InitializeResult = /* @__PURE__ */ Built.InitializeResult()
/** Result of `initialize`. */
export type InitializeResult = typeof InitializeResult.Type

// -----------------------------------------------------------------------------
// Content
// -----------------------------------------------------------------------------


/**
 * Client-facing hints on content and resources: audience, priority (0..1), last modification time.
 *
 * @since 0.1.0
 * @category models
 */
export const Annotations = /* @__PURE__ */ Built.Annotations()
/** Client-facing hints on content and resources. */
export type Annotations = typeof Annotations.Type


/**
 * Text provided to or from an LLM.
 *
 * @since 0.1.0
 * @category models
 */
export const TextContent = /* @__PURE__ */ Built.TextContent()
/** Text provided to or from an LLM. */
export type TextContent = typeof TextContent.Type

/**
 * A base64-encoded image provided to or from an LLM.
 *
 * @since 0.1.0
 * @category models
 */
export const ImageContent = /* @__PURE__ */ Built.ImageContent()
/** A base64-encoded image. */
export type ImageContent = typeof ImageContent.Type

/**
 * Base64-encoded audio provided to or from an LLM.
 *
 * @since 0.1.0
 * @category models
 */
export const AudioContent = /* @__PURE__ */ Built.AudioContent()
/** Base64-encoded audio. */
export type AudioContent = typeof AudioContent.Type

/**
 * A known resource the server can read (an entry of `resources/list`).
 *
 * @since 0.1.0
 * @category models
 */
export const Resource = /* @__PURE__ */ Built.Resource()
/** A known resource the server can read. */
export type Resource = typeof Resource.Type

/**
 * A link to a resource, returned inside a prompt or tool result.
 *
 * @since 0.1.0
 * @category models
 */
export const ResourceLink = /* @__PURE__ */ Built.ResourceLink()
/** A link to a resource. */
export type ResourceLink = typeof ResourceLink.Type

/**
 * Fields shared by text and blob resource contents.
 *
 * @since 0.1.0
 * @category models
 */
export const ResourceContents = /* @__PURE__ */ Built.ResourceContents()
/** Fields shared by text and blob resource contents. */
export type ResourceContents = typeof ResourceContents.Type

/**
 * Textual contents of a resource.
 *
 * @since 0.1.0
 * @category models
 */
export const TextResourceContents = /* @__PURE__ */ Built.TextResourceContents()
/** Textual contents of a resource. */
export type TextResourceContents = typeof TextResourceContents.Type

/**
 * Binary (base64) contents of a resource.
 *
 * @since 0.1.0
 * @category models
 */
export const BlobResourceContents = /* @__PURE__ */ Built.BlobResourceContents()
/** Binary (base64) contents of a resource. */
export type BlobResourceContents = typeof BlobResourceContents.Type

/**
 * Text or blob resource contents (`resources/read`, embedded resources).
 *
 * @since 0.1.0
 * @category models
 */
export const ResourceContentsUnion = /* @__PURE__ */ Built.ResourceContentsUnion()
/** Text or blob resource contents. */
export type ResourceContentsUnion = typeof ResourceContentsUnion.Type

/**
 * The contents of a resource embedded into a prompt or tool result.
 *
 * @since 0.1.0
 * @category models
 */
export const EmbeddedResource = /* @__PURE__ */ Built.EmbeddedResource()
/** The contents of a resource embedded into a prompt or tool result. */
export type EmbeddedResource = typeof EmbeddedResource.Type

/**
 * Any content block of a prompt message or tool result.
 *
 * @since 0.1.0
 * @category models
 */
export const ContentBlock = /* @__PURE__ */ Built.ContentBlock()
/** Any content block of a prompt message or tool result. */
export type ContentBlock = typeof ContentBlock.Type

/**
 * A request from the assistant (in sampling) to call a tool.
 *
 * @since 0.1.0
 * @category models
 */
export const ToolUseContent = /* @__PURE__ */ Built.ToolUseContent()
/** A request from the assistant to call a tool. */
export type ToolUseContent = typeof ToolUseContent.Type

/**
 * The result of a tool use, sent back to the assistant in sampling.
 *
 * @since 0.1.0
 * @category models
 */
export const ToolResultContent = /* @__PURE__ */ Built.ToolResultContent()
/** The result of a tool use. */
export type ToolResultContent = typeof ToolResultContent.Type

/**
 * Any content block allowed in a sampling message.
 *
 * @since 0.1.0
 * @category models
 */
export const SamplingMessageContentBlock = /* @__PURE__ */ Built.SamplingMessageContentBlock()
/** Any content block allowed in a sampling message. */
export type SamplingMessageContentBlock = typeof SamplingMessageContentBlock.Type

// -----------------------------------------------------------------------------
// Resources
// -----------------------------------------------------------------------------

/**
 * A parameterised resource (RFC 6570 URI template) the server offers.
 *
 * @since 0.1.0
 * @category models
 */
export const ResourceTemplate = /* @__PURE__ */ Built.ResourceTemplate()
/** A parameterised resource the server offers. */
export type ResourceTemplate = typeof ResourceTemplate.Type

/**
 * Result of `resources/list`.
 *
 * @since 0.1.0
 * @category models
 */
export const ListResourcesResult = /* @__PURE__ */ Built.ListResourcesResult()
/** Result of `resources/list`. */
export type ListResourcesResult = typeof ListResourcesResult.Type

/**
 * Result of `resources/templates/list`.
 *
 * @since 0.1.0
 * @category models
 */
export const ListResourceTemplatesResult = /* @__PURE__ */ Built.ListResourceTemplatesResult()
/** Result of `resources/templates/list`. */
export type ListResourceTemplatesResult = typeof ListResourceTemplatesResult.Type

/**
 * Params shared by requests about one resource URI.
 *
 * @since 0.1.0
 * @category models
 */
export const ResourceRequestParams = /* @__PURE__ */ Built.ResourceRequestParams()
/** Params shared by requests about one resource URI. */
export type ResourceRequestParams = typeof ResourceRequestParams.Type

/**
 * Params of `resources/read`.
 *
 * @since 0.1.0
 * @category models
 */
export const ReadResourceRequestParams = /* @__PURE__ */ Built.ReadResourceRequestParams()
/** Params of `resources/read`. */
export type ReadResourceRequestParams = typeof ReadResourceRequestParams.Type

/**
 * Params of `resources/read` with an optional `task`: an extension (as in FastMCP) that lets a
 * server advertising `tasks.requests.resources.read` read a resource as a background task.
 *
 * @since 0.1.0
 * @category models
 */
export const TaskAugmentedReadResourceRequestParams = /* @__PURE__ */ Built.TaskAugmentedReadResourceRequestParams()
/** Params of `resources/read` with an optional `task` (extension). */
export type TaskAugmentedReadResourceRequestParams = typeof TaskAugmentedReadResourceRequestParams.Type

/**
 * Params of `resources/subscribe`.
 *
 * @since 0.1.0
 * @category models
 */
export const SubscribeRequestParams = /* @__PURE__ */ Built.SubscribeRequestParams()
/** Params of `resources/subscribe`. */
export type SubscribeRequestParams = typeof SubscribeRequestParams.Type

/**
 * Params of `resources/unsubscribe`.
 *
 * @since 0.1.0
 * @category models
 */
export const UnsubscribeRequestParams = /* @__PURE__ */ Built.UnsubscribeRequestParams()
/** Params of `resources/unsubscribe`. */
export type UnsubscribeRequestParams = typeof UnsubscribeRequestParams.Type

/**
 * Result of `resources/read`.
 *
 * @since 0.1.0
 * @category models
 */
export const ReadResourceResult = /* @__PURE__ */ Built.ReadResourceResult()
/** Result of `resources/read`. */
export type ReadResourceResult = typeof ReadResourceResult.Type

/**
 * Params of `notifications/resources/updated`.
 *
 * @since 0.1.0
 * @category models
 */
export const ResourceUpdatedNotificationParams = /* @__PURE__ */ Built.ResourceUpdatedNotificationParams()
/** Params of `notifications/resources/updated`. */
export type ResourceUpdatedNotificationParams = typeof ResourceUpdatedNotificationParams.Type

// -----------------------------------------------------------------------------
// Prompts
// -----------------------------------------------------------------------------

/**
 * Describes one argument a prompt template accepts.
 *
 * @since 0.1.0
 * @category models
 */
export const PromptArgument = /* @__PURE__ */ Built.PromptArgument()
/** Describes one argument a prompt template accepts. */
export type PromptArgument = typeof PromptArgument.Type

/**
 * A prompt or prompt template the server offers (an entry of `prompts/list`).
 *
 * @since 0.1.0
 * @category models
 */
export const Prompt = /* @__PURE__ */ Built.Prompt()
/** A prompt or prompt template the server offers. */
export type Prompt = typeof Prompt.Type

/**
 * One message of a rendered prompt.
 *
 * @since 0.1.0
 * @category models
 */
export const PromptMessage = /* @__PURE__ */ Built.PromptMessage()
/** One message of a rendered prompt. */
export type PromptMessage = typeof PromptMessage.Type

/**
 * Result of `prompts/list`.
 *
 * @since 0.1.0
 * @category models
 */
export const ListPromptsResult = /* @__PURE__ */ Built.ListPromptsResult()
/** Result of `prompts/list`. */
export type ListPromptsResult = typeof ListPromptsResult.Type

/**
 * Params of `prompts/get`: prompt name and string template arguments.
 *
 * @since 0.1.0
 * @category models
 */
export const GetPromptRequestParams = /* @__PURE__ */ Built.GetPromptRequestParams()
/** Params of `prompts/get`. */
export type GetPromptRequestParams = typeof GetPromptRequestParams.Type

/**
 * Params of `prompts/get` with an optional `task`: an extension (as in FastMCP) that lets a
 * server advertising `tasks.requests.prompts.get` run a prompt as a background task. 2025-11-25
 * defines `task` for `tools/call` (and client-side requests) only.
 *
 * @since 0.1.0
 * @category models
 */
export const TaskAugmentedGetPromptRequestParams = /* @__PURE__ */ Built.TaskAugmentedGetPromptRequestParams()
/** Params of `prompts/get` with an optional `task` (extension). */
export type TaskAugmentedGetPromptRequestParams = typeof TaskAugmentedGetPromptRequestParams.Type

/**
 * Result of `prompts/get`.
 *
 * @since 0.1.0
 * @category models
 */
export const GetPromptResult = /* @__PURE__ */ Built.GetPromptResult()
/** Result of `prompts/get`. */
export type GetPromptResult = typeof GetPromptResult.Type

// -----------------------------------------------------------------------------
// Tools
// -----------------------------------------------------------------------------

/**
 * Behaviour hints about a tool (all advisory, never trusted for security decisions).
 *
 * @since 0.1.0
 * @category models
 */
export const ToolAnnotations = /* @__PURE__ */ Built.ToolAnnotations()
/** Behaviour hints about a tool. */
export type ToolAnnotations = typeof ToolAnnotations.Type

/**
 * Execution properties of a tool: whether it supports task-augmented calls (default `"forbidden"`).
 *
 * @since 0.1.0
 * @category models
 */
export const ToolExecution = /* @__PURE__ */ Built.ToolExecution()
/** Execution properties of a tool. */
export type ToolExecution = typeof ToolExecution.Type

/**
 * A tool's JSON Schema (root `type: "object"`). The known keys are typed; every other
 * key (`$defs`, `additionalProperties`, `$id`, `oneOf`, vendor keys, …) is kept exactly
 * as given, on decode and on encode. Property schemas are opaque objects.
 *
 * @since 0.1.0
 * @category models
 */
export const ToolInputSchema = /* @__PURE__ */ Built.ToolInputSchema()
/** A tool's input JSON Schema. */
export type ToolInputSchema = typeof ToolInputSchema.Type

/**
 * A tool's output JSON Schema (same shape and pass-through rules as {@link ToolInputSchema}).
 *
 * @since 0.1.0
 * @category models
 */
export const ToolOutputSchema = /* @__PURE__ */ Built.ToolOutputSchema()
/** A tool's output JSON Schema. */
export type ToolOutputSchema = typeof ToolOutputSchema.Type

/**
 * Definition of a tool the client can call (an entry of `tools/list`).
 *
 * @since 0.1.0
 * @category models
 */
export const Tool = /* @__PURE__ */ Built.Tool()
/** Definition of a tool the client can call. */
export type Tool = typeof Tool.Type

/**
 * Result of `tools/list`.
 *
 * @since 0.1.0
 * @category models
 */
export const ListToolsResult = /* @__PURE__ */ Built.ListToolsResult()
/** Result of `tools/list`. */
export type ListToolsResult = typeof ListToolsResult.Type

/**
 * Params of `tools/call`: tool name, raw arguments (preserved as given), optional `task` augmentation.
 *
 * @since 0.1.0
 * @category models
 */
export const CallToolRequestParams = /* @__PURE__ */ Built.CallToolRequestParams()
/** Params of `tools/call`. */
export type CallToolRequestParams = typeof CallToolRequestParams.Type

/**
 * Result of `tools/call` (when not task-augmented). Tool failures use `isError: true`.
 *
 * @since 0.1.0
 * @category models
 */
export const CallToolResult = /* @__PURE__ */ Built.CallToolResult()
/** Result of `tools/call`. */
export type CallToolResult = typeof CallToolResult.Type

// -----------------------------------------------------------------------------
// Task methods
// -----------------------------------------------------------------------------

/**
 * Params of `tasks/get`.
 *
 * @since 0.1.0
 * @category models
 */
export const GetTaskRequestParams = /* @__PURE__ */ Built.GetTaskRequestParams()
/** Params of `tasks/get`. */
export type GetTaskRequestParams = typeof GetTaskRequestParams.Type

/**
 * Result of `tasks/get`: the task's current state.
 *
 * @since 0.1.0
 * @category models
 */
export const GetTaskResult = /* @__PURE__ */ Built.GetTaskResult()
/** Result of `tasks/get`. */
export type GetTaskResult = typeof GetTaskResult.Type

/**
 * Params of `tasks/result`.
 *
 * @since 0.1.0
 * @category models
 */
export const GetTaskPayloadRequestParams = /* @__PURE__ */ Built.GetTaskPayloadRequestParams()
/** Params of `tasks/result`. */
export type GetTaskPayloadRequestParams = typeof GetTaskPayloadRequestParams.Type

/**
 * Result of `tasks/result`: exactly what the original request would have returned
 * (e.g. a `CallToolResult`). Kept as an open object: every key is preserved.
 *
 * @since 0.1.0
 * @category models
 */
export const GetTaskPayloadResult = /* @__PURE__ */ Built.GetTaskPayloadResult()
/** Result of `tasks/result`. */
export type GetTaskPayloadResult = typeof GetTaskPayloadResult.Type

/**
 * Params of `tasks/cancel`.
 *
 * @since 0.1.0
 * @category models
 */
export const CancelTaskRequestParams = /* @__PURE__ */ Built.CancelTaskRequestParams()
/** Params of `tasks/cancel`. */
export type CancelTaskRequestParams = typeof CancelTaskRequestParams.Type

/**
 * Result of `tasks/cancel`: the task, now `cancelled`.
 *
 * @since 0.1.0
 * @category models
 */
export const CancelTaskResult = /* @__PURE__ */ Built.CancelTaskResult()
/** Result of `tasks/cancel`. */
export type CancelTaskResult = typeof CancelTaskResult.Type

/**
 * Params of `tasks/list`.
 *
 * @since 0.1.0
 * @category models
 */
export const ListTasksRequestParams = /* @__PURE__ */ Built.ListTasksRequestParams()
/** Params of `tasks/list`. */
export type ListTasksRequestParams = typeof ListTasksRequestParams.Type

/**
 * Result of `tasks/list`.
 *
 * @since 0.1.0
 * @category models
 */
export const ListTasksResult = /* @__PURE__ */ Built.ListTasksResult()
/** Result of `tasks/list`. */
export type ListTasksResult = typeof ListTasksResult.Type

/**
 * Params of `notifications/tasks/status`: the full task.
 *
 * @since 0.1.0
 * @category models
 */
export const TaskStatusNotificationParams = /* @__PURE__ */ Built.TaskStatusNotificationParams()
/** Params of `notifications/tasks/status`. */
export type TaskStatusNotificationParams = typeof TaskStatusNotificationParams.Type

// -----------------------------------------------------------------------------
// Completion
// -----------------------------------------------------------------------------

/**
 * Identifies a prompt for `completion/complete`.
 *
 * @since 0.1.0
 * @category models
 */
export const PromptReference = /* @__PURE__ */ Built.PromptReference()
/** Identifies a prompt for `completion/complete`. */
export type PromptReference = typeof PromptReference.Type

/**
 * Identifies a resource or resource template for `completion/complete`.
 *
 * @since 0.1.0
 * @category models
 */
export const ResourceTemplateReference = /* @__PURE__ */ Built.ResourceTemplateReference()
/** Identifies a resource or resource template for `completion/complete`. */
export type ResourceTemplateReference = typeof ResourceTemplateReference.Type

/**
 * Params of `completion/complete`: what to complete, the argument, already-resolved arguments.
 *
 * @since 0.1.0
 * @category models
 */
export const CompleteRequestParams = /* @__PURE__ */ Built.CompleteRequestParams()
/** Params of `completion/complete`. */
export type CompleteRequestParams = typeof CompleteRequestParams.Type

/**
 * Result of `completion/complete` (at most 100 values).
 *
 * @since 0.1.0
 * @category models
 */
export const CompleteResult = /* @__PURE__ */ Built.CompleteResult()
/** Result of `completion/complete`. */
export type CompleteResult = typeof CompleteResult.Type

// -----------------------------------------------------------------------------
// Logging, progress, cancellation
// -----------------------------------------------------------------------------

/**
 * Syslog (RFC 5424) severity of a log message.
 *
 * @since 0.1.0
 * @category models
 */
export const LoggingLevel = /* @__PURE__ */ Built.LoggingLevel()
/** Syslog severity of a log message. */
export type LoggingLevel = typeof LoggingLevel.Type

/**
 * Params of `logging/setLevel`.
 *
 * @since 0.1.0
 * @category models
 */
export const SetLevelRequestParams = /* @__PURE__ */ Built.SetLevelRequestParams()
/** Params of `logging/setLevel`. */
export type SetLevelRequestParams = typeof SetLevelRequestParams.Type

/**
 * Params of `notifications/message` (a log line sent to the client; `data` is any JSON).
 *
 * @since 0.1.0
 * @category models
 */
export const LoggingMessageNotificationParams = /* @__PURE__ */ Built.LoggingMessageNotificationParams()
/** Params of `notifications/message`. */
export type LoggingMessageNotificationParams = typeof LoggingMessageNotificationParams.Type

/**
 * Params of `notifications/progress`.
 *
 * @since 0.1.0
 * @category models
 */
export const ProgressNotificationParams = /* @__PURE__ */ Built.ProgressNotificationParams()
/** Params of `notifications/progress`. */
export type ProgressNotificationParams = typeof ProgressNotificationParams.Type

/**
 * Params of `notifications/cancelled` (`requestId` is optional since 2025-11-25 because tasks use `tasks/cancel`).
 *
 * @since 0.1.0
 * @category models
 */
export const CancelledNotificationParams = /* @__PURE__ */ Built.CancelledNotificationParams()
/** Params of `notifications/cancelled`. */
export type CancelledNotificationParams = typeof CancelledNotificationParams.Type

// -----------------------------------------------------------------------------
// Sampling
// -----------------------------------------------------------------------------

/**
 * A model-name hint for sampling (treated as a substring by the client).
 *
 * @since 0.1.0
 * @category models
 */
export const ModelHint = /* @__PURE__ */ Built.ModelHint()
/** A model-name hint for sampling. */
export type ModelHint = typeof ModelHint.Type

/**
 * The server's advisory preferences for model selection (priorities in 0..1).
 *
 * @since 0.1.0
 * @category models
 */
export const ModelPreferences = /* @__PURE__ */ Built.ModelPreferences()
/** The server's advisory preferences for model selection. */
export type ModelPreferences = typeof ModelPreferences.Type

/**
 * How the sampled model may use tools (`auto` by default).
 *
 * @since 0.1.0
 * @category models
 */
export const ToolChoice = /* @__PURE__ */ Built.ToolChoice()
/** How the sampled model may use tools. */
export type ToolChoice = typeof ToolChoice.Type

/**
 * A message sent to or received from an LLM during sampling.
 *
 * @since 0.1.0
 * @category models
 */
export const SamplingMessage = /* @__PURE__ */ Built.SamplingMessage()
/** A message sent to or received from an LLM during sampling. */
export type SamplingMessage = typeof SamplingMessage.Type

/**
 * Params of `sampling/createMessage` (server → client).
 *
 * @since 0.1.0
 * @category models
 */
export const CreateMessageRequestParams = /* @__PURE__ */ Built.CreateMessageRequestParams()
/** Params of `sampling/createMessage`. */
export type CreateMessageRequestParams = typeof CreateMessageRequestParams.Type

/**
 * Result of `sampling/createMessage`: the sampled message, the model used and why it stopped.
 *
 * @since 0.1.0
 * @category models
 */
export const CreateMessageResult = /* @__PURE__ */ Built.CreateMessageResult()
/** Result of `sampling/createMessage`. */
export type CreateMessageResult = typeof CreateMessageResult.Type

// -----------------------------------------------------------------------------
// Elicitation
// -----------------------------------------------------------------------------


/**
 * A string field in an elicitation form.
 *
 * @since 0.1.0
 * @category models
 */
export const StringSchema = /* @__PURE__ */ Built.StringSchema()
/** A string field in an elicitation form. */
export type StringSchema = typeof StringSchema.Type

/**
 * A number or integer field in an elicitation form.
 *
 * @since 0.1.0
 * @category models
 */
export const NumberSchema = /* @__PURE__ */ Built.NumberSchema()
/** A number or integer field in an elicitation form. */
export type NumberSchema = typeof NumberSchema.Type

/**
 * A boolean field in an elicitation form.
 *
 * @since 0.1.0
 * @category models
 */
export const BooleanSchema = /* @__PURE__ */ Built.BooleanSchema()
/** A boolean field in an elicitation form. */
export type BooleanSchema = typeof BooleanSchema.Type

/**
 * Single-select enum field without option titles (`enum: string[]`).
 *
 * @since 0.1.0
 * @category models
 */
export const UntitledSingleSelectEnumSchema = /* @__PURE__ */ Built.UntitledSingleSelectEnumSchema()
/** Single-select enum field without option titles. */
export type UntitledSingleSelectEnumSchema = typeof UntitledSingleSelectEnumSchema.Type


/**
 * Single-select enum field with a title per option (`oneOf: [{ const, title }]`).
 *
 * @since 0.1.0
 * @category models
 */
export const TitledSingleSelectEnumSchema = /* @__PURE__ */ Built.TitledSingleSelectEnumSchema()
/** Single-select enum field with a title per option. */
export type TitledSingleSelectEnumSchema = typeof TitledSingleSelectEnumSchema.Type

/**
 * Single-select enum field (titled or untitled).
 *
 * @since 0.1.0
 * @category models
 */
export const SingleSelectEnumSchema = /* @__PURE__ */ Built.SingleSelectEnumSchema()
/** Single-select enum field. */
export type SingleSelectEnumSchema = typeof SingleSelectEnumSchema.Type


/**
 * Multi-select enum field without option titles (`items: { type: "string", enum }`).
 *
 * @since 0.1.0
 * @category models
 */
export const UntitledMultiSelectEnumSchema = /* @__PURE__ */ Built.UntitledMultiSelectEnumSchema()
/** Multi-select enum field without option titles. */
export type UntitledMultiSelectEnumSchema = typeof UntitledMultiSelectEnumSchema.Type

/**
 * Multi-select enum field with a title per option (`items: { anyOf: [{ const, title }] }`).
 *
 * @since 0.1.0
 * @category models
 */
export const TitledMultiSelectEnumSchema = /* @__PURE__ */ Built.TitledMultiSelectEnumSchema()
/** Multi-select enum field with a title per option. */
export type TitledMultiSelectEnumSchema = typeof TitledMultiSelectEnumSchema.Type

/**
 * Multi-select enum field (titled or untitled).
 *
 * @since 0.1.0
 * @category models
 */
export const MultiSelectEnumSchema = /* @__PURE__ */ Built.MultiSelectEnumSchema()
/** Multi-select enum field. */
export type MultiSelectEnumSchema = typeof MultiSelectEnumSchema.Type

/**
 * Deprecated single-select enum with parallel `enumNames` display labels (use {@link TitledSingleSelectEnumSchema}).
 *
 * @since 0.1.0
 * @category models
 */
export const LegacyTitledEnumSchema = /* @__PURE__ */ Built.LegacyTitledEnumSchema()
/** Deprecated single-select enum with `enumNames`. */
export type LegacyTitledEnumSchema = typeof LegacyTitledEnumSchema.Type

/**
 * Any enum field. Members are tried most-specific first: the legacy variant comes
 * before the untitled one so that `enumNames` is never stripped.
 *
 * @since 0.1.0
 * @category models
 */
export const EnumSchema = /* @__PURE__ */ Built.EnumSchema()
/** Any enum field. */
export type EnumSchema = typeof EnumSchema.Type


/**
 * Any field of an elicitation form (enums are tried before plain strings).
 *
 * @since 0.1.0
 * @category models
 */
export const PrimitiveSchemaDefinition = /* @__PURE__ */ Built.PrimitiveSchemaDefinition()
/** Any field of an elicitation form. */
export type PrimitiveSchemaDefinition = typeof PrimitiveSchemaDefinition.Type

/**
 * Params of a form-mode `elicitation/create`: a message and a flat, primitive-only JSON Schema.
 *
 * @since 0.1.0
 * @category models
 */
export const ElicitRequestFormParams = /* @__PURE__ */ Built.ElicitRequestFormParams()
/** Params of a form-mode `elicitation/create`. */
export type ElicitRequestFormParams = typeof ElicitRequestFormParams.Type

/**
 * Params of a URL-mode `elicitation/create`: send the user to `url` out of band.
 *
 * @since 0.1.0
 * @category models
 */
export const ElicitRequestURLParams = /* @__PURE__ */ Built.ElicitRequestURLParams()
/** Params of a URL-mode `elicitation/create`. */
export type ElicitRequestURLParams = typeof ElicitRequestURLParams.Type

/**
 * Params of `elicitation/create` (URL mode is tried first; a missing `mode` means form).
 *
 * @since 0.1.0
 * @category models
 */
export const ElicitRequestParams = /* @__PURE__ */ Built.ElicitRequestParams()
/** Params of `elicitation/create`. */
export type ElicitRequestParams = typeof ElicitRequestParams.Type

/**
 * Result of `elicitation/create`: the user's action and, for accepted forms, the values.
 *
 * @since 0.1.0
 * @category models
 */
export const ElicitResult = /* @__PURE__ */ Built.ElicitResult()
/** Result of `elicitation/create`. */
export type ElicitResult = typeof ElicitResult.Type

/**
 * Params of `notifications/elicitation/complete` (an out-of-band URL elicitation finished).
 *
 * @since 0.1.0
 * @category models
 */
export const ElicitationCompleteNotificationParams = /* @__PURE__ */ Built.ElicitationCompleteNotificationParams()
/** Params of `notifications/elicitation/complete`. */
export type ElicitationCompleteNotificationParams = typeof ElicitationCompleteNotificationParams.Type

/**
 * `error.data` of a `-32042` URL-elicitation-required error: the URL elicitations the
 * client must complete; other keys are preserved.
 *
 * @since 0.1.0
 * @category models
 */
export const URLElicitationRequiredErrorData = /* @__PURE__ */ Built.URLElicitationRequiredErrorData()
/** `error.data` of a `-32042` URL-elicitation-required error. */
export type URLElicitationRequiredErrorData = typeof URLElicitationRequiredErrorData.Type

// -----------------------------------------------------------------------------
// Roots
// -----------------------------------------------------------------------------

/**
 * A root directory or file (a `file://` URI) the server may operate on.
 *
 * @since 0.1.0
 * @category models
 */
export const Root = /* @__PURE__ */ Built.Root()
/** A root directory or file the server may operate on. */
export type Root = typeof Root.Type

/**
 * Result of `roots/list` (client → server answer).
 *
 * @since 0.1.0
 * @category models
 */
export const ListRootsResult = /* @__PURE__ */ Built.ListRootsResult()
/** Result of `roots/list`. */
export type ListRootsResult = typeof ListRootsResult.Type

// -----------------------------------------------------------------------------
// Method maps consumed by the server core
// -----------------------------------------------------------------------------
//
// Every `params` schema below describes the params *object*. A message without
// `params` is decoded as `{}` (see `paramsOrEmpty`), so parameterless methods
// accept absent params, `{}` and `{ _meta }` alike.


/**
 * Client → server requests: method → params schema and result schema.
 * Decode absent params as `{}` (see {@link paramsOrEmpty}).
 *
 * @since 0.1.0
 * @category models
 */
export const ClientRequests = {
  "initialize": { params: InitializeRequestParams, result: InitializeResult },
  "ping": { params: RequestParams, result: EmptyResult },
  "tools/list": { params: PaginatedRequestParams, result: ListToolsResult },
  "tools/call": { params: CallToolRequestParams, result: Built.CallToolResponse() },
  "resources/list": { params: PaginatedRequestParams, result: ListResourcesResult },
  "resources/templates/list": { params: PaginatedRequestParams, result: ListResourceTemplatesResult },
  "resources/read": { params: TaskAugmentedReadResourceRequestParams, result: Built.ReadResourceResponse() },
  "resources/subscribe": { params: SubscribeRequestParams, result: EmptyResult },
  "resources/unsubscribe": { params: UnsubscribeRequestParams, result: EmptyResult },
  "prompts/list": { params: PaginatedRequestParams, result: ListPromptsResult },
  "prompts/get": { params: TaskAugmentedGetPromptRequestParams, result: Built.GetPromptResponse() },
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
 *
 * @since 0.1.0
 * @category models
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
 *
 * @since 0.1.0
 * @category models
 */
export const ServerRequests = {
  "ping": { params: RequestParams, result: EmptyResult },
  "sampling/createMessage": {
    params: CreateMessageRequestParams,
    result: Built.CreateMessageResponse()
  },
  "elicitation/create": { params: ElicitRequestParams, result: Built.ElicitResponse() },
  "roots/list": { params: RequestParams, result: ListRootsResult },
  "tasks/get": { params: GetTaskRequestParams, result: GetTaskResult },
  "tasks/result": { params: GetTaskPayloadRequestParams, result: GetTaskPayloadResult },
  "tasks/list": { params: ListTasksRequestParams, result: ListTasksResult },
  "tasks/cancel": { params: CancelTaskRequestParams, result: CancelTaskResult }
} as const

/**
 * Server → client notifications: method → params schema.
 * Decode absent params as `{}` (see {@link paramsOrEmpty}).
 *
 * @since 0.1.0
 * @category models
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

/**
 * A client → server request method.
 *
 * @since 0.1.0
 * @category models
 */
export type ClientRequestMethod = keyof typeof ClientRequests
/**
 * Decoded params of a client → server request.
 *
 * @since 0.1.0
 * @category models
 */
export type ClientRequestParams<M extends ClientRequestMethod> = (typeof ClientRequests)[M]["params"]["Type"]
/**
 * Decoded result of a client → server request.
 *
 * @since 0.1.0
 * @category models
 */
export type ClientRequestResult<M extends ClientRequestMethod> = (typeof ClientRequests)[M]["result"]["Type"]

/**
 * A client → server notification method.
 *
 * @since 0.1.0
 * @category models
 */
export type ClientNotificationMethod = keyof typeof ClientNotifications
/**
 * Decoded params of a client → server notification.
 *
 * @since 0.1.0
 * @category models
 */
export type ClientNotificationParams<M extends ClientNotificationMethod> = (typeof ClientNotifications)[M]["Type"]

/**
 * A server → client request method.
 *
 * @since 0.1.0
 * @category models
 */
export type ServerRequestMethod = keyof typeof ServerRequests
/**
 * Decoded params of a server → client request.
 *
 * @since 0.1.0
 * @category models
 */
export type ServerRequestParams<M extends ServerRequestMethod> = (typeof ServerRequests)[M]["params"]["Type"]
/**
 * Decoded result of a server → client request.
 *
 * @since 0.1.0
 * @category models
 */
export type ServerRequestResult<M extends ServerRequestMethod> = (typeof ServerRequests)[M]["result"]["Type"]

/**
 * A server → client notification method.
 *
 * @since 0.1.0
 * @category models
 */
export type ServerNotificationMethod = keyof typeof ServerNotifications
/**
 * Decoded params of a server → client notification.
 *
 * @since 0.1.0
 * @category models
 */
export type ServerNotificationParams<M extends ServerNotificationMethod> = (typeof ServerNotifications)[M]["Type"]
