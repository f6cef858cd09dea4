/**
 * The defaults the documentation states are the defaults the code applies. Each row reads both: the
 * sentence of a guide (README.md, docs/) or of an option's doc comment (the API reference) that
 * states a default, and the `?? value` the code falls back to, and compares the two numbers. A
 * row whose sentence or code no longer matches fails too, naming the file: reword one, and this
 * row with it. (Which options are documented at all, and the other claims of the guides, are
 * checked where they are exercised; `scripts/docs-check.ts` compiles and runs the guides' code.)
 */
import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const read = (path: string): string =>
  // One line per paragraph, a doc comment's `*` margins dropped, so a sentence may wrap anywhere.
  readFileSync(fileURLToPath(new URL(`../${path}`, import.meta.url)), "utf8").replace(/\n\s*(?:\* ?)?/g, " ")

/** Milliseconds, bytes or a count, from a number as the documentation writes it and its unit. */
const documented = (digits: string, unit: string | undefined): number => {
  const value = Number(digits.replace(/[ ,_]/g, ""))
  const scale: Record<string, number> = { ms: 1, s: 1_000, seconds: 1_000, min: 60_000, hour: 3_600_000, MiB: 1_048_576 }
  return value * (unit === undefined ? 1 : scale[unit]!)
}

/** A default as the code writes it: `4 * 1024 * 1024`, `30_000`, `30 * 60_000`. */
const coded = (expression: string): number =>
  expression.split("*").reduce((product, factor) => product * Number(factor.trim().replace(/_/g, "")), 1)

const number = String.raw`(\d[\d ,_]*)\s?(ms|s|seconds|min|hour|MiB)?\b`
const code = String.raw`([\d_]+(?: \* [\d_]+)*)`

