/**
 * What a server offers, read without serving it: `effect-mcp inspect <file> [--json]`.
 *
 * The server's Layer (its options and components, see {@link ServerModule}) is built in a scope,
 * its registries and its low-level server are read, and the scope is closed: no transport is
 * opened and no session runs. The description holds what a client would learn from
 * `initialize` (or, in MCP 2026-07-28, `server/discover`) and the list methods: server info,
 * instructions, capabilities in both eras, and every tool, resource, resource template and prompt
 * with its JSON Schemas.
 *
 * @stability experimental
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type {
  Implementation,
  Prompt,
  Resource,
  ResourceTemplate,
  ServerCapabilities,
  Tool
} from "../protocol/McpSchema.ts"
import * as ProtocolVersion from "../protocol/ProtocolVersion.ts"
import { projectImplementation, projectResult, projectServerCapabilities } from "../protocol/versions/Projection.ts"
import * as McpServer from "../server/McpServer.ts"
import { isObject } from "../server/internal/contentBlock.ts"
import { injectedToolsOf } from "../server/internal/injectedTools.ts"
import type { ServerModule } from "./ServerModule.ts"

/**
 * A server as a client would see it, in the 2025-11-25 shapes (`--json` prints it as is).
 *
 * @stability experimental
 * @category models
 * @since 0.2.0
 */
export interface Description {
  readonly serverInfo: Implementation
  readonly instructions?: string | undefined
  /** The protocol versions the server speaks, newest first. */
  readonly protocolVersions: ReadonlyArray<string>
  /**
   * The capabilities `initialize` gives a client of the newest handshake-era version the server
   * serves (a server of 2026-07-28 alone answers no `initialize`: 2025-11-25's then).
   */
  readonly capabilities: ServerCapabilities
  /**
   * The capabilities `server/discover` advertises to MCP 2026-07-28 clients: the extensions
   * declared to that version (the tasks extension) included, no `tasks` capability.
   */
  readonly modernCapabilities: ServerCapabilities
  /**
   * The lists, as the list methods give them to the client {@link Description.capabilities} is
   * for (a tool whose `success` is not an object has its `outputSchema` wrapped as `{ result }`,
   * as before 2026-07-28; a server of 2026-07-28 alone: as its clients get them, without a tool's
   * `execution`). {@link Description.serverInfo} is that client's too.
   */
  readonly tools: ReadonlyArray<Tool>
  readonly resources: ReadonlyArray<Resource>
  readonly resourceTemplates: ReadonlyArray<ResourceTemplate>
  readonly prompts: ReadonlyArray<Prompt>
}

/**
 * Builds the server of `module` in a scope and describes it; fails as its components fail.
 *
 * **Gotchas**
 *
 * The components' Layers run (a component that connects to a database at build time connects);
 * background work they fork is interrupted when the description is made. Resources that a
 * template lists at request time are not included (they need a request).
 *
 * @stability experimental
 * @category constructors
 * @since 0.2.0
 */
