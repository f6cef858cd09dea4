/**
 * Allowed host names as the Host check compares them: what `allowedHosts`, `--allowed-hosts` and
 * `MCP_HTTP_ALLOWED_HOSTS` give, made the form a `Host` header carries without its port. Kept free
 * of the HTTP stack: the CLI and the configuration read it before anything serves.
 *
 * @internal
 */
import { isIPv6 } from "node:net"
import { clip } from "../../../internal/clip.ts"
import { kindOf } from "../../../internal/valueKind.ts"

/**
 * A host to listen on as Node's `listen` takes it: an IPv6 address written as in a URL (`[::1]`)
 * is the address (`::1`; Node would look the bracketed name up: ENOTFOUND). `problem` when it can
 * be none: blank (Node would listen on every interface), or brackets that hold no IPv6 address
 * (`[]` would be the empty host).
 */
export const listenHost = (host: string): { readonly host: string } | { readonly problem: string } => {
  const trimmed = host.trim()
  if (trimmed === "") return { problem: "is empty (a host or address to listen on, e.g. 127.0.0.1)" }
  if (!(trimmed.startsWith("[") && trimmed.endsWith("]"))) return { host: trimmed }
  const address = trimmed.slice(1, -1)
  return isIPv6(address) ? { host: address } : { problem: `holds no IPv6 address in its brackets, got ${JSON.stringify(clip(host))}` }
}

/** The names allowed when none are given: this machine's loopback names. */
export const defaultHosts: ReadonlyArray<string> = ["localhost", "127.0.0.1", "[::1]"]

/**
 * An allowed host as the Host check compares it (lower case; an IPv6 address in brackets, as a
 * `Host` header writes it: `::1` is `[::1]`), or why it can be none: a name with a port
 * (`localhost:3000`), which a `Host` header's name never equals once its port is cut off, and
 * anything else that is not a host name (a URL, a path, a wildcard). Either would be refused
 * every request, with nothing said. `problem` is said after the value (`"localhost:3000" names a
 * port...`).
 */
export const allowedHost = (name: string): { readonly host: string } | { readonly problem: string } => {
  const lower = withoutRootDot(name.trim().toLowerCase())
  const v6 = canonicalIPv6(lower)
  if (v6 !== undefined) return { host: v6 }
  const bracketed = /^\[([^\]]*)\](?::(\d*))?$/.exec(lower)
  const inBrackets = bracketed === null ? undefined : canonicalIPv6(bracketed[1]!)
  if (inBrackets !== undefined) return bracketed![2] === undefined ? { host: inBrackets } : withPort(inBrackets)
  const withPortMatch = /^([a-z0-9_.-]+):(\d*)$/.exec(lower)
  if (withPortMatch !== null) return withPort(withPortMatch[1]!)
  return /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?$/.test(lower)
    ? { host: lower }
    : { problem: "is not a host name (write a name or an address, without scheme, port or path)" }
}

/**
 * A fully qualified name without its trailing dot (`example.com.` is `example.com`), in allowed
 * names and in `Host` headers alike; two dots are no name, left as they are.
 */
const withoutRootDot = (name: string): string => name.endsWith(".") && !name.endsWith("..") ? name.slice(0, -1) : name

/**
 * The host name of a `Host` header as a URL normalises it (WHATWG: an IPv6 address in its shortest
 * form, `[0:0::1]` is `[::1]`; IPv4 shorthand, `127.1` is `127.0.0.1`), without the trailing dot
 * of a fully qualified name, as {@link allowedHost} keeps allowed names; `""` when it is no host as
 * a client writes one (a path, userinfo, a query, percent-escapes, anything outside printable
 * ASCII: a URL would decode or map them, `%6cocalhost` to `localhost`), which no allowed host
 * equals. For a `Host` that did not match as written: off the common path.
 */
