/**
 * The MCP wire schemas of `McpSchema`, each as a builder that makes its schema on first use and
 * then returns that same schema. `McpSchema` exports what they build (its docs describe each
 * one); the server's own code takes them from here, so a server builds only the schemas of the
 * messages it receives: a stdio server answers `initialize` without building the other hundred.
 *
 * The method tables hold builders too: `ClientRequests["tools/call"].params()` builds the params
 * schema of `tools/call` alone; `McpSchema`'s tables hold the same schemas, built.
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import { lazy } from "../../internal/lazy.ts"

// -----------------------------------------------------------------------------
// Common building blocks
// -----------------------------------------------------------------------------

/** `McpSchema.JsonObject`, built on first use. */
export const JsonObject = lazy(() => Schema.Record(Schema.String, Schema.Unknown))

/** `McpSchema.Meta`, built on first use. */
export const Meta = lazy(() => JsonObject())

/** `McpSchema.CapabilityMap`, built on first use. */
export const CapabilityMap = lazy(() => Schema.Record(Schema.String, Schema.ObjectKeyword))

/** `McpSchema.ProgressToken`, built on first use. */
export const ProgressToken = lazy(() => Schema.Union([Schema.String, Schema.Int]))

/** `McpSchema.RequestId`, built on first use. */
export const RequestId = lazy(() => Schema.Union([Schema.String, Schema.Int]))

/** `McpSchema.Cursor`, built on first use. */
export const Cursor = lazy(() => Schema.String)

/** `McpSchema.Role`, built on first use. */
export const Role = lazy(() => Schema.Literals(["user", "assistant"]))

/** `McpSchema.RequestMeta`, built on first use. */
export const RequestMeta = lazy(() => Schema.StructWithRest(
  Schema.Struct({ progressToken: Schema.optionalKey(ProgressToken()) }),
  [JsonObject()]
))

/** `McpSchema.RequestParams`, built on first use. */
export const RequestParams = lazy(() => Schema.Struct({
  _meta: Schema.optionalKey(RequestMeta())
}))

/** `McpSchema.NotificationParams`, built on first use. */
export const NotificationParams = lazy(() => Schema.Struct({
  _meta: Schema.optionalKey(Meta())
}))

/** `McpSchema.Result`, built on first use. */
export const Result = lazy(() => Schema.Struct({
  _meta: Schema.optionalKey(Meta())
}))

/** `McpSchema.EmptyResult`, built on first use. */
export const EmptyResult = lazy(() => Result())

// -----------------------------------------------------------------------------
// Tasks (2025-11-25, experimental; declared early because requests reference them)
// -----------------------------------------------------------------------------

/** `McpSchema.TaskStatus`, built on first use. */
export const TaskStatus = lazy(() => Schema.Literals(["working", "input_required", "completed", "failed", "cancelled"]))

/** `McpSchema.TaskMetadata`, built on first use. */
export const TaskMetadata = lazy(() => Schema.Struct({
  /**
   * Requested retention in milliseconds from creation: 0 or more (a negative duration is no
   * retention: -32602). The receiver may grant another (the spec lets it override); 0 asks for
   * none in particular (as a client's unset integer sends it): the server's default.
   */
  ttl: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)))
}))

/** The key of `RelatedTaskMetadata` in `_meta`. */
export const RELATED_TASK_META_KEY = "io.modelcontextprotocol/related-task"

/** `McpSchema.RelatedTaskMetadata`, built on first use. */
export const RelatedTaskMetadata = lazy(() => Schema.Struct({
  taskId: Schema.String
}))

/** `McpSchema.Task`, built on first use. */
export const Task = lazy(() => Schema.Struct({
  taskId: Schema.String,
  status: TaskStatus(),
  statusMessage: Schema.optionalKey(Schema.String),
  /** ISO 8601 creation timestamp. */
  createdAt: Schema.String,
  /** ISO 8601 timestamp of the last update. */
  lastUpdatedAt: Schema.String,
  /** Actual retention in milliseconds from creation; `null` means unlimited. */
  ttl: Schema.NullOr(Schema.Int),
  /** Suggested polling interval in milliseconds. */
  pollInterval: Schema.optionalKey(Schema.Int)
}))

/** `McpSchema.TaskAugmentedRequestParams`, built on first use. */
export const TaskAugmentedRequestParams = lazy(() => Schema.Struct({
  ...RequestParams().fields,
  task: Schema.optionalKey(TaskMetadata())
}))

/** `McpSchema.CreateTaskResult`, built on first use. */
export const CreateTaskResult = lazy(() => Schema.Struct({
  ...Result().fields,
  task: Task()
}))

// -----------------------------------------------------------------------------
// Pagination
// -----------------------------------------------------------------------------

/** `McpSchema.PaginatedRequestParams`, built on first use. */
export const PaginatedRequestParams = lazy(() => Schema.Struct({
  ...RequestParams().fields,
  cursor: Schema.optionalKey(Cursor())
}))

