/**
 * Authorization by scopes: callers see only the tools, resources, templates and prompts they may
 * use, and are refused (`403`) the ones they may not.
 *
 * - **Rules.** Scopes required by component name (`tools`, `prompts`), by URI or URI template
 *   (`resources`), and by tag (`tags`). A component needs every scope of its own rule and of the
 *   rule of each of its tags; a resource listed or read through a template also needs the
 *   template's. A URI's rule holds however the URI is written: in its RFC 3986 normal form
 *   (`USERS://%61dmin` is `users://admin`), and, read through a template, for every URI the
 *   template reads alike (`docs://a%2Fb` and `docs://a/b` of `docs://{+path}`). Components
 *   without any rule are open to every caller. A tool a middleware
 *   injects (`ToolInjection`) is judged by its own tags, also when it shadows a registered tool.
 * - **Lists** (`tools/list`, `resources/list`, `resources/templates/list`, `prompts/list`) keep
 *   only what the caller may use. **Uses** (`tools/call`, `resources/read`, `prompts/get`, and
 *   `completion/complete` and `resources/subscribe` of what they name) of a forbidden component
 *   fail with `McpError.forbidden`: a `JsonRpcError` with code 403 (`McpError.ErrorCode.Forbidden`),
 *   message `"Forbidden: tool x needs scope(s) a, b"` and `data: { missingScopes }`, before
 *   anything below runs.
 * - **Listens** (`subscriptions/listen`, MCP 2026-07-28, whose filter names the resources to follow
 *   in place of `resources/subscribe`) leave out the resources the caller may not use, as the
 *   server leaves out those it does not serve: the acknowledgement lists what was accepted.
 * - **Open streams** of a bearer token checked again while they are open (`BearerAuth`, a verifier
 *   with `recheckMillis`: `introspection`) are judged by these rules at each check, against the
 *   token's scopes then: a 2025 session whose `GET` stream's token lost the scope of a resource
 *   loses its subscription to it (one made with a token the client stepped up to, that grants what
 *   the stream's never did, is kept), and a `subscriptions/listen` that follows one ends with the
 *   error 403 (`data.missingScopes`).
 * - **No principal** (stdio, or no authentication upstream): `unauthenticated` decides, and must
 *   be given. `"deny"`: every component with a rule is hidden and refused; `"allow"`: everything is
 *   allowed; `{ principal }`: that principal is used, and passed down to the handlers
 *   (`McpContext.principal` sees it). Every caller without one is then that principal, for what
 *   is keyed by principal too: its sessions (every client of an HTTP server without
 *   authentication) share its tasks (each `tasks/list` lists them all, each may read or cancel
 *   them), and a `RateLimit` or `ResponseCache` placed after this middleware (inner: it sees the
 *   principal passed down; one placed before keys by session or address) its budget and its
 *   entries. Meant for a server of one user
 *   (stdio); where several reach it, authenticate them.
 *
 * **Example** (Admin tools for admins, on a server without authentication)
 *
 * ```ts
 * const Authz = Authorization.layer({
 *   rules: { tags: { admin: ["admin"] }, tools: { delete_repo: ["repo:write"] } },
 *   unauthenticated: { principal: { subject: "local", scopes: ["repo:write"], claims: {} } }
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Layer from "effect/Layer"
import { clip } from "../../internal/clip.ts"
import { isExit } from "../../internal/isExit.ts"
import { missingScopes, scopeList } from "../../internal/scopes.ts"
import type * as JsonRpc from "../../protocol/JsonRpc.ts"
import * as McpError from "../../protocol/McpError.ts"
import * as McpServer from "../../server/McpServer.ts"
import { injectedTool } from "../../server/internal/injectedTools.ts"
import { listened } from "../../server/internal/listen.ts"
import { type ResourceScopes, resourceScopesKey } from "../../server/internal/resourceScopes.ts"
import { resourceKey } from "../../server/internal/resourceKey.ts"
import { findResource, resourceIdentity } from "../../server/internal/resourceLookup.ts"
import type { RegisteredTemplate, Variables } from "../../server/Resource.ts"
import type { Principal, RequestContext } from "../../session/RequestContext.ts"
import * as Middleware from "../Middleware.ts"
import { notWhat } from "./internal/config.ts"

/**
 * Scopes required, by key.
 *
 * @since 0.1.0
 * @category models
 */