/** [what, the file stating it, the sentence (its number captured), the code file, the fallback (captured)]. */
const rows: ReadonlyArray<readonly [string, string, string, string, string]> = [
  // Streamable HTTP: the option's doc comment, and the guides that repeat it.
  ["maxBodyBytes", "src/transport/http/StreamableHttp.ts", `however it is framed .{0,200}?Default ${number}`, "src/transport/http/internal/options.ts", `const defaultMaxBodyBytes = ${code}`],
  ["maxBodyBytes", "README.md", `a ${number} body limit counted as the body arrives`, "src/transport/http/internal/options.ts", `const defaultMaxBodyBytes = ${code}`],
  ["maxBodyBytesInFlight", "docs/http.md", `\`maxBodyBytesInFlight\` \\(default ${number}`, "src/transport/http/internal/EndpointState.ts", `options\\.maxBodyBytesInFlight \\?\\? Math\\.max\\(${code},`],
  ["bodyTimeoutMillis", "src/transport/http/StreamableHttp.ts", `a slower one is cut \\(408\\)\\. Default ${number}`, "src/transport/http/internal/EndpointState.ts", `options\\.bodyTimeoutMillis \\?\\? ${code}`],
  ["bodyTimeoutMillis", "README.md", `\`bodyTimeoutMillis\`, ${number}`, "src/transport/http/internal/EndpointState.ts", `options\\.bodyTimeoutMillis \\?\\? ${code}`],
  ["maxSessions", "src/transport/http/StreamableHttp.ts", `Sessions held at most\\. Default ${number}`, "src/transport/http/internal/EndpointState.ts", `options\\.maxSessions \\?\\? ${code}`],
  ["maxSessions", "docs/http.md", `\`maxSessions\` \\(${number} by default\\)`, "src/transport/http/internal/EndpointState.ts", `options\\.maxSessions \\?\\? ${code}`],
  ["sessionIdleTimeoutMillis", "src/transport/http/StreamableHttp.ts", `at most every minute\\)\\. Default ${number}`, "src/transport/http/internal/EndpointState.ts", `options\\.sessionIdleTimeoutMillis \\?\\? ${code}`],
  ["sessionIdleTimeoutMillis", "docs/http.md", `\`sessionIdleTimeoutMillis\`, ${number} by default`, "src/transport/http/internal/EndpointState.ts", `options\\.sessionIdleTimeoutMillis \\?\\? ${code}`],
  ["requestTimeoutMillis", "src/transport/http/StreamableHttp.ts", `or polls \`tasks/get\`\\)\\. Default ${number}`, "src/transport/http/internal/EndpointState.ts", `options\\.requestTimeoutMillis \\?\\? ${code}`],
  ["retryMillis", "src/transport/http/StreamableHttp.ts", `of priming events\\. Default ${number}`, "src/transport/http/internal/EndpointState.ts", `options\\.retryMillis \\?\\? ${code}`],
  ["keepAliveMillis", "src/transport/http/StreamableHttp.ts", `Clients ignore comments\\. Default ${number}`, "src/transport/http/internal/EndpointState.ts", `options\\.keepAliveMillis \\?\\? ${code}`],
  ["keepAliveMillis", "docs/http.md", `idle timeout \\(default ${number} of SSE keep-alive`, "src/transport/http/internal/EndpointState.ts", `options\\.keepAliveMillis \\?\\? ${code}`],
  ["finishedStreamGraceMillis", "src/transport/http/StreamableHttp.ts", `forgotten \\(within half this again\\)\\. Default ${number}`, "src/transport/http/internal/EndpointState.ts", `options\\.finishedStreamGraceMillis \\?\\? ${code}`],
  ["finishedStreamGraceMillis", "docs/http.md", `\\(\`finishedStreamGraceMillis\`, ${number} by default`, "src/transport/http/internal/EndpointState.ts", `options\\.finishedStreamGraceMillis \\?\\? ${code}`],
  ["maxGracedStreamsPerSession", "src/transport/http/StreamableHttp.ts", `the oldest is forgotten at once\\. Default ${number}`, "src/transport/http/internal/EndpointState.ts", `options\\.maxGracedStreamsPerSession \\?\\? ${code}`],
  ["maxGracedStreamsPerSession", "docs/http.md", `\`maxGracedStreamsPerSession\` streams per session, ${number} by default`, "src/transport/http/internal/EndpointState.ts", `options\\.maxGracedStreamsPerSession \\?\\? ${code}`],
  ["maxGracedBytesPerSession", "src/transport/http/StreamableHttp.ts", `as with no grace\\)\\. Default ${number}`, "src/transport/http/internal/EndpointState.ts", `options\\.maxGracedBytesPerSession \\?\\? ${code}`],
  ["maxGracedBytesPerSession", "docs/http.md", `\`maxGracedBytesPerSession\` of their events per session, ${number} by default`, "src/transport/http/internal/EndpointState.ts", `options\\.maxGracedBytesPerSession \\?\\? ${code}`],
  ["cors.maxAgeSeconds", "src/transport/http/StreamableHttp.ts", `\`Access-Control-Max-Age\`; default ${number}`, "src/transport/http/internal/guards.ts", `cors\\.maxAgeSeconds \\?\\? ${code}`],
  ["cors.maxAgeSeconds", "README.md", `\`maxAgeSeconds\`, ${number} by default`, "src/transport/http/internal/guards.ts", `cors\\.maxAgeSeconds \\?\\? ${code}`],
  ["port", "src/transport/http/StreamableHttp.ts", `The port to listen on\\. Default ${number}`, "src/transport/http/internal/endpoint.ts", `options\\.port \\?\\? ${code}`],
  ["keepAliveTimeoutMillis", "src/transport/http/StreamableHttp.ts", `Node closes it up to a second later\\)\\. Default ${number}`, "src/transport/http/internal/endpoint.ts", `options\\.keepAliveTimeoutMillis \\?\\? ${code}`],
  ["keepAliveTimeoutMillis", "docs/http.md", `idle connection open for \`keepAliveTimeoutMillis\` \\(default ${number}`, "src/transport/http/internal/endpoint.ts", `options\\.keepAliveTimeoutMillis \\?\\? ${code}`],
  // Sessions (the `session` option of the endpoint, `McpServer.serve` over any transport).
  ["maxConcurrentRequests", "src/session/ServerSession.ts", `further ones wait in a FIFO\\. Default ${number}`, "src/session/internal/scheduler.ts", `limits\\.maxConcurrentRequests \\?\\? ${code}`],
  ["maxConcurrentRequests", "docs/http.md", `\`session\\.maxConcurrentRequests\`, default ${number}`, "src/session/internal/scheduler.ts", `limits\\.maxConcurrentRequests \\?\\? ${code}`],
  ["maxConcurrentRequests", "README.md", `\`maxConcurrentRequests\`, default ${number}`, "src/session/internal/scheduler.ts", `limits\\.maxConcurrentRequests \\?\\? ${code}`],
  ["maxQueuedRequests", "src/session/ServerSession.ts", `pauses reading input \\(backpressure\\)\\. Default ${number}`, "src/session/internal/scheduler.ts", `limits\\.maxQueuedRequests \\?\\? ${code}`],
  ["maxWaitingRequests", "src/session/ServerSession.ts", `Requests of the waiting lane running at once\\. Default ${number}`, "src/session/internal/scheduler.ts", `limits\\.maxWaitingRequests \\?\\? ${code}`],
  ["clientRequestTimeoutMillis", "src/session/ServerSession.ts", `Default timeout of server→client requests\\. Default ${number}`, "src/session/ServerSession.ts", `options\\.clientRequestTimeoutMillis \\?\\? ${code}`],
  ["shutdownTimeoutMillis", "src/session/ServerSession.ts", `given up on\\. .{0,120}?Default ${number}`, "src/session/ServerSession.ts", `options\\.shutdownTimeoutMillis \\?\\? ${code}`],
  ["shutdownTimeoutMillis", "docs/http.md", `\`session\\.shutdownTimeoutMillis\` \\(default ${number}`, "src/transport/http/internal/EndpointState.ts", `session\\?\\.shutdownTimeoutMillis \\?\\? ${code}`],
  // stdio, the server, tasks, the event store, Redis, the test client.
  ["maxResultBytes", "src/server/internal/taskOptions.ts", `the result is not kept\\. Default ${number}`, "src/tasks/internal/resultBound.ts", `const defaultMaxResultBytes = ${code}`],
  ["maxResultBytes", "docs/tasks.md", `\`maxResultBytes\` of UTF-8 JSON, ${number} by default`, "src/tasks/internal/resultBound.ts", `const defaultMaxResultBytes = ${code}`],
  ["maxMessageBytes", "src/transport/Stdio.ts", `Largest accepted message in bytes \\(${number} by default`, "src/transport/Stdio.ts", `defaultMaxMessageBytes = ${code}`],
  ["maxSubscriptionsPerSession", "src/server/McpServer.ts", `\`resources/subscribe\`; default ${number}`, "src/server/McpServer.ts", `options\\.maxSubscriptionsPerSession \\?\\? ${code}`],
  ["maxListenStreamsPerPrincipal", "src/server/McpServer.ts", `one stateless session answers every client \\(default ${number}`, "src/server/McpServer.ts", `options\\.maxListenStreamsPerPrincipal \\?\\? ${code}`],
  ["maxListenStreamsPerPrincipal", "docs/http.md", `\`maxListenStreamsPerPrincipal\` .{0,80}?\`McpServer\` option, default ${number}`, "src/server/McpServer.ts", `options\\.maxListenStreamsPerPrincipal \\?\\? ${code}`],
  // Off by default: `Infinity` in both, read as Number("Infinity").
  ["maxListenStreamsPerAddress", "src/server/McpServer.ts", `its /64\\)\\. Default \`(Infinity)\` \\(off`, "src/server/McpServer.ts", `options\\.maxListenStreamsPerAddress \\?\\? (Infinity)`],
  ["maxListenStreamsPerAddress", "docs/http.md", `\`maxListenStreamsPerAddress\` \\(an \`McpServer\` option, default \`(Infinity)\``, "src/server/McpServer.ts", `options\\.maxListenStreamsPerAddress \\?\\? (Infinity)`],
  ["promoteAfterMillis", "README.md", `\`tasks\\.promoteAfterMillis\` \\(${number}\\)`, "src/server/internal/taskExtension.ts", `options\\.promoteAfterMillis \\?\\? ${code}`],
  ["promoteAfterMillis", "docs/tasks.md", `\`tasks\\.promoteAfterMillis\` \\(${number}\\)`, "src/server/internal/taskExtension.ts", `options\\.promoteAfterMillis \\?\\? ${code}`],
  ["leaseMillis", "docs/tasks.md", `\`tasks\\.leaseMillis\`, ${number}`, "src/tasks/TaskSupervisor.ts", `export const defaultLeaseMillis = ${code}`],
  ["maxTasksPerOwner", "docs/tasks.md", `\`maxTasksPerOwner\` \\(${number}\\)`, "src/tasks/TaskStore.ts", `options\\.maxTasksPerOwner \\?\\? ${code}`],
  ["maxTasksPerAddress", "docs/tasks.md", `\`maxTasksPerAddress\` \\(${number}\\)`, "src/tasks/TaskStore.ts", `options\\.maxTasksPerAddress \\?\\? ${code}`],
  ["maxTtlMillis", "docs/tasks.md", `\`maxTtlMillis\` \\(${number}\\)`, "src/tasks/TaskStore.ts", `options\\.maxTtlMillis \\?\\? ${code}`],
  ["maxEventsPerStream", "docs/http.md", `its last \`maxEventsPerStream\` \\(${number} by default\\)`, "src/transport/http/EventStore.ts", `options\\.maxEventsPerStream \\?\\? ${code}`],
  ["maxStreamsPerSession", "docs/http.md", `\`maxStreamsPerSession\` finished ones \\(${number} by`, "src/transport/http/EventStore.ts", `options\\.maxStreamsPerSession \\?\\? ${code}`],
  ["Redis timeoutMillis", "README.md", `within \`timeoutMillis\` \\(${number}\\)`, "src/redis/internal/store.ts", `defaultTimeoutMillis = ${code}`],
  ["Redis recheckMillis", "README.md", `within \`recheckMillis\`, ${number}`, "src/redis/RedisTaskStore.ts", `options\\.recheckMillis \\?\\? ${code}`],
  ["McpTestClient timeoutMillis", "docs/testing.md", `\`timeoutMillis\` \\(default ${number}`, "src/testing/McpTestClient.ts", `options\\.timeoutMillis \\?\\? ${code}`],
  // The graceful shutdown: a signal this soon after the first is that one relayed, not a second.
  ["repeatedSignalMillis", "src/session/GracefulShutdown.ts", `\\{@link repeatedSignalMillis\\} \\(${number}\\) of the first`, "src/session/GracefulShutdown.ts", `export const repeatedSignalMillis = ${code}`],
  ["repeatedSignalMillis", "src/transport/Stdio.ts", `a second signal, past ${number} after the first`, "src/session/GracefulShutdown.ts", `export const repeatedSignalMillis = ${code}`],
  ["repeatedSignalMillis", "README.md", `unless it comes within ${number} of the first`, "src/session/GracefulShutdown.ts", `export const repeatedSignalMillis = ${code}`],
  ["repeatedSignalMillis", "docs/http.md", `but not one within ${number} of the first`, "src/session/GracefulShutdown.ts", `export const repeatedSignalMillis = ${code}`]
]

describe("documented defaults", () => {
  it("each default a guide or a doc comment states is the one the code applies", () => {
    const wrong: Array<string> = []
    for (const [what, docFile, sentence, codeFile, fallback] of rows) {
      const stated = new RegExp(sentence).exec(read(docFile))
      const applied = new RegExp(fallback).exec(read(codeFile))
      if (stated === null) wrong.push(`${what}: ${docFile} no longer says /${sentence}/`)
      else if (applied === null) wrong.push(`${what}: ${codeFile} no longer falls back as /${fallback}/`)
      else {
        const doc = documented(stated[1]!, stated[2])
        const value = coded(applied[1]!)
        if (doc !== value) wrong.push(`${what}: ${docFile} says ${stated[1]}${stated[2] ?? ""} (${doc}), ${codeFile} applies ${value}`)
      }
    }
    assert.deepStrictEqual(wrong, [])
  })
})
