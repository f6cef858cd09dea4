/**
 * MCP 2025-06-18, as a delta from 2025-11-25.
 *
 * Verified against `schema/2025-06-18/schema.ts` vs `schema/2025-11-25/schema.ts`: 2025-11-25 added
 * the `tasks` capabilities, task-augmented requests (`task` param), the `tasks/*` methods and
 * `notifications/tasks/status`; `Tool.execution`; invalid tool arguments as tool errors (SEP-1303); `icons` (Implementation, Tool, Resource,
 * ResourceTemplate, Prompt); `Implementation.description` / `websiteUrl`; URL-mode elicitation
 * (`mode`, `elicitationId`, `url`) with `notifications/elicitation/complete`; `requestedSchema.$schema`,
 * string/number/enum `default`s and the titled / multi-select enum schemas; sampling with tools
 * (`tools`, `toolChoice`, `tool_use` / `tool_result`), array content and `_meta` on sampling
 * messages, and the `sampling.context` client capability that an `includeContext` other than
 * `"none"` now needs; and made `notifications/cancelled` `requestId` optional.
 *
 * @since 0.1.0
 */
import * as v2025_11_25 from "./v2025_11_25.ts"
import type { Features } from "./v2025_11_25.ts"

/** The protocol date this file describes. */
export const version = "2025-06-18" as const

/** What 2025-06-18 knows: 2025-11-25 minus the features it introduced. */
export const features: Features = {
  ...v2025_11_25.features,
  tasksCapability: false,
  taskAugmentedRequests: false,
  taskMethods: false,
  toolExecution: false,
  toolInputErrorsAsResults: false,
  icons: false,
  implementationDescription: false,
  implementationWebsiteUrl: false,
  elicitationUrlMode: false,
  elicitationCompleteNotification: false,
  elicitationSchemaDialect: false,
  elicitationSchemaDefaults: false,
  elicitationEnumSchemas: false,
  samplingTools: false,
  samplingContextCapability: false,
  samplingContentArrays: false,
  samplingMessageMeta: false,
  cancelledWithoutRequestId: false
}
