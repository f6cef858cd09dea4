/**
 * Version projection: turns a message built in the 2025-11-25 shape into the shape of the protocol
 * version a client negotiated, so that a client never receives a field, content type, capability
 * or message its version does not know.
 *
 * What each version knows is data, in one delta file per protocol date (`v2025_11_25.ts` is the
 * base; `v2025_06_18.ts`, `v2025_03_26.ts`, `v2024_11_05.ts` each switch off what the next newer
 * revision introduced). This module turns those flags into per-version "plans" (lists of keys to
 * drop) once at load time and applies them.
 *
 * Rules every function here follows:
 *
 * - **Fast path.** For `"2025-11-25"` the input is returned as is (same reference, no work), but
 *   a result: the fields only 2026-07-28 defines on one are checked for (a few property checks,
 *   see {@link projectLatestResult}), and a `tools/list` result's `outputSchema`s for a root that
 *   is not an object (see below).
 * - **Never mutates** its input. For older versions it copies only the objects on the path to a
 *   change; untouched subtrees (and wholly untouched inputs) keep their identity.
 * - **Open world.** Only fields known to be newer are removed (a denylist per version). Unknown
 *   keys, vendor keys inside `_meta`, custom capabilities and `experimental` pass through.
 * - **Idempotent.** Projecting a projected value again changes nothing.
 * - Inputs are JSON-shaped (encoded) values: plain objects, arrays, primitives. Class instances
 *   are copied into plain objects when something has to change.
 *
 * Conversions (rather than plain removal), chosen so that information a model needs is not lost:
 *
 * - A `resource_link` content block (2025-06-18+) becomes, for older versions, a `text` block
 *   `Resource link: <title or name> (<uri>)` keeping the (projected) `annotations`.
 * - An `audio` content block (2025-03-26+) becomes, for 2024-11-05, a `text` block
 *   `[Audio content (<mimeType>) omitted: not supported by protocol version 2024-11-05]` in tool
 *   results and prompt messages. In a sampling request it makes the request {@link NotSendable}
 *   instead (a sampling request is the server's own question to an LLM; silently rewriting its
 *   input would change what is asked).
 * - A tool's `outputSchema` whose root is not an object type (a tool's output that is an array, a
 *   string, a union...: MCP 2026-07-28, SEP-2106, allows any JSON Schema there, and any JSON value
 *   in `structuredContent`) becomes, for 2025-06-18 and 2025-11-25 (which require an object),
 *   `{ type: "object", properties: { result: <schema> }, required: ["result"] }` (its `$defs` and
 *   `$schema` at the new root, other same-document references moved under `#/properties/result`),
 *   as the SDK v2 server and FastMCP do; the tool answers those versions `{ result: <value> }`
 *   (`Tool` wraps its own values; a `tools/call` result built elsewhere whose `structuredContent`
 *   is not an object, a `LowLevelServer`'s, is wrapped by the projection for those versions, as is
 *   such a task's result fetched by 2025-11-25's `tasks/result`). Not for 2025-03-26 and
 *   2024-11-05, which are listed no `outputSchema` and get no `structuredContent`: the value
 *   itself is their text ({@link takesObjectStructuredContent}).
 * - `structuredContent` is removed before 2025-06-18; if the result then has no content block at
 *   all, one `text` block holding `JSON.stringify(structuredContent)` is added (the spec already
 *   asks servers to mirror structured output into a text block; this guarantees it).
 * - `Tool.title` (2025-06-18+) is moved to `annotations.title` for 2025-03-26 when the tool has no
 *   `annotations.title` of its own (the display-name precedence is title, annotations.title, name).
 * - Elicitation: a titled single-select enum (`oneOf: [{ const, title }]`) becomes the 2025-06-18
 *   form `{ enum, enumNames }`.
 * - Sampling: array content of one message is split into consecutive single-block messages with
 *   the same role (before 2025-11-25 a message held exactly one block).
 *
 * - The result fields only 2026-07-28 defines (`resultType`, `ttlMs`, `cacheScope`, `inputRequests`,
 *   `requestState`), which only a result built by hand (or changed by a middleware) carries, are
 *   dropped from every result of an earlier version, 2025-11-25 included, whatever built it.
 *
 * Messages that cannot be expressed in a version are reported as {@link NotSendable} by
 * {@link projectServerRequest} and {@link projectServerNotification}; the caller must then not send
 * them (and, for a request, fail the operation that wanted it).
 *
 * Deliberately not projected: the contents of `inputSchema` / `outputSchema` / `requestedSchema`
 * property schemas beyond what the spec's elicitation types list (these are JSON Schema documents,
 * e.g. `inputSchema.$schema` is a JSON Schema keyword, listed in the 2025-11-25 type but valid in
 * any JSON Schema); result-level and params-level `_meta` (present in every revision); results of
 * methods an older client cannot call (`tasks/*`).
 *
 * Seam for 2026-07-28: add `v2026_07_28.ts` as the new base, make `v2025_11_25.ts` a delta of it,
 * add the version to {@link ProjectedVersion}, the plan table and the fast path below. 2026 also
 * *adds* fields (`resultType`, caching hints) and reshapes tasks, so its projection will need an
 * "augment" step as well as the removal step here.
 *
 * @since 0.1.0
 */
import * as v2024_11_05 from "./v2024_11_05.ts"
import * as v2025_03_26 from "./v2025_03_26.ts"
import * as v2025_06_18 from "./v2025_06_18.ts"
import { ErrorCode } from "../McpError.ts"
import type { Implementation } from "../McpSchema.ts"
import * as v2025_11_25 from "./v2025_11_25.ts"
import type { Features } from "./v2025_11_25.ts"
import * as v2026_07_28 from "./v2026_07_28.ts"
import { identityMeta } from "../internal/identityMeta.ts"

/** What a protocol version knows, flag by flag: what projection goes by (declared in `v2025_11_25.ts`). */
export type { Features } from "./v2025_11_25.ts"

// ---------------------------------------------------------------------------
// Versions
// ---------------------------------------------------------------------------

