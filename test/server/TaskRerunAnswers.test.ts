/**
 * MCP 2026-07-28, the tasks extension: a task's work that requires a URL elicitation
 * (`McpError.UrlElicitationRequired`) runs again from the start once the user completed it, and the
 * questions the client answered in an earlier run (`tasks/update`) are answered from those answers:
 * not listed in `inputRequests` again, as a client's retry replays its answers by multi round-trip.
 * A question is the one answered when its request (method and params, canonical JSON) and its
 * logical key (the `inputKey` the handler gave, else its place among the run's questions asked
 * without one) are the same; one without an `inputKey` whose place's answer is another question's
 * (asked in another order, or after a new question) is given the answer to the same request kept
 * under another place, each answer given at most once per run. A question of an earlier run never
 * answered is asked again; another question under the same logical key too; an answer that did not
 * match the form is given again as it was (the handler's `ElicitationInvalid`,
 * `ClientResultInvalid`), a declined form as declined.
 *
 * Raw 2026 requests over stateless Streamable HTTP; every `tasks/get` seen is kept, and what was
 * listed counted over all of them.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { type ClientRequestOptions, McpContext, McpError, McpServer } from "../../src/index.ts"
import { modern, pollTask, serveHttp, withTasks } from "../extensions/support.ts"
import { heapAfterGc } from "../support/heap.ts"

const meta = withTasks({ elicitation: { form: {}, url: {} } })

/** The URLs the user completed (out of band: the test's answers stand for the user). */
const completed = new Set<string>()

/** Fails with the URL elicitation of `id` until the user completed it. */
const signedIn = (id: string) =>
  Effect.suspend(() =>
    completed.has(`https://example.com/${id}`) ? Effect.void : Effect.fail(
      new McpError.UrlElicitationRequired({
        elicitations: [{ mode: "url", elicitationId: id, url: `https://example.com/${id}`, message: `Sign in to ${id}` }],
        message: `Sign in to ${id} first`
      })
    )
  )

const Name = Schema.Struct({ name: Schema.String })
const Age = Schema.Struct({ age: Schema.Number })

/** What a form's answer says, as a handler tells it. */
const said = <A>(outcome: McpContext.ElicitOutcome<A>, show: (content: A) => string) =>
  outcome.action === "accept" ? show(outcome.content) : outcome.action

/**
 * A tool made a task at once, its handler run with the number of its run (from 1); any failure but
 * a URL elicitation required is a defect.
 */
const taskTool = (name: string, handler: (run: number) => Effect.Effect<string, unknown, McpContext.McpRequestContext>) => {
  let runs = 0
  return McpServer.tool({
    name,
    execution: { taskSupport: "optional" },
    handler: () =>
      Effect.andThen(
        McpContext.becomeTask,
        Effect.catch(
          Effect.suspend(() => handler(++runs)),
          (error) => error instanceof McpError.UrlElicitationRequired ? Effect.fail(error) : Effect.die(error)
        )
      )
  })
}

/** A form question, then the URL elicitation of `id`, then the form's answer. */
const formThenUrl = (id: string, options?: ClientRequestOptions) =>
  Effect.flatMap(McpContext.elicit("Name?", Name, options), (outcome) => Effect.as(signedIn(id), said(outcome, (c) => c.name)))

/**
 * Runs `name` as a task until it ends (at most `rounds` answers), answering each input request
 * listed as `answer` says (asked once per key; `undefined`: not yet, asked again when seen again);
 * every `tasks/get` seen kept.
 */
const drive = (
  url: string,
  name: string,
  answer: (key: string, request: any) => unknown,
  rounds = 8
) =>
  Effect.flatMap(
    Effect.promise(() => modern(url, "tools/call", { name, arguments: {} }, { meta })),
    ({ message: call }) => {
      assert.strictEqual(call.result?.resultType, "task", JSON.stringify(call))
      return driveTask(url, call.result.taskId, answer, rounds)
    }
  )

