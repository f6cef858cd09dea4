// Runs the official MCP conformance suite (@modelcontextprotocol/conformance, pinned in
// devDependencies) against our Streamable HTTP server and summarises the result.
//
//   npm run conformance            (suite 0.1.16, pinned as @modelcontextprotocol/conformance)
//   npm run conformance:next       (0.2.0-alpha.12, the 2026-07-28 and extension scenarios, pinned
//                                   as the alias @modelcontextprotocol/conformance-next; `--next`)
//
// 1. picks a free port on 127.0.0.1 and starts the server under test (by default
//    `<node> examples/everything-server.ts --http --port <port>`), then polls
//    http://127.0.0.1:<port>/mcp until it answers any HTTP request;
// 2. runs `conformance server --url <url> --suite all --output-dir <dir>`, which writes one
//    `server-<scenario>-<timestamp>/checks.json` per scenario;
// 3. reads those files: a scenario passes when none of its checks has status FAILURE
//    (WARNING and INFO do not fail it), prints a table and the lines
//    `warnings: K` and `conformance: N passed, M failed`;
//    A scenario that passed with no PASS check at all (only SKIPPED or INFO) is "vacuous": it is
//    listed separately and not counted as passed.
// 4. exits 0 only if every scenario passed, 1 otherwise. With `--next` a vacuous scenario fails
//    the run too, except the suite's own placeholder (`tasks-status-notifications`, one SKIPPED
//    check in alpha.12): the skills scenarios pass vacuously when the extension is undeclared.
//    The server is always stopped.
//
// Environment:
//   CONFORMANCE_SERVER_CMD      shell command that starts the server; `{port}` is replaced by the
//                               port, `{node}` by the path of the running Node binary
//   CONFORMANCE_TIMEOUT         overall time limit in seconds (default 120; 400 with --next)
//   CONFORMANCE_STARTUP_TIMEOUT seconds to wait for the server to answer (default 20)
//   CONFORMANCE_SUITE           suite to run: all (default), active, pending
//   CONFORMANCE_REQUIREMENTS    run a revision's requirement set instead (e.g. 2026-07-28; --next only)
//   CONFORMANCE_SCENARIO        run a single scenario instead of a suite
//   CONFORMANCE_OUTPUT_DIR      keep checks.json files, server.log and cli.log here
//                               (default: a temporary directory, removed afterwards)
//   CONFORMANCE_VERBOSE=1       stream the server's and the CLI's output to stderr

import { type ChildProcess, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { stripVTControlCharacters } from "node:util"

interface Check {
	readonly id: string
	readonly status: string
	readonly description?: string
	readonly errorMessage?: string
}

interface ScenarioResult {
	readonly scenario: string
	readonly passed: boolean
	/** Passed with every check skipped or informational: not counted as passed. */
	readonly vacuous: boolean
	readonly failures: number
	readonly warnings: number
	readonly problems: ReadonlyArray<string>
}

const repoRoot = resolve(import.meta.dirname, "..")
const host = "127.0.0.1"
const verbose = process.env["CONFORMANCE_VERBOSE"] === "1"

const seconds = (name: string, fallback: number): number => {
	const raw = process.env[name]
	if (raw === undefined || raw === "") return fallback
	const value = Number(raw)
	if (!Number.isFinite(value) || value <= 0) {
		fail(`${name} must be a positive number of seconds, got ${JSON.stringify(raw)}`)
	}
	return value
}

// ---------------------------------------------------------------------------------------------
// Child processes: each one leads its own process group so that killing it also kills whatever
// it spawned (a shell, npm, ...).

const children = new Set<ChildProcess>()

const isRunning = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null

const signalGroup = (child: ChildProcess, signal: NodeJS.Signals): void => {
	if (child.pid === undefined) return
	try {
		process.kill(-child.pid, signal)
	} catch {
		try {
			child.kill(signal)
		} catch {
			// already gone
		}
	}
}

const exited = (child: ChildProcess): Promise<void> =>
	isRunning(child) ? new Promise((done) => child.once("exit", () => done())) : Promise.resolve()

const stop = async (child: ChildProcess): Promise<void> => {
	if (isRunning(child)) {
		signalGroup(child, "SIGTERM")
		const timer = new Promise<"timeout">((done) => setTimeout(() => done("timeout"), 2000).unref())
		if ((await Promise.race([exited(child), timer])) === "timeout") signalGroup(child, "SIGKILL")
	}
	// The leader may be gone while its group lives on (a shell that exited before its child).
	signalGroup(child, "SIGKILL")
	children.delete(child)
}

const stopAll = (): Promise<void> => Promise.all([...children].map(stop)).then(() => undefined)

process.on("exit", () => {
	for (const child of children) signalGroup(child, "SIGKILL")
})

let tempDir: string | undefined
const cleanup = async (): Promise<void> => {
	await stopAll()
	if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true })
}