/** `McpSchema.PaginatedResult`, built on first use. */
export const PaginatedResult = lazy(() => Schema.Struct({
  ...Result().fields,
  nextCursor: Schema.optionalKey(Cursor())
}))

// -----------------------------------------------------------------------------
// Metadata, icons, implementation
// -----------------------------------------------------------------------------

/** `McpSchema.Icon`, built on first use. */
export const Icon = lazy(() => Schema.Struct({
  /** `http(s):` URL or `data:` URI. */
  src: Schema.String,
  mimeType: Schema.optionalKey(Schema.String),
  /** `WxH` strings such as `"48x48"`, or `"any"`. */
  sizes: Schema.optionalKey(Schema.Array(Schema.String)),
  theme: Schema.optionalKey(Schema.Literals(["light", "dark"]))
}))

/** `McpSchema.BaseMetadata`, built on first use. */
export const BaseMetadata = lazy(() => Schema.Struct({
  name: Schema.String,
  title: Schema.optionalKey(Schema.String)
}))

const iconsField = lazy(() => ({ icons: Schema.optionalKey(Schema.Array(Icon())) }))

/** `McpSchema.Implementation`, built on first use. */
export const Implementation = lazy(() => Schema.Struct({
  ...BaseMetadata().fields,
  ...iconsField(),
  version: Schema.String,
  description: Schema.optionalKey(Schema.String),
  websiteUrl: Schema.optionalKey(Schema.String)
}))

// -----------------------------------------------------------------------------
// Capabilities and initialization
// -----------------------------------------------------------------------------

const flag = lazy(() => Schema.optionalKey(Schema.ObjectKeyword))
const listChanged = lazy(() => ({ listChanged: Schema.optionalKey(Schema.Boolean) }))

/** `McpSchema.ClientCapabilities`, built on first use. */
export const ClientCapabilities = lazy(() => Schema.Struct({
  experimental: Schema.optionalKey(CapabilityMap()),
  roots: Schema.optionalKey(Schema.Struct(listChanged())),
  sampling: Schema.optionalKey(Schema.Struct({ context: flag(), tools: flag() })),
  elicitation: Schema.optionalKey(Schema.Struct({ form: flag(), url: flag() })),
  tasks: Schema.optionalKey(Schema.Struct({
    list: flag(),
    cancel: flag(),
    requests: Schema.optionalKey(Schema.Struct({
      sampling: Schema.optionalKey(Schema.Struct({ createMessage: flag() })),
      elicitation: Schema.optionalKey(Schema.Struct({ create: flag() }))
    }))
  })),
  extensions: Schema.optionalKey(CapabilityMap())
}))

/**
 * The client capabilities a 2026-07-28 request declares in `_meta`, as far as a server reads them:
 * no `tasks` (an extension now), `roots` without `listChanged` (any object), the rest as in
 * 2025-11-25. Other keys pass as they are. Built on first use.
 */
export const ModernClientCapabilities = lazy(() => Schema.Struct({
  experimental: Schema.optionalKey(CapabilityMap()),
  roots: Schema.optionalKey(Schema.ObjectKeyword),
  sampling: Schema.optionalKey(Schema.Struct({ context: flag(), tools: flag() })),
  elicitation: Schema.optionalKey(Schema.Struct({ form: flag(), url: flag() })),
  extensions: Schema.optionalKey(CapabilityMap())
}))

/** `McpSchema.ServerCapabilities`, built on first use. */
export const ServerCapabilities = lazy(() => Schema.Struct({
  experimental: Schema.optionalKey(CapabilityMap()),
  logging: flag(),
  completions: flag(),
  prompts: Schema.optionalKey(Schema.Struct(listChanged())),
  resources: Schema.optionalKey(Schema.Struct({
    subscribe: Schema.optionalKey(Schema.Boolean),
    ...listChanged()
  })),
  tools: Schema.optionalKey(Schema.Struct(listChanged())),
  tasks: Schema.optionalKey(Schema.Struct({
    list: flag(),
    cancel: flag(),
    requests: Schema.optionalKey(Schema.Struct({
      tools: Schema.optionalKey(Schema.Struct({ call: flag() }))
    }))
  })),
  extensions: Schema.optionalKey(CapabilityMap())
}))

/** `McpSchema.InitializeRequestParams`, built on first use. */
export const InitializeRequestParams = lazy(() => Schema.Struct({
  ...RequestParams().fields,
  protocolVersion: Schema.String,
  capabilities: ClientCapabilities(),
  clientInfo: Implementation()
}))

/** `McpSchema.InitializeResult`, built on first use. */
export const InitializeResult = lazy(() => Schema.Struct({
  ...Result().fields,
  protocolVersion: Schema.String,
  capabilities: ServerCapabilities(),
  serverInfo: Implementation(),
  instructions: Schema.optionalKey(Schema.String)
}))

// -----------------------------------------------------------------------------
// Content
// -----------------------------------------------------------------------------

const unitInterval = lazy(() => Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 })))

