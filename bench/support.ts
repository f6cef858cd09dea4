/**
 * What the benchmarks share: sizes from the environment, free ports, child processes (killed on exit) and
 * their CPU time, and the formatting of medians and ratios.
 */
import type { ChildProcess } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { createServer as createNetServer } from "node:net"

/** A positive integer from the environment, or `fallback`. */
export const intEnv = (name: string, fallback: number): number => {
  const raw = process.env[name]
  if (raw === undefined || raw === "") return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`)
  return value
}

/** A free TCP port on 127.0.0.1 (bound and released; the child binds it right after). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createNetServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no free port"))))
    })
  })

/** The children a benchmark started; {@link killChildren} ends them. */
export const children = new Set<ChildProcess>()

/** Kills every child still running (on exit, on failure). */
export const killChildren = () => {
  for (const child of children) {
    try {
      child.kill("SIGKILL")
    } catch {
      // already gone
    }
  }
  children.clear()
}

/**
 * Runs a benchmark's `main` as the process's program: its children never outlive it (exit,
 * signals, a crash), a crash exits 2 with the stack on stderr, otherwise `main`'s exit code.
 */
export const runBenchmark = (name: string, main: () => Promise<number>): void => {
  process.on("exit", killChildren)
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      killChildren()
      process.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1))
    })
  }
  const die = (error: unknown) => {
    process.stderr.write(`${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    killChildren()
    process.exit(2)
  }
  process.on("uncaughtException", die)
  process.on("unhandledRejection", die)
  main().then((code) => {
    killChildren()
    process.exit(code)
  }, die)
}

/** CPU time of all threads of `pid` in µs, from schedstat (ns); /proc/<pid>/stat ticks as a fallback. */
export const childCpuMicros = (pid: number): number => {
  try {
    let ns = 0
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const text = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8")
        ns += Number(text.slice(0, text.indexOf(" ")))
      } catch {
        // the thread ended between readdir and read
      }
    }
    if (ns > 0) return ns / 1000
  } catch {
    // no schedstat: fall back to ticks
  }
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15, in clock ticks (100 Hz on Linux)
  return (Number(fields[11]) + Number(fields[12])) * 10_000
}

/** The median (the mean of the two middle values for an even count). */
export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** A number with thousands separators and `digits` decimals. */
export const fmt = (value: number, digits = 0): string =>
  value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })

/** A ratio with two decimals, or two significant digits below 0.1. */
export const ratio = (value: number): string => `${value >= 0.1 ? value.toFixed(2) : value.toPrecision(2)}×`