/**
 * A protocol version this layer can project to.
 *
 * @since 0.1.0
 * @category models
 */
export type ProjectedVersion = "2026-07-28" | "2025-11-25" | "2025-06-18" | "2025-03-26" | "2024-11-05"

/**
 * Every version this layer can project to, newest first.
 *
 * @since 0.1.0
 * @category projection
 */
export const projectedVersions: ReadonlyArray<ProjectedVersion> = [
  v2026_07_28.version,
  v2025_11_25.version,
  v2025_06_18.version,
  v2025_03_26.version,
  v2024_11_05.version
]

/** The version messages are built in; projecting to it is the identity (fast path). */
const newest = v2025_11_25.version

/**
 * True when `version` is one this layer can project to.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isProjectedVersion = (version: unknown): version is ProjectedVersion =>
  typeof version === "string" && (projectedVersions as ReadonlyArray<string>).includes(version)

/**
 * Returned by {@link projectServerRequest} / {@link projectServerNotification} when the message must
 * not be sent at all under the given version. A symbol rather than `undefined`, because `undefined`
 * is a legitimate projected `params` (e.g. `ping`, `tasks/list`).
 *
 * @since 0.1.0
 * @category constants
 */
export const NotSendable: unique symbol = Symbol.for("effect-mcp-server/protocol/versions/NotSendable")
/** @see {@link NotSendable} */
export type NotSendable = typeof NotSendable

// ---------------------------------------------------------------------------
// Plans: the feature flags turned into key lists, computed once per version
// ---------------------------------------------------------------------------

interface Plan {
  readonly version: ProjectedVersion
  readonly features: Features
  /** ServerCapabilities keys to drop. */
  readonly capabilityKeys: ReadonlyArray<string>
  /**
   * Result keys to drop: those only 2026-07-28 defines (`resultType`, `ttlMs`, `cacheScope`,
   * `inputRequests`, `requestState`), which only a result built by hand can carry, for every
   * earlier version.
   */
  readonly resultKeys: ReadonlyArray<string>
  /** Implementation (serverInfo) keys to drop. */
  readonly implementationKeys: ReadonlyArray<string>
  /** Tool keys to drop. */
  readonly toolKeys: ReadonlyArray<string>
  /**
   * A tool's `outputSchema` must have an object root (2025-06-18, 2025-11-25): one that has not is
   * wrapped ({@link legacyOutputSchema}).
   */
  readonly objectOutputSchema: boolean
  /** Resource / ResourceTemplate / ResourceLink keys to drop. */
  readonly resourceKeys: ReadonlyArray<string>
  /** Prompt keys to drop. */
  readonly promptKeys: ReadonlyArray<string>
  /** PromptArgument keys to drop. */
  readonly promptArgumentKeys: ReadonlyArray<string>
  /** Keys to drop from every content block. */
  readonly blockKeys: ReadonlyArray<string>
  /** TextResourceContents / BlobResourceContents keys to drop. */
  readonly resourceContentsKeys: ReadonlyArray<string>
  /** Annotations keys to drop. */
  readonly annotationKeys: ReadonlyArray<string>
  /** `notifications/progress` params keys to drop. */
  readonly progressKeys: ReadonlyArray<string>
  /** `sampling/createMessage` params keys to drop. */
  readonly samplingParamKeys: ReadonlyArray<string>
  /** SamplingMessage keys to drop. */
  readonly samplingMessageKeys: ReadonlyArray<string>
  /** `elicitation/create` params keys to drop. */
  readonly elicitationParamKeys: ReadonlyArray<string>
  /** `requestedSchema` keys to drop. */
  readonly elicitationSchemaKeys: ReadonlyArray<string>
  /**
   * The methods whose results this plan leaves as they are (2026-07-28: `tools/call`, `prompts/get`,
   * `resources/read`), so {@link projectResult} skips their walk. Derived from the key lists above
   * by the rules of `projectBlock`, `projectCallToolResult` and `projectResourceContents`.
   */
  readonly unchangedResults: ReadonlySet<string>
}

/** The keys whose feature flag is `false`. */
const unknownKeys = (entries: ReadonlyArray<readonly [key: string, known: boolean]>): ReadonlyArray<string> =>
  entries.filter(([, known]) => !known).map(([key]) => key)

const makePlan = (version: ProjectedVersion, f: Features): Plan => withUnchangedResults({
  version,
  features: f,
  capabilityKeys: unknownKeys([["completions", f.completionsCapability], ["tasks", f.tasksCapability]]),
  resultKeys: version === v2026_07_28.version ? [] : v2026_07_28.resultKeys,
  implementationKeys: unknownKeys([
    ["title", f.implementationTitle],
    ["description", f.implementationDescription],
    ["websiteUrl", f.implementationWebsiteUrl],
    ["icons", f.icons]
  ]),
  objectOutputSchema: f.toolOutputSchema && version !== v2026_07_28.version,
  toolKeys: unknownKeys([
    ["title", f.toolTitle],
    ["outputSchema", f.toolOutputSchema],
    ["annotations", f.toolAnnotations],
    ["execution", f.toolExecution],
    ["icons", f.icons],
    ["_meta", f.objectMeta]
  ]),
  resourceKeys: unknownKeys([["title", f.resourceTitle], ["icons", f.icons], ["_meta", f.objectMeta]]),
  promptKeys: unknownKeys([["title", f.promptTitle], ["icons", f.icons], ["_meta", f.objectMeta]]),
  promptArgumentKeys: unknownKeys([["title", f.promptArgumentTitle]]),
  blockKeys: unknownKeys([["_meta", f.objectMeta]]),
  resourceContentsKeys: unknownKeys([["_meta", f.objectMeta]]),
  annotationKeys: unknownKeys([["lastModified", f.contentAnnotationsLastModified]]),
  progressKeys: unknownKeys([["message", f.progressMessage]]),
  samplingParamKeys: unknownKeys([
    ["task", f.taskAugmentedRequests],
    ["tools", f.samplingTools],
    ["toolChoice", f.samplingTools]
  ]),
  samplingMessageKeys: unknownKeys([["_meta", f.samplingMessageMeta]]),
  elicitationParamKeys: unknownKeys([["mode", f.elicitationUrlMode], ["task", f.taskAugmentedRequests]]),
  elicitationSchemaKeys: unknownKeys([["$schema", f.elicitationSchemaDialect]])
})