/** {@link drive} for the task `taskId` made already. */
const driveTask = (
  url: string,
  taskId: string,
  answer: (key: string, request: any) => unknown,
  rounds = 8
) =>
  Effect.gen(function*() {
    const snapshots: Array<any> = []
    const get = () =>
      modern(url, "tasks/get", { taskId }, { meta }).then((answer) => {
        if (answer.message.result !== undefined) snapshots.push(answer.message.result)
        return answer.message
      })
    const answered: Array<string> = []
    const decided = new Map<string, unknown>()
    const decide = (task: any, key: string) => {
      if (!decided.has(key)) {
        const value = answer(key, task.inputRequests[key])
        if (value !== undefined) decided.set(key, value)
      }
      return decided.get(key)
    }
    const open = (task: any) => Object.keys(task.inputRequests ?? {}).filter((key) => !answered.includes(key) && decide(task, key) !== undefined)
    let task: any
    // Bounded: at most `rounds` answers, each wait at most 5 s.
    for (let round = 0; round <= rounds; round++) {
      task = yield* Effect.promise(() => pollTask(get, (task) => task.status !== "working" && (task.status !== "input_required" || open(task).length > 0)))
      if (task.status !== "input_required") break
      const key = open(task)[0]!
      const request = task.inputRequests[key]
      const value = decided.get(key)
      answered.push(key)
      if (request.params?.mode === "url" && (value as any).action === "accept") completed.add(request.params.url)
      const update = (yield* Effect.promise(() => modern(url, "tasks/update", { taskId, inputResponses: { [key]: value } }, { meta }))).message
      assert.isUndefined(update.error, JSON.stringify(update))
    }
    return { task, snapshots, answered }
  })

/** The keys under which `tasks/get` ever listed a form question whose message is `message`, in order. */
const listed = (snapshots: ReadonlyArray<any>, message: string): Array<string> => {
  const keys: Array<string> = []
  for (const snapshot of snapshots) {
    for (const [key, request] of Object.entries<any>(snapshot.inputRequests ?? {})) {
      if (request.params?.mode !== "url" && request.params?.message === message && !keys.includes(key)) keys.push(key)
    }
  }
  return keys
}

const accept = (content: object) => ({ action: "accept", content })
const urlOr = (form: (request: any) => unknown) => (_key: string, request: any) =>
  request.params?.mode === "url" ? { action: "accept" } : form(request)

const textOf = (task: any) => task.result?.content?.[0]?.text