/** `McpSchema.Annotations`, built on first use. */
export const Annotations = lazy(() => Schema.Struct({
  audience: Schema.optionalKey(Schema.Array(Role())),
  priority: Schema.optionalKey(unitInterval()),
  /** ISO 8601 timestamp. */
  lastModified: Schema.optionalKey(Schema.String)
}))

const annotationsField = lazy(() => ({ annotations: Schema.optionalKey(Annotations()) }))
const metaField = lazy(() => ({ _meta: Schema.optionalKey(Meta()) }))

/** `McpSchema.TextContent`, built on first use. */
export const TextContent = lazy(() => Schema.Struct({
  type: Schema.Literal("text"),
  text: Schema.String,
  ...annotationsField(),
  ...metaField()
}))

/** `McpSchema.ImageContent`, built on first use. */
export const ImageContent = lazy(() => Schema.Struct({
  type: Schema.Literal("image"),
  data: Schema.String,
  mimeType: Schema.String,
  ...annotationsField(),
  ...metaField()
}))

/** `McpSchema.AudioContent`, built on first use. */
export const AudioContent = lazy(() => Schema.Struct({
  type: Schema.Literal("audio"),
  data: Schema.String,
  mimeType: Schema.String,
  ...annotationsField(),
  ...metaField()
}))

/** `McpSchema.Resource`, built on first use. */
export const Resource = lazy(() => Schema.Struct({
  ...BaseMetadata().fields,
  ...iconsField(),
  uri: Schema.String,
  description: Schema.optionalKey(Schema.String),
  mimeType: Schema.optionalKey(Schema.String),
  ...annotationsField(),
  /** Raw size in bytes, if known. */
  size: Schema.optionalKey(Schema.Int),
  ...metaField()
}))

/** `McpSchema.ResourceLink`, built on first use. */
export const ResourceLink = lazy(() => Schema.Struct({
  type: Schema.Literal("resource_link"),
  ...Resource().fields
}))

/** `McpSchema.ResourceContents`, built on first use. */
export const ResourceContents = lazy(() => Schema.Struct({
  uri: Schema.String,
  mimeType: Schema.optionalKey(Schema.String),
  ...metaField()
}))

/** `McpSchema.TextResourceContents`, built on first use. */
export const TextResourceContents = lazy(() => Schema.Struct({
  ...ResourceContents().fields,
  text: Schema.String
}))

/** `McpSchema.BlobResourceContents`, built on first use. */
export const BlobResourceContents = lazy(() => Schema.Struct({
  ...ResourceContents().fields,
  blob: Schema.String
}))

/** `McpSchema.ResourceContentsUnion`, built on first use. */
export const ResourceContentsUnion = lazy(() => Schema.Union([TextResourceContents(), BlobResourceContents()]))

/** `McpSchema.EmbeddedResource`, built on first use. */
export const EmbeddedResource = lazy(() => Schema.Struct({
  type: Schema.Literal("resource"),
  resource: ResourceContentsUnion(),
  ...annotationsField(),
  ...metaField()
}))

/** `McpSchema.ContentBlock`, built on first use. */
export const ContentBlock = lazy(() => Schema.Union([TextContent(), ImageContent(), AudioContent(), ResourceLink(), EmbeddedResource()]))

/** `McpSchema.ToolUseContent`, built on first use. */
export const ToolUseContent = lazy(() => Schema.Struct({
  type: Schema.Literal("tool_use"),
  id: Schema.String,
  name: Schema.String,
  /** Tool arguments, preserved as given. */
  input: JsonObject(),
  ...metaField()
}))

/** `McpSchema.ToolResultContent`, built on first use. */
export const ToolResultContent = lazy(() => Schema.Struct({
  type: Schema.Literal("tool_result"),
  toolUseId: Schema.String,
  content: Schema.Array(ContentBlock()),
  /** Structured result, preserved as given. */
  structuredContent: Schema.optionalKey(JsonObject()),
  isError: Schema.optionalKey(Schema.Boolean),
  ...metaField()
}))

/** `McpSchema.SamplingMessageContentBlock`, built on first use. */
export const SamplingMessageContentBlock = lazy(() => Schema.Union([
  TextContent(),
  ImageContent(),
  AudioContent(),
  ToolUseContent(),
  ToolResultContent()
]))

// -----------------------------------------------------------------------------
// Resources
// -----------------------------------------------------------------------------

/** `McpSchema.ResourceTemplate`, built on first use. */
export const ResourceTemplate = lazy(() => Schema.Struct({
  ...BaseMetadata().fields,
  ...iconsField(),
  uriTemplate: Schema.String,
  description: Schema.optionalKey(Schema.String),
  mimeType: Schema.optionalKey(Schema.String),
  ...annotationsField(),
  ...metaField()
}))

/** `McpSchema.ListResourcesResult`, built on first use. */
export const ListResourcesResult = lazy(() => Schema.Struct({
  ...PaginatedResult().fields,
  resources: Schema.Array(Resource())
}))