const withUnchangedResults = (plan: Omit<Plan, "unchangedResults">): Plan => {
  const f = plan.features
  // `projectBlock` returns every kind of block as it is exactly when these hold.
  const blocksUnchanged = f.audioContent && f.resourceLinkContent && plan.blockKeys.length === 0 &&
    plan.annotationKeys.length === 0 && plan.resourceKeys.length === 0 && plan.resourceContentsKeys.length === 0
  const unchangedResults = new Set<string>()
  if (blocksUnchanged && f.structuredContent) unchangedResults.add("tools/call")
  if (blocksUnchanged) unchangedResults.add("prompts/get")
  if (plan.resourceContentsKeys.length === 0) unchangedResults.add("resources/read")
  return { ...plan, unchangedResults }
}

/** Each version's feature flags, from its delta file. */
const versionFeatures: { readonly [V in ProjectedVersion]: Features } = {
  "2026-07-28": v2026_07_28.features,
  "2025-11-25": v2025_11_25.features,
  "2025-06-18": v2025_06_18.features,
  "2025-03-26": v2025_03_26.features,
  "2024-11-05": v2024_11_05.features
}

/** The versions before 2026-07-28 that have `structuredContent` (2025-06-18, 2025-11-25), from their flags. */
const objectStructuredVersions: ReadonlySet<string> = new Set(
  projectedVersions.filter((version) => version !== v2026_07_28.version && versionFeatures[version].structuredContent)
)

/**
 * Whether a client of `version` takes a tool's `structuredContent` as an object only, and the
 * `outputSchema` of a tool whose root is not an object type wrapped (2025-06-18, 2025-11-25): the
 * versions to which such a tool's values are sent as `{ result: <value> }`. Not before (no
 * `structuredContent` there: the value itself goes in the text block) nor in 2026-07-28 (any
 * value). One comparison for 2025-11-25.
 *
 * @internal
 *
 * @since 0.2.0
 * @category predicates
 */
export const takesObjectStructuredContent = (version: string): boolean =>
  version === newest || objectStructuredVersions.has(version)

/**
 * The plans made so far: a version's plan is made the first time a message is projected to it
 * (a server starts without making the five, and most serve one or two versions). Every version
 * is a key from the start, so the table keeps V8's fast properties (a lookup per projection).
 */
const plans: { [V in ProjectedVersion]: Plan | undefined } = {
  "2026-07-28": undefined,
  "2025-11-25": undefined,
  "2025-06-18": undefined,
  "2025-03-26": undefined,
  "2024-11-05": undefined
}

const planOf = (version: ProjectedVersion): Plan => {
  if (!Object.hasOwn(plans, version)) {
    throw new Error(`Projection: unsupported protocol version ${JSON.stringify(version)}`)
  }
  return plans[version] ??= makePlan(version, versionFeatures[version])
}

/**
 * The feature flags of a version (what it knows), from its delta file.
 *
 * @throws Error for a string that is not a {@link ProjectedVersion} (a programming error).
 *
 * @since 0.1.0
 * @category projection
 */
export const featuresOf = (version: ProjectedVersion): Features => planOf(version).features

// ---------------------------------------------------------------------------
// Copy-on-change helpers
// ---------------------------------------------------------------------------

type JsonObject = Record<string, unknown>

const isObject = (u: unknown): u is JsonObject => typeof u === "object" && u !== null && !Array.isArray(u)

/** `obj` without `keys`; the same reference when none of them is present. */
const omit = (obj: JsonObject, keys: ReadonlyArray<string>): JsonObject => {
  let out: JsonObject | undefined
  for (const key of keys) {
    if (Object.hasOwn(obj, key)) {
      out ??= { ...obj }
      delete out[key]
    }
  }
  return out ?? obj
}

/** `obj` with `key` set to `value`; the same reference when it already holds that value. */
const set = (obj: JsonObject, key: string, value: unknown): JsonObject =>
  Object.hasOwn(obj, key) && obj[key] === value ? obj : { ...obj, [key]: value }

/** Maps `items`; the same array when every element maps to itself; stops at `NotSendable`. */
const mapArray = <A, B extends A>(
  items: ReadonlyArray<A>,
  f: (item: A) => B | NotSendable
): ReadonlyArray<A> | NotSendable => {
  let out: Array<A> | undefined
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as A
    const next = f(item)
    if (next === NotSendable) return NotSendable
    if (out !== undefined) out.push(next)
    else if (next !== item) {
      out = items.slice(0, i)
      out.push(next)
    }
  }
  return out ?? items
}

/** Maps the object elements of the array at `obj[key]` (other values are left alone). */
const mapObjects = (obj: JsonObject, key: string, f: (item: JsonObject) => JsonObject): JsonObject => {
  const value = obj[key]
  if (!Array.isArray(value)) return obj
  const next = mapArray<unknown, unknown>(value, (item) => (isObject(item) ? f(item) : item))
  return next === NotSendable ? obj : set(obj, key, next)
}

/** Applies `f` to `obj[key]` when it is an object. */
const mapObject = (obj: JsonObject, key: string, f: (value: JsonObject) => JsonObject): JsonObject => {
  const value = obj[key]
  return isObject(value) ? set(obj, key, f(value)) : obj
}

// ---------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------

const projectCapabilities = (caps: JsonObject, plan: Plan): JsonObject => omit(caps, plan.capabilityKeys)

const projectInfo = (info: JsonObject, plan: Plan): JsonObject => omit(info, plan.implementationKeys)

/** Drops `annotations.lastModified` where unknown. */
const projectAnnotated = (obj: JsonObject, plan: Plan): JsonObject =>
  plan.annotationKeys.length === 0 ? obj : mapObject(obj, "annotations", (a) => omit(a, plan.annotationKeys))

