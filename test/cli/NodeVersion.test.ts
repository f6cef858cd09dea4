/**
 * The `effect-mcp` bin's check of the Node.js version (`engines.node`: 22.19.0 or newer). The
 * bin itself on an older Node is run by the consumer test (`npm run test:consumer`), with the
 * system's Node when it is older.
 */
import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import * as NodeVersion from "../../src/internal/nodeVersion.ts"

describe("effect-mcp: the supported Node.js versions", () => {
  it("the oldest is engines.node's", () => {
    const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { engines: { node: string } }
    assert.strictEqual(manifest.engines.node, `>=${NodeVersion.oldest}`)
  })

  it("22.19.0 and newer are supported; older ones are not", () => {
    for (const version of ["22.19.0", "v22.19.0", "22.19.1", "22.20.0", "23.0.0", "24.21.0", "100.0.0", "23.11.1", "25.0.0", "25.2.1"]) {
      assert.isTrue(NodeVersion.isSupported(version), version)
    }
    for (const version of ["22.18.9", "v22.18.0", "22.0.0", "21.99.99", "20.20.2", "18.0.0", "0.10.48"]) {
      assert.isFalse(NodeVersion.isSupported(version), version)
    }
  })

  // What a pre-release or nightly Node reports (`process.versions.node`): judged by its numbers,
  // never warned of as unknown; 22.19.0's own release candidates count as 22.19.0.
  it("pre-release and nightly versions are judged by their numbers", () => {
    for (const version of ["22.19.0-rc.1", "24.0.0-nightly20250101abcdef", "25.0.0-pre", "26.0.0-v8-canary20251010abc"]) {
      assert.isTrue(NodeVersion.isSupported(version), version)
    }
    for (const version of ["22.18.0-rc.1", "20.20.0-nightly20240101abc"]) {
      assert.isFalse(NodeVersion.isSupported(version), version)
    }
  })

  it("the refusal names both versions", () => {
    const text = NodeVersion.refusal("20.20.2")
    assert.include(text, "22.19.0 or newer")
    assert.include(text, "this is Node.js 20.20.2")
  })
})