/** `McpSchema.ListResourceTemplatesResult`, built on first use. */
export const ListResourceTemplatesResult = lazy(() => Schema.Struct({
  ...PaginatedResult().fields,
  resourceTemplates: Schema.Array(ResourceTemplate())
}))

/** `McpSchema.ResourceRequestParams`, built on first use. */
export const ResourceRequestParams = lazy(() => Schema.Struct({
  ...RequestParams().fields,
  uri: Schema.String
}))

/** `McpSchema.ReadResourceRequestParams`, built on first use. */
export const ReadResourceRequestParams = lazy(() => ResourceRequestParams())

/** `McpSchema.TaskAugmentedReadResourceRequestParams`, built on first use. */
export const TaskAugmentedReadResourceRequestParams = lazy(() => Schema.Struct({
  ...ReadResourceRequestParams().fields,
  task: Schema.optionalKey(TaskMetadata())
}))

/** `McpSchema.SubscribeRequestParams`, built on first use. */
export const SubscribeRequestParams = lazy(() => ResourceRequestParams())

/** `McpSchema.UnsubscribeRequestParams`, built on first use. */
export const UnsubscribeRequestParams = lazy(() => ResourceRequestParams())

/** `McpSchema.ReadResourceResult`, built on first use. */
export const ReadResourceResult = lazy(() => Schema.Struct({
  ...Result().fields,
  contents: Schema.Array(ResourceContentsUnion())
}))

/** `McpSchema.ResourceUpdatedNotificationParams`, built on first use. */
export const ResourceUpdatedNotificationParams = lazy(() => Schema.Struct({
  ...NotificationParams().fields,
  uri: Schema.String
}))

// -----------------------------------------------------------------------------
// Prompts
// -----------------------------------------------------------------------------

/** `McpSchema.PromptArgument`, built on first use. */
export const PromptArgument = lazy(() => Schema.Struct({
  ...BaseMetadata().fields,
  description: Schema.optionalKey(Schema.String),
  required: Schema.optionalKey(Schema.Boolean)
}))

/** `McpSchema.Prompt`, built on first use. */
export const Prompt = lazy(() => Schema.Struct({
  ...BaseMetadata().fields,
  ...iconsField(),
  description: Schema.optionalKey(Schema.String),
  arguments: Schema.optionalKey(Schema.Array(PromptArgument())),
  ...metaField()
}))

/** `McpSchema.PromptMessage`, built on first use. */
export const PromptMessage = lazy(() => Schema.Struct({
  role: Role(),
  content: ContentBlock()
}))

/** `McpSchema.ListPromptsResult`, built on first use. */
export const ListPromptsResult = lazy(() => Schema.Struct({
  ...PaginatedResult().fields,
  prompts: Schema.Array(Prompt())
}))

/** `McpSchema.GetPromptRequestParams`, built on first use. */
export const GetPromptRequestParams = lazy(() => Schema.Struct({
  ...RequestParams().fields,
  name: Schema.String,
  arguments: Schema.optionalKey(Schema.Record(Schema.String, Schema.String))
}))

/** `McpSchema.TaskAugmentedGetPromptRequestParams`, built on first use. */
export const TaskAugmentedGetPromptRequestParams = lazy(() => Schema.Struct({
  ...GetPromptRequestParams().fields,
  task: Schema.optionalKey(TaskMetadata())
}))

/** `McpSchema.GetPromptResult`, built on first use. */
export const GetPromptResult = lazy(() => Schema.Struct({
  ...Result().fields,
  description: Schema.optionalKey(Schema.String),
  messages: Schema.Array(PromptMessage())
}))

// -----------------------------------------------------------------------------
// Tools
// -----------------------------------------------------------------------------

/** `McpSchema.ToolAnnotations`, built on first use. */
export const ToolAnnotations = lazy(() => Schema.Struct({
  title: Schema.optionalKey(Schema.String),
  readOnlyHint: Schema.optionalKey(Schema.Boolean),
  destructiveHint: Schema.optionalKey(Schema.Boolean),
  idempotentHint: Schema.optionalKey(Schema.Boolean),
  openWorldHint: Schema.optionalKey(Schema.Boolean)
}))

/** `McpSchema.ToolExecution`, built on first use. */
export const ToolExecution = lazy(() => Schema.Struct({
  taskSupport: Schema.optionalKey(Schema.Literals(["forbidden", "optional", "required"]))
}))

/** `McpSchema.ToolInputSchema`, built on first use. */
export const ToolInputSchema = lazy(() => Schema.StructWithRest(
  Schema.Struct({
    $schema: Schema.optionalKey(Schema.String),
    type: Schema.Literal("object"),
    properties: Schema.optionalKey(Schema.Record(Schema.String, Schema.ObjectKeyword)),
    required: Schema.optionalKey(Schema.Array(Schema.String))
  }),
  [JsonObject()]
))

/** `McpSchema.ToolOutputSchema`, built on first use. */
export const ToolOutputSchema = lazy(() => ToolInputSchema())