/** Resource, ResourceTemplate and (the Resource part of) ResourceLink. */
const projectResourceLike = (resource: JsonObject, plan: Plan): JsonObject =>
  projectAnnotated(omit(resource, plan.resourceKeys), plan)

const projectTool = (tool: JsonObject, plan: Plan): JsonObject => {
  let out = omit(tool, plan.toolKeys)
  const outputSchema = tool["outputSchema"]
  if (plan.objectOutputSchema && hasNonObjectRoot(outputSchema)) {
    out = { ...out, outputSchema: legacyOutputSchema(outputSchema as JsonObject) }
  }
  const f = plan.features
  const title = tool["title"]
  if (!f.toolTitle && f.toolAnnotations && typeof title === "string") {
    const annotations = isObject(tool["annotations"]) ? tool["annotations"] : {}
    if (annotations["title"] === undefined) return { ...out, annotations: { ...annotations, title } }
  }
  return out
}

/**
 * Whether a tool's `outputSchema` has a root that is not an object type (`type` other than
 * `"object"`, or none: `{ anyOf: [...] }`), which MCP 2026-07-28 allows (SEP-2106) and earlier
 * versions do not: there it is wrapped ({@link legacyOutputSchema}) and the tool's
 * `structuredContent` sent as `{ result: <value> }`. The test the SDK v2 server makes.
 *
 * @internal
 *
 * @since 0.2.0
 * @category predicates
 */
export const hasNonObjectRoot = (schema: unknown): boolean => isObject(schema) && schema["type"] !== "object"

/**
 * A `tools/call` result whose `structuredContent` is not an object (an array, a string, `null`:
 * MCP 2026-07-28 allows any JSON value, SEP-2106) as 2025-06-18 and 2025-11-25 take it:
 * `{ result: <value> }`, as its tool's `outputSchema` is listed to them
 * ({@link legacyOutputSchema}), whatever built the result (a `LowLevelServer`'s handler, a proxy;
 * `Tool` wraps its own). An object value is not wrapped here (the value alone does not say whether
 * its tool's schema was): a `LowLevelServer` (an `McpServer` too) wraps those of the tools its
 * `tools/list` answer (its handler's or a middleware's) listed with a wrapped schema itself. Returns `result` itself when there is nothing to wrap (one property read).
 *
 * @internal
 *
 * @since 0.2.0
 * @category projection
 */
export const withObjectStructuredContent = <A extends object>(result: A): A => {
  const content = (result as { readonly structuredContent?: unknown }).structuredContent
  return content === undefined || isObject(content)
    ? result
    : { ...result, structuredContent: { result: content } }
}

/** The wrapped form of each `outputSchema` wrapped so far (a tool's is the same object at every listing). */
const wrappedSchemas = new WeakMap<JsonObject, JsonObject>()

/**
 * An `outputSchema` whose root is not an object type, as MCP 2025-06-18 and 2025-11-25 can carry
 * it: `{ type: "object", properties: { result: <schema> }, required: ["result"] }`. Its `$schema`
 * and `$defs` move to the new root (where the `#/$defs/...` references resolve); any other
 * same-document reference (`#`, `#/items`) is moved under `#/properties/result`. A schema whose
 * root sets a base `$id` is nested as it is (its references resolve against it). Made once per
 * schema object.
 *
 * @internal
 *
 * @since 0.2.0
 * @category projection
 */
export const legacyOutputSchema = (schema: JsonObject): JsonObject => {
  let wrapped = wrappedSchemas.get(schema)
  if (wrapped === undefined) {
    wrapped = wrapOutputSchema(schema)
    wrappedSchemas.set(schema, wrapped)
  }
  return wrapped
}

const wrapOutputSchema = (schema: JsonObject): JsonObject => {
  const { $schema, $defs, ...rest } = schema
  const head: JsonObject = typeof $schema === "string" ? { $schema } : {}
  if (establishesBase(schema["$id"])) {
    return { ...head, type: "object", properties: { result: schema }, required: ["result"] }
  }
  const hoisted = isObject($defs)
  const inner = hoisted || $defs === undefined ? rest : { ...rest, $defs }
  const out: JsonObject = {
    ...head,
    type: "object",
    properties: { result: rebased(inner, hoisted, false) },
    required: ["result"]
  }
  if (hoisted) out["$defs"] = rebased($defs, true, true)
  return out
}

/** Whether an `$id` sets a new base for the references under it (a fragment-only one does not). */
const establishesBase = (id: unknown): boolean => id !== undefined && !(typeof id === "string" && id.startsWith("#"))

/** Keywords whose values are data, not schemas: a `$ref` in them is no reference. */
const dataKeywords: ReadonlySet<string> = new Set(["const", "enum", "default", "examples"])

/** Keywords whose values map names to schemas (a name there may be spelled as any keyword). */
const schemaMaps: ReadonlySet<string> = new Set(["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"])

/**
 * A schema's same-document references (`$ref`, `$dynamicRef`) rebased for its move under
 * `#/properties/result`; those into the root's `$defs` are kept when they moved to the root too
 * (`defsAtRoot`). `names`: `node` maps names to schemas. Subschemas setting their own base `$id`
 * are left as they are.
 */
const rebased = (node: unknown, defsAtRoot: boolean, names: boolean): unknown => {
  if (Array.isArray(node)) return node.map((item) => rebased(item, defsAtRoot, false))
  if (!isObject(node)) return node
  if (!names && establishesBase(node["$id"])) return node
  const out: JsonObject = {}
  for (const [key, value] of Object.entries(node)) {
    out[key] = names
      ? rebased(value, defsAtRoot, false)
      : (key === "$ref" || key === "$dynamicRef") && typeof value === "string"
      ? rebasedReference(value, defsAtRoot)
      : dataKeywords.has(key)
      ? value
      : rebased(value, defsAtRoot, schemaMaps.has(key))
  }
  return out
}