export type ScopeRules = { readonly [key: string]: ReadonlyArray<string> }

/**
 * The rules: scopes required by tool name, resource URI or URI template, prompt name, tag. Each
 * rule is a list of scopes (`["admin"]`, never `"admin"`); rules that are not are a `TypeError`
 * naming the first, a defect of the middleware's build.
 *
 * @since 0.1.0
 * @category models
 */
export interface Rules {
  readonly tools?: ScopeRules | undefined
  readonly resources?: ScopeRules | undefined
  readonly prompts?: ScopeRules | undefined
  readonly tags?: ScopeRules | undefined
}

/**
 * What requests without a principal get: `"deny"` (only components without rules), `"allow"`
 * (everything), or a principal to act as (passed down to the handlers).
 *
 * @since 0.1.0
 * @category models
 */
export type Unauthenticated = "deny" | "allow" | { readonly principal: Principal }

/**
 * Configuration of {@link layer}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Config {
  readonly rules: Rules
  /** Required: there is no safe default for servers without authentication (stdio). */
  readonly unauthenticated: Unauthenticated
}

/**
 * The kinds of component a rule applies to, as error messages name them.
 *
 * @since 0.1.0
 * @category models
 */
export type ComponentKind = "tool" | "resource" | "resource template" | "prompt"

/**
 * The error of a forbidden use (`McpError.forbidden`: 403): the component (a URI clipped as the
 * client's text is in every error: a read through a template may name megabytes) and the scopes
 * the caller lacks.
 *
 * @since 0.1.0
 * @category constructors
 */
export const forbidden = (kind: ComponentKind, name: string, missingScopes: ReadonlyArray<string>): McpError.JsonRpcError =>
  McpError.forbidden(`Forbidden: ${kind} ${clip(name)} needs scope(s) ${missingScopes.join(", ")}`, missingScopes)

const ruleOf = (rules: ScopeRules | undefined, key: string): ReadonlyArray<string> =>
  rules !== undefined && Object.hasOwn(rules, key) ? rules[key]! : []

/**
 * A URI in the form rules are looked up by (RFC 3986 §6.2.2), the form in which the server
 * compares resource URIs: the scheme in lower case, percent-encoded unreserved characters decoded,
 * other escapes upper-cased, so `users://%61dmin` and `USERS://admin` meet the rule of
 * `users://admin` instead of slipping past it (`resources/read` serves them that resource).
 *
 * @since 0.1.0
 * @category formatting
 */
export const normalizeUri = (uri: string): string => resourceKey(uri)

/**
 * The resource `template` reads with `variables`: one for every spelling it reads alike, as
 * subscriptions compare them (`resourceIdentity`). Not the normal form of the URI `expand` gives
 * for them: `{+path}` keeps a value's pct-triplets, so path `%41` (`docs://%2541`) expanded to
 * `docs://%41`, whose normal form is `docs://A`, and met the rule of that other resource.
 */
const identity = (template: RegisteredTemplate, variables: Variables): string => resourceIdentity({ template, variables }, "")

