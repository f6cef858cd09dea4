/**
 * The MCP protocol versions this server speaks, newest first.
 *
 * The handshake era (≤ 2025-11-25) negotiates a version once per session in `initialize`.
 * 2026-07-28 (per-request `_meta`, no handshake) is added here when it is served.
 *
 * @since 0.1.0
 */

/** Every supported protocol version, newest first. */
export const supported = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"] as const

/** A supported protocol version. */
export type ProtocolVersion = (typeof supported)[number]

/** The newest supported version: answered when a client asks for one we do not speak. */
export const latest: ProtocolVersion = supported[0]

/**
 * The version assumed when nothing says otherwise (an HTTP request without `MCP-Protocol-Version`,
 * as the 2025-06-18 transport rules prescribe).
 */
export const assumedWhenUnknown: ProtocolVersion = "2025-03-26"

const supportedSet: ReadonlySet<string> = new Set(supported)

/** True when `version` is one we speak. */
export const isSupported = (version: unknown): version is ProtocolVersion =>
  typeof version === "string" && supportedSet.has(version)

/** True when `version` is at least `minimum` (dates compare lexicographically). */
export const atLeast = (version: ProtocolVersion, minimum: ProtocolVersion): boolean => version >= minimum