describe("2026-07-28, the tasks extension: a question answered in a run before a URL elicitation", () => {
  // Fails before: the form was listed again in the second run (elicitation/create-3), the user
  // asked to fill it in twice.
  it.live("is answered from the earlier answer in the run after it: listed once, the task completes with it", () =>
    Effect.gen(function*() {
      completed.clear()
      const { url } = yield* serveHttp(
        { name: "rerun-answers", version: "1.0.0", tasks: McpServer.tasks() },
        taskTool("form_then_url", () => formThenUrl("form"))
      )
      const { answered, snapshots, task } = yield* drive(url, "form_then_url", urlOr(() => accept({ name: "Ada" })))
      assert.deepStrictEqual([task.status, textOf(task)], ["completed", "Ada"], JSON.stringify(task))
      assert.deepStrictEqual(listed(snapshots, "Name?"), ["elicitation/create-1"])
      assert.strictEqual(answered.length, 2, JSON.stringify(answered))
    }))

  // Fails before: listed again under `profile-<n>`.
  it.live("a question under the inputKey the handler chose: listed once", () =>
    Effect.gen(function*() {
      completed.clear()
      const { url } = yield* serveHttp(
        { name: "rerun-chosen", version: "1.0.0", tasks: McpServer.tasks() },
        taskTool("chosen_then_url", () => formThenUrl("chosen", { inputKey: "profile" }))
      )
      const { snapshots, task } = yield* drive(url, "chosen_then_url", urlOr(() => accept({ name: "Grace" })))
      assert.deepStrictEqual([task.status, textOf(task)], ["completed", "Grace"], JSON.stringify(task))
      assert.deepStrictEqual(listed(snapshots, "Name?"), ["profile"])
    }))

  // Fails before: both listed again in the second run.
  it.live("two questions answered in order: each listed once, each answer to its own question", () =>
    Effect.gen(function*() {
      completed.clear()
      const { url } = yield* serveHttp(
        { name: "rerun-two", version: "1.0.0", tasks: McpServer.tasks() },
        taskTool("two_then_url", () =>
          Effect.gen(function*() {
            const name = yield* McpContext.elicit("Name?", Name)
            const age = yield* McpContext.elicit("Age?", Age)
            yield* signedIn("two")
            return `${said(name, (c) => c.name)} ${said(age, (c) => String(c.age))}`
          }))
      )
      const { snapshots, task } = yield* drive(
        url,
        "two_then_url",
        urlOr((request) => request.params.message === "Name?" ? accept({ name: "Ada" }) : accept({ age: 36 }))
      )
      assert.deepStrictEqual([task.status, textOf(task)], ["completed", "Ada 36"], JSON.stringify(task))
      assert.deepStrictEqual(listed(snapshots, "Name?"), ["elicitation/create-1"])
      assert.deepStrictEqual(listed(snapshots, "Age?"), ["elicitation/create-2"])
    }))

  // Fails before: the declined form was asked again.
  it.live("a declined form: given again as declined (the user's answer), not asked again", () =>
    Effect.gen(function*() {
      completed.clear()
      const { url } = yield* serveHttp(
        { name: "rerun-declined", version: "1.0.0", tasks: McpServer.tasks() },
        taskTool("declined_then_url", () => formThenUrl("declined"))
      )
      const { snapshots, task } = yield* drive(url, "declined_then_url", urlOr(() => ({ action: "decline" })))
      assert.deepStrictEqual([task.status, textOf(task)], ["completed", "decline"], JSON.stringify(task))
      assert.deepStrictEqual(listed(snapshots, "Name?"), ["elicitation/create-1"])
    }))

  // Fails before: both questions listed again in the second run. The answers that did not match
  // are given again as they were, never as valid: the handler's run is the same as the first.
  it.live("answers that did not match (ElicitationInvalid, ClientResultInvalid): given again as they were, the handler asking again as it did", () =>
    Effect.gen(function*() {
      completed.clear()
      const runs: Array<string> = []
      const { url } = yield* serveHttp(
        { name: "rerun-invalid", version: "1.0.0", tasks: McpServer.tasks() },
        taskTool("invalid_then_url", (run) =>
          Effect.gen(function*() {
            const failures: Array<string> = []
            // Asked until an answer matches (at most 3 times).
            let outcome: McpContext.ElicitOutcome<{ readonly name: string }> | undefined
            for (let i = 0; i < 3 && outcome === undefined; i++) {
              outcome = yield* McpContext.elicit("Name?", Name).pipe(
                Effect.catchTags({
                  ElicitationInvalid: (error) => Effect.sync(() => void failures.push(error._tag)),
                  ClientResultInvalid: (error) => Effect.sync(() => void failures.push(error._tag))
                })
              )
            }
            runs.push(`run ${run}: ${failures.join(",")}`)
            yield* signedIn("invalid")
            return `${outcome === undefined ? "none" : said(outcome, (c) => c.name)} after ${failures.join(",")}`
          }))
      )
      const answers = [accept({ name: 42 }), { action: "maybe" }, accept({ name: "Ada" })]
      const { snapshots, task } = yield* drive(url, "invalid_then_url", urlOr(() => answers.shift()))
      assert.deepStrictEqual(
        [task.status, textOf(task)],
        ["completed", "Ada after ElicitationInvalid,ClientResultInvalid"],
        JSON.stringify(task)
      )
      assert.deepStrictEqual(runs, ["run 1: ElicitationInvalid,ClientResultInvalid", "run 2: ElicitationInvalid,ClientResultInvalid"])
      assert.deepStrictEqual(listed(snapshots, "Name?"), ["elicitation/create-1", "elicitation/create-2", "elicitation/create-3"])
    }))

  // Passes before and after: the same logical key, another question (its message names the
  // run): asked, under a new key.
  it.live("another question under the same logical key: asked again, under a new key", () =>
    Effect.gen(function*() {
      completed.clear()
      const { url } = yield* serveHttp(
        { name: "rerun-other", version: "1.0.0", tasks: McpServer.tasks() },
        taskTool("other_then_url", (run) =>
          Effect.flatMap(McpContext.elicit(`Name? (run ${run})`, Name), (outcome) =>
            Effect.as(signedIn("other"), said(outcome, (c) => c.name))))
      )
      const names = ["Ada", "Grace"]
      const { snapshots, task } = yield* drive(url, "other_then_url", urlOr(() => accept({ name: names.shift()! })))
      assert.deepStrictEqual([task.status, textOf(task)], ["completed", "Grace"], JSON.stringify(task))
      assert.deepStrictEqual(listed(snapshots, "Name? (run 1)"), ["elicitation/create-1"])
      assert.strictEqual(listed(snapshots, "Name? (run 2)").length, 1, JSON.stringify(snapshots))
      assert.notStrictEqual(listed(snapshots, "Name? (run 2)")[0], "elicitation/create-1")
    }))

  // Fails before: the four questions were asked in another order on the second run (branch A waits
  // for branch B there), so each one's place held another question's answer and all four were
  // listed again (as in the first run's places, the n-th answer only given to the n-th question).
  it.live("two concurrent branches asking in another order on the run after it: each given its own answer, none listed again", () =>
    Effect.gen(function*() {
      completed.clear()
      const asked: Array<string> = []
      const Answer = Schema.Struct({ answer: Schema.String })
      const question = (message: string, run: number) =>
        Effect.andThen(
          Effect.sync(() => void asked.push(`${run} ${message}`)),
          Effect.map(McpContext.elicit(message, Answer), (outcome) => said(outcome, (c) => c.answer))
        )
      const { url } = yield* serveHttp(
        { name: "rerun-reordered", version: "1.0.0", tasks: McpServer.tasks() },
        taskTool("reordered_then_url", (run) =>
          Effect.gen(function*() {
            // On the second run branch A asks once branch B asked both of its questions: the
            // order of asking differs from the first run's, deterministically.
            const bAsked = yield* Deferred.make<void>()
            const [a, b] = yield* Effect.all([
              Effect.gen(function*() {
                if (run > 1) yield* Deferred.await(bAsked)
                return [yield* question("A1?", run), yield* question("A2?", run)]
              }),
              Effect.gen(function*() {
                const answers = [yield* question("B1?", run), yield* question("B2?", run)]
                yield* Deferred.succeed(bAsked, undefined)
                return answers
              })
            ], { concurrency: 2 })
            yield* signedIn("reordered")
            return [...a, ...b].join(" ")
          }))
      )
      const { snapshots, task } = yield* drive(
        url,
        "reordered_then_url",
        urlOr((request) => accept({ answer: request.params.message.slice(0, 2).toLowerCase() })),
        12
      )
      assert.deepStrictEqual([task.status, textOf(task)], ["completed", "a1 a2 b1 b2"], JSON.stringify(task))
      // The runs asked in the orders the test is about: A first on the first run, B first on the second.
      assert.deepStrictEqual(asked.filter((line) => line.startsWith("1 ")).slice(0, 2), ["1 A1?", "1 B1?"], JSON.stringify(asked))
      assert.deepStrictEqual(asked.filter((line) => line.startsWith("2 ")), ["2 B1?", "2 B2?", "2 A1?", "2 A2?"], JSON.stringify(asked))
      for (const message of ["A1?", "A2?", "B1?", "B2?"]) {
        assert.strictEqual(listed(snapshots, message).length, 1, `${message} listed under ${JSON.stringify(listed(snapshots, message))}`)
      }
      // Every tasks/get from the one listing the URL on: no form question in it.
      const urlAt = snapshots.findIndex((snapshot) => Object.values<any>(snapshot.inputRequests ?? {}).some((request) => request.params?.mode === "url"))
      assert.isAtLeast(urlAt, 0, JSON.stringify(snapshots))
      const formsAfter = snapshots.slice(urlAt).flatMap((snapshot) =>
        Object.values<any>(snapshot.inputRequests ?? {}).filter((request) => request.params?.mode !== "url")
      )
      assert.deepStrictEqual(formsAfter, [], JSON.stringify(snapshots))
    }))

  // Fails before: B1 and A1 were listed again in the second run, C's answer kept at B1's place and
  // B1 asked again in the third. (Fails too with the answer a question takes from another place
  // left there: C's answer, at that place, replaced it, and the third run asked B1 again.)
  it.live("three runs, the second asking in another order and a new question: the third finds each answer at its place", () =>
    Effect.gen(function*() {
      completed.clear()
      const Answer = Schema.Struct({ answer: Schema.String })
      const question = (message: string) => Effect.map(McpContext.elicit(message, Answer), (outcome) => said(outcome, (c) => c.answer))
      const { url } = yield* serveHttp(
        { name: "rerun-three", version: "1.0.0", tasks: McpServer.tasks() },
        taskTool("three_runs", (run) =>
          Effect.gen(function*() {
            const bAsked = yield* Deferred.make<void>()
            const [a, b] = yield* Effect.all([
              Effect.andThen(run > 1 ? Deferred.await(bAsked) : Effect.void, question("A1?")),
              Effect.gen(function*() {
                const b1 = yield* question("B1?")
                const c = run > 1 ? yield* question("C?") : "none"
                yield* Deferred.succeed(bAsked, undefined)
                return `${b1} ${c}`
              })
            ], { concurrency: 2 })
            yield* signedIn("first")
            if (run > 1) yield* signedIn("second")
            return `${a} ${b}`
          }))
      )
      const { snapshots, task } = yield* drive(
        url,
        "three_runs",
        urlOr((request) => accept({ answer: request.params.message.slice(0, -1).toLowerCase() })),
        12
      )
      assert.deepStrictEqual([task.status, textOf(task)], ["completed", "a1 b1 c"], JSON.stringify(task))
      for (const message of ["A1?", "B1?", "C?"]) {
        assert.strictEqual(listed(snapshots, message).length, 1, `${message} listed under ${JSON.stringify(listed(snapshots, message))}`)
      }
    }))

  // Passes before (by place) and after: the second name is not given the first one's answer though
  // its request is the same and its place has none (an answer is given once per run). The first
  // question differs between the runs, so that the second run looks its questions up by request
  // before the first name is given its answer at its place. (Fails without the once-per-run rule:
  // "work Ada Ada", the second name never asked.)
  it.live("the same question asked twice in a run: each given its own answer, not the same one twice", () =>
    Effect.gen(function*() {
      completed.clear()
      const Account = Schema.Struct({ account: Schema.String })
      const { url } = yield* serveHttp(
        { name: "rerun-twice", version: "1.0.0", tasks: McpServer.tasks() },
        taskTool("twice_around_url", (run) =>
          Effect.gen(function*() {
            const opening = run > 1
              ? said(yield* McpContext.elicit("Account?", Account), (c) => c.account)
              : said(yield* McpContext.elicit("Age?", Age), (c) => String(c.age))
            const first = yield* McpContext.elicit("Name?", Name)
            yield* signedIn("twice")
            const second = yield* McpContext.elicit("Name?", Name)
            return `${opening} ${said(first, (c) => c.name)} ${said(second, (c) => c.name)}`
          }))
      )
      const names = ["Ada", "Grace"]
      const { snapshots, task } = yield* drive(
        url,
        "twice_around_url",
        urlOr((request) =>
          request.params.message === "Name?" ? accept({ name: names.shift()! }) : request.params.message === "Age?" ? accept({ age: 36 }) : accept({ account: "work" })
        )
      )
      assert.deepStrictEqual([task.status, textOf(task)], ["completed", "work Ada Grace"], JSON.stringify(task))
      assert.strictEqual(listed(snapshots, "Name?").length, 2, JSON.stringify(listed(snapshots, "Name?")))
    }))

  // Fails before: the name was asked again, its place taken by the question the run asks first.
  it.live("a question the run asks before the others: the others given their answers from their places after it", () =>
    Effect.gen(function*() {
      completed.clear()
      const Account = Schema.Struct({ account: Schema.String })
      const { url } = yield* serveHttp(
        { name: "rerun-inserted", version: "1.0.0", tasks: McpServer.tasks() },
        taskTool("inserted_then_url", (run) =>
          Effect.gen(function*() {
            // Once signed in, the account is asked first.
            const account = run > 1 ? said(yield* McpContext.elicit("Account?", Account), (c) => c.account) : "none"
            const name = yield* McpContext.elicit("Name?", Name)
            const age = yield* McpContext.elicit("Age?", Age)
            yield* signedIn("inserted")
            return `${account} ${said(name, (c) => c.name)} ${said(age, (c) => String(c.age))}`
          }))
      )
      const { snapshots, task } = yield* drive(
        url,
        "inserted_then_url",
        urlOr((request) =>
          request.params.message === "Name?" ? accept({ name: "Ada" }) : request.params.message === "Age?" ? accept({ age: 36 }) : accept({ account: "work" })
        )
      )
      assert.deepStrictEqual([task.status, textOf(task)], ["completed", "work Ada 36"], JSON.stringify(task))
      assert.deepStrictEqual(listed(snapshots, "Name?"), ["elicitation/create-1"])
      assert.deepStrictEqual(listed(snapshots, "Age?"), ["elicitation/create-2"])
      assert.strictEqual(listed(snapshots, "Account?").length, 1, JSON.stringify(snapshots))
    }))

  // Passes before and after: a question pending as a concurrent branch required the URL (the run
  // ended beside it, its answer never given) is asked again in the next run, under a new key.
  it.live("a question never answered (the URL required beside it): asked again in the next run", () =>
    Effect.gen(function*() {
      completed.clear()
      const { url } = yield* serveHttp(
        { name: "rerun-unanswered", version: "1.0.0", tasks: McpServer.tasks() },
        taskTool("beside_url", () =>
          Effect.map(
            Effect.all([McpContext.elicit("Name?", Name), Effect.andThen(Effect.sleep(100), signedIn("beside"))], { concurrency: 2 }),
            ([outcome]) => said(outcome, (c) => c.name)
          ))
      )
      // The form is answered only once the URL was (in the second run).
      const { snapshots, task } = yield* drive(
        url,
        "beside_url",
        (_key, request) =>
          request.params?.mode === "url" ? { action: "accept" } : completed.size > 0 ? accept({ name: "Ada" }) : undefined
      )
      assert.deepStrictEqual([task.status, textOf(task)], ["completed", "Ada"], JSON.stringify(task))
      const keys = listed(snapshots, "Name?")
      assert.isAtLeast(keys.length, 1, JSON.stringify(snapshots))
      assert.notStrictEqual(keys.at(-1), "elicitation/create-1", JSON.stringify(keys))
    }))
})