/** `McpSchema.Tool`, built on first use. */
export const Tool = lazy(() => Schema.Struct({
  ...BaseMetadata().fields,
  ...iconsField(),
  description: Schema.optionalKey(Schema.String),
  inputSchema: ToolInputSchema(),
  execution: Schema.optionalKey(ToolExecution()),
  outputSchema: Schema.optionalKey(ToolOutputSchema()),
  annotations: Schema.optionalKey(ToolAnnotations()),
  ...metaField()
}))

/** `McpSchema.ListToolsResult`, built on first use. */
export const ListToolsResult = lazy(() => Schema.Struct({
  ...PaginatedResult().fields,
  tools: Schema.Array(Tool())
}))

/** `McpSchema.CallToolRequestParams`, built on first use. */
export const CallToolRequestParams = lazy(() => Schema.Struct({
  ...TaskAugmentedRequestParams().fields,
  name: Schema.String,
  arguments: Schema.optionalKey(JsonObject())
}))

/** `McpSchema.CallToolResult`, built on first use. */
export const CallToolResult = lazy(() => Schema.Struct({
  ...Result().fields,
  content: Schema.Array(ContentBlock()),
  /** Structured result, preserved as given. */
  structuredContent: Schema.optionalKey(JsonObject()),
  isError: Schema.optionalKey(Schema.Boolean)
}))

// -----------------------------------------------------------------------------
// Task methods
// -----------------------------------------------------------------------------

/** `McpSchema.GetTaskRequestParams`, built on first use. */
export const GetTaskRequestParams = lazy(() => Schema.Struct({
  ...RequestParams().fields,
  taskId: Schema.String
}))

/** `McpSchema.GetTaskResult`, built on first use. */
export const GetTaskResult = lazy(() => Schema.Struct({
  ...Result().fields,
  ...Task().fields
}))

/** `McpSchema.GetTaskPayloadRequestParams`, built on first use. */
export const GetTaskPayloadRequestParams = lazy(() => Schema.Struct({
  ...RequestParams().fields,
  taskId: Schema.String
}))

/** `McpSchema.GetTaskPayloadResult`, built on first use. */
export const GetTaskPayloadResult = lazy(() => Schema.StructWithRest(Result(), [JsonObject()]))

/** `McpSchema.CancelTaskRequestParams`, built on first use. */
export const CancelTaskRequestParams = lazy(() => Schema.Struct({
  ...RequestParams().fields,
  taskId: Schema.String
}))

/** `McpSchema.CancelTaskResult`, built on first use. */
export const CancelTaskResult = lazy(() => Schema.Struct({
  ...Result().fields,
  ...Task().fields
}))

/** `McpSchema.ListTasksRequestParams`, built on first use. */
export const ListTasksRequestParams = lazy(() => PaginatedRequestParams())

/** `McpSchema.ListTasksResult`, built on first use. */
export const ListTasksResult = lazy(() => Schema.Struct({
  ...PaginatedResult().fields,
  tasks: Schema.Array(Task())
}))

/** `McpSchema.TaskStatusNotificationParams`, built on first use. */
export const TaskStatusNotificationParams = lazy(() => Schema.Struct({
  ...NotificationParams().fields,
  ...Task().fields
}))

// -----------------------------------------------------------------------------
// Completion
// -----------------------------------------------------------------------------

/** `McpSchema.PromptReference`, built on first use. */
export const PromptReference = lazy(() => Schema.Struct({
  type: Schema.Literal("ref/prompt"),
  ...BaseMetadata().fields
}))

/** `McpSchema.ResourceTemplateReference`, built on first use. */
export const ResourceTemplateReference = lazy(() => Schema.Struct({
  type: Schema.Literal("ref/resource"),
  uri: Schema.String
}))

/** `McpSchema.CompleteRequestParams`, built on first use. */
export const CompleteRequestParams = lazy(() => Schema.Struct({
  ...RequestParams().fields,
  ref: Schema.Union([PromptReference(), ResourceTemplateReference()]),
  argument: Schema.Struct({
    name: Schema.String,
    value: Schema.String
  }),
  context: Schema.optionalKey(Schema.Struct({
    arguments: Schema.optionalKey(Schema.Record(Schema.String, Schema.String))
  }))
}))

/** `McpSchema.CompleteResult`, built on first use. */
export const CompleteResult = lazy(() => Schema.Struct({
  ...Result().fields,
  completion: Schema.Struct({
    values: Schema.Array(Schema.String).check(Schema.isMaxLength(100)),
    total: Schema.optionalKey(Schema.Int),
    hasMore: Schema.optionalKey(Schema.Boolean)
  })
}))

// -----------------------------------------------------------------------------
// Logging, progress, cancellation
// -----------------------------------------------------------------------------

/** `McpSchema.LoggingLevel`, built on first use. */
export const LoggingLevel = lazy(() => Schema.Literals([
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency"
]))

/** `McpSchema.SetLevelRequestParams`, built on first use. */
export const SetLevelRequestParams = lazy(() => Schema.Struct({
  ...RequestParams().fields,
  level: LoggingLevel()
}))

