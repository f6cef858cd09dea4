/**
 * The Redis task store's JSON of a task (`internal/taskJson.ts`), written from a template: the very
 * text `JSON.stringify` writes, for every task a creation and `Task.ended` build (the two it is
 * used for), whatever their values; `JSON.stringify`'s own for a record read back with fields of
 * other types.
 */
import { assert, describe, it } from "@effect/vitest"
import { taskJson } from "../../src/redis/internal/taskJson.ts"
import { ended, type Task } from "../../src/tasks/Task.ts"

/** A task as `RedisTaskStore.create` builds it. */
const created = (owner: string, method: string, ttlMillis: number | null, pollIntervalMillis: number | undefined): Task => ({
  taskId: "Qm9vbXMtYW5kLWlkcw",
  owner,
  method,
  status: "working",
  createdAt: 1_765_000_000_123,
  lastUpdatedAt: 1_765_000_000_123,
  ttlMillis,
  pollIntervalMillis
})

describe("taskJson", () => {
  it("writes JSON.stringify's text for created and ended tasks, whatever their owners, methods, TTLs, messages and outcomes", () => {
    const owners = ["127.0.0.1", "session:a", "sub \"quoted\" \\ back", "ünïcödé 🎉", "cut \ud83d", "line\nbreak\u0000", ""]
    const methods = ["tools/call", "resources/read", "prompts/get", "we\"ird"]
    const ttls = [3_600_000, 0.5, Number.POSITIVE_INFINITY, null, -0, 1e21]
    const polls = [1_000, undefined, Number.NaN]
    const messages = [undefined, "Cancelled by the requestor", "a \"quote\" and \ud800 alone", ""]
    const outcomes = [
      undefined,
      { _tag: "Result" as const, result: { content: [{ type: "text", text: "done \u2028 \ud83d" }], structuredContent: { n: 1.5, list: [null, true] } } },
      { _tag: "Error" as const, error: { code: -32603, message: "Internal error", data: { deep: { er: ["x"] } } } }
    ]
    let checked = 0
    for (const owner of owners) {
      for (const method of methods) {
        for (const ttl of ttls) {
          for (const poll of polls) {
            const task = created(owner, method, ttl, poll)
            assert.strictEqual(taskJson(task), JSON.stringify(task))
            for (const message of messages) {
              for (const outcome of outcomes) {
                const end = ended(task, outcome === undefined ? "cancelled" : "completed", message, outcome, 1_765_000_009_999.25)
                assert.strictEqual(taskJson(end), JSON.stringify(end))
                checked++
              }
            }
          }
        }
      }
    }
    assert.strictEqual(checked, owners.length * methods.length * ttls.length * polls.length * messages.length * outcomes.length)
  })

  // `Task`'s optional `inputRequests` is not in the template (a creation and `Task.ended` set none):
  // a task that has them must not lose them in its record.
  it("a task with input requests is JSON.stringify's text, its requests kept", () => {
    const asking: Task = {
      ...created("a", "tools/call", 60_000, 1_000),
      status: "input_required",
      inputRequests: { k1: { method: "elicitation/create", params: { message: "name?" } } }
    }
    assert.strictEqual(taskJson(asking), JSON.stringify(asking))
    assert.deepStrictEqual(JSON.parse(taskJson(asking)).inputRequests, asking.inputRequests)
    const emptied: Task = { ...asking, inputRequests: undefined }
    assert.strictEqual(taskJson(emptied), JSON.stringify(emptied))
  })

  it("values JSON.stringify rewrites are written as it writes them: toJSON, own __proto__ keys, -0, 1e21, undefined and functions in an outcome", () => {
    const polluted = JSON.parse(`{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},"ok":1}`) as Record<string, unknown>
    const result = {
      content: [{ type: "text", text: "at" }],
      structuredContent: { when: new Date(Date.UTC(2026, 11, 7)), custom: { toJSON: (key: string) => `custom:${key}` }, polluted, gone: undefined, fn: () => 1 }
    }
    const task = created("__proto__", "constructor", -0, 1e21)
    const times: Task = { ...task, createdAt: -0, lastUpdatedAt: 1e21 }
    for (const base of [task, times]) {
      assert.strictEqual(taskJson(base), JSON.stringify(base))
      const end = ended(base, "completed", "__proto__", { _tag: "Result", result } as never, 5e-324)
      assert.strictEqual(taskJson(end), JSON.stringify(end))
      assert.include(taskJson(end), `"custom":"custom:custom"`)
      assert.include(taskJson(end), `"__proto__":{"polluted":true}`)
    }
  })

  // JSON.stringify calls a value's toJSON with the key it is under: the outcome's own is called
  // with "outcome" within the task, with "" when the outcome is written alone.
  it("an outcome with a toJSON of its own is written as JSON.stringify writes it within the task (its key 'outcome')", () => {
    const outcome = { _tag: "Result" as const, result: {}, toJSON: (key: string) => ({ under: key }) }
    const end = ended(created("a", "tools/call", 1_000, 1_000), "completed", undefined, outcome, 2)
    assert.strictEqual(taskJson(end), JSON.stringify(end))
    assert.deepStrictEqual(JSON.parse(taskJson(end)).outcome, { under: "outcome" })
  })

  it("a task read back with fields of other types (a record written by hand) is JSON.stringify's too", () => {
    const odd = [
      { ...created("a", "m", 1, 1), owner: 7 },
      { ...created("a", "m", 1, 1), createdAt: "yesterday" },
      { ...created("a", "m", 1, 1), ttlMillis: "long" },
      { ...created("a", "m", 1, 1), statusMessage: { text: "x" } },
      { ...created("a", "m", 1, 1), pollIntervalMillis: null },
      { ...created("a", "m", 1, 1), taskId: undefined }
    ] as unknown as ReadonlyArray<Task>
    for (const task of odd) {
      assert.strictEqual(taskJson(task), JSON.stringify(task))
      assert.doesNotThrow(() => JSON.parse(taskJson(task)))
    }
  })
})