export const describe = <E>(module: ServerModule<E>): Effect.Effect<Description, E> =>
  Effect.scoped(Effect.gen(function*() {
    const built = yield* Layer.build(Layer.provideMerge(module.components, McpServer.McpServer.layer(module.options)))
    const server = Context.get(built, McpServer.McpServer)
    const lowLevel = server.lowLevel()
    const description = lowLevel.description
    const modernCapabilities = lowLevel.modernCapabilities()
    // `execution` is sent only when the server runs tasks (as `tools/list` does).
    const tasks = description.capabilities.tasks?.requests?.tools !== undefined
    // The tools a middleware serves (`ToolInjection`), as it lists them: after the registered
    // ones, shadowing those of their names, without `execution` (they never run as tasks), the
    // `tools` capability advertised for them. (They were left out, and the tools they shadow
    // described in their place.) What `ToolInjection` records is its compiled tools.
    const injected = injectedToolsOf(server) as unknown as ReadonlyArray<{ readonly name: string; readonly wire: Tool }>
    const shadowed = new Set(injected.map((tool) => tool.name))
    const own = shadowed.size === 0 ? server.tools.list() : server.tools.list().filter((entry) => !shadowed.has(entry.value.name))
    const withInjected = injected.length > 0 && description.capabilities.tools === undefined
      ? { ...description.capabilities, tools: {} }
      : description.capabilities
    // As `initialize` gives them to a client of the newest handshake version served: one older than
    // 2025-11-25 has no `tasks` capability, for one.
    const newestLegacy = (module.options.supportedVersions ?? ProtocolVersion.supported)[0]
    const capabilities = newestLegacy === undefined ? withInjected : projectServerCapabilities(withInjected, newestLegacy)
    // The lists as that client gets them too: a tool's `outputSchema` whose root is not an object
    // (2026-07-28's, SEP-2106) wrapped as `{ result }`, what a version before it lacks left out
    // (`execution`, `title`, `icons`). They were the components' own: a tool's array-root schema
    // beside 2025-11-25's capabilities, whose clients get it wrapped.
    // A server of 2026-07-28 alone: as its clients get them (no `execution`: tasks are an extension there).
    const listVersion = newestLegacy ?? ProtocolVersion.modern[0]!
    const listed = <A>(method: string, key: string, items: Array<A>): Array<A> =>
      (projectResult(method, { [key]: items }, listVersion) as { readonly [key: string]: Array<A> })[key]!
    return {
      // As `initialize` gives it too (a 2025-06-18 client gets no `description`, `websiteUrl`, `icons`).
      serverInfo: projectImplementation(description.serverInfo, listVersion),
      ...(description.instructions !== undefined ? { instructions: description.instructions } : {}),
      protocolVersions: [
        ...ProtocolVersion.modern,
        ...(module.options.supportedVersions ?? ProtocolVersion.supported)
      ],
      capabilities,
      modernCapabilities: injected.length > 0 && modernCapabilities.tools === undefined
        ? { ...modernCapabilities, tools: {} }
        : modernCapabilities,
      tools: listed("tools/list", "tools", [
        ...yield* described("tool", own, (tool) => tasks ? tool.wire : withoutExecution(tool.wire)),
        ...yield* described("tool", injected.map((tool) => ({ key: tool.name, value: tool })), (tool) => withoutExecution(tool.wire))
      ]),
      resources: listed("resources/list", "resources", yield* described("resource", server.resources.list(), (resource) => resource.wire)),
      resourceTemplates: listed(
        "resources/templates/list",
        "resourceTemplates",
        yield* described("resource template", server.templates.list(), (template) => template.wire)
      ),
      prompts: listed("prompts/list", "prompts", yield* described("prompt", server.prompts.list(), (prompt) => prompt.wire))
    } satisfies Description
  }))

/**
 * The wire descriptions of a registry's components; one whose description throws as it is built
 * (a Schema Effect cannot turn into JSON Schema) is left out and said on stderr, naming it, as the
 * server leaves it out of its lists (it ended `inspect` with an unnamed TypeError).
 */
const described = <A, W>(
  kind: string,
  entries: ReadonlyArray<{ readonly key: string; readonly value: A }>,
  wire: (component: A) => W
): Effect.Effect<Array<W>> =>
  Effect.suspend(() => {
    const out: Array<W> = []
    const failed: Array<string> = []
    for (const entry of entries) {
      try {
        out.push(wire(entry.value))
      } catch (error) {
        failed.push(`effect-mcp inspect: ${kind} ${entry.key} cannot be described (left out): ${error instanceof Error ? error.message : String(error)}`)
      }
    }
    return failed.length === 0 ? Effect.succeed(out) : Effect.as(Effect.forEach(failed, (line) => Effect.logWarning(line), { discard: true }), out)
  })

/**
 * A description as text for people: the server, its capabilities, then each component with a
 * one-line summary of every parameter (name, type, required or not, description). Optional tool
 * parameters and prompt arguments are marked as TypeScript marks them (`strict?: boolean`,
 * `language?`), required ones are not (prompt arguments are strings: no type is printed).
 *
 * @stability experimental
 * @category formatting
 * @since 0.2.0
 */
