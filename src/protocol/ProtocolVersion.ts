/**
 * The MCP protocol versions this server speaks, newest first.
 *
 * The handshake era (≤ 2025-11-25, {@link supported}) negotiates a version once per session in
 * `initialize`; the stateless era (2026-07-28, {@link modern}) names it in every request's `_meta`.
 *
 * @since 0.1.0
 */

/**
 * Every supported handshake-era protocol version (what `initialize` negotiates), newest first.
 *
 * @since 0.1.0
 * @category constants
 */
export const supported = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"] as const

/**
 * A supported handshake-era protocol version.
 *
 * @since 0.2.0
 * @category models
 */
export type LegacyVersion = (typeof supported)[number]

/**
 * Every supported stateless-era protocol version (per-request `_meta`, no `initialize`), newest first.
 *
 * @since 0.2.0
 * @category constants
 */
export const modern = ["2026-07-28"] as const

/**
 * A supported stateless-era protocol version.
 *
 * @since 0.2.0
 * @category models
 */
export type ModernVersion = (typeof modern)[number]

/**
 * A protocol version a request may be answered at: either era.
 *
 * @since 0.1.0
 * @category models
 */
export type ProtocolVersion = LegacyVersion | ModernVersion

/**
 * Every version this server answers at, newest first (what `server/discover` lists).
 *
 * @since 0.2.0
 * @category constants
 */
export const all: ReadonlyArray<ProtocolVersion> = [...modern, ...supported]

/**
 * The newest handshake-era version: answered when an `initialize` asks for one we do not speak.
 *
 * @since 0.1.0
 * @category constants
 */
export const latest: LegacyVersion = supported[0]

/**
 * The version assumed when nothing says otherwise (an HTTP request without `MCP-Protocol-Version`,
 * as the 2025-06-18 transport rules prescribe).
 *
 * @since 0.1.0
 * @category constants
 */
export const assumedWhenUnknown: LegacyVersion = "2025-03-26"

/**
 * The one version whose sessions receive JSON-RPC batches: 2025-03-26 says implementations "MUST
 * support receiving JSON-RPC batches"; 2025-06-18 removed them, and 2024-11-05 never had them.
 *
 * @since 0.2.0
 * @category constants
 */
export const batching: LegacyVersion = "2025-03-26"

const supportedSet: ReadonlySet<string> = new Set(supported)
const modernSet: ReadonlySet<string> = new Set(modern)

/**
 * True when `version` is a handshake-era version we speak.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isSupported = (version: unknown): version is LegacyVersion =>
  typeof version === "string" && supportedSet.has(version)

/**
 * True when `version` is a stateless-era version we speak.
 *
 * @since 0.2.0
 * @category predicates
 */
export const isModern = (version: unknown): version is ModernVersion =>
  typeof version === "string" && modernSet.has(version)

/**
 * True when `version` is at least `minimum` (dates compare lexicographically).
 *
 * @since 0.1.0
 * @category predicates
 */
export const atLeast = (version: ProtocolVersion, minimum: ProtocolVersion): boolean => version >= minimum