describe("2026-07-28, the tasks extension: a question answered by multi round-trip before the call became a task", () => {
  // Fails before: the run after the URL elicitation asked it again, in the task's inputRequests
  // (a task's questions go by tasks/update; the round's answers were not looked at).
  it.live("is answered from that answer in the task's runs after a URL elicitation, as one answered in the task is", () =>
    Effect.gen(function*() {
      completed.clear()
      let runs = 0
      const { url } = yield* serveHttp(
        { name: "rerun-round", version: "1.0.0", tasks: McpServer.tasks() },
        McpServer.tool({
          name: "round_then_task",
          execution: { taskSupport: "optional" },
          handler: () =>
            Effect.gen(function*() {
              runs++
              const name = yield* Effect.orDie(McpContext.elicit("Name?", Name))
              yield* McpContext.becomeTask
              const age = yield* Effect.orDie(McpContext.elicit("Age?", Age))
              yield* signedIn("round")
              return `${said(name, (c) => c.name)} ${said(age, (c) => String(c.age))}`
            })
        })
      )
      const first = (yield* Effect.promise(() => modern(url, "tools/call", { name: "round_then_task", arguments: {} }, { meta }))).message
      assert.strictEqual(first.result?.resultType, "input_required", JSON.stringify(first))
      assert.deepStrictEqual(Object.keys(first.result.inputRequests), ["elicitation/create-1"])
      const call = (yield* Effect.promise(() =>
        modern(url, "tools/call", {
          name: "round_then_task",
          arguments: {},
          inputResponses: { "elicitation/create-1": accept({ name: "Ada" }) },
          requestState: first.result.requestState
        }, { meta })
      )).message
      assert.strictEqual(call.result?.resultType, "task", JSON.stringify(call))
      const { snapshots, task } = yield* driveTask(
        url,
        call.result.taskId,
        urlOr((request) => request.params.message === "Age?" ? accept({ age: 36 }) : accept({ name: "Bob" })),
        6
      )
      assert.deepStrictEqual([task.status, textOf(task)], ["completed", "Ada 36"], JSON.stringify(task))
      assert.deepStrictEqual(listed(snapshots, "Name?"), [], JSON.stringify(snapshots))
      assert.strictEqual(listed(snapshots, "Age?").length, 1, JSON.stringify(snapshots))
      assert.strictEqual(runs, 3)
    }))
})


