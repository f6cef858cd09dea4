/**
 * Why a component could not be registered: a definition no client could use (a resource URI
 * without a scheme, a malformed URI template, an empty name...) or two component Layers of one
 * key. The build of the server's Layer dies with it (a registration problem is a bug of the
 * program, not a failure to handle), and it prints as its message and the place of the user's
 * code that defined the component (`McpServer.tool(...)`, `McpServer.addResource(...)`), not the
 * library's frames (`Cause.pretty` prints the error a refused definition threw after it, as its cause).
 *
 * @since 0.2.0
 */
import * as Data from "effect/Data"
import * as Predicate from "effect/Predicate"

/**
 * A component's registration was refused. `component` names it (`Tool echo`), `site` is where it
 * was defined (`file:///app/server.ts:12:14`, the first frame outside the library; `undefined`
 * where the platform gives none), `message` says what is wrong and how to fix it. A component
 * given twice has `otherSite` too, where the other definition is (the message names it as well);
 * a definition refused for what it threw has that error as `cause` (its message is the message's).
 *
 * Its `stack` is the message and that one frame: what Effect's loggers and `Cause.pretty` print
 * (`Cause.pretty` then prints its `cause`, if any, with that error's own stack).
 *
 * @since 0.2.0
 * @category errors
 */
export class RegistrationError extends Data.TaggedError("RegistrationError")<{
  readonly component: string
  readonly site: string | undefined
  readonly otherSite?: string | undefined
  readonly message: string
  readonly cause?: unknown
}> {
  constructor(args: {
    readonly component: string
    readonly site: string | undefined
    readonly otherSite?: string | undefined
    readonly message: string
    readonly cause?: unknown
  }) {
    super(args)
    Object.defineProperty(this, "stack", {
      value: `RegistrationError: ${args.message}${args.site === undefined ? "" : `\n    at ${args.site}`}`,
      writable: true,
      configurable: true,
      enumerable: false
    })
  }
}

/**
 * True for a {@link RegistrationError} (by its tag, so a copy from another module instance counts too).
 *
 * @since 0.2.0
 * @category predicates
 */
export const isRegistrationError = (u: unknown): u is RegistrationError =>
  Predicate.isTagged(u, "RegistrationError")