/** `McpSchema.LoggingMessageNotificationParams`, built on first use. */
export const LoggingMessageNotificationParams = lazy(() => Schema.Struct({
  ...NotificationParams().fields,
  level: LoggingLevel(),
  logger: Schema.optionalKey(Schema.String),
  data: Schema.Unknown
}))

/** `McpSchema.ProgressNotificationParams`, built on first use. */
export const ProgressNotificationParams = lazy(() => Schema.Struct({
  ...NotificationParams().fields,
  progressToken: ProgressToken(),
  progress: Schema.Finite,
  total: Schema.optionalKey(Schema.Finite),
  message: Schema.optionalKey(Schema.String)
}))

/** `McpSchema.CancelledNotificationParams`, built on first use. */
export const CancelledNotificationParams = lazy(() => Schema.Struct({
  ...NotificationParams().fields,
  requestId: Schema.optionalKey(RequestId()),
  reason: Schema.optionalKey(Schema.String)
}))

// -----------------------------------------------------------------------------
// Sampling
// -----------------------------------------------------------------------------

/** `McpSchema.ModelHint`, built on first use. */
export const ModelHint = lazy(() => Schema.Struct({
  name: Schema.optionalKey(Schema.String)
}))

/** `McpSchema.ModelPreferences`, built on first use. */
export const ModelPreferences = lazy(() => Schema.Struct({
  hints: Schema.optionalKey(Schema.Array(ModelHint())),
  costPriority: Schema.optionalKey(unitInterval()),
  speedPriority: Schema.optionalKey(unitInterval()),
  intelligencePriority: Schema.optionalKey(unitInterval())
}))

/** `McpSchema.ToolChoice`, built on first use. */
export const ToolChoice = lazy(() => Schema.Struct({
  mode: Schema.optionalKey(Schema.Literals(["auto", "required", "none"]))
}))

/** `McpSchema.SamplingMessage`, built on first use. */
export const SamplingMessage = lazy(() => Schema.Struct({
  role: Role(),
  content: Schema.Union([SamplingMessageContentBlock(), Schema.Array(SamplingMessageContentBlock())]),
  ...metaField()
}))

/** `McpSchema.CreateMessageRequestParams`, built on first use. */
export const CreateMessageRequestParams = lazy(() => Schema.Struct({
  ...TaskAugmentedRequestParams().fields,
  messages: Schema.Array(SamplingMessage()),
  modelPreferences: Schema.optionalKey(ModelPreferences()),
  systemPrompt: Schema.optionalKey(Schema.String),
  includeContext: Schema.optionalKey(Schema.Literals(["none", "thisServer", "allServers"])),
  temperature: Schema.optionalKey(Schema.Finite),
  maxTokens: Schema.Int,
  stopSequences: Schema.optionalKey(Schema.Array(Schema.String)),
  /** Provider-specific metadata, preserved as given. */
  metadata: Schema.optionalKey(Schema.ObjectKeyword),
  tools: Schema.optionalKey(Schema.Array(Tool())),
  toolChoice: Schema.optionalKey(ToolChoice())
}))

/** `McpSchema.CreateMessageResult`, built on first use. */
export const CreateMessageResult = lazy(() => Schema.Struct({
  ...Result().fields,
  ...SamplingMessage().fields,
  model: Schema.String,
  /** `"endTurn" | "stopSequence" | "maxTokens" | "toolUse"` or any provider-specific string. */
  stopReason: Schema.optionalKey(Schema.String)
}))

// -----------------------------------------------------------------------------
// Elicitation
// -----------------------------------------------------------------------------

const titleAndDescription = lazy(() => ({
  title: Schema.optionalKey(Schema.String),
  description: Schema.optionalKey(Schema.String)
}))

/** `McpSchema.StringSchema`, built on first use. */
export const StringSchema = lazy(() => Schema.Struct({
  type: Schema.Literal("string"),
  ...titleAndDescription(),
  minLength: Schema.optionalKey(Schema.Int),
  maxLength: Schema.optionalKey(Schema.Int),
  format: Schema.optionalKey(Schema.Literals(["email", "uri", "date", "date-time"])),
  default: Schema.optionalKey(Schema.String)
}))

/** `McpSchema.NumberSchema`, built on first use. */
export const NumberSchema = lazy(() => Schema.Struct({
  type: Schema.Literals(["number", "integer"]),
  ...titleAndDescription(),
  minimum: Schema.optionalKey(Schema.Finite),
  maximum: Schema.optionalKey(Schema.Finite),
  default: Schema.optionalKey(Schema.Finite)
}))

/** `McpSchema.BooleanSchema`, built on first use. */
export const BooleanSchema = lazy(() => Schema.Struct({
  type: Schema.Literal("boolean"),
  ...titleAndDescription(),
  default: Schema.optionalKey(Schema.Boolean)
}))

/** `McpSchema.UntitledSingleSelectEnumSchema`, built on first use. */
export const UntitledSingleSelectEnumSchema = lazy(() => Schema.Struct({
  type: Schema.Literal("string"),
  ...titleAndDescription(),
  enum: Schema.Array(Schema.String),
  default: Schema.optionalKey(Schema.String)
}))