/**
 * A task asking `questions` questions answered with `size` characters each, then one more: how much
 * the heap grew (after full collections) between its first question and its last, the answers
 * given and not one kept by the handler (its result, once the last one is answered, says it got
 * them all). Its client declares `meta`.
 */
const heapWhileAnswered = (meta: Record<string, unknown>, questions = 32, size = 512 * 1024) =>
  Effect.gen(function*() {
    const { url } = yield* serveHttp(
      { name: "answers-kept", version: "1.0.0", tasks: McpServer.tasks() },
      McpServer.tool({
        name: "many_answers",
        execution: { taskSupport: "optional" },
        handler: () =>
          Effect.gen(function*() {
            yield* McpContext.becomeTask
            // Only their lengths kept by the handler.
            let total = 0
            for (let i = 0; i < questions; i++) {
              const outcome = yield* Effect.orDie(McpContext.elicit(`Q${i}?`, Name))
              total += outcome.action === "accept" ? outcome.content.name.length : 0
            }
            const last = yield* Effect.orDie(McpContext.elicit("Last?", Name))
            return `${total} ${said(last, (c) => c.name)}`
          })
      })
    )
    const call = (yield* Effect.promise(() => modern(url, "tools/call", { name: "many_answers", arguments: {} }, { meta }))).message
    assert.strictEqual(call.result?.resultType, "task", JSON.stringify(call))
    const taskId: string = call.result.taskId
    const get = () => modern(url, "tasks/get", { taskId }, { meta }).then((answer) => answer.message)
    const answered = new Set<string>()
    const next = () =>
      Effect.promise(() =>
        pollTask(get, (task) => task.status !== "working" && (task.status !== "input_required" || Object.keys(task.inputRequests).some((key) => !answered.has(key))))
      )
    const answer = (key: string, name: string) => {
      answered.add(key)
      return Effect.promise(() => modern(url, "tasks/update", { taskId, inputResponses: { [key]: accept({ name }) } }, { meta }))
    }
    let heapBefore: number | undefined
    // Bounded: one answer per question.
    for (let i = 0; i <= questions; i++) {
      const task = yield* next()
      assert.strictEqual(task.status, "input_required", JSON.stringify(task))
      const key = Object.keys(task.inputRequests).find((key) => !answered.has(key))!
      heapBefore ??= heapAfterGc()
      if (task.inputRequests[key].params.message === "Last?") {
        // Waiting for its last answer: its work runs, the other answers given.
        const grown = heapAfterGc() - heapBefore
        yield* answer(key, "Ada")
        const done = yield* next()
        assert.deepStrictEqual([done.status, textOf(done)], ["completed", `${questions * size} Ada`], JSON.stringify(done))
        return grown
      }
      yield* answer(key, String.fromCharCode(97 + (i % 26)).repeat(size))
    }
    return assert.fail("the last question was never asked")
  })