const rebasedReference = (reference: string, defsAtRoot: boolean): string =>
  reference === "#"
    ? "#/properties/result"
    : !reference.startsWith("#/") || (defsAtRoot && (reference === "#/$defs" || reference.startsWith("#/$defs/")))
    ? reference
    : `#/properties/result${reference.slice(1)}`

const projectPrompt = (prompt: JsonObject, plan: Plan): JsonObject =>
  plan.promptArgumentKeys.length === 0
    ? omit(prompt, plan.promptKeys)
    : mapObjects(omit(prompt, plan.promptKeys), "arguments", (arg) => omit(arg, plan.promptArgumentKeys))

const projectResourceContents = (contents: JsonObject, plan: Plan): JsonObject =>
  omit(contents, plan.resourceContentsKeys)

/** A `text` block replacing a block the version cannot carry; keeps the (projected) annotations. */
const replacementText = (text: string, replaced: JsonObject, plan: Plan): JsonObject => {
  const annotations = replaced["annotations"]
  return isObject(annotations)
    ? { type: "text", text, annotations: omit(annotations, plan.annotationKeys) }
    : { type: "text", text }
}

/** The text a `resource_link` block becomes before 2025-06-18. */
const resourceLinkText = (link: JsonObject): string => {
  const uri = String(link["uri"])
  const label = typeof link["title"] === "string" ? link["title"] : typeof link["name"] === "string" ? link["name"] : uri
  return label === uri ? `Resource link: ${uri}` : `Resource link: ${label} (${uri})`
}

/** The text an `audio` block becomes in 2024-11-05. */
const audioText = (audio: JsonObject, version: ProjectedVersion): string => {
  const mimeType = typeof audio["mimeType"] === "string" ? audio["mimeType"] : "unknown type"
  return `[Audio content (${mimeType}) omitted: not supported by protocol version ${version}]`
}

/** One content block (tool results, prompt messages, sampling messages). */
const projectBlock = (block: JsonObject, plan: Plan): JsonObject => {
  const f = plan.features
  switch (block["type"]) {
    case "audio":
      if (!f.audioContent) return replacementText(audioText(block, plan.version), block, plan)
      break
    case "resource_link":
      if (!f.resourceLinkContent) return replacementText(resourceLinkText(block), block, plan)
      return projectResourceLike(omit(block, plan.blockKeys), plan)
    case "resource":
      return projectAnnotated(
        mapObject(omit(block, plan.blockKeys), "resource", (r) => projectResourceContents(r, plan)),
        plan
      )
    case "tool_result":
      return mapObjects(omit(block, plan.blockKeys), "content", (b) => projectBlock(b, plan))
  }
  return projectAnnotated(omit(block, plan.blockKeys), plan)
}

const projectCallToolResult = (result: JsonObject, plan: Plan): JsonObject => {
  let out = result
  if (!plan.features.structuredContent && Object.hasOwn(result, "structuredContent")) {
    out = omit(result, ["structuredContent"])
    const structured = result["structuredContent"]
    const content = result["content"]
    if (structured !== undefined && (!Array.isArray(content) || content.length === 0)) {
      out = { ...out, content: [{ type: "text", text: JSON.stringify(structured) }] }
    }
  }
  return mapObjects(out, "content", (b) => projectBlock(b, plan))
}

const projectResultWith = (method: string, full: JsonObject, plan: Plan): JsonObject => {
  const result = omit(full, plan.resultKeys)
  switch (method) {
    case "initialize":
      return mapObject(
        mapObject(result, "capabilities", (c) => projectCapabilities(c, plan)),
        "serverInfo",
        (i) => projectInfo(i, plan)
      )
    case "server/discover":
      // What a middleware (`onDiscover`) adds is projected as the handler's own capabilities are
      // (2026-07-28 has no `tasks` capability: tasks are an extension there).
      return mapObject(result, "capabilities", (c) => projectCapabilities(c, plan))
    case "tools/list":
      return mapObjects(result, "tools", (t) => projectTool(t, plan))
    case "tools/call":
      return projectCallToolResult(result, plan)
    case "resources/list":
      return mapObjects(result, "resources", (r) => projectResourceLike(r, plan))
    case "resources/templates/list":
      return mapObjects(result, "resourceTemplates", (r) => projectResourceLike(r, plan))
    case "resources/read":
      return mapObjects(result, "contents", (c) => projectResourceContents(c, plan))
    case "prompts/list":
      return mapObjects(result, "prompts", (p) => projectPrompt(p, plan))
    case "prompts/get":
      return mapObjects(result, "messages", (m) => mapObject(m, "content", (c) => projectBlock(c, plan)))
    case "completion/complete":
      // `{ completion: { values, total?, hasMore? } }` is identical in every supported revision.
      return result
    default:
      return result
  }
}

// --- sampling/createMessage ---------------------------------------------------------------------

const projectSamplingBlock = (block: unknown, plan: Plan): unknown => {
  if (!isObject(block)) return block
  const f = plan.features
  const type = block["type"]
  if ((type === "tool_use" || type === "tool_result") && !f.samplingTools) return NotSendable
  if (type === "audio" && !f.audioContent) return NotSendable
  return projectBlock(block, plan)
}

/** One SamplingMessage → the messages it becomes (several when array content must be split). */
const projectSamplingMessage = (message: JsonObject, plan: Plan): ReadonlyArray<unknown> | NotSendable => {
  const base = omit(message, plan.samplingMessageKeys)
  const content = message["content"]
  if (Array.isArray(content)) {
    const blocks = mapArray<unknown, unknown>(content, (b) => projectSamplingBlock(b, plan))
    if (blocks === NotSendable) return NotSendable
    if (plan.features.samplingContentArrays) return [set(base, "content", blocks)]
    return blocks.map((block) => ({ ...base, content: block }))
  }
  const block = projectSamplingBlock(content, plan)
  if (block === NotSendable) return NotSendable
  return [Object.hasOwn(base, "content") ? set(base, "content", block) : base]
}

