#!/usr/bin/env node
/**
 * The `effect-mcp` executable (`bin` of the package): runs {@link Cli.main} with the process's
 * arguments, on a supported Node.js only (see `engines.node`: on an older one it says so and exits
 * 1). See `Cli.ts` for the commands.
 *
 * @since 0.2.0
 */
import * as Cli from "./Cli.ts"
import * as NodeVersion from "../internal/nodeVersion.ts"

if (NodeVersion.isSupported(process.versions.node)) {
  Cli.main()
} else {
  process.stderr.write(NodeVersion.refusal(process.versions.node))
  process.exitCode = 1
}