export const formatText = (description: Description): string => {
  const lines: Array<string> = []
  const info = description.serverInfo
  lines.push(`${info.title !== undefined ? `${info.title} (${info.name})` : info.name} ${info.version}`)
  if (info.description !== undefined) lines.push(`  ${info.description}`)
  lines.push(`protocol versions: ${description.protocolVersions.join(", ")}`)
  // The handshake era's capabilities, then 2026-07-28's where they differ (the tasks extension
  // for the `tasks` capability); a server of 2026-07-28 alone has only those.
  const handshake = description.protocolVersions.some((version) => !ProtocolVersion.isModern(version))
  const legacy = formatCapabilities(description.capabilities)
  const modern = formatCapabilities(description.modernCapabilities)
  if (handshake) lines.push(`capabilities: ${legacy}`)
  if (!handshake || modern !== legacy) lines.push(`capabilities (${ProtocolVersion.modern[0]}): ${modern}`)
  if (description.instructions !== undefined) lines.push(`instructions: ${description.instructions}`)

  lines.push("", `tools (${description.tools.length})`)
  for (const tool of description.tools) {
    lines.push(`  ${tool.name}${summary(tool.title, tool.description)}`)
    lines.push(...formatSchema("input", tool.inputSchema))
    if (tool.outputSchema !== undefined) lines.push(...formatSchema("output", tool.outputSchema))
    const hints = [
      ...Object.entries(tool.annotations ?? {}).filter(([key, value]) => key.endsWith("Hint") && value === true).map(([key]) => key),
      ...(tool.execution?.taskSupport !== undefined ? [`taskSupport: ${tool.execution.taskSupport}`] : [])
    ]
    if (hints.length > 0) lines.push(`    (${hints.join(", ")})`)
  }
  lines.push("", `resources (${description.resources.length})`)
  for (const resource of description.resources) {
    lines.push(`  ${resource.uri}${resource.mimeType !== undefined ? ` [${resource.mimeType}]` : ""}${summary(resource.title ?? resource.name, resource.description)}`)
  }
  // The registered ones only: what a template's `list` gives (resources/list lists it too) comes
  // from its handler, which inspect does not run; "resources (0)" read as "lists nothing".
  if (description.resourceTemplates.length > 0) {
    lines.push("  (and, in resources/list, what the templates' list gives at run time: not read here)")
  }
  lines.push("", `resource templates (${description.resourceTemplates.length})`)
  for (const template of description.resourceTemplates) {
    lines.push(
      `  ${template.uriTemplate}${template.mimeType !== undefined ? ` [${template.mimeType}]` : ""}${summary(template.title ?? template.name, template.description)}`
    )
  }
  lines.push("", `prompts (${description.prompts.length})`)
  for (const prompt of description.prompts) {
    lines.push(`  ${prompt.name}${summary(prompt.title, prompt.description)}`)
    for (const argument of prompt.arguments ?? []) {
      lines.push(`    ${argument.name}${argument.required === true ? "" : "?"}${argument.description !== undefined ? `  ${argument.description}` : ""}`)
    }
  }
  return lines.join("\n")
}

// ---------------------------------------------------------------------------
// Internal
// ---------------------------------------------------------------------------

const withoutExecution = (tool: Tool): Tool => {
  if (tool.execution === undefined) return tool
  const { execution: _, ...rest } = tool
  return rest
}

const summary = (title: string | undefined, description: string | undefined): string => {
  const parts = [title, description].filter((part): part is string => part !== undefined && part !== "")
  return parts.length === 0 ? "" : `  ${parts.join(": ")}`
}

const formatCapabilities = (capabilities: ServerCapabilities): string => {
  const parts: Array<string> = []
  for (const [name, value] of Object.entries(capabilities)) {
    if (value === undefined) continue
    const flags = typeof value === "object" && value !== null
      ? Object.entries(value).filter(([, flag]) => flag !== undefined && flag !== false).map(([flag]) => flag)
      : []
    parts.push(flags.length === 0 ? name : `${name} (${flags.join(", ")})`)
  }
  return parts.length === 0 ? "none" : parts.join(", ")
}

/** The lines of an object schema: one per property; anything else as compact JSON. */
const formatSchema = (label: string, schema: unknown): Array<string> => {
  const properties = isObject(schema) && isObject(schema.properties) ? Object.entries(schema.properties) : undefined
  if (properties === undefined || !isObject(schema)) return [`    ${label}: ${JSON.stringify(schema)}`]
  if (properties.length === 0) return [`    ${label}: (none)`]
  const required = new Set(Array.isArray(schema.required) ? schema.required : [])
  return [
    `    ${label}:`,
    ...properties.map(([name, property]) => {
      const description = isObject(property) && typeof property.description === "string" ? `  ${property.description}` : ""
      return `      ${name}${required.has(name) ? "" : "?"}: ${typeName(property)}${description}`
    })
  ]
}

/** A short name of a JSON Schema's type (`string`, `"a" | "b"`, `number[]`, `object`…). */
const typeName = (schema: unknown, depth = 0): string => {
  if (!isObject(schema)) return schema === true ? "any" : "never"
  if (depth > 3) return "…"
  if ("const" in schema) return JSON.stringify(schema.const)
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => JSON.stringify(value)).join(" | ")
  const union = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : undefined
  if (union !== undefined) return union.map((member) => typeName(member, depth + 1)).join(" | ")
  if (typeof schema.$ref === "string") return schema.$ref.slice(schema.$ref.lastIndexOf("/") + 1)
  const type = Array.isArray(schema.type) ? schema.type.join(" | ") : typeof schema.type === "string" ? schema.type : "any"
  if (type === "array") return `${typeName(schema.items ?? true, depth + 1)}[]`
  return type
}