const projectSamplingMessages = (
  messages: ReadonlyArray<unknown>,
  plan: Plan
): ReadonlyArray<unknown> | NotSendable => {
  let out: Array<unknown> | undefined
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]
    const next = isObject(message) ? projectSamplingMessage(message, plan) : [message]
    if (next === NotSendable) return NotSendable
    if (out === undefined) {
      if (next.length === 1 && next[0] === message) continue
      out = messages.slice(0, i)
    }
    out.push(...next)
  }
  return out ?? messages
}

const projectCreateMessage = (params: JsonObject, plan: Plan): JsonObject | NotSendable => {
  const toolChoice = params["toolChoice"]
  if (!plan.features.samplingTools && isObject(toolChoice) && toolChoice["mode"] === "required") {
    // The caller demands a tool call; without `tools` the request would mean something else.
    return NotSendable
  }
  const out = omit(params, plan.samplingParamKeys)
  const messages = params["messages"]
  if (!Array.isArray(messages)) return out
  const projected = projectSamplingMessages(messages, plan)
  return projected === NotSendable ? NotSendable : set(out, "messages", projected)
}

// --- elicitation/create --------------------------------------------------------------------------

const projectPropertySchema = (prop: JsonObject, plan: Plan): JsonObject | NotSendable => {
  const f = plan.features
  let out = prop
  if (!f.elicitationEnumSchemas) {
    // Multi-select enums (`type: "array"`) have no earlier equivalent.
    if (prop["type"] === "array") return NotSendable
    const oneOf = prop["oneOf"]
    if (Array.isArray(oneOf)) {
      // Titled single-select → 2025-06-18 `EnumSchema { enum, enumNames }`.
      const options = oneOf.filter(isObject)
      out = {
        ...omit(prop, ["oneOf"]),
        enum: options.map((o) => String(o["const"])),
        enumNames: options.map((o) => String(o["title"] ?? o["const"]))
      }
    }
  }
  if (!f.elicitationSchemaDefaults && out["type"] !== "boolean") out = omit(out, ["default"])
  return out
}

const projectRequestedSchema = (schema: JsonObject, plan: Plan): JsonObject | NotSendable => {
  const out = omit(schema, plan.elicitationSchemaKeys)
  const properties = schema["properties"]
  if (!isObject(properties)) return out
  let nextProperties: JsonObject | undefined
  for (const [name, prop] of Object.entries(properties)) {
    if (!isObject(prop)) continue
    const next = projectPropertySchema(prop, plan)
    if (next === NotSendable) return NotSendable
    if (next !== prop) {
      nextProperties ??= { ...properties }
      nextProperties[name] = next
    }
  }
  return nextProperties === undefined ? out : set(out, "properties", nextProperties)
}

const projectElicit = (params: JsonObject, plan: Plan): JsonObject | NotSendable => {
  const mode = params["mode"]
  if (!plan.features.elicitationUrlMode && mode !== undefined && mode !== "form") return NotSendable
  const out = omit(params, plan.elicitationParamKeys)
  const schema = params["requestedSchema"]
  if (!isObject(schema)) return out
  const projected = projectRequestedSchema(schema, plan)
  return projected === NotSendable ? NotSendable : set(out, "requestedSchema", projected)
}

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/**
 * Projects the server's `ServerCapabilities` (2025-11-25 shape) to `version`: drops `tasks` before
 * 2025-11-25 and in 2026-07-28 (an extension there), and `completions` before 2025-03-26. `experimental`, `logging`, `prompts`, `resources`,
 * `tools` (and their sub-fields) exist in every supported version and are kept, as are unknown keys.
 *
 * Returns `capabilities` itself when nothing has to go (always for 2025-11-25).
 *
 * @since 0.1.0
 * @category projection
 */
export const projectServerCapabilities = <A extends object>(capabilities: A, version: ProjectedVersion): A => {
  if (version === newest) return capabilities
  return projectCapabilities(capabilities as unknown as JsonObject, planOf(version)) as unknown as A
}

/**
 * Projects an `Implementation` (our `serverInfo`) to `version`: drops `title` before 2025-06-18 and
 * `description`, `websiteUrl`, `icons` before 2025-11-25. `name` and `version` are always kept.
 *
 * Returns `info` itself when nothing has to go (always for 2025-11-25).
 *
 * @since 0.1.0
 * @category projection
 */
export const projectImplementation = <A extends object>(info: A, version: ProjectedVersion): A => {
  if (version === newest) return info
  return projectInfo(info as unknown as JsonObject, planOf(version)) as unknown as A
}

/**
 * Projects the result of the client → server request `method` to `version`.
 *
 * - `initialize`: `capabilities` via {@link projectServerCapabilities}, `serverInfo` via
 *   {@link projectImplementation}.
 * - `server/discover` (2026-07-28): `capabilities` via {@link projectServerCapabilities} (no `tasks`).
 * - `tools/list`: per tool drops `title`, `outputSchema`, `_meta` (< 2025-06-18), `annotations`
 *   (< 2025-03-26), `execution`, `icons` (< 2025-11-25); for 2025-03-26 a `title` moves to
 *   `annotations.title` when that is unset; an `outputSchema` whose root is not an object type is
 *   wrapped as `{ result: ... }` for 2025-06-18 and 2025-11-25 (see {@link legacyOutputSchema}).
 * - `tools/call`: drops `structuredContent` (< 2025-06-18, adding a JSON text block if no content
 *   block is left); projects each content block (see `resources/read` for embedded resources):
 *   `audio` → text (2024-11-05), `resource_link` → text (< 2025-06-18), block `_meta`
 *   (< 2025-06-18), `annotations.lastModified` (< 2025-06-18), ResourceLink `title`/`icons` as for
 *   resources.
 * - `resources/list`, `resources/templates/list`: drops `title`, `_meta` (< 2025-06-18), `icons`
 *   (< 2025-11-25), `annotations.lastModified` (< 2025-06-18). (`size`, `annotations` are in every
 *   version.)
 * - `resources/read`: drops `_meta` on each contents entry (< 2025-06-18).
 * - `prompts/list`: drops `title`, `_meta`, `arguments[].title` (< 2025-06-18), `icons`
 *   (< 2025-11-25).
 * - `prompts/get`: projects each message's content block like `tools/call`.
 * - `completion/complete` and every other method: returned unchanged.
 *
 * For 2026-07-28 it adds `resultType`, the caching hints of cacheable methods and, given
 * `serverInfo`, `_meta["io.modelcontextprotocol/serverInfo"]` (unless the result set it).
 *
 * Every version before 2026-07-28 drops the fields only 2026-07-28 defines on a result; for
 * 2025-11-25 that (with the `outputSchema` and `structuredContent` wrapping) is all it does: see
 * {@link projectLatestResult}.
 *
 * Returns `result` itself when nothing has to change.
 *
 * @since 0.1.0
 * @category projection
 */