/**
 * Builds the authorization middleware for the server in context (it reads the components' tags
 * from the server's registries). Register it with `McpServer.middleware` (or use {@link layer}).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (config: Config): Effect.Effect<Middleware.Middleware<never>, never, McpServer.McpServer> =>
  Effect.gen(function*() {
    const unauthenticated = config.unauthenticated as Unauthenticated | undefined
    if (unauthenticated === undefined) {
      return yield* Effect.die(new Error("Authorization: `unauthenticated` is required (\"deny\", \"allow\" or { principal })"))
    }
    const refused = checkRules(config.rules)
    if (refused !== undefined) return yield* Effect.die(refused)
    const server = yield* McpServer.McpServer
    const rules = config.rules
    // Resource rules keyed by normalized URI (templates are unchanged by it).
    const resourceRules: ScopeRules | undefined = rules.resources === undefined
      ? undefined
      : Object.fromEntries(Object.entries(rules.resources).map(([uri, scopes]) => [normalizeUri(uri), scopes]))
    const fallback = typeof unauthenticated === "object" ? unauthenticated.principal : undefined
    // Only rules that can name a resource make a listen's filter something to check.
    const guardsListens = rules.resources !== undefined || rules.tags !== undefined
    const maxListened = server.options.maxSubscriptionsPerSession ?? 1_000

    const needs = (own: ReadonlyArray<ReadonlyArray<string>>, tags: ReadonlyArray<string>): ReadonlyArray<string> => {
      const scopes = new Set<string>()
      for (const rule of own) for (const scope of rule) scopes.add(scope)
      for (const tag of tags) for (const scope of ruleOf(rules.tags, tag)) scopes.add(scope)
      return [...scopes]
    }
    // The tool a call reaches: one a middleware injects (`ToolInjection`: the registry does not
    // hold it, and it shadows a registered tool of its name), else the registry's.
    const toolNeeds = (name: string) =>
      needs([ruleOf(rules.tools, name)], (injectedTool(server, name) ?? server.tools.get(name))?.tags ?? [])
    const promptNeeds = (name: string) => needs([ruleOf(rules.prompts, name)], server.prompts.get(name)?.tags ?? [])
    const templateNeeds = (uriTemplate: string) =>
      needs([ruleOf(resourceRules, normalizeUri(uriTemplate))], server.templates.get(uriTemplate)?.tags ?? [])
    // The resource rules by the resource their template reads for what it matches in them (see
    // `identity`), for the registries as they are (recomputed when a list changes; none without
    // resource rules or templates).
    let byExpansion: { templates: unknown; resources: unknown; rules: ReadonlyMap<string, ReadonlyArray<string>> } | undefined
    const expansionRules = (): ReadonlyMap<string, ReadonlyArray<string>> => {
      const templates = server.templates.list()
      const resources = server.resources.list()
      if (byExpansion?.templates === templates && byExpansion.resources === resources) return byExpansion.rules
      const found = new Map<string, Array<string>>()
      for (const [uri, scopes] of Object.entries(rules.resources ?? {})) {
        // Every template that reads the ruled URI (as the rule writes it, or in its normal form),
        // not only the one that serves it, nor only when no fixed resource does: the template
        // reads it, spelled otherwise (`docs://secret%2Fkey` of `docs://{+path}`), all the same.
        const normal = resourceKey(uri)
        for (const entry of templates) {
          const variables = entry.value.match(uri) ?? entry.value.matchKey(normal)
          if (variables === undefined) continue
          const key = identity(entry.value, variables)
          found.set(key, [...(found.get(key) ?? []), ...scopes])
        }
      }
      byExpansion = { templates, resources, rules: found }
      return found
    }
    // The resource or template the server would serve `uri` with (its one rule: `findResource`),
    // however the URI is written. A URI a template serves meets the rules of every URI it reads
    // the same as: a template's variables are percent-decoded, so `docs://secret%2Fkey` and
    // `docs://secret/key` are one read of `docs://{+path}` (and `q=a,b`, `q=a%2Cb` one of
    // `{?q}`), which the normal form keeps apart (RFC 3986 does not equate them); both are
    // compared as the template and the variables it reads.
    const resourceNeeds = (uri: string) => {
      const own = ruleOf(resourceRules, normalizeUri(uri))
      const found = findResource(server.resources, server.templates, uri)
      if (found === undefined) return needs([own], [])
      if (found.resource !== undefined) return needs([own], found.resource.tags)
      const template = found.template
      const likeIt = resourceRules === undefined ? [] : expansionRules().get(identity(template, found.variables)) ?? []
      return needs([own, likeIt, ruleOf(resourceRules, normalizeUri(template.uriTemplate))], template.tags)
    }

    /** The scopes the caller lacks (none: allowed). */
    const missing = (required: ReadonlyArray<string>, context: RequestContext): ReadonlyArray<string> => {
      if (required.length === 0) return required
      const principal = context.principal
      if (principal === undefined) return unauthenticated === "allow" ? [] : required
      // Whole scopes, also of a principal whose scopes are one string (see `scopeList`).
      const scopes = scopeList(principal.scopes)
      return missingScopes(required, scopes)
    }
    const allowed = (required: ReadonlyArray<string>, context: RequestContext) => missing(required, context).length === 0

    /** Runs `use` if the caller may use the component, else fails with 403. */
    const guard = <A>(
      kind: ComponentKind,
      name: string,
      required: ReadonlyArray<string>,
      context: RequestContext,
      use: () => Effect.Effect<A, McpError.McpError>
    ): Effect.Effect<A, McpError.McpError> => {
      const lacking = missing(required, context)
      return lacking.length === 0 ? use() : Exit.fail(forbidden(kind, name, lacking))
    }

    // A `ref/resource` names a template, or a fixed resource (the server completes it to nothing,
    // however its URI is written): judged as `resources/read` judges it, by its tags too, not as a
    // template of that URI, of which there is none (its tags' rules were not applied).
    const completed = <A>(
      uri: string,
      context: RequestContext,
      next: () => Effect.Effect<A, McpError.McpError>
    ): Effect.Effect<A, McpError.McpError> => {
      if (server.templates.get(uri) === undefined) {
        const resource = findResource(server.resources, server.templates, uri)?.resource
        if (resource !== undefined) {
          return guard("resource", uri, needs([ruleOf(resourceRules, normalizeUri(uri))], resource.tags), context, next)
        }
      }
      return guard("resource template", uri, templateNeeds(uri), context, next)
    }

    /**
     * A `subscriptions/listen` request without the resources its caller may not use in its filter
     * (`request` itself when there are none). As the listen method does, only the first distinct
     * URIs, as many as a stream may follow, are looked at: each may be matched against every
     * template, and a 4 MB request names 150,000 URIs; so are the URIs past the characters a listen
     * looks at (`listened`). A filter that is not a list of strings is
     * left as it is, for the method's decoder to refuse.
     */
    const withoutForbidden = (request: JsonRpc.Request, context: RequestContext): JsonRpc.Request => {
      const params = request.params as { readonly notifications?: { readonly resourceSubscriptions?: unknown } } | undefined
      const uris = params?.notifications?.resourceSubscriptions
      if (!Array.isArray(uris) || !uris.every((uri) => typeof uri === "string")) return request
      const distinct = listened(uris as ReadonlyArray<string>, maxListened)
      const kept = distinct.filter((uri) => allowed(resourceNeeds(uri), context))
      if (kept.length === uris.length) return request
      return { ...request, params: { ...params, notifications: { ...params!.notifications, resourceSubscriptions: kept } } }
    }

    /** Maps a list result, keeping an already complete answer complete (the inline fast path). */
    const filtered = <A>(result: Effect.Effect<A, McpError.McpError>, f: (a: A) => A): Effect.Effect<A, McpError.McpError> =>
      isExit(result) ? Exit.map(result as Exit.Exit<A, McpError.McpError>, f) : Effect.map(result, f)

    const made = Middleware.make("authorization", {
      onRequest: fallback === undefined && !guardsListens
        ? undefined
        : (request, context, next) => {
          const acting = fallback !== undefined && context.principal === undefined ? context.with({ principal: fallback }) : undefined
          const checked = guardsListens && request.method === "subscriptions/listen" ? withoutForbidden(request, acting ?? context) : request
          return acting === undefined ? next(checked) : next(checked, acting)
        },
      onListTools: (params, context, next) =>
        filtered(next(params), (result) => ({
          ...result,
          tools: result.tools.filter((tool) => allowed(toolNeeds(tool.name), context))
        })),
      onListResources: (params, context, next) =>
        filtered(next(params), (result) => ({
          ...result,
          resources: result.resources.filter((resource) => allowed(resourceNeeds(resource.uri), context))
        })),
      onListResourceTemplates: (params, context, next) =>
        filtered(next(params), (result) => ({
          ...result,
          resourceTemplates: result.resourceTemplates.filter((template) =>
            allowed(templateNeeds(template.uriTemplate), context)
          )
        })),
      onListPrompts: (params, context, next) =>
        filtered(next(params), (result) => ({
          ...result,
          prompts: result.prompts.filter((prompt) => allowed(promptNeeds(prompt.name), context))
        })),
      onCallTool: (params, context, next) => guard("tool", params.name, toolNeeds(params.name), context, () => next(params)),
      onReadResource: (params, context, next) =>
        guard("resource", params.uri, resourceNeeds(params.uri), context, () => next(params)),
      onSubscribe: (params, context, next) =>
        guard("resource", params.uri, resourceNeeds(params.uri), context, () => next(params)),
      onGetPrompt: (params, context, next) =>
        guard("prompt", params.name, promptNeeds(params.name), context, () => next(params)),
      onComplete: (params, context, next) =>
        params.ref.type === "ref/prompt"
          ? guard("prompt", params.ref.name, promptNeeds(params.ref.name), context, () => next(params))
          : completed(params.ref.uri, context, () => next(params))
    })
    // What an open stream's principal, its token checked again, may still be told of (see
    // `server/internal/resourceScopes.ts`): a resource as `resources/read` judges it.
    const judge: ResourceScopes = (uri, principal) => missingScopes(resourceNeeds(uri), scopeList(principal.scopes))
    return Object.assign(made, { [resourceScopesKey]: judge })
  })

