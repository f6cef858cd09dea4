/**
 * The check of `McpServer`'s options that are not numbers (the numbers have the shared check of
 * `internal/options.ts`), made once, when the server is built: for values no type checked (a
 * module in JavaScript, options read from a configuration file, `as` casts). Each such value went
 * through unseen and broke something later, far from where it was given: `supportedVersions: 5`
 * made every `initialize` fail (-32603) and `effect-mcp inspect` crash (`not iterable`); a version
 * misspelt refused every client, or answered `initialize` with a version nobody speaks; an
 * empty `name` named the server nothing; a `version` or an `icons` entry of the wrong type made the
 * SDK clients refuse `initialize`; `maskErrors: "false"` (a string, from an environment variable)
 * masked errors; a `capabilities` typo (`tool: true`) advertised nothing.
 *
 * A value not what its option takes is a `TypeError`, `<who>: <option> must be <what it takes>, not
 * <what it is>` (the form of `wireFields.ts`), thrown where the server is built (its Layer dies with
 * it), never when a request comes.
 *
 * @internal
 */
import { isObject } from "effect/Predicate"
import { clip } from "../../internal/clip.ts"
import * as NumericOptions from "../../internal/options.ts"
import { checkBoolean as sharedCheckBoolean, notWhat as sharedNotWhat, shownValue } from "../../internal/optionChecks.ts"
import * as Schemas from "../../protocol/internal/mcpSchemas.ts"
import * as ProtocolVersion from "../../protocol/ProtocolVersion.ts"
import { checkIcons, checkText, invalid } from "./wireFields.ts"

/** What `supportedVersions` takes, as the message says it. */
const versionsText = `an array of the protocol versions served among ${
  ProtocolVersion.supported.join(", ")
}, newest first (${ProtocolVersion.modern.join(", ")} is served whatever it says; [] serves it alone)`

/** The kinds `capabilities` may advertise before any is registered. */
const capabilityKinds: ReadonlyArray<string> = ["tools", "resources", "prompts"]

/** A value as the server's messages show it: an array listed (its first 8), else as `shownValue` shows it. */
const shown = (value: unknown): string =>
  Array.isArray(value) ? `[${value.slice(0, 8).map(shown).join(", ")}${value.length > 8 ? ", …" : ""}]` : shownValue(value)

/** The error for `option` of `who` that is not `expected`, the value shown as {@link shown} shows it. */
const notWhat = (who: string, option: string, expected: string, value: unknown): TypeError =>
  sharedNotWhat(who, option, expected, value, shown)

/** An optional boolean option. */
const checkBoolean = (who: string, option: string, value: unknown): void => sharedCheckBoolean(who, option, value, shown)

/**
 * Throws a `TypeError` naming the first option of `options` (`McpServer.Options`) that is not what
 * it takes: `name` (a string that is not blank), `version` (a string), `title`, `description`,
 * `websiteUrl` and `instructions` (strings), `icons`, `maskErrors`, `dereferenceSchemas` and `logging` (booleans),
 * `capabilities` (`tools`, `resources`, `prompts`: booleans), `middleware` (an array of
 * middleware), `supportedVersions` (see {@link versionsText}), `unsupportedVersion` (`"latest"` or
 * `"reject"`) and the shape of `requestState` (its key lengths and time to live are
 * `checkRequestState`'s). `undefined` is the default of every optional one.
 */
export const checkServerOptions = (who: string, options: unknown): void => {
  if (!isObject(options)) throw invalid(who, "options", "an object (at least { name, version })", options)
  const { name, version } = options
  if (typeof name !== "string") throw notWhat(who, "name", "a string", name)
  // The server's name to every client (and what makes replicas one server on shared stores).
  if (name.trim() === "") throw new TypeError(`${who}: name must name the server, not ${shown(name)}`)
  if (typeof version !== "string") throw notWhat(who, "version", "a string", version)
  for (const option of ["title", "description", "websiteUrl", "instructions"] as const) checkText(who, option, options[option])
  if (options.icons !== undefined) checkIcons(who, options.icons)
  checkBoolean(who, "maskErrors", options.maskErrors)
  checkBoolean(who, "dereferenceSchemas", options.dereferenceSchemas)
  checkCapabilities(who, options.capabilities)
  checkShared(who, options)
}

/**
 * Every check `McpServer` makes of its options where it is built: {@link checkServerOptions}, then
 * the numeric ones (`pageSize`, `maxSubscriptionsPerSession`: a `RangeError`), then `tasks` (made
 * by `McpServer.tasks()`: plain options, the form before 0.2.0, are an `Error` saying so). `effect-mcp install`
 * makes them too: a server its client could not start (its build dies) is not written into the
 * client's configuration.
 */