describe("2026-07-28, the tasks extension: what a task keeps of its answers for the runs of its work", () => {
  // Fails before: every answer the task's questions were given stayed in memory as long as its work
  // ran (32 answers of 512 KB: the heap grew by ~18 MB), for a client that did not declare
  // elicitation.url, whose task's work never runs again after a URL elicitation (it fails -32021).
  it.live("a client without elicitation.url: none, while its work runs", () =>
    Effect.gen(function*() {
      const grown = yield* heapWhileAnswered(withTasks({ elicitation: { form: {} } }))
      assert.isBelow(grown, 6, `the heap grew by ${grown.toFixed(1)} MB while the task waited (32 answers of 512 KB given)`)
    }))

  // Fails before: kept whatever their size, every answer (32 of 512 KB: the heap grew by ~18 MB).
  it.live("a client with elicitation.url: within the task's maxResultBytes (4 MiB by default, at the most their JSON can take)", () =>
    Effect.gen(function*() {
      const grown = yield* heapWhileAnswered(meta)
      assert.isBelow(grown, 6, `the heap grew by ${grown.toFixed(1)} MB while the task waited (32 answers of 512 KB given)`)
    }))

  // Fails before: the bio was given its first answer, not asked again.
  it.live("an answer over the bound is not kept: its question asked again in the run after a URL elicitation, the others answered", () =>
    Effect.gen(function*() {
      completed.clear()
      const Bio = Schema.Struct({ bio: Schema.String })
      const { url } = yield* serveHttp(
        { name: "answers-bound", version: "1.0.0", tasks: McpServer.tasks({ maxResultBytes: 2_000 }) },
        taskTool("bio_then_url", () =>
          Effect.gen(function*() {
            const name = yield* McpContext.elicit("Name?", Name)
            const bio = yield* McpContext.elicit("Bio?", Bio)
            yield* signedIn("bio")
            return `${said(name, (c) => c.name)}: ${said(bio, (c) => c.bio.length === 1_000 ? "long" : c.bio)}`
          }))
      )
      const bios = [accept({ bio: "x".repeat(1_000) }), accept({ bio: "short" })]
      const { snapshots, task } = yield* drive(
        url,
        "bio_then_url",
        urlOr((request) => request.params.message === "Name?" ? accept({ name: "Ada" }) : bios.shift())
      )
      assert.deepStrictEqual([task.status, textOf(task)], ["completed", "Ada: short"], JSON.stringify(task))
      assert.deepStrictEqual(listed(snapshots, "Name?"), ["elicitation/create-1"])
      assert.strictEqual(listed(snapshots, "Bio?").length, 2, JSON.stringify(listed(snapshots, "Bio?")))
    }))

  // Fails before the fix: the answers a changing question (its text naming the run) left behind at
  // its place, each kept under <place>.<n> for a question that never comes, took the bound, and the
  // answer to the question the second run asked first was not kept: the third run asked it again.
  it.live("answers displaced from their place make room for a new answer: a question of the second run not asked again in the third", () =>
    Effect.gen(function*() {
      completed.clear()
      const Bio = Schema.Struct({ bio: Schema.String })
      const { url } = yield* serveHttp(
        { name: "answers-displaced-bound", version: "1.0.0", tasks: McpServer.tasks({ maxResultBytes: 2_200 }) },
        taskTool("changing_then_url", (run) =>
          Effect.gen(function*() {
            const bio = yield* McpContext.elicit(`Bio? (run ${run})`, Bio)
            const age = run > 1 ? said(yield* McpContext.elicit("Age?", Age), (c) => String(c.age)) : "none"
            yield* signedIn("changing1")
            if (run > 1) yield* signedIn("changing2")
            return `${said(bio, (c) => String(c.bio.length))} ${age}`
          }))
      )
      // Each bio (150 characters: 1052 bytes as kept) fits, two too, not two and an age (175).
      const { snapshots, task } = yield* drive(
        url,
        "changing_then_url",
        urlOr((request) => request.params.message === "Age?" ? accept({ age: 36 }) : accept({ bio: "b".repeat(150) })),
        12
      )
      assert.deepStrictEqual([task.status, textOf(task)], ["completed", "150 36"], JSON.stringify(task))
      assert.strictEqual(listed(snapshots, "Age?").length, 1, JSON.stringify(listed(snapshots, "Age?")))
      for (const run of [1, 2, 3]) assert.strictEqual(listed(snapshots, `Bio? (run ${run})`).length, 1, JSON.stringify(snapshots))
    }))
})