/**
 * The rules, checked where no type did (JavaScript, rules read from configuration): the error of
 * the first that is not a table of lists of scopes, else `undefined`. A string for a list
 * (`{ delete_all: "admin" }`) required the scopes its letters name, which no caller has (every
 * caller refused 403, "needs scope(s) a, d, m, i, n"); a list for a table (`tags: ["admin"]`)
 * ruled nothing, and what it was meant to guard was open to every caller.
 */
const checkRules = (rules: unknown): TypeError | undefined => {
  if (typeof rules !== "object" || rules === null || Array.isArray(rules)) {
    return notWhat("Authorization", "rules", "an object (tools, resources, prompts, tags)", rules)
  }
  for (const kind of ruleKinds) {
    const table: unknown = (rules as { readonly [kind: string]: unknown })[kind]
    if (table === undefined) continue
    const name = `rules.${kind}`
    // A plain object: a `Map`'s entries are no properties (it ruled nothing, as a list did).
    const prototype = typeof table === "object" && table !== null ? Object.getPrototypeOf(table) : undefined
    if (prototype !== Object.prototype && prototype !== null) {
      return notWhat("Authorization", name, `an object of lists of scopes by ${ruleKeys[kind]}`, table)
    }
    for (const [key, scopes] of Object.entries(table as object)) {
      const option = /^[A-Za-z_$][\w$]*$/.test(key) ? `${name}.${key}` : `${name}[${JSON.stringify(clip(key, 64))}]`
      if (!Array.isArray(scopes)) return notWhat("Authorization", option, "a list of scopes", scopes)
      const wrong = scopes.findIndex((scope) => typeof scope !== "string" || scope.length === 0)
      if (wrong !== -1) return notWhat("Authorization", `${option}[${wrong}]`, "a scope (a non-empty string)", scopes[wrong])
    }
  }
  return undefined
}

/** The rule tables, and what each is keyed by (as its error says). */
const ruleKinds = ["tools", "resources", "prompts", "tags"] as const
const ruleKeys = { tools: "tool name", resources: "URI or URI template", prompts: "prompt name", tags: "tag" } as const

/**
 * Authorization as a Layer: builds the middleware ({@link make}) and registers it with the server
 * while the Layer lives (like `McpServer.middleware`). Place it below authentication.
 *
 * **Example** (Scopes required per tool)
 *
 * ```ts
 * const Authz = Authorization.layer({ rules: { tools: { delete_repo: ["repo:write"] } }, unauthenticated: "deny" })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (config: Config): Layer.Layer<never, never, McpServer.McpServer> =>
  McpServer.middlewareFrom(make(config))