export const canonicalHostName = (host: string): string => {
  if (/[^!$&'()*+,.0-9:;=A-Z[\]_a-z~-]/.test(host)) return ""
  try {
    return withoutRootDot(new URL(`http://${host}/`).hostname)
  } catch {
    return ""
  }
}

/**
 * An IPv6 address as a URL (so a client's `Host`) writes it: in brackets, shortest form;
 * `undefined` when it is none (or has a zone, `%eth0`, which no `Host` carries).
 */
const canonicalIPv6 = (address: string): string | undefined => {
  if (!isIPv6(address)) return undefined
  try {
    return new URL(`http://[${address}]/`).hostname
  } catch {
    return undefined
  }
}

const withPort = (host: string) => ({
  problem: `names a port (the Host check compares host names without their port): write ${host}`
})

/**
 * The allowed hosts a comma-separated value gives (`--allowed-hosts`, `MCP_HTTP_ALLOWED_HOSTS`):
 * each name as {@link allowedHost} makes it, or `any` (in any case) alone; or why it gives none,
 * said after the option's name (`MCP_HTTP_ALLOWED_HOSTS lists "localhost:3000", which names a
 * port...`). One parser, so the flag and the variable take the same values with the same messages.
 * Refused: a list that names nothing (every request would be refused), `any` beside names (it
 * would be a host called "any") and `*` (no alias of any: undocumented, and a shell expands it).
 */
export const allowedHostsList = (
  value: string
): { readonly hosts: ReadonlyArray<string> | "any" } | { readonly problem: string } => {
  const names = value.split(",").map((name) => name.trim()).filter((name) => name !== "")
  if (names.length === 0) return { problem: "names no host (every request would be refused); list hosts, or any" }
  if (names.length === 1 && names[0]!.toLowerCase() === "any") return { hosts: "any" }
  if (names.includes("*")) {
    return {
      problem: `lists ${JSON.stringify(clip(value))}: * is not a host name; list the names clients use, or write any alone to allow every host ` +
        "(which turns off DNS rebinding protection)"
    }
  }
  if (names.some((name) => name.toLowerCase() === "any")) {
    return { problem: `lists ${JSON.stringify(clip(value))}: write any alone to allow every host` }
  }
  const hosts: Array<string> = []
  for (const name of names) {
    const parsed = allowedHost(name)
    if ("problem" in parsed) return { problem: `lists ${JSON.stringify(clip(name))}, which ${parsed.problem}` }
    hosts.push(parsed.host)
  }
  return { hosts }
}

/**
 * Why the `allowedHosts` option can be no list of allowed hosts, said after its name (`lists
 * "localhost:3000", which names a port...`), or `undefined` when it can: `"any"`, or a list of
 * names each {@link allowedHost} takes. Checked where an endpoint is made (`checkOptions`): such a
 * value failed the endpoint as it was built, the server logging it and answering every request
 * 500 (a `WebHandler`), or dying once it served.
 */
export const allowedHostsProblem = (allowed: unknown): string | undefined => {
  if (allowed === undefined || allowed === "any") return undefined
  if (!Array.isArray(allowed)) {
    return `must be a list of host names or "any", got ${typeof allowed === "string" ? JSON.stringify(clip(allowed)) : shown(allowed)}`
  }
  // No host allowed: every request a silent 403 (`--allowed-hosts` and `MCP_HTTP_ALLOWED_HOSTS` refuse it too).
  if (allowed.length === 0) return `is empty, which allows no host (every request 403): list the host names clients use, or "any"`
  for (const name of allowed as ReadonlyArray<unknown>) {
    if (typeof name !== "string") return `lists ${shown(name)}, which is not a host name (write a name or an address, as a string)`
    const parsed = allowedHost(name)
    if ("problem" in parsed) return `lists ${JSON.stringify(clip(name))}, which ${parsed.problem}`
  }
  return undefined
}

/**
 * A value that is no string as a message shows it: a number as itself, an object as its kind
 * (`String` of an object without a prototype throws; a function's would be its source).
 */
const shown = (value: unknown): string =>
  typeof value === "number" || typeof value === "boolean" || typeof value === "bigint" || value === null ? String(value) : kindOf(value)

/**
 * The allowed hosts of an option (`undefined`: any host), each as {@link allowedHost} makes it.
 * The option was checked where the endpoint was made ({@link allowedHostsProblem}); a list changed
 * since to hold an entry that can be none is thrown as an `Error` naming it.
 */
export const allowedHostsOf = (allowed: ReadonlyArray<string> | "any" | undefined): ReadonlyArray<string> | undefined => {
  if (allowed === "any") return undefined
  if (allowed === undefined) return defaultHosts
  return allowed.map((name) => {
    const parsed = allowedHost(name)
    if ("problem" in parsed) throw new Error(`StreamableHttp: allowedHosts lists ${JSON.stringify(name)}, which ${parsed.problem}`)
    return parsed.host
  })
}
