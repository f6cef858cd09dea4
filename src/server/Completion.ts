/**
 * Argument completion (`completion/complete`) for prompt arguments and template variables.
 *
 * A completer gets the partial value and the other arguments already chosen, and returns
 * candidates; the server answers with at most 100 of them, with `total` and `hasMore`.
 *
 * @since 0.1.0
 */
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as McpError from "../protocol/McpError.ts"
import type { CompleteResult } from "../protocol/McpSchema.ts"
import type { McpRequestContext, RequestContext } from "../session/RequestContext.ts"
import { completed, provideRequest } from "./internal/provideRequest.ts"
import { kindOf } from "../internal/valueKind.ts"

/**
 * What a completer knows besides the partial value: the arguments already filled in.
 *
 * @since 0.1.0
 * @category models
 */
export interface CompletionContext {
  readonly arguments: { readonly [name: string]: string }
}

/**
 * Completes one argument: candidates for the partial `value`.
 *
 * @since 0.1.0
 * @category models
 */
export type Completer<R> = (
  value: string,
  context: CompletionContext
) => Effect.Effect<ReadonlyArray<string>, McpError.McpError, R>

/**
 * Completers by argument name.
 *
 * @since 0.1.0
 * @category models
 */
export type Completers<Fields, R> = { readonly [K in keyof Fields]?: Completer<R> | undefined }

/**
 * Completers by argument name, each needing its own services: `Services` gives them by name
 * (inferred from the completers, so one completer may need a database and another a cache).
 * Only names of `Fields` may have one (a typo does not compile); with no `Fields` (a template
 * without `params`), any variable's name.
 *
 * @since 0.2.0
 * @category models
 */
export type CompletersOf<Fields, Services> = {
  readonly [K in keyof Services]?:
    | ([keyof Fields] extends [never] ? Completer<Services[K]> : K extends keyof Fields ? Completer<Services[K]> : never)
    | undefined
}

/**
 * Compiled completers: answer `completion/complete` for one argument.
 *
 * @since 0.1.0
 * @category models
 */
export type Compiled = (
  argument: string,
  value: string,
  context: CompletionContext,
  request: RequestContext
) => Effect.Effect<CompleteResult, McpError.McpError>

/**
 * The answer when nothing can be completed.
 *
 * @since 0.1.0
 * @category constructors
 */
export const empty: CompleteResult = { completion: { values: [] } }

/**
 * The most values one answer may carry (spec).
 *
 * @since 0.1.0
 * @category limits
 */
export const maxValues = 100

/**
 * Builds the result from all candidates: the first 100, the total, and whether there are more.
 *
 * @since 0.1.0
 * @category constructors
 */
export const toResult = (values: ReadonlyArray<string>): CompleteResult => {
  // Not strings (where types are not checked): a defect of the completer (-32603, logged), not
  // values a client cannot use.
  if (!Array.isArray(values)) throw new TypeError(`A completer succeeded with ${kindOf(values)}, not an array of strings`)
  const sent = values.length > maxValues ? values.slice(0, maxValues) : values
  for (const value of sent) {
    if (typeof value !== "string") throw new TypeError(`A completer's values must be strings, got ${kindOf(value)}`)
  }
  return {
    completion: values.length > maxValues
      ? { values: sent, total: values.length, hasMore: true }
      : { values, total: values.length, hasMore: false }
  }
}

/**
 * Whether `completers` complete anything: an argument has a completer function (`complete: {}`,
 * or every argument's `undefined`, has none). A component with none is compiled without completion,
 * so that the server advertises `completions` only when something can be completed.
 *
 * @since 0.2.0
 * @category predicates
 */
export const hasCompleters = (completers: object | undefined): boolean => {
  if (completers === undefined) return false
  for (const name of Object.keys(completers)) {
    if (typeof (completers as { readonly [name: string]: unknown })[name] === "function") return true
  }
  return false
}

/**
 * Refuses, when a prompt or template is registered, a completer named for an argument or variable
 * it does not have (`nmae` for `{name}`: a template without `params` takes any name, and where
 * types are not checked a prompt does): `completion/complete` never names it, so it was never
 * called, and the completion of the argument meant answered nothing, silently. A name given no
 * completer (`undefined`) is not one. `owner` names the component; `what` is what it has, `names`.
 *
 * @internal
 *
 * @since 0.2.0
 * @category validation
 */
export const checkNames = (
  owner: string,
  completers: object | undefined,
  what: "argument of the prompt" | "variable of the template",
  names: ReadonlyArray<string>
): void => {
  if (completers === undefined || completers === null) return
  for (const name of Object.keys(completers)) {
    if ((completers as { readonly [name: string]: unknown })[name] === undefined || names.includes(name)) continue
    const [article, plural] = what === "argument of the prompt" ? ["an", "arguments"] : ["a", "variables"]
    throw new Error(
      `${owner}: complete names ${name}, which is not ${article} ${what} (its ${plural}: ${names.length === 0 ? "none" : names.join(", ")})`
    )
  }
}

/**
 * Compiles completers once; `context` holds the services they need.
 *
 * @since 0.1.0
 * @category registration
 */
export const compile = <R>(
  completers: Completers<{ readonly [name: string]: unknown }, R>,
  context: Context.Context<Exclude<R, McpRequestContext>>
): Compiled =>
(argument, value, completionContext, request) => {
  // Own properties only: `constructor`, `toString`, `__proto__` are not completers.
  const completer = Object.hasOwn(completers, argument) ? completers[argument] as Completer<any> | undefined : undefined
  if (typeof completer !== "function") return Exit.succeed(empty)
  const effect = completer(value, completionContext)
  const done = completed(effect)
  if (done !== undefined) return Exit.map(done, toResult)
  return Effect.map(provideRequest(effect, context, request), toResult)
}
