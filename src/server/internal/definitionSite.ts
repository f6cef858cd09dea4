/**
 * Where user code defined a component: the frame of the caller of `above` (`McpServer.tool`),
 * captured when it is called and formatted only if a {@link RegistrationError} needs it.
 *
 * One frame is captured (`Error.stackTraceLimit` 1 for the call): V8 keeps it unformatted until
 * `stack` is read, which only a refused registration does. The capture is the cost, about 18,000
 * instructions a definition (callgrind, a loop of 20,000 and 40,000 calls): a few µs, once per
 * definition, never per request.
 *
 * @internal
 */

/** A captured site: read with {@link siteOf}. */
export interface Site {
  readonly stack?: string
}

/** Captures the frame of the caller of `above`. */
export const definitionSite = (above: Function): Site => {
  const holder: { stack?: string } = {}
  // V8 and JavaScriptCore have it; an engine without it gives no site (never a definition that throws).
  if (typeof Error.captureStackTrace !== "function") return holder
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 1
  try {
    Error.captureStackTrace(holder, above)
  } finally {
    Error.stackTraceLimit = limit
  }
  return holder
}

/** The frame of `site` (`file:///app/server.ts:12:14`, or `name (file:...)`), without its `at`; `undefined` if none. */
export const siteOf = (site: Site | undefined): string | undefined => {
  let stack: unknown
  try {
    // Formatted now, by the program's `Error.prepareStackTrace` if it has one: one that throws (or
    // gives no string) gives no site, never an error in place of the RegistrationError.
    stack = site?.stack
  } catch {
    return undefined
  }
  if (typeof stack !== "string") return undefined
  const line = stack.split("\n")[1]
  if (line === undefined) return undefined
  const frame = line.trim().replace(/^at /, "")
  return frame === "" ? undefined : frame
}