export const checkMcpServerOptions = (who: string, options: unknown): void => {
  checkServerOptions(who, options)
  const checked = options as {
    readonly pageSize?: unknown
    readonly maxSubscriptionsPerSession?: unknown
    readonly maxListenStreamsPerPrincipal?: unknown
    readonly maxListenStreamsPerAddress?: unknown
    readonly tasks?: unknown
  }
  NumericOptions.checkAll(who, checked, {
    pageSize: NumericOptions.integer(1),
    maxSubscriptionsPerSession: NumericOptions.limit(0),
    maxListenStreamsPerPrincipal: NumericOptions.limit(1),
    maxListenStreamsPerAddress: NumericOptions.limit(1)
  })
  // Plain options (the form before 0.2.0) pass unchecked where types are stripped, not checked.
  if (checked.tasks !== undefined && !(isObject(checked.tasks) && typeof checked.tasks.make === "function")) {
    throw new Error(`${who}: options.tasks takes McpServer.tasks(options?): write tasks: McpServer.tasks() where it was tasks: {}`)
  }
}

/** The options `McpServer` and `LowLevelServer` share. */
const checkShared = (who: string, options: { readonly [key: string]: unknown }): void => {
  checkBoolean(who, "logging", options.logging)
  checkMiddleware(who, options.middleware)
  checkVersions(who, options.supportedVersions)
  const unsupported = options.unsupportedVersion
  if (unsupported !== undefined && unsupported !== "latest" && unsupported !== "reject") {
    throw notWhat(who, "unsupportedVersion", `"latest" or "reject"`, unsupported)
  }
  checkRequestStateShape(who, options.requestState)
}

/**
 * Throws a `TypeError` naming the first option of `options` (`LowLevelServer.Options`) that is not
 * what it takes, as {@link checkServerOptions} does for `McpServer`'s: `serverInfo` (`name`, a
 * string that is not blank, `version`, a string, and its descriptive fields), `instructions`,
 * `handlers` and `notificationHandlers` (functions, by the name of a core client request or
 * notification: a misspelt method, or an extension's, registered nothing and was answered
 * -32601), `taskRequests` (client request methods), `listChanged` (booleans by list), `experimental`
 * and the shared ones (`logging`, `middleware`, `supportedVersions`, `unsupportedVersion`,
 * `requestState`), `extensions` (an array of extensions), `modernMethods` (methods:
 * `{ params, handler }`) and `latest` (a function). Made once per low-level server built.
 */
export const checkLowLevelOptions = (who: string, options: unknown): void => {
  if (!isObject(options)) throw invalid(who, "options", "an object (at least { serverInfo, handlers })", options)
  const info = options.serverInfo
  if (!isObject(info)) throw notWhat(who, "serverInfo", "an object: { name, version, title?, ... }", info)
  if (typeof info.name !== "string") throw notWhat(who, "serverInfo.name", "a string", info.name)
  if (info.name.trim() === "") throw new TypeError(`${who}: serverInfo.name must name the server, not ${shown(info.name)}`)
  if (typeof info.version !== "string") throw notWhat(who, "serverInfo.version", "a string", info.version)
  for (const field of ["title", "description", "websiteUrl"] as const) checkText(who, `serverInfo.${field}`, info[field])
  if (info.icons !== undefined) checkIcons(`${who}: serverInfo`, info.icons)
  checkText(who, "instructions", options.instructions)
  checkHandlers(who, "handlers", options.handlers, Schemas.ClientRequests, "a client request (an extension's go in extensions, MCP 2026-07-28's in modernMethods)")
  if (options.notificationHandlers !== undefined) {
    checkHandlers(who, "notificationHandlers", options.notificationHandlers, Schemas.ClientNotifications, "a client notification")
  }
  const taskRequests = options.taskRequests
  if (taskRequests !== undefined) {
    if (!Array.isArray(taskRequests)) throw notWhat(who, "taskRequests", "an array of client request methods", taskRequests)
    taskRequests.forEach((method: unknown, i) => {
      if (typeof method !== "string" || !Object.hasOwn(Schemas.ClientRequests, method)) {
        throw notWhat(who, `taskRequests[${i}]`, "a client request method (\"tools/call\")", method)
      }
    })
  }
  checkBooleansByKind(who, "listChanged", options.listChanged)
  const experimental = options.experimental
  if (experimental !== undefined) {
    if (!isObject(experimental)) throw notWhat(who, "experimental", "an object of objects", experimental)
    for (const [key, value] of Object.entries(experimental)) {
      if (!isObject(value)) throw notWhat(who, `experimental[${JSON.stringify(clip(key, 64))}]`, "an object", value)
    }
  }
  checkShared(who, options)
  const extensions = options.extensions
  if (extensions !== undefined) {
    if (!Array.isArray(extensions)) throw notWhat(who, "extensions", "an array of extensions (Extension.make(...))", extensions)
    extensions.forEach((extension: unknown, i) => {
      if (!isObject(extension) || typeof extension.id !== "string") {
        throw notWhat(who, `extensions[${i}]`, "an extension (Extension.make(...))", extension)
      }
    })
  }
  const modernMethods = options.modernMethods
  if (modernMethods !== undefined) {
    if (!isObject(modernMethods)) throw notWhat(who, "modernMethods", "an object of methods: { params, handler }", modernMethods)
    for (const [name, method] of Object.entries(modernMethods)) {
      // `params` not read: it may be a getter that builds its Schema at the first request.
      if (!isObject(method) || typeof method.handler !== "function" || !("params" in method)) {
        throw notWhat(who, `modernMethods[${JSON.stringify(clip(name, 64))}]`, "a method: { params, handler }", method)
      }
    }
  }
  if (options.latest !== undefined && typeof options.latest !== "function") {
    throw notWhat(who, "latest", "a function", options.latest)
  }
}

