/**
 * Node's own flags (`process.execArgv`) as the CLI passes them on: to the server `dev` starts,
 * and into the command `install` writes for a client.
 */
import { createRequire } from "node:module"
import { isAbsolute, join, resolve } from "node:path"
import { pathToFileURL } from "node:url"

/**
 * The flags to start another Node with: a loader (`--import tsx`) is kept; a debugger or a
 * watcher is not (with its value when it is written apart: `--inspect-port 9230`, which left
 * alone would be taken for the script), nor VS Code's debugger preload (`--require
 * …/ms-vscode.js-debug/src/bootloader.js`, which its terminals put in `NODE_OPTIONS`: a file of
 * one version of the editor).
 */
export const inherited = (execArgv: ReadonlyArray<string>): Array<string> => {
  const kept: Array<string> = []
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!
    const [flag, inline] = splitFlag(arg)
    if (/^--(inspect|debug|watch)/.test(arg)) {
      if (valueApart.has(arg)) i++
    } else if ((flag === "--require" || flag === "-r") && isDebuggerPreload(inline ?? execArgv[i + 1])) {
      if (inline === undefined) i++
    } else {
      kept.push(arg)
    }
  }
  return kept
}

/**
 * The flags `NODE_OPTIONS` gives (`--import tsx`, Yarn Plug'n'Play's `--require …/.pnp.cjs`), as
 * Node reads them: words apart by spaces, a double-quoted part may hold spaces (`\` in it keeps
 * the next character as it is). They are not in `process.execArgv`, yet the CLI loaded the module
 * with them: `install` writes them into the command, which a client starts without this
 * environment. One with a quote left open (which Node refuses at its start) gives none.
 */
export const fromNodeOptions = (value: string | undefined): Array<string> => {
  const words: Array<string> = []
  if (value === undefined) return words
  let word: string | undefined
  let quoted = false
  for (let i = 0; i < value.length; i++) {
    const char = value[i]!
    if (quoted && char === "\\" && i + 1 < value.length) {
      word = (word ?? "") + value[++i]
    } else if (char === "\"") {
      quoted = !quoted
    } else if (!quoted && char === " ") {
      if (word !== undefined) words.push(word)
      word = undefined
    } else {
      word = (word ?? "") + char
    }
  }
  if (quoted) return []
  if (word !== undefined) words.push(word)
  return words
}

/**
 * `args` for a command started in any working directory (a desktop client's is not the
 * project's): what the flags that load a module or read a file name relative to `cwd` is named
 * absolutely. `--import ./register.mjs` and `--loader` become a file URL; `--require ./x.cjs` and
 * `--env-file=.env` an absolute path; a package's name (`--import tsx`, `-r dotenv/config`) its
 * entry point, as Node finds it (else it is left as written).
 */
export const portable = (args: ReadonlyArray<string>, cwd: string): Array<string> => {
  const written: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    const [flag, inline] = splitFlag(arg)
    const kind = pathFlags[flag]
    if (kind === undefined) {
      written.push(arg)
    } else if (inline !== undefined) {
      written.push(`${flag}=${absolute(kind, inline, cwd)}`)
    } else if (i + 1 < args.length) {
      written.push(flag, absolute(kind, args[++i]!, cwd))
    } else {
      written.push(arg)
    }
  }
  return written
}

// ---------------------------------------------------------------------------
// Internal
// ---------------------------------------------------------------------------

/** Dropped flags whose value may be the next argument. */
const valueApart = new Set(["--inspect-port", "--debug-port", "--watch-path", "--watch-kill-signal"])

type Kind = "module" | "require" | "file"

/** The flags that name a module or a file, and how Node resolves what they name. */
const pathFlags: { readonly [flag: string]: Kind | undefined } = {
  "--import": "module",
  "--loader": "module",
  "--experimental-loader": "module",
  "--require": "require",
  "-r": "require",
  "--env-file": "file",
  "--env-file-if-exists": "file"
}

/** VS Code's JavaScript debugger's preload (`…/ms-vscode.js-debug/src/bootloader.js`, or a nightly's). */
const isDebuggerPreload = (value: string | undefined): boolean =>
  value !== undefined && /js-debug[^\\/]*[\\/](?:.*[\\/])?bootloader\.js$/.test(value)

const splitFlag = (arg: string): readonly [string, string | undefined] => {
  const equals = arg.indexOf("=")
  return arg.startsWith("--") && equals > 0 ? [arg.slice(0, equals), arg.slice(equals + 1)] : [arg, undefined]
}

/** `./x`, `../x`, `.`: a path relative to the working directory, not a package's name. */
const isRelative = (value: string): boolean => /^\.\.?([\\/]|$)/.test(value)

/** A URL (`file:`, `data:`), not a Windows path (`C:\`). */
const isUrl = (value: string): boolean => /^[a-z][a-z\d+.-]+:/i.test(value)

const absolute = (kind: Kind, value: string, cwd: string): string => {
  if (kind === "file") return resolve(cwd, value)
  if (isUrl(value) || isAbsolute(value)) return value
  if (isRelative(value)) return kind === "module" ? pathToFileURL(resolve(cwd, value)).href : resolve(cwd, value)
  // A package's name, found from the working directory as Node finds it; as written when it is not there.
  try {
    return kind === "require"
      ? createRequire(join(cwd, "noop.js")).resolve(value)
      // An ES module's resolution from another folder has no public API: found from here, where a
      // project's loader is when the CLI is installed in it (`npx effect-mcp`).
      : import.meta.resolve(value)
  } catch {
    return value
  }
}
