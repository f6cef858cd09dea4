/**
 * A protected server: MCP over Streamable HTTP as an OAuth 2.1 resource server.
 *
 *     node examples/protected-server.ts --http --port 3000 \
 *       --jwks-url https://auth.example.com/.well-known/jwks.json \
 *       --issuer https://auth.example.com --audience http://127.0.0.1:3000/mcp
 *
 * Every request needs `Authorization: Bearer <JWT>` signed by a key of the JWKS, from the issuer,
 * for the audience (this server), unexpired. Without one: `401` with
 * `WWW-Authenticate: Bearer resource_metadata="http://127.0.0.1:3000/.well-known/oauth-protected-resource/mcp"`,
 * where a client finds the authorization server to get a token from. Two tools:
 *
 * - `whoami`: any valid token; answers the token's subject and scopes;
 * - `admin_echo`: needs the scope `admin` (`Authorization` middleware): others are refused with
 *   `403` and an `insufficient_scope` challenge, and do not see it in `tools/list`.
 *
 * Over stdio (no `--http`), the principal comes from the environment (`MCP_SUBJECT`,
 * `MCP_SCOPES`), as the MCP authorization spec says for stdio.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { BearerAuth } from "../src/auth.ts"
import { GracefulShutdown, McpContext, McpServer, Stdio, StreamableHttp } from "../src/index.ts"
import { Authorization } from "../src/middleware/index.ts"
import { type Flags, fail, flags, isMain, traced, withPortHint } from "./internal/cli.ts"

const Whoami = McpServer.tool({
  name: "whoami",
  description: "Who the server thinks you are: the subject and scopes of your token",
  success: Schema.Struct({ subject: Schema.String, scopes: Schema.Array(Schema.String) }),
  handler: () =>
    Effect.map(McpContext.principal, (principal) => ({
      subject: principal?.subject ?? "anonymous",
      scopes: [...(principal?.scopes ?? [])]
    }))
})

const AdminEcho = McpServer.tool({
  name: "admin_echo",
  description: "Echoes its text (scope admin)",
  parameters: { text: Schema.String },
  handler: ({ text }) => Effect.succeed(text)
})

/** Scopes per tool; without a principal (stdio without MCP_SUBJECT) the admin tool is hidden. */
const Scopes = Authorization.layer({ rules: { tools: { admin_echo: ["admin"] } }, unauthenticated: "deny" })

export const options: McpServer.Options = { name: "protected", version: "1.0.0" }
export const components = Layer.mergeAll(Whoami, AdminEcho, Scopes)

/**
 * The bearer settings from the flags (`--jwks-url`, `--issuer`, `--audience`): one required and
 * missing is a usage error (named, exit 2).
 */
export const authFromFlags = (cli: Flags): BearerAuth.Config => {
  const value = (name: string) => cli.extra[name] ?? fail(`${name} is required with --http`)
  const issuer = value("--issuer")
  const resource = cli.extra["--audience"] ?? `http://${cli.host}:${cli.port}/mcp`
  return BearerAuth.config({
    verifier: BearerAuth.jwt({ jwksUrl: value("--jwks-url"), issuer, audience: resource }),
    resource,
    authorizationServers: [issuer],
    scopesSupported: ["admin"]
  })
}

if (isMain(import.meta)) {
  const cli = flags(process.argv.slice(2), {
    "--jwks-url": "the authorization server's JWKS URL (with --http)",
    "--issuer": "the tokens' issuer (with --http)",
    "--audience": "this resource's URL, the tokens' audience (default http://<host>:<port>/mcp)"
  })
  if (cli.http) {
    const auth = authFromFlags(cli)
    const tracing = traced(options, components)
    McpServer.serve(options, tracing.components, StreamableHttp.make({ host: cli.host, port: cli.port, auth })).pipe(
      withPortHint,
      tracing.provide,
      GracefulShutdown.runMain
    )
  } else {
    const tracing = traced(options, components)
    McpServer.serve(options, tracing.components, Stdio.make({ principal: Stdio.principalFromEnvironment() })).pipe(
      tracing.provide,
      Stdio.runMain
    )
  }
}
