/**
 * Client-sent text quoted in an error message (a method name, a tool name, a URI), shortened:
 * a client that sends a 3 MB method name gets a short message back, not its 3 MB echoed.
 *
 * @internal
 */

/** The longest client-sent text an error message quotes whole. */
export const maxQuoted = 200

/** `text` when at most `max` characters ({@link maxQuoted}), else its start and how much was left out. */
export const clip = (text: string, max: number = maxQuoted): string =>
  text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`
