/**
 * `npm run build` (and `prepack`): compiles `src/` into `dist/` with TypeScript's own emit
 * (`tsconfig.build.json`): ESM `.js` with source maps, `.d.ts` with declaration maps pointing at
 * the shipped `src/`, relative `.ts` imports rewritten to `.js`. `dist/` is emptied first, so a
 * module removed from `src/` never lingers in a package.
 *
 * Why TypeScript's emit and not a bundler: the package keeps one file per module, so a user's
 * bundler tree-shakes it by module (`sideEffects: false`) and Node loads only the modules an entry
 * point needs; declarations and their maps come from the same compiler run. Measured against an
 * esbuild bundle per entry point in the note of issue 9.
 */
import { execSync } from "node:child_process"
import { chmodSync, rmSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true })
// `npm run` puts node_modules/.bin (the pinned TypeScript) first on PATH.
execSync("tsc -p tsconfig.build.json", { cwd: root, stdio: "inherit" })
// The `effect-mcp` bin (package.json `bin`): executable, as `npx effect-mcp` runs it in this repository too.
chmodSync(new URL("../dist/cli/bin.js", import.meta.url), 0o755)
