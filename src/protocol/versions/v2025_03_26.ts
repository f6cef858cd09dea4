/**
 * MCP 2025-03-26, as a delta from 2025-06-18.
 *
 * Verified against `schema/2025-03-26/schema.ts` vs `schema/2025-06-18/schema.ts`: 2025-06-18 added
 * `BaseMetadata.title` (Implementation, Tool, Resource, ResourceTemplate, Prompt, PromptArgument);
 * `Tool.outputSchema` and `CallToolResult.structuredContent`; the `ResourceLink` content block
 * (`ContentBlock` union); `Annotations.lastModified`; `_meta` on Tool, Resource, ResourceTemplate,
 * Prompt, content blocks and resource contents; and elicitation (`elicitation/create`, client
 * capability `elicitation`).
 *
 * @since 0.1.0
 */
import * as v2025_06_18 from "./v2025_06_18.ts"
import type { Features } from "./v2025_11_25.ts"

/** The protocol date this file describes. */
export const version = "2025-03-26" as const

/** What 2025-03-26 knows: 2025-06-18 minus the features it introduced. */
export const features: Features = {
  ...v2025_06_18.features,
  implementationTitle: false,
  toolTitle: false,
  resourceTitle: false,
  promptTitle: false,
  promptArgumentTitle: false,
  toolOutputSchema: false,
  structuredContent: false,
  resourceLinkContent: false,
  contentAnnotationsLastModified: false,
  objectMeta: false,
  elicitation: false
}