let interrupted: { readonly signal: NodeJS.Signals; readonly code: number } | undefined
const checkInterrupted = (): void => {
	if (interrupted !== undefined) fail(`interrupted by ${interrupted.signal}`)
}

for (const [signal, code] of [
	["SIGINT", 130],
	["SIGTERM", 143],
	["SIGHUP", 129],
] as const) {
	process.once(signal, () => {
		// Stopping the children wakes up `main`, which sees `interrupted` and gives up without a report.
		interrupted = { signal, code }
		process.stderr.write(`conformance: received ${signal}, stopping\n`)
		void cleanup().finally(() => setTimeout(() => process.exit(code), 3000).unref())
	})
}

function fail(message: string, details?: string): never {
	if (details !== undefined) process.stderr.write(`${details}\n`)
	process.stdout.write(`conformance: ERROR: ${message}\n`)
	process.exitCode = 1
	throw new Abort()
}

class Abort extends Error {}

// Keeps the last lines of a stream, optionally echoing them to stderr with a prefix.
const capture = (prefix: string) => {
	const chunks: Array<string> = []
	return {
		push: (data: Buffer | string) => {
			const text = data.toString()
			chunks.push(text)
			if (verbose) process.stderr.write(text.replace(/^(?=.)/gm, prefix))
		},
		text: () => chunks.join(""),
		tail: (lines: number) =>
			chunks
				.join("")
				.split("\n")
				.slice(-lines - 1)
				.join("\n"),
	}
}

// ---------------------------------------------------------------------------------------------

const freePort = (): Promise<number> =>
	new Promise((done, reject) => {
		const server = createServer()
		server.unref()
		server.once("error", reject)
		server.listen(0, host, () => {
			const address = server.address()
			if (address === null || typeof address === "string") return reject(new Error("no port"))
			server.close(() => done(address.port))
		})
	})

const answers = async (url: string): Promise<boolean> => {
	try {
		// No `Accept: text/event-stream`, so a server does not open a standalone SSE stream.
		const response = await fetch(url, { signal: AbortSignal.timeout(1000) })
		await response.body?.cancel()
		return true
	} catch {
		return false
	}
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))

/** `--next`: the 0.2 alpha suite (2026-07-28 wire, extensions), installed under an alias. */
const next = process.argv.includes("--next")
const conformancePackage = next ? "@modelcontextprotocol/conformance-next" : "@modelcontextprotocol/conformance"

const conformanceBin = (): string => {
	const require = createRequire(import.meta.url)
	const manifestPath = require.resolve(`${conformancePackage}/package.json`)
	const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as {
		version: string
		bin: string | Record<string, string>
	}
	const bin = typeof manifest.bin === "string" ? manifest.bin : manifest.bin["conformance"]!
	return join(dirname(manifestPath), bin)
}

// `conformance server --output-dir <dir>` saves each scenario's checks to
// `<dir>/server-<scenario>-<ISO timestamp with : and . replaced by ->/checks.json`.
const readChecks = (dir: string, scenario: string): ReadonlyArray<Check> | undefined => {
	const escaped = scenario.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
	const pattern = new RegExp(`^server-${escaped}-\\d{4}-\\d\\d-\\d\\dT`)
	const match = readdirSync(dir).find((name) => pattern.test(name))
	if (match === undefined) return undefined
	try {
		return JSON.parse(readFileSync(join(dir, match, "checks.json"), "utf8")) as ReadonlyArray<Check>
	} catch {
		return undefined
	}
}

