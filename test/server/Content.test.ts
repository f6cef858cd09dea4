/**
 * The content constructors: an option the wire does not allow (untyped code) throws a TypeError
 * naming the constructor and the option, instead of going out in a block the client refuses.
 */
import { assert, describe, it } from "@effect/vitest"
import { Content } from "../../src/index.ts"
import { isBase64 } from "../../src/server/internal/wireFields.ts"

/** Each constructor with the block options given (casts: the values are what untyped code passes). */
const constructors = (options: unknown): ReadonlyArray<readonly [string, () => unknown]> => {
  const o = options as Content.BlockOptions
  return [
    ["text", () => Content.text("t", o)],
    ["image", () => Content.image("AAAA", "image/png", o)],
    ["audio", () => Content.audio("AAAA", "audio/wav", o)],
    ["resourceText", () => Content.resourceText("x://a", "t", o)],
    ["resourceBlob", () => Content.resourceBlob("x://a", "AAAA", o)],
    ["resourceLink", () => Content.resourceLink("x://a", "a", o)]
  ]
}

const throwsNaming = (make: () => unknown, expected: string) => {
  try {
    make()
  } catch (error) {
    assert.instanceOf(error, TypeError)
    assert.strictEqual((error as TypeError).message, expected)
    return
  }
  assert.fail(`no TypeError (${expected})`)
}

describe("Content constructors", () => {
  it("refuse a meta that is not an object", () => {
    for (const [meta, kind] of [[null, "null"], [[], "an array"], ["m", "a string"], [7, "7"]] as const) {
      for (const [name, make] of constructors({ meta })) {
        throwsNaming(make, `Content.${name}: meta must be an object, not ${kind}`)
      }
    }
  })

  it("refuse annotations the wire does not allow", () => {
    const bad: ReadonlyArray<readonly [unknown, string]> = [
      [null, "annotations must be an object, not null"],
      [{ priority: Number.NaN }, "annotations.priority must be a number from 0 to 1, not NaN"],
      [{ priority: 1.5 }, "annotations.priority must be a number from 0 to 1, not 1.5"],
      [{ priority: -0.1 }, "annotations.priority must be a number from 0 to 1, not -0.1"],
      [{ priority: "high" }, "annotations.priority must be a number from 0 to 1, not a string"],
      [{ audience: ["robot"] }, `annotations.audience must be an array of "user" and "assistant", not an array`],
      [{ audience: "user" }, `annotations.audience must be an array of "user" and "assistant", not a string`],
      [{ lastModified: 0 }, "annotations.lastModified must be an ISO 8601 date-time with seconds and a time zone (2025-01-12T15:00:58Z, 2025-01-12T17:00:58.5+02:00), not 0"],
      [
        { lastModified: "yesterday" },
        `annotations.lastModified must be an ISO 8601 date-time with seconds and a time zone (2025-01-12T15:00:58Z, 2025-01-12T17:00:58.5+02:00), not "yesterday"`
      ]
    ]
    for (const [annotations, message] of bad) {
      for (const [name, make] of constructors({ annotations })) throwsNaming(make, `Content.${name}: ${message}`)
    }
  })

  it("resourceLink refuses a size that is not a whole number of bytes", () => {
    for (const [size, kind] of [[Number.NaN, "NaN"], [Infinity, "Infinity"], [-1, "-1"], [1.5, "1.5"], ["10", "a string"], [null, "null"]] as const) {
      throwsNaming(
        () => Content.resourceLink("x://a", "a", { size: size as unknown as number }),
        `Content.resourceLink: size must be a whole number of bytes (0 or more), not ${kind}`
      )
    }
  })

  it("refuse base64 data that atob (the SDK clients' check) refuses, and keep what it takes as given", () => {
    const makers: ReadonlyArray<readonly [string, (data: string) => unknown]> = [
      ["image", (data) => Content.image(data, "image/png")],
      ["audio", (data) => Content.audio(data, "audio/wav")],
      ["resourceBlob", (data) => Content.resourceBlob("x://a", data)],
      ["blobContents", (data) => Content.blobContents("x://a", data)]
    ]
    // Text or raw binary given as a string where bytes were meant; a length one past a multiple of 4.
    const refused = ["hello, world", "\u0089PNG\r\n", "AQI=A", "A", "AQ=", "AQ==="]
    const taken = ["", "AQI=", "AQI", "AQ==", "AQ", "AQ I=\n", "+/+/"]
    const atobTakes = (data: string) => {
      try {
        atob(data)
        return true
      } catch {
        return false
      }
    }
    for (const data of refused) assert.isFalse(atobTakes(data), data)
    for (const data of taken) assert.isTrue(atobTakes(data), data)
    for (const [name, make] of makers) {
      for (const data of refused) {
        throwsNaming(() => make(data), `Content.${name}: data must be base64 (as atob takes it) or bytes (a Uint8Array); the string given is not base64`)
      }
      for (const data of taken) {
        const made = make(data) as { readonly data?: string; readonly blob?: string; readonly resource?: { readonly blob: string } }
        assert.strictEqual(made.data ?? made.blob ?? made.resource?.blob, data, `${name} ${JSON.stringify(data)}`)
      }
    }
  })

  it("take as base64 exactly what atob takes (every string of up to 5 characters of 9)", () => {
    const atobTakes = (data: string) => {
      try {
        atob(data)
        return true
      } catch {
        return false
      }
    }
    const alphabet = ["A", "Q", "+", "/", "=", " ", "\n", "-", "é"]
    let strings = [""]
    for (let length = 0; length <= 5; length++) {
      for (const data of strings) assert.strictEqual(isBase64(data), atobTakes(data), JSON.stringify(data))
      strings = strings.flatMap((data) => alphabet.map((c) => data + c))
    }
  })

  it("refuse a title, description or mimeType that is not a string", () => {
    for (const [value, kind] of [[5, "5"], [null, "null"], [["a"], "an array"]] as const) {
      for (const field of ["title", "description", "mimeType"] as const) {
        throwsNaming(
          () => Content.resourceLink("x://a", "a", { [field]: value as never }),
          `Content.resourceLink: ${field} must be a string, not ${kind}`
        )
      }
      throwsNaming(() => Content.resourceText("x://a", "t", { mimeType: value as never }), `Content.resourceText: mimeType must be a string, not ${kind}`)
      throwsNaming(() => Content.resourceBlob("x://a", "AAAA", { mimeType: value as never }), `Content.resourceBlob: mimeType must be a string, not ${kind}`)
    }
  })

  it("keep every value the wire allows, as given", () => {
    const annotations = { audience: ["user", "assistant"], priority: 0, lastModified: "2025-01-01T00:00:00Z" } as const
    for (const [name, make] of constructors({ annotations, meta: { k: null } })) {
      const block = make() as { readonly annotations?: unknown; readonly _meta?: unknown }
      assert.deepStrictEqual(block.annotations, annotations, name)
      assert.deepStrictEqual(block._meta, { k: null }, name)
    }
    assert.deepStrictEqual(Content.text("t", { annotations: { priority: 1 }, meta: undefined }), {
      type: "text",
      text: "t",
      annotations: { priority: 1 }
    })
    assert.strictEqual(Content.resourceLink("x://a", "a", { size: 0 }).size, 0)
    assert.strictEqual(Content.resourceLink("x://a", "a", { size: 2 ** 40 }).size, 2 ** 40)
  })
})
