/**
 * MCP 2025-11-25: the newest legacy-era (handshake) revision and the shape our server produces.
 *
 * This file is the base of the version chain: it defines {@link Features}, the list of every
 * version-dependent wire feature the projection layer knows about, and sets every flag to `true`.
 * Each older version file (`v2025_06_18.ts`, `v2025_03_26.ts`, `v2024_11_05.ts`) imports the next
 * newer one and switches off what that older revision did not have, so every file is a delta.
 *
 * Source of truth: `schema/<date>/schema.ts` in `modelcontextprotocol/modelcontextprotocol`.
 * A flag's comment names the revision that introduced the feature.
 *
 * Seam for 2026-07-28: that revision removes things 2025-11-25 has (no `tasks` capability, no
 * `Tool.execution`, no `notifications/elicitation/complete`) and adds others (`resultType`,
 * `extensions`). When it is served, `Features` moves to `v2026_07_28.ts` (gaining flags for the
 * 2026 additions), this file becomes `{ ...v2026_07_28.features, tasksCapability: true, … }`, and
 * `Projection.ts` gets the new version in its table and fast path.
 *
 * @since 0.1.0
 */

/** The protocol date this file describes. */
export const version = "2025-11-25" as const

/**
 * Every version-dependent feature of the server-side wire, as data.
 *
 * `true` means the revision knows the feature; the projection layer removes (or converts) whatever
 * is `false` before a message leaves the server.
 *
 * @since 0.1.0
 * @category models
 */
export interface Features {
  // --- ServerCapabilities -------------------------------------------------------------------
  /** `capabilities.completions` (2025-03-26). `completion/complete` itself exists since 2024-11-05. */
  readonly completionsCapability: boolean
  /** `capabilities.tasks` (2025-11-25, SEP-1686). */
  readonly tasksCapability: boolean

  // --- Implementation (serverInfo) ------------------------------------------------------------
  /** `Implementation.title` (2025-06-18, via `BaseMetadata`). */
  readonly implementationTitle: boolean
  /** `Implementation.description` (2025-11-25). */
  readonly implementationDescription: boolean
  /** `Implementation.websiteUrl` (2025-11-25). */
  readonly implementationWebsiteUrl: boolean

  // --- Shared metadata ------------------------------------------------------------------------
  /** `icons` on Implementation, Tool, Resource, ResourceTemplate, Prompt (and so ResourceLink) (2025-11-25). */
  readonly icons: boolean
  /**
   * `_meta` on the objects inside results: Tool, Resource, ResourceTemplate, Prompt, every content
   * block, and TextResourceContents / BlobResourceContents (2025-06-18). Result-level and
   * params-level `_meta` exist in every revision and are never touched.
   */
  readonly objectMeta: boolean

  // --- Tools ----------------------------------------------------------------------------------
  /** `Tool.title` (2025-06-18). */
  readonly toolTitle: boolean
  /** `Tool.outputSchema` (2025-06-18). */
  readonly toolOutputSchema: boolean
  /** `CallToolResult.structuredContent` (2025-06-18). */
  readonly structuredContent: boolean
  /** `Tool.annotations` (`ToolAnnotations`: title, readOnly/destructive/idempotent/openWorld hints) (2025-03-26). */
  readonly toolAnnotations: boolean
  /** `Tool.execution` (`{ taskSupport? }`) (2025-11-25). */
  readonly toolExecution: boolean
  /**
   * Invalid `tools/call` arguments are a tool error result (`isError: true`) the model can read,
   * not a -32602 protocol error (2025-11-25, SEP-1303). Behaviour, not a field: read by `Tool`.
   */
  readonly toolInputErrorsAsResults: boolean

  // --- Content blocks -------------------------------------------------------------------------
  /** `AudioContent` (`type: "audio"`) in tool results, prompt messages and sampling messages (2025-03-26). */
  readonly audioContent: boolean
  /** `ResourceLink` (`type: "resource_link"`) in tool results and prompt messages (2025-06-18). */
  readonly resourceLinkContent: boolean
  /** `Annotations.lastModified` (2025-06-18). `audience` / `priority` exist since 2024-11-05. */
  readonly contentAnnotationsLastModified: boolean

