/**
 * MCP 2024-11-05 (the first public revision), as a delta from 2025-03-26.
 *
 * Verified against `schema/2024-11-05/schema.ts` vs `schema/2025-03-26/schema.ts`: 2025-03-26 added
 * the `completions` server capability (the `completion/complete` request already existed),
 * `Tool.annotations` (`ToolAnnotations`), `AudioContent` (tool results, prompt messages, sampling
 * messages) and `message` on `notifications/progress`. It also reshaped `Annotated` into an
 * `annotations?: Annotations` field, which is the same on the wire (`audience`, `priority`), and
 * added JSON-RPC batching, which is a transport concern and not projected here.
 *
 * @since 0.1.0
 */
import * as v2025_03_26 from "./v2025_03_26.ts"
import type { Features } from "./v2025_11_25.ts"

/** The protocol date this file describes. */
export const version = "2024-11-05" as const

/** What 2024-11-05 knows: 2025-03-26 minus the features it introduced. */
export const features: Features = {
  ...v2025_03_26.features,
  completionsCapability: false,
  toolAnnotations: false,
  audioContent: false,
  progressMessage: false
}