export const projectResult = <A extends object>(
  method: string,
  result: A,
  version: ProjectedVersion,
  serverInfo?: Implementation | undefined
): A => {
  if (version === newest) return projectLatestResult(method, result)
  const plan = planOf(version)
  // Measured (--cpu-prof of the echo server under 200,000 2026-07-28 tools/call over HTTP): walking
  // a result no rule changes, projectResult took 57 ms; skipping the walk, 14 ms.
  let projected = plan.unchangedResults.has(method)
    ? omit(result as unknown as JsonObject, plan.resultKeys)
    : projectResultWith(method, result as unknown as JsonObject, plan)
  if (plan.objectOutputSchema && method === "tools/call") projected = withObjectStructuredContent(projected)
  return (version === v2026_07_28.version ? completeResult(method, projected, serverInfo) : projected) as unknown as A
}

/**
 * The result of the client → server request `method` as a 2025-11-25 client takes it: the fast
 * path of {@link projectResult}, for the session that answers at that version. It changes only
 * what that version's schema does not allow, whatever built the result (a tool, a middleware, a
 * `LowLevelServer`'s handler, a proxy):
 *
 * - the fields only 2026-07-28 defines on a result (`resultType`, `ttlMs`, `cacheScope`,
 *   `inputRequests`, `requestState`) are dropped;
 * - a `tools/list` tool's `outputSchema` whose root is not an object is wrapped
 *   ({@link legacyOutputSchema});
 * - the `structuredContent` of a `tools/call` result, or of a task's tool result fetched by
 *   `tasks/result`, that is not an object is sent as `{ result: <value> }`
 *   ({@link withObjectStructuredContent}).
 *
 * Returns `result` itself when nothing changes: five property reads (six for `tools/call` and
 * `tasks/result`), no allocation.
 *
 * @since 0.2.0
 * @category projection
 */
export const projectLatestResult = <A extends object>(method: string, result: A): A => {
  if (method === "tools/list") return projectResultWith(method, result as unknown as JsonObject, planOf(newest)) as unknown as A
  const cleaned = hasModernResultField(result as { readonly [key: string]: unknown }) ? withoutModernResultFields(result) : result
  return method === "tools/call" || method === "tasks/result" ? withObjectStructuredContent(cleaned) : cleaned
}

/**
 * Whether `result` may have one of the fields only 2026-07-28 defines on a result: five property
 * reads (measured: `Object.hasOwn` five times cost ~90 ns per answer of an in-memory session
 * under load, ~10% of it; reads of a result shape the call site has seen cost next to nothing).
 * A field set to `undefined` is not sent (JSON has no `undefined`), so it does not count.
 */
const hasModernResultField = (result: { readonly [key: string]: unknown }): boolean =>
  result["resultType"] !== undefined || result["ttlMs"] !== undefined || result["cacheScope"] !== undefined ||
  result["inputRequests"] !== undefined || result["requestState"] !== undefined

/**
 * A result built by hand as a client of 2025-11-25 or earlier may get it: without the fields only
 * 2026-07-28 defines (`resultType`, `ttlMs`, `cacheScope`, `inputRequests`, `requestState`).
 * Returns `result` itself when it has none. {@link projectResult} (and
 * {@link projectLatestResult}, its 2025-11-25 fast path) does this to every result of those
 * versions; the places that take a handler's whole result (`tools/call`, `prompts/get`,
 * `resources/read`) do it too, so that the middleware around them sees what will be sent.
 *
 * @since 0.2.0
 * @category projection
 */
export const withoutModernResultFields = <A extends object>(result: A): A =>
  omit(result as unknown as JsonObject, v2026_07_28.resultKeys) as unknown as A

/**
 * The 2026-07-28 additions to a result: `resultType` (`"complete"` unless the result already says
 * otherwise, e.g. `"input_required"`), and on a complete result of a cacheable method the caching
 * hints (SEP-2549) when the handler set none (or a value clients refuse: not an integer ≥ 0, not
 * `"public"` / `"private"`; as the SDK v2 server does): `ttlMs: 0` (stale at once: lists change at
 * run time and are announced by list-changed notifications) and `cacheScope: "private"` (results may depend
 * on the caller's authorization); and the server's identity in `_meta` under
 * `io.modelcontextprotocol/serverInfo`, which servers SHOULD put on every result (the SDK v2 server
 * does too).
 */
const completeResult = (method: string, result: JsonObject, serverInfo: Implementation | undefined): JsonObject => {
  const resultType = result["resultType"]
  const cacheable = (resultType === undefined || resultType === "complete") && v2026_07_28.cacheableMethods.has(method)
  const needsHints = cacheable && (!isTtlMs(result["ttlMs"]) || !isCacheScope(result["cacheScope"]))
  const meta = result["_meta"]
  const needsServerInfo = serverInfo !== undefined &&
    (meta === undefined || (isObject(meta) && meta[serverInfoKey] === undefined))
  if (resultType !== undefined && !needsHints && !needsServerInfo) return result
  // The usual result (a call's: no `resultType`, no hints, no `_meta`): one literal, the same keys
  // in the same order as below, without a property added to the copy afterwards. The identity is
  // the copy's last key, where `JsonRpc.stringify` writes its text (`internal/identityMeta.ts`): a
  // result's own `_meta: undefined` would keep its place in the spread, so it takes the path below.
  if (resultType === undefined && !needsHints && meta === undefined && needsServerInfo && !("_meta" in result)) {
    return { ...result, resultType: "complete", _meta: identityMeta(serverInfo!) }
  }
  const out: JsonObject = resultType === undefined ? { ...result, resultType: "complete" } : { ...result }
  if (needsHints) {
    if (!isTtlMs(out["ttlMs"])) out["ttlMs"] = 0
    if (!isCacheScope(out["cacheScope"])) out["cacheScope"] = "private"
  }
  // The handler's own `_meta` entries are kept (a key it set itself wins); a `_meta` that is not
  // an object is left for the client to refuse, never replaced.
  if (needsServerInfo) {
    if (meta === undefined) {
      // Last (see above): a `_meta: undefined` of the result's own, copied in its place, taken out first.
      delete out["_meta"]
      out["_meta"] = identityMeta(serverInfo!)
    } else out["_meta"] = { ...(meta as JsonObject), [serverInfoKey]: serverInfo }
  }
  return out
}