/** `handlers` / `notificationHandlers`: functions (or `undefined`) by the name of a method of `methods`. */
const checkHandlers = (who: string, option: string, handlers: unknown, methods: object, what: string): void => {
  if (!isObject(handlers)) throw notWhat(who, option, "an object of handlers by method", handlers)
  for (const [method, handler] of Object.entries(handlers)) {
    const name = `${option}[${JSON.stringify(clip(method, 64))}]`
    if (!Object.hasOwn(methods, method)) throw new TypeError(`${who}: ${name} is no method of MCP: it takes ${what}`)
    if (handler !== undefined && typeof handler !== "function") throw notWhat(who, name, "a function", handler)
  }
}

const checkCapabilities = (who: string, capabilities: unknown): void => checkBooleansByKind(who, "capabilities", capabilities)

/**
 * An optional object of booleans by list kind (`capabilities`, `listChanged`). A misspelt kind
 * (`tool`), or a wire capability (`logging`: see the `logging` option), advertised nothing; the
 * wire's form (`tools: { listChanged: true }`) is not these options': the server says that itself.
 */
const checkBooleansByKind = (who: string, option: string, value: unknown): void => {
  if (value === undefined) return
  const expected = "an object of booleans: { tools?, resources?, prompts? }"
  if (!isObject(value)) throw notWhat(who, option, expected, value)
  for (const [kind, flag] of Object.entries(value)) {
    if (!capabilityKinds.includes(kind)) {
      throw new TypeError(`${who}: ${option} must be ${expected}; ${JSON.stringify(clip(kind, 64))} is none of them`)
    }
    checkBoolean(who, `${option}.${kind}`, flag)
  }
}

const checkMiddleware = (who: string, middleware: unknown): void => {
  if (middleware === undefined) return
  const expected = "an array of middleware (Middleware.make(name, hooks))"
  if (!Array.isArray(middleware)) throw notWhat(who, "middleware", expected, middleware)
  middleware.forEach((m: unknown, i) => {
    checkNotMaker(who, `middleware[${i}]`, m)
    // A middleware Layer (`McpServer.middleware(...)`) goes with the components, not here.
    if (!isObject(m) || typeof m.name !== "string") {
      throw notWhat(who, `middleware[${i}]`, "a middleware (Middleware.make(name, hooks); a middleware Layer goes with the components)", m)
    }
  })
}

/**
 * Throws a `TypeError` naming the first of `middlewares` that is not a middleware, where
 * `McpServer.middleware(...)` takes them (and `middlewareFrom` makes them).
 */
export const checkMiddlewares = (who: string, middlewares: ReadonlyArray<unknown>): void => {
  middlewares.forEach((m, i) => {
    checkNotMaker(who, `middleware[${i}]`, m)
    if (!isObject(m) || typeof (m as { readonly name?: unknown }).name !== "string") {
      throw notWhat(who, `middleware[${i}]`, "a middleware (Middleware.make(name, hooks))", m)
    }
  })
}

/**
 * A function given as a middleware is the one that makes it, not called (`Logging.middleware`
 * for `Logging.middleware()`): it has a `name` and no hooks, so the types take it and it did
 * nothing, silently (no line logged, no timeout).
 */
const checkNotMaker = (who: string, option: string, m: unknown): void => {
  if (typeof m === "function") {
    throw new TypeError(
      `${who}: ${option} must be a middleware (Middleware.make(name, hooks)), not a function: call the one that makes it (Logging.middleware(), not Logging.middleware)`
    )
  }
}

const checkVersions = (who: string, versions: unknown): void => {
  if (versions === undefined) return
  // `[]` is a server of the stateless era only: every `initialize` is refused (-32602, naming no
  // version), every 2025-era stateless request too (400).
  if (!Array.isArray(versions)) throw notWhat(who, "supportedVersions", versionsText, versions)
  const known = `one of ${ProtocolVersion.supported.join(", ")} (${ProtocolVersion.modern.join(", ")} is served whatever supportedVersions says)`
  versions.forEach((version: unknown, i) => {
    if (!ProtocolVersion.isSupported(version)) throw notWhat(who, `supportedVersions[${i}]`, known, version)
    // Negotiation answers a version it does not speak with the first: the newest, as documented.
    if (i > 0 && version >= versions[i - 1]) throw notWhat(who, "supportedVersions", "newest first, each version once", versions)
  })
}

const checkRequestStateShape = (who: string, requestState: unknown): void => {
  if (requestState === undefined) return
  if (!isObject(requestState)) throw notWhat(who, "requestState", "an object: { keys?, ttlMillis? }", requestState)
  const keys = requestState.keys
  if (keys !== undefined && !(Array.isArray(keys) && keys.every((key) => typeof key === "string" || key instanceof Uint8Array))) {
    throw notWhat(who, "requestState.keys", "an array of keys (strings or Uint8Arrays)", keys)
  }
}