const TitledOption = lazy(() => Schema.Struct({ const: Schema.String, title: Schema.String }))

/** `McpSchema.TitledSingleSelectEnumSchema`, built on first use. */
export const TitledSingleSelectEnumSchema = lazy(() => Schema.Struct({
  type: Schema.Literal("string"),
  ...titleAndDescription(),
  oneOf: Schema.Array(TitledOption()),
  default: Schema.optionalKey(Schema.String)
}))

/** `McpSchema.SingleSelectEnumSchema`, built on first use. */
export const SingleSelectEnumSchema = lazy(() => Schema.Union([TitledSingleSelectEnumSchema(), UntitledSingleSelectEnumSchema()]))

const multiSelectFields = lazy(() => ({
  type: Schema.Literal("array"),
  ...titleAndDescription(),
  minItems: Schema.optionalKey(Schema.Int),
  maxItems: Schema.optionalKey(Schema.Int),
  default: Schema.optionalKey(Schema.Array(Schema.String))
}))

/** `McpSchema.UntitledMultiSelectEnumSchema`, built on first use. */
export const UntitledMultiSelectEnumSchema = lazy(() => Schema.Struct({
  ...multiSelectFields(),
  items: Schema.Struct({
    type: Schema.Literal("string"),
    enum: Schema.Array(Schema.String)
  })
}))

/** `McpSchema.TitledMultiSelectEnumSchema`, built on first use. */
export const TitledMultiSelectEnumSchema = lazy(() => Schema.Struct({
  ...multiSelectFields(),
  items: Schema.Struct({
    anyOf: Schema.Array(TitledOption())
  })
}))

/** `McpSchema.MultiSelectEnumSchema`, built on first use. */
export const MultiSelectEnumSchema = lazy(() => Schema.Union([TitledMultiSelectEnumSchema(), UntitledMultiSelectEnumSchema()]))

/** `McpSchema.LegacyTitledEnumSchema`, built on first use. */
export const LegacyTitledEnumSchema = lazy(() => Schema.Struct({
  type: Schema.Literal("string"),
  ...titleAndDescription(),
  enum: Schema.Array(Schema.String),
  enumNames: Schema.optionalKey(Schema.Array(Schema.String)),
  default: Schema.optionalKey(Schema.String)
}))

/** `McpSchema.EnumSchema`, built on first use. */
export const EnumSchema = lazy(() => Schema.Union([
  TitledSingleSelectEnumSchema(),
  LegacyTitledEnumSchema(),
  UntitledSingleSelectEnumSchema(),
  TitledMultiSelectEnumSchema(),
  UntitledMultiSelectEnumSchema()
]))

const PlainStringSchema = lazy(() => Schema.Struct({
  ...StringSchema().fields,
  enum: Schema.optionalKey(Schema.Never),
  enumNames: Schema.optionalKey(Schema.Never),
  oneOf: Schema.optionalKey(Schema.Never)
}))

/** `McpSchema.PrimitiveSchemaDefinition`, built on first use. */
export const PrimitiveSchemaDefinition = lazy(() => Schema.Union([EnumSchema(), PlainStringSchema(), NumberSchema(), BooleanSchema()]))

/** `McpSchema.ElicitRequestFormParams`, built on first use. */
export const ElicitRequestFormParams = lazy(() => Schema.Struct({
  ...TaskAugmentedRequestParams().fields,
  mode: Schema.optionalKey(Schema.Literal("form")),
  message: Schema.String,
  requestedSchema: Schema.Struct({
    $schema: Schema.optionalKey(Schema.String),
    type: Schema.Literal("object"),
    properties: Schema.Record(Schema.String, PrimitiveSchemaDefinition()),
    required: Schema.optionalKey(Schema.Array(Schema.String))
  })
}))

/** `McpSchema.ElicitRequestURLParams`, built on first use. */
export const ElicitRequestURLParams = lazy(() => Schema.Struct({
  ...TaskAugmentedRequestParams().fields,
  mode: Schema.Literal("url"),
  message: Schema.String,
  elicitationId: Schema.String,
  url: Schema.String
}))

/** `McpSchema.ElicitRequestParams`, built on first use. */
export const ElicitRequestParams = lazy(() => Schema.Union([ElicitRequestURLParams(), ElicitRequestFormParams()]))

/** `McpSchema.ElicitResult`, built on first use. */
export const ElicitResult = lazy(() => Schema.Struct({
  ...Result().fields,
  action: Schema.Literals(["accept", "decline", "cancel"]),
  content: Schema.optionalKey(
    Schema.Record(
      Schema.String,
      Schema.Union([Schema.String, Schema.Finite, Schema.Boolean, Schema.Array(Schema.String)])
    )
  )
}))

/** `McpSchema.ElicitationCompleteNotificationParams`, built on first use. */
export const ElicitationCompleteNotificationParams = lazy(() => Schema.Struct({
  ...NotificationParams().fields,
  elicitationId: Schema.String
}))