const oneLine = (text: string, max = 160): string => {
	const flat = text.replace(/\s+/g, " ").trim()
	return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
}

// ---------------------------------------------------------------------------------------------

/**
 * Scenarios that are placeholders in the suite itself (every check SKIPPED whatever the server
 * does): passing vacuously is all they can do.
 */
const vacuousPlaceholders: ReadonlySet<string> = new Set(["tasks-status-notifications"])

const main = async (): Promise<void> => {
	const started = Date.now()
	const overallMs = seconds("CONFORMANCE_TIMEOUT", next ? 400 : 120) * 1000
	const startupMs = seconds("CONFORMANCE_STARTUP_TIMEOUT", 20) * 1000
	const suite = process.env["CONFORMANCE_SUITE"] || "all"
	const only = process.env["CONFORMANCE_SCENARIO"] || undefined
	const keepDir = process.env["CONFORMANCE_OUTPUT_DIR"] || undefined

	let outputDir: string
	if (keepDir !== undefined) {
		outputDir = resolve(keepDir)
		mkdirSync(outputDir, { recursive: true })
	} else {
		outputDir = tempDir = mkdtempSync(join(tmpdir(), "mcp-conformance-"))
	}
	const resultsDir = join(outputDir, `run-${new Date().toISOString().replace(/[:.]/g, "-")}`)
	mkdirSync(resultsDir)

	const port = await freePort()
	const url = `http://${host}:${port}/mcp`

	// --- server ---
	const template = process.env["CONFORMANCE_SERVER_CMD"]
	const serverLog = capture("[server] ")
	let server: ChildProcess
	let serverDescription: string
	if (template !== undefined && template.trim() !== "") {
		serverDescription = template.replaceAll("{port}", String(port)).replaceAll("{node}", process.execPath)
		server = spawn(serverDescription, { cwd: repoRoot, shell: true, detached: true, stdio: ["ignore", "pipe", "pipe"] })
	} else {
		const args = ["examples/everything-server.ts", "--http", "--port", String(port)]
		serverDescription = [process.execPath, ...args].join(" ")
		server = spawn(process.execPath, args, { cwd: repoRoot, detached: true, stdio: ["ignore", "pipe", "pipe"] })
	}
	children.add(server)
	server.stdout?.on("data", serverLog.push)
	server.stderr?.on("data", serverLog.push)
	let serverExit: string | undefined
	let serverSpawnError: string | undefined
	server.once("error", (error) => {
		serverSpawnError = error.message
	})
	server.once("exit", (code, signal) => {
		serverExit = signal !== null ? `signal ${signal}` : `code ${code}`
	})
	process.stderr.write(`conformance: starting server: ${serverDescription}\n`)

	const serverTail = () => {
		const tail = serverLog.tail(20).trim()
		return `the server's last output:\n${tail === "" ? "  (nothing)" : tail.replace(/^/gm, "  | ")}`
	}

	// --- wait until it answers ---
	const readyDeadline = Math.min(started + startupMs, started + overallMs)
	for (;;) {
		checkInterrupted()
		if (serverSpawnError !== undefined) fail(`could not start the server: ${serverSpawnError}`)
		if (serverExit !== undefined) {
			fail(`server exited (${serverExit}) before answering at ${url}`, serverTail())
		}
		if (await answers(url)) break
		if (Date.now() >= readyDeadline) {
			fail(
				`server did not answer at ${url} within ${Math.round((readyDeadline - started) / 1000)} s`,
				serverTail(),
			)
		}
		await sleep(100)
	}
	process.stderr.write(`conformance: server answers at ${url} after ${Date.now() - started} ms\n`)

	// --- conformance CLI ---
	const cliArgs = [conformanceBin(), "server", "--url", url, "--output-dir", resultsDir]
	const requirements = process.env["CONFORMANCE_REQUIREMENTS"] || undefined
	if (only !== undefined) cliArgs.push("--scenario", only)
	else if (requirements !== undefined) cliArgs.push("--requirements", requirements)
	else cliArgs.push("--suite", suite)
	process.stderr.write(`conformance: running ${[process.execPath, ...cliArgs].join(" ")}\n`)
	const cliOut = capture("[cli] ")
	const cliErr = capture("[cli] ")
	const cli = spawn(process.execPath, cliArgs, {
		cwd: repoRoot,
		detached: true,
		stdio: ["ignore", "pipe", "pipe"],
		env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
	})
	children.add(cli)
	cli.stdout?.on("data", cliOut.push)
	cli.stderr?.on("data", cliErr.push)
	const cliDone = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: string }>((done) => {
		cli.once("error", (error) => done({ code: null, signal: null, error: error.message }))
		cli.once("close", (code, signal) => done({ code, signal }))
	})
	const remaining = Math.max(0, started + overallMs - Date.now())
	let timer: NodeJS.Timeout | undefined
	const outcome = await Promise.race([
		cliDone,
		new Promise<"timeout">((done) => {
			timer = setTimeout(() => done("timeout"), remaining)
		}),
	])
	clearTimeout(timer)
	const timedOut = outcome === "timeout"
	checkInterrupted()
	// Did the server exit on its own before we stop it?
	const serverDied = serverExit
	await stopAll()

	if (keepDir !== undefined) {
		writeFileSync(join(outputDir, "server.log"), serverLog.text())
		writeFileSync(join(outputDir, "cli.log"), cliOut.text() + cliErr.text())
	}

	// --- results ---
	const stdout = stripVTControlCharacters(cliOut.text())
	const stderr = stripVTControlCharacters(cliErr.text())
	// The suite header names how many scenarios the CLI meant to run.
	const header = /^Running \S+ suite \((\d+) scenarios\)/m.exec(stdout)
	const expected = only !== undefined ? 1 : header !== null ? Number(header[1]) : undefined
	const ran = [...stdout.matchAll(/^=== Running scenario: (\S+) ===$/gm)].map((m) => m[1]!)
	const scenarios = only !== undefined ? [only] : ran
	// The CLI's own verdict per scenario, from its summary: "✓ name: 3 passed, 0 failed".
	const verdicts = new Map<string, number>()
	for (const m of stdout.matchAll(/^[✓✗] (\S+): \d+ passed, (\d+) failed$/gm)) verdicts.set(m[1]!, Number(m[2]))
	const crashes = new Map<string, string>()
	for (const m of stderr.matchAll(/^Failed to run scenario (\S+): (.*)$/gm)) crashes.set(m[1]!, m[2]!)

	const results: Array<ScenarioResult> = scenarios.map((scenario) => {
		const checks = readChecks(resultsDir, scenario)
		if (checks === undefined) {
			const reason = crashes.has(scenario)
				? `scenario crashed: ${crashes.get(scenario)}`
				: timedOut
					? "no results (timed out)"
					: "no results written"
			return { scenario, passed: false, vacuous: false, failures: 1, warnings: 0, problems: [reason] }
		}
		const failed = checks.filter((check) => check.status === "FAILURE")
		// Passed without a single PASS: every check was skipped or informational.
		const vacuous = failed.length === 0 && !checks.some((check) => check.status === "SUCCESS" || check.status === "PASS")
		const warnings = checks.filter((check) => check.status === "WARNING").length
		const problems = failed.map((check) => {
			const message = check.errorMessage ?? check.description ?? "FAILURE"
			return check.id === scenario ? message : `[${check.id}] ${message}`
		})
		const cliFailed = verdicts.get(scenario)
		if (failed.length === 0 && cliFailed !== undefined && cliFailed > 0) {
			problems.push(`the CLI counted ${cliFailed} failed check(s)`)
		}
		return { scenario, passed: problems.length === 0 && !vacuous, vacuous: problems.length === 0 && vacuous, failures: problems.length, warnings, problems }
	})

	const notes: Array<string> = []
	// Scenarios the CLI announced but never started (it hung or crashed) count as failed.
	const notRun = expected !== undefined ? Math.max(0, expected - scenarios.length) : 0
	if (notRun > 0) notes.push(`${notRun} of ${expected} scenario(s) never ran`)
	if (timedOut) {
		notes.push(`timed out after ${Math.round(overallMs / 1000)} s (CONFORMANCE_TIMEOUT); killed the CLI and the server`)
	} else {
		if (outcome.error !== undefined) notes.push(`could not run the conformance CLI: ${outcome.error}`)
		else if (outcome.signal !== null) notes.push(`the conformance CLI was killed by ${outcome.signal}`)
		else if (outcome.code !== 0 && results.every((r) => r.passed)) {
			notes.push(`the conformance CLI exited with code ${outcome.code}`)
		}
	}
	if (serverDied !== undefined) {
		notes.push(`the server died during the run (${serverDied})`)
		process.stderr.write(`${serverTail()}\n`)
	}
	if (scenarios.length === 0) notes.push("the conformance CLI ran no scenario")
	if (scenarios.length === 0 || results.some((r) => r.problems.includes("no results written"))) {
		process.stderr.write(`the conformance CLI's last output:\n${indentTail(stdout + stderr)}\n`)
	}

	// --- report ---
	const notRunLabel = `(${notRun} more, not run)`
	const nameWidth = Math.max(
		"scenario".length,
		notRun > 0 ? notRunLabel.length : 0,
		...results.map((r) => r.scenario.length),
	)
	const row = (a: string, b: string, c: string, d: string) =>
		`${a.padEnd(nameWidth)}  ${b.padEnd(6)}  ${c.padStart(8)}  ${d.padStart(8)}`
	const lines: Array<string> = [row("scenario", "result", "failures", "warnings")]
	for (const r of results) {
		lines.push(row(r.scenario, r.passed ? "pass" : r.vacuous ? "vacuous" : "FAIL", String(r.failures), String(r.warnings)))
	}
	if (notRun > 0) lines.push(row(notRunLabel, "FAIL", String(notRun), "0"))
	const failing = results.filter((r) => !r.passed && !r.vacuous)
	const vacuous = results.filter((r) => r.vacuous)
	if (failing.length > 0) {
		lines.push("", "failures:")
		for (const r of failing) for (const p of r.problems) lines.push(`  ${r.scenario}: ${oneLine(p)}`)
	}
	if (notes.length > 0) lines.push("", ...notes.map((note) => `conformance: ${note}`))
	if (keepDir !== undefined) lines.push("", `conformance: results kept in ${outputDir}`)
	const passed = results.filter((r) => r.passed).length
	const warnings = results.reduce((sum, r) => sum + r.warnings, 0)
	if (vacuous.length > 0) {
		lines.push("", `vacuous (every check skipped or informational; not counted as passed): ${vacuous.map((r) => r.scenario).join(", ")}`)
	}
	lines.push(
		"",
		`warnings: ${warnings}`,
		`conformance${next ? " (next)" : ""}: ${passed} passed, ${failing.length + notRun} failed${vacuous.length > 0 ? `, ${vacuous.length} vacuous` : ""}`,
	)
	process.stdout.write(`${lines.join("\n")}\n`)

	// Every scenario must pass, and none vacuously but the suite's own placeholder.
	const unexpectedVacuous = vacuous.filter((r) => !vacuousPlaceholders.has(r.scenario))
	if (unexpectedVacuous.length > 0) {
		lines.push(`conformance${next ? " (next)" : ""}: passed only vacuously (fails the run): ${unexpectedVacuous.map((r) => r.scenario).join(", ")}`)
		process.stdout.write(`${lines.at(-1)}\n`)
	}
	const ok = failing.length === 0 && unexpectedVacuous.length === 0
	process.exitCode = ok && notes.length === 0 && results.length > 0 ? 0 : 1
}

const indentTail = (text: string): string =>
	text
		.trim()
		.split("\n")
		.slice(-20)
		.map((line) => `  | ${line}`)
		.join("\n")

void main()
	.catch((error: unknown) => {
		if (!(error instanceof Abort)) {
			process.stderr.write(`conformance: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`)
			process.stdout.write("conformance: ERROR: runner failed\n")
			process.exitCode = 1
		}
	})
	.finally(async () => {
		await cleanup()
		if (interrupted !== undefined) process.exitCode = interrupted.code
	})
