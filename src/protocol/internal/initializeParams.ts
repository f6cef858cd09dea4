/**
 * `initialize`'s params as a typical client sends them, checked by hand.
 *
 * A stdio server answers one `initialize` per process, on the critical path of every client that
 * spawns it. Decoding those params with `InitializeRequestParams` means building that schema and
 * running Schema's parser for the first time: ~1.2 ms of a ~50 ms cold start (measured in the
 * bundled README server, `bench/coldstart.ts`), for one decode. This check takes the common
 * shapes without either; anything else (an unknown key, a wrong type, `_meta`, `icons`, a value
 * that is not a plain object) is left to the schema, which decides and words the error.
 *
 * It is a second description of the params, so it only ever says less: whatever it accepts the
 * schema accepts too, with an equal result (same keys, same order, fresh objects where the schema
 * makes them, the client's values where the schema keeps them). `test/protocol/initializeParams`
 * checks that against the schema on generated params.
 *
 * @internal
 */
import type * as Schema from "effect/Schema"
import type * as Schemas from "./mcpSchemas.ts"

type InitializeParams = Schema.Schema.Type<ReturnType<typeof Schemas.InitializeRequestParams>>

type Plain = Record<string, unknown>

/** A plain object (as `JSON.parse` makes them): not null, not an array, no prototype but Object's. */
const isPlain = (u: unknown): u is Plain => {
  if (typeof u !== "object" || u === null) return false
  const prototype = Object.getPrototypeOf(u)
  return prototype === Object.prototype || prototype === null
}

/**
 * A fresh object with `keys` of `from`, in that order (the schema's field order), each checked by
 * `check`; `undefined` when `from` has any other key or a check fails.
 */
const fields = (
  from: Plain,
  keys: ReadonlyArray<string>,
  check: (key: string, value: unknown) => unknown
): Plain | undefined => {
  let seen = 0
  const out: Plain = {}
  for (const key of keys) {
    if (!Object.hasOwn(from, key)) continue
    const value = check(key, from[key])
    if (value === undefined) return undefined
    out[key] = value
    seen++
  }
  return seen === Object.keys(from).length ? out : undefined
}

/** `Schema.ObjectKeyword` (kept as it is, as the schema keeps it), when it is a plain object. */
const flag = (_key: string, value: unknown): unknown => isPlain(value) ? value : undefined

/** `CapabilityMap`: a fresh record of plain objects. */
const capabilityMap = (value: unknown): Plain | undefined => {
  if (!isPlain(value)) return undefined
  const out: Plain = {}
  for (const key of Object.keys(value)) {
    const entry = value[key]
    if (key === "__proto__" || !isPlain(entry)) return undefined
    out[key] = entry
  }
  return out
}

const rootsKeys = ["listChanged"]
const samplingKeys = ["context", "tools"]
const elicitationKeys = ["form", "url"]
const tasksKeys = ["list", "cancel", "requests"]
const taskRequestsKeys = ["sampling", "elicitation"]
const capabilitiesKeys = ["experimental", "roots", "sampling", "elicitation", "tasks", "extensions"]
const clientInfoKeys = ["name", "title", "version", "description", "websiteUrl"]
const paramsKeys = ["protocolVersion", "capabilities", "clientInfo"]

const nested = (keys: ReadonlyArray<string>, check: (key: string, value: unknown) => unknown) => (value: unknown) =>
  isPlain(value) ? fields(value, keys, check) : undefined

const taskRequest = (key: string, value: unknown): unknown =>
  isPlain(value) ? fields(value, [key === "sampling" ? "createMessage" : "create"], flag) : undefined

const taskRequests = nested(taskRequestsKeys, taskRequest)

const tasks = nested(tasksKeys, (key, value) => key === "requests" ? taskRequests(value) : flag(key, value))

const capability = (key: string, value: unknown): unknown => {
  switch (key) {
    case "roots":
      return isPlain(value) ? fields(value, rootsKeys, (_, v) => typeof v === "boolean" ? v : undefined) : undefined
    case "sampling":
      return isPlain(value) ? fields(value, samplingKeys, flag) : undefined
    case "elicitation":
      return isPlain(value) ? fields(value, elicitationKeys, flag) : undefined
    case "tasks":
      return tasks(value)
    default: // experimental, extensions
      return capabilityMap(value)
  }
}

const string = (_key: string, value: unknown): unknown => typeof value === "string" ? value : undefined

const param = (key: string, value: unknown): unknown => {
  switch (key) {
    case "capabilities":
      return isPlain(value) ? fields(value, capabilitiesKeys, capability) : undefined
    case "clientInfo": {
      // Each key read once (`fields`), the required ones then looked for in what was read.
      const info = isPlain(value) ? fields(value, clientInfoKeys, string) : undefined
      return info !== undefined && Object.hasOwn(info, "name") && Object.hasOwn(info, "version") ? info : undefined
    }
    default: // protocolVersion
      return typeof value === "string" ? value : undefined
  }
}

/**
 * The params as `InitializeRequestParams` would decode them, when they are in a common shape the
 * check knows; `undefined` otherwise (decode them with the schema then).
 */
export const plainInitializeParams = (u: unknown): InitializeParams | undefined => {
  if (!isPlain(u) || !Object.hasOwn(u, "protocolVersion") || !Object.hasOwn(u, "capabilities") || !Object.hasOwn(u, "clientInfo")) {
    return undefined
  }
  return fields(u, paramsKeys, param) as InitializeParams | undefined
}