const serverInfoKey = v2026_07_28.metaKeys.serverInfo

/** A `ttlMs` a client takes: an integer ≥ 0 (another value makes it refuse the whole result). */
const isTtlMs = (value: unknown): boolean => typeof value === "number" && Number.isSafeInteger(value) && value >= 0

/** A `cacheScope` a client takes. */
const isCacheScope = (value: unknown): boolean => value === "public" || value === "private"

/**
 * Projects a JSON-RPC error object to `version`: in 2026-07-28 resource-not-found is -32602 with
 * `data.uri` (SEP-2164) instead of -32002, and URL-elicitation-required (-32042, retired: a
 * request asks for input with MRTR, which `tools/call`, `prompts/get` and `resources/read` do
 * with it) is -32603 elsewhere. Returns `error` itself when nothing changes.
 *
 * @since 0.2.0
 * @category projection
 */
export const projectError = <A extends { readonly code: number }>(error: A, version: ProjectedVersion): A =>
  version !== v2026_07_28.version
    ? error
    : error.code === ErrorCode.ResourceNotFound
    ? { ...error, code: ErrorCode.InvalidParams }
    : error.code === ErrorCode.UrlElicitationRequired
    ? { ...error, code: ErrorCode.InternalError }
    : error

/**
 * Projects the `params` of a server → client request `method` to `version`, or reports that the
 * request cannot be sent under it.
 *
 * - `sampling/createMessage`: drops `task` (< 2025-11-25; receivers without task support ignore it
 *   anyway), `tools` / `toolChoice` (< 2025-11-25) and `SamplingMessage._meta`; splits array content
 *   into single-block messages; projects blocks like `tools/call`. {@link NotSendable} when a
 *   message holds `tool_use` / `tool_result` content or `toolChoice.mode` is `"required"`
 *   (< 2025-11-25), or a message holds audio (2024-11-05). (A session never sends `tools` or
 *   `toolChoice` before 2025-11-25: `Negotiation.requiredClientCapability` refuses such a request
 *   first, `sampling.tools`, since without them it would ask something else.)
 * - `elicitation/create`: {@link NotSendable} before 2025-06-18 and, before 2025-11-25, for URL mode
 *   or a multi-select enum property. Otherwise drops `mode`, `task`, `requestedSchema.$schema` and
 *   non-boolean `default`s, and turns titled enums into `enum` + `enumNames` (< 2025-11-25). (A
 *   session never sends URL mode before 2025-11-25: `Negotiation.requiredClientCapability` refuses
 *   it first, `elicitation.url`.)
 * - `tasks/get`, `tasks/result`, `tasks/list`, `tasks/cancel`: {@link NotSendable} before 2025-11-25.
 * - `ping`, `roots/list` and unknown methods: returned unchanged.
 *
 * Returns `params` itself when nothing has to change (always for 2025-11-25).
 *
 * @since 0.1.0
 * @category projection
 */
export const projectServerRequest = <A extends object | undefined>(
  method: string,
  params: A,
  version: ProjectedVersion
): A | NotSendable => {
  if (version === newest) return params
  const plan = planOf(version)
  switch (method) {
    case "sampling/createMessage":
      return isObject(params) ? (projectCreateMessage(params, plan) as A | NotSendable) : params
    case "elicitation/create":
      if (!plan.features.elicitation) return NotSendable
      return isObject(params) ? (projectElicit(params, plan) as A | NotSendable) : params
    case "tasks/get":
    case "tasks/result":
    case "tasks/list":
    case "tasks/cancel":
      return plan.features.taskMethods ? params : NotSendable
    default:
      return params
  }
}

/**
 * Projects the `params` of a server → client notification `method` to `version`, or reports that
 * the notification cannot be sent under it.
 *
 * - `notifications/progress`: drops `message` (2024-11-05).
 * - `notifications/cancelled`: {@link NotSendable} without a `requestId` before 2025-11-25 and in
 *   2026-07-28 (it is required there).
 * - `notifications/elicitation/complete`, `notifications/tasks/status`: {@link NotSendable} before
 *   2025-11-25.
 * - `notifications/message`, `notifications/resources/updated`, the `list_changed` notifications
 *   and unknown methods: returned unchanged.
 *
 * Returns `params` itself when nothing has to change (always for 2025-11-25).
 *
 * @since 0.1.0
 * @category projection
 */
export const projectServerNotification = <A extends object | undefined>(
  method: string,
  params: A,
  version: ProjectedVersion
): A | NotSendable => {
  if (version === newest) return params
  const plan = planOf(version)
  const f = plan.features
  switch (method) {
    case "notifications/progress":
      return isObject(params) ? (omit(params, plan.progressKeys) as A) : params
    case "notifications/cancelled": {
      if (f.cancelledWithoutRequestId) return params
      const requestId = isObject(params) ? params["requestId"] : undefined
      return typeof requestId === "string" || typeof requestId === "number" ? params : NotSendable
    }
    case "notifications/elicitation/complete":
      return f.elicitationCompleteNotification ? params : NotSendable
    case "notifications/tasks/status":
      return f.taskMethods ? params : NotSendable
    default:
      return params
  }
}
