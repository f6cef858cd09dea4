/**
 * Command-line flags shared by the examples: `--http`, `--stdio`, `--port N`, `--host H`, `--stateless`.
 */
export interface Flags {
  readonly http: boolean
  readonly stdio: boolean
  readonly port: number
  readonly host: string
  readonly stateless: boolean
}

/** Reads the flags from `process.argv`. */
export const flags = (argv: ReadonlyArray<string> = process.argv.slice(2)): Flags => {
  const value = (name: string) => {
    const index = argv.indexOf(name)
    return index === -1 ? undefined : argv[index + 1]
  }
  return {
    http: argv.includes("--http"),
    stdio: argv.includes("--stdio"),
    port: Number(value("--port") ?? 3000),
    host: value("--host") ?? "127.0.0.1",
    stateless: argv.includes("--stateless")
  }
}
