#!/usr/bin/env node
/**
 * The `effect-mcp` executable (`bin` of the package): runs {@link Cli.main} with the process's
 * arguments. See `Cli.ts` for the commands.
 *
 * @since 0.2.0
 */
import * as Cli from "./Cli.ts"

Cli.main()
