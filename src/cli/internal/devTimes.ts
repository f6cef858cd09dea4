/**
 * `effect-mcp dev`'s default times, in one place: `Dev.run` uses them unless told otherwise
 * (`holdTimeout`, `startNotice`; `MCP_DEV_HOLD_MILLIS`, `MCP_DEV_START_NOTICE_MILLIS`), and
 * `dev --help` names them (`Cli.ts`, which loads this module, not `Dev.ts`, to parse).
 *
 * @internal
 */

/** How long a connection is held while no server accepts (a restart), before it is closed. */
export const holdMillis = 30_000

/** How long a server may take to start listening before dev says so (and goes on waiting for it). */
export const startNoticeMillis = 10_000
