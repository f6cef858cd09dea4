/**
 * 2026-07-28 results carry the server's identity in `_meta` (`io.modelcontextprotocol/serverInfo`).
 * Tests that compare a whole result check that it is there and compare the rest.
 */
import { assert } from "@effect/vitest"

/** The `_meta` key a 2026-07-28 result carries the server's identity under. */
export const SERVER_INFO = "io.modelcontextprotocol/serverInfo"

/**
 * Asserts that `result` carries a server identity (a name and a version) in `_meta`, and returns
 * the result without it (without `_meta` when nothing else is in it).
 */
export const withoutServerInfo = (result: any): any => {
  assert.isObject(result, "a result")
  const meta = result._meta
  assert.isObject(meta, `a 2026 result carries _meta: ${JSON.stringify(result)}`)
  const identity = meta[SERVER_INFO]
  assert.isString(identity?.name, `_meta carries the server's identity: ${JSON.stringify(result)}`)
  assert.isString(identity?.version, `_meta carries the server's identity: ${JSON.stringify(result)}`)
  const { [SERVER_INFO]: _identity, ...restMeta } = meta
  const { _meta: _ignored, ...rest } = result
  return Object.keys(restMeta).length === 0 ? rest : { ...rest, _meta: restMeta }
}
