/**
 * What the raw-client harnesses share: a record of the messages a client received, and
 * `waitFor`, which waits until one matches (test/e2e/harness.ts, test/middleware/contractHarness.ts,
 * test/server/McpServerHarness.ts). Tests of components use `McpTestClient` instead; these drive
 * the low-level server with raw messages.
 */

/** Waits until a recorded message matches `predicate` (rejects after `timeoutMillis`). */
export type WaitFor = (predicate: (message: any) => boolean, timeoutMillis?: number) => Promise<any>

/** A record of received messages, `record` to add one, `waitFor` to wait for one. */
export const recorder = () => {
  const received: Array<any> = []
  const waiters = new Set<() => void>()
  const record = (message: unknown) => {
    received.push(message)
    for (const waiter of waiters) waiter()
  }
  const waitFor: WaitFor = (predicate, timeoutMillis = 5_000) =>
    new Promise<any>((resolve, reject) => {
      const check = () => {
        const found = received.find(predicate)
        if (found === undefined) return
        waiters.delete(check)
        clearTimeout(timer)
        resolve(found)
      }
      const timer = setTimeout(() => {
        waiters.delete(check)
        reject(new Error(`timed out waiting; received: ${JSON.stringify(received).slice(0, 2000)}`))
      }, timeoutMillis)
      waiters.add(check)
      check()
    })
  return { received, record, waitFor }
}