/** `McpSchema.URLElicitationRequiredErrorData`, built on first use. */
export const URLElicitationRequiredErrorData = lazy(() => Schema.StructWithRest(
  Schema.Struct({ elicitations: Schema.Array(ElicitRequestURLParams()) }),
  [JsonObject()]
))

// -----------------------------------------------------------------------------
// Roots
// -----------------------------------------------------------------------------

/** `McpSchema.Root`, built on first use. */
export const Root = lazy(() => Schema.Struct({
  uri: Schema.String,
  name: Schema.optionalKey(Schema.String),
  ...metaField()
}))

/** `McpSchema.ListRootsResult`, built on first use. */
export const ListRootsResult = lazy(() => Schema.Struct({
  ...Result().fields,
  roots: Schema.Array(Root())
}))

// -----------------------------------------------------------------------------
// Method maps consumed by the server core
// -----------------------------------------------------------------------------
//
// Every `params` schema below describes the params *object*. A message without
// `params` is decoded as `{}` (see `paramsOrEmpty`), so parameterless methods
// accept absent params, `{}` and `{ _meta }` alike.

/** A result of the method tables: the plain result, or a `CreateTaskResult`. */
export const CallToolResponse = lazy(() => Schema.Union([CallToolResult(), CreateTaskResult()]))

/** A result of the method tables: the plain result, or a `CreateTaskResult`. */
export const ReadResourceResponse = lazy(() => Schema.Union([ReadResourceResult(), CreateTaskResult()]))
/** A result of the method tables: the plain result, or a `CreateTaskResult`. */
export const GetPromptResponse = lazy(() => Schema.Union([GetPromptResult(), CreateTaskResult()]))
/** A result of the method tables: the plain result, or a `CreateTaskResult`. */
export const CreateMessageResponse = lazy(() => Schema.Union([CreateMessageResult(), CreateTaskResult()]))
/** A result of the method tables: the plain result, or a `CreateTaskResult`. */
export const ElicitResponse = lazy(() => Schema.Union([ElicitResult(), CreateTaskResult()]))

/** `McpSchema.ClientRequests` as builders: method → the builder of each schema. */
export const ClientRequests = {
  "initialize": { params: InitializeRequestParams, result: InitializeResult },
  "ping": { params: RequestParams, result: EmptyResult },
  "tools/list": { params: PaginatedRequestParams, result: ListToolsResult },
  "tools/call": { params: CallToolRequestParams, result: CallToolResponse },
  "resources/list": { params: PaginatedRequestParams, result: ListResourcesResult },
  "resources/templates/list": { params: PaginatedRequestParams, result: ListResourceTemplatesResult },
  "resources/read": { params: TaskAugmentedReadResourceRequestParams, result: ReadResourceResponse },
  "resources/subscribe": { params: SubscribeRequestParams, result: EmptyResult },
  "resources/unsubscribe": { params: UnsubscribeRequestParams, result: EmptyResult },
  "prompts/list": { params: PaginatedRequestParams, result: ListPromptsResult },
  "prompts/get": { params: TaskAugmentedGetPromptRequestParams, result: GetPromptResponse },
  "completion/complete": { params: CompleteRequestParams, result: CompleteResult },
  "logging/setLevel": { params: SetLevelRequestParams, result: EmptyResult },
  "tasks/get": { params: GetTaskRequestParams, result: GetTaskResult },
  "tasks/result": { params: GetTaskPayloadRequestParams, result: GetTaskPayloadResult },
  "tasks/list": { params: ListTasksRequestParams, result: ListTasksResult },
  "tasks/cancel": { params: CancelTaskRequestParams, result: CancelTaskResult }
} as const

/** `McpSchema.ClientNotifications` as builders: method → the builder of each schema. */
export const ClientNotifications = {
  "notifications/initialized": NotificationParams,
  "notifications/cancelled": CancelledNotificationParams,
  "notifications/progress": ProgressNotificationParams,
  "notifications/roots/list_changed": NotificationParams,
  "notifications/tasks/status": TaskStatusNotificationParams
} as const

/** `McpSchema.ServerRequests` as builders: method → the builder of each schema. */
export const ServerRequests = {
  "ping": { params: RequestParams, result: EmptyResult },
  "sampling/createMessage": {
    params: CreateMessageRequestParams,
    result: CreateMessageResponse
  },
  "elicitation/create": { params: ElicitRequestParams, result: ElicitResponse },
  "roots/list": { params: RequestParams, result: ListRootsResult },
  "tasks/get": { params: GetTaskRequestParams, result: GetTaskResult },
  "tasks/result": { params: GetTaskPayloadRequestParams, result: GetTaskPayloadResult },
  "tasks/list": { params: ListTasksRequestParams, result: ListTasksResult },
  "tasks/cancel": { params: CancelTaskRequestParams, result: CancelTaskResult }
} as const

/** `McpSchema.ServerNotifications` as builders: method → the builder of each schema. */
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
