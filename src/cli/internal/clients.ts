/**
 * The clients `effect-mcp install` writes the configuration of (`Install.clients`), apart from
 * `Install.ts`: the command tree names them (the `client` argument), and it loads without the
 * handlers' modules (see `Cli.ts`).
 *
 * @internal
 */
export const clients = ["claude-desktop", "cursor", "mcp-json", "vscode", "stdio"] as const