  // --- Resources and prompts ------------------------------------------------------------------
  /** `title` on Resource, ResourceTemplate and ResourceLink (2025-06-18). (`Resource.size` is in every revision.) */
  readonly resourceTitle: boolean
  /** `Prompt.title` (2025-06-18). */
  readonly promptTitle: boolean
  /** `PromptArgument.title` (2025-06-18). */
  readonly promptArgumentTitle: boolean

  // --- Notifications (server → client) --------------------------------------------------------
  /** `notifications/progress` `params.message` (2025-03-26). */
  readonly progressMessage: boolean
  /** `notifications/cancelled` without `requestId` (optional in 2025-11-25 only; required before and in 2026-07-28). */
  readonly cancelledWithoutRequestId: boolean
  /** `notifications/elicitation/complete` (2025-11-25). */
  readonly elicitationCompleteNotification: boolean

  // --- Requests (server → client) -------------------------------------------------------------
  /** `elicitation/create` at all (form mode) (2025-06-18). */
  readonly elicitation: boolean
  /** Elicitation `mode` field and URL mode (`{ mode: "url", elicitationId, url }`) (2025-11-25). */
  readonly elicitationUrlMode: boolean
  /** `requestedSchema.$schema` (2025-11-25). */
  readonly elicitationSchemaDialect: boolean
  /** `default` on string / number / enum property schemas (2025-11-25; boolean `default` exists since 2025-06-18). */
  readonly elicitationSchemaDefaults: boolean
  /** Titled single-select enums (`oneOf: [{ const, title }]`) and multi-select enums (`type: "array"`) (2025-11-25). */
  readonly elicitationEnumSchemas: boolean
  /** Sampling with tools: `tools`, `toolChoice`, `tool_use` / `tool_result` content (2025-11-25). */
  readonly samplingTools: boolean
  /**
   * The client capability `sampling.context`, which an `includeContext` other than `"none"` needs
   * (2025-11-25, which soft-deprecated those values). Before it, `sampling` alone allowed any
   * `includeContext`: a client of then could not declare `sampling.context`. Behaviour, not a
   * field: read by `Negotiation.requiredClientCapability`.
   */
  readonly samplingContextCapability: boolean
  /** `SamplingMessage.content` as an array of blocks (2025-11-25; a single block before). */
  readonly samplingContentArrays: boolean
  /** `SamplingMessage._meta` (2025-11-25). */
  readonly samplingMessageMeta: boolean
  /** The `task` param on `sampling/createMessage` and `elicitation/create` (2025-11-25). */
  readonly taskAugmentedRequests: boolean
  /** Client-hosted task methods `tasks/get|result|list|cancel` and `notifications/tasks/status` (2025-11-25). */
  readonly taskMethods: boolean
}

/** 2025-11-25 knows every feature listed in {@link Features}. */
export const features: Features = {
  completionsCapability: true,
  tasksCapability: true,
  implementationTitle: true,
  implementationDescription: true,
  implementationWebsiteUrl: true,
  icons: true,
  objectMeta: true,
  toolTitle: true,
  toolOutputSchema: true,
  toolInputErrorsAsResults: true,
  structuredContent: true,
  toolAnnotations: true,
  toolExecution: true,
  audioContent: true,
  resourceLinkContent: true,
  contentAnnotationsLastModified: true,
  resourceTitle: true,
  promptTitle: true,
  promptArgumentTitle: true,
  progressMessage: true,
  cancelledWithoutRequestId: true,
  elicitationCompleteNotification: true,
  elicitation: true,
  elicitationUrlMode: true,
  elicitationSchemaDialect: true,
  elicitationSchemaDefaults: true,
  elicitationEnumSchemas: true,
  samplingTools: true,
  samplingContextCapability: true,
  samplingContentArrays: true,
  samplingMessageMeta: true,
  taskAugmentedRequests: true,
  taskMethods: true
}
