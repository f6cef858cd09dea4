/**
 * `--wizard` (effect/cli's global flag: the command built by questions, then run) made to keep
 * the CLI's rules. effect/cli writes the wizard on stdout (its text with `Console.log`, its
 * questions with the `Terminal`'s `display`), which is `run`'s protocol channel and `inspect
 * --json`'s output; and a wizard cancelled (Ctrl+C, Esc, the end of input) or whose command the
 * user chose not to run ends the program as a success: a script read exit 0 for a command that
 * never ran. Neither can be changed inside effect/cli (it catches the cancellation itself), so
 * around it: while `--wizard` is given, the `Console`'s `log` and the `Terminal`'s `display` write
 * to stderr (where a person at a terminal sees them all the same), and a wizard that ended without
 * running its command fails with {@link WizardEnded} (exit 1).
 *
 * @internal
 */
import * as Console from "effect/Console"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Terminal from "effect/Terminal"

/**
 * The wizard ended without running the command it built: cancelled, or its command declined at
 * "Run this command?".
 */
export class WizardEnded extends Data.TaggedError("WizardEnded")<{}> {
  override get message(): string {
    return "--wizard ended without running the command (cancelled, or declined): nothing was done"
  }
}

/** What a run with `--wizard` saw: whether the wizard showed itself, whether a command ran. */
class Seen extends Context.Service<Seen, { shown: boolean; ran: boolean }>()("effect-mcp/cli/internal/wizard/Seen") {}

/**
 * Whether `args` give `--wizard` (as effect/cli reads them: `--wizard` or `--wizard=…` before a
 * `--` that ends the flags).
 */
export const requested = (args: ReadonlyArray<string>): boolean => {
  const end = args.indexOf("--")
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === "--wizard" || arg.startsWith("--wizard="))
}

/**
 * What `args` (given `--wizard`) give that the wizard asks for again: the command's own arguments
 * and flags. effect/cli's wizard starts from the command line as given and then asks for every
 * argument and flag of the command: what was given comes twice (`run server.ts --wizard` built
 * `run server.ts server.ts`, refused once the questions were all answered). Not the subcommand's
 * name (the first word, one of `subcommands`), `--wizard`, nor the global flags (`--log-level`
 * with its value); nothing when help, the version or completions are asked for (they come first
 * and show no wizard).
 */
export const givenBeside = (
  args: ReadonlyArray<string>,
  subcommands: ReadonlyArray<string>
): { readonly subcommand: string | undefined; readonly given: ReadonlyArray<string> } => {
  const end = args.indexOf("--")
  const flags = end === -1 ? args : args.slice(0, end)
  // The subcommand's name is the first word past the global flags, which may come before it
  // (`effect-mcp --log-level debug run server.ts --wizard`, `effect-mcp --wizard run server.ts`).
  let first = 0
  while (first < flags.length && isGlobal(flags[first]!)) first += flags[first] === "--log-level" ? 2 : 1
  const subcommand = flags[first] !== undefined && subcommands.includes(flags[first]!) ? flags[first] : undefined
  if (flags.some((arg) => /^(?:-h|-v|--help|--version|--completions)(?:=|$)/.test(arg))) return { subcommand, given: [] }
  const given: Array<string> = []
  for (let i = subcommand === undefined ? 0 : first + 1; i < flags.length; i++) {
    const arg = flags[i]!
    if (arg === "--log-level") i++
    else if (!isGlobal(arg)) given.push(arg)
  }
  return { subcommand, given: end === -1 ? given : [...given, ...args.slice(end)] }
}

/** `--wizard` and `--log-level` (its value apart when written `--log-level debug`): global flags, not a command's. */
const isGlobal = (arg: string): boolean =>
  arg === "--wizard" || arg.startsWith("--wizard=") || arg === "--log-level" || arg.startsWith("--log-level=")

/**
 * Marks that a command runs (each command's handler starts with it): the wizard, if there was one,
 * did not end without one.
 */
export const commandRuns: Effect.Effect<void> = Effect.map(Effect.serviceOption(Seen), (seen) => {
  if (Option.isSome(seen)) seen.value.ran = true
})

/**
 * Runs `program` (the CLI given `--wizard`) with the wizard on stderr; fails with
 * {@link WizardEnded} when the wizard showed itself and no command ran. Help or the version,
 * asked for beside `--wizard`, come first in effect/cli and show no wizard: they end as they do
 * without it.
 */
export const onStderr = <A, E, R>(program: Effect.Effect<A, E, R>): Effect.Effect<A, E | WizardEnded, R | Terminal.Terminal> => {
  const seen = { shown: false, ran: false }
  // Everything else as the console does it (`error` and the rest already write to stderr).
  const console_: Console.Console = Object.assign(Object.create(globalThis.console), {
    log: (...args: ReadonlyArray<unknown>) => {
      seen.shown = true
      globalThis.console.error(...args)
    }
  })
  return program.pipe(
    Effect.tap(() => seen.shown && !seen.ran ? Effect.fail(new WizardEnded()) : Effect.void),
    Effect.provideService(Seen, seen),
    Effect.provideService(Console.Console, console_),
    Effect.updateService(Terminal.Terminal, (terminal) =>
      Terminal.make({
        ...terminal,
        columns: Effect.sync(() => process.stderr.columns ?? 0),
        display: (text) =>
          Effect.callback<void>((resume) => {
            seen.shown = true
            // A stderr that cannot be written (its reader gone) leaves nobody to ask: the
            // question's answer never comes, and the end of input then cancels the wizard.
            process.stderr.write(text, () => resume(Effect.void))
          })
      }))
  )
}
