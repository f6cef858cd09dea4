import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import {
  featuresOf,
  isProjectedVersion,
  legacyOutputSchema,
  NotSendable,
  type ProjectedVersion,
  projectedVersions,
  projectImplementation,
  projectResult,
  projectError,
  projectServerCapabilities,
  projectServerNotification,
  projectServerRequest,
  projectLatestResult,
  withoutModernResultFields
} from "../../../src/protocol/versions/Projection.ts"

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** Freezes a value recursively, so any mutation by the code under test throws (ESM is strict). */
const deepFreeze = <A>(value: A): A => {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}

/** Deep equality over plain JSON-shaped values (projections drop keys, so static types differ). */
const assertEqual = (actual: unknown, expected: unknown, message?: string): void =>
  assert.deepStrictEqual(actual, expected, message)

const olderVersions: ReadonlyArray<ProjectedVersion> = ["2025-06-18", "2025-03-26", "2024-11-05"]

// ---------------------------------------------------------------------------
// Fixtures (2025-11-25 shape)
// ---------------------------------------------------------------------------

const icon = { src: "https://example.com/icon.png", mimeType: "image/png", sizes: ["48x48"], theme: "light" }

const weatherTool = {
  name: "get_weather",
  title: "Weather",
  description: "Current weather for a city",
  inputSchema: {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    type: "object",
    properties: { city: { type: "string" } },
    required: ["city"]
  },
  outputSchema: { type: "object", properties: { temperature: { type: "number" } }, required: ["temperature"] },
  annotations: { readOnlyHint: true, openWorldHint: true },
  execution: { taskSupport: "optional" },
  icons: [icon],
  _meta: { "example.com/owner": "weather-team" }
}
const plainTool = { name: "echo", description: "Echo the input", inputSchema: { type: "object" } }
const titledTool = {
  name: "delete_file",
  title: "Delete file",
  inputSchema: { type: "object" },
  annotations: { title: "Delete a file", destructiveHint: true }
}
const toolsList = deepFreeze({ tools: [weatherTool, plainTool, titledTool], nextCursor: "page-2" })

const lastModified = "2025-01-12T15:00:58Z"
const textBlock = {
  type: "text",
  text: "22 degrees",
  annotations: { audience: ["user"], priority: 0.5, lastModified },
  _meta: { "example.com/trace": "t1" }
}
const imageBlock = { type: "image", data: "aW1n", mimeType: "image/png" }
const audioBlock = { type: "audio", data: "YXVkaW8=", mimeType: "audio/wav", annotations: { priority: 1 } }
const linkBlock = {
  type: "resource_link",
  uri: "file:///reports/weather.md",
  name: "weather.md",
  title: "Weather report",
  description: "The full report",
  mimeType: "text/markdown",
  size: 1024,
  icons: [icon],
  annotations: { audience: ["assistant"], lastModified },
  _meta: { "example.com/k": 1 }
}
const embeddedBlock = {
  type: "resource",
  resource: { uri: "file:///data.json", mimeType: "application/json", text: "{}", _meta: { "example.com/k": 2 } },
  annotations: { priority: 0.1 },
  _meta: { "example.com/k": 3 }
}
const callResult = deepFreeze({
  content: [textBlock, imageBlock, audioBlock, linkBlock, embeddedBlock],
  structuredContent: { temperature: 22 },
  isError: false,
  _meta: { "example.com/request": "r1" }
})

const initializeResult = deepFreeze({
  protocolVersion: "2025-11-25",
  capabilities: {
    experimental: { "example.com/feature": {} },
    logging: {},
    completions: {},
    prompts: { listChanged: true },
    resources: { subscribe: true, listChanged: true },
    tools: { listChanged: true },
    tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } }
  },
  serverInfo: {
    name: "weather-server",
    version: "1.2.3",
    title: "Weather Server",
    description: "Forecasts and reports",
    websiteUrl: "https://example.com",
    icons: [icon]
  },
  instructions: "Ask about the weather."
})

// ---------------------------------------------------------------------------
// Exact projections
// ---------------------------------------------------------------------------

describe("projection: 2025-11-25 fast path", () => {
  it("returns every input itself (same reference)", () => {
    const v = "2025-11-25"
    assert.strictEqual(projectResult("tools/list", toolsList, v), toolsList)
    assert.strictEqual(projectResult("tools/call", callResult, v), callResult)
    assert.strictEqual(projectResult("initialize", initializeResult, v), initializeResult)
    assert.strictEqual(projectServerCapabilities(initializeResult.capabilities, v), initializeResult.capabilities)
    assert.strictEqual(projectImplementation(initializeResult.serverInfo, v), initializeResult.serverInfo)
    const sampling = { messages: [{ role: "user", content: [textBlock, audioBlock] }], maxTokens: 10, tools: [] }
    assert.strictEqual(projectServerRequest("sampling/createMessage", sampling, v), sampling)
    const elicit = { mode: "url", message: "Sign in", elicitationId: "e1", url: "https://example.com" }
    assert.strictEqual(projectServerRequest("elicitation/create", elicit, v), elicit)
    const progress = { progressToken: 1, progress: 1, message: "working" }
    assert.strictEqual(projectServerNotification("notifications/progress", progress, v), progress)
    const done = { elicitationId: "e1" }
    assert.strictEqual(projectServerNotification("notifications/elicitation/complete", done, v), done)
  })
})

describe("projection: tools/list", () => {
  const expected: Record<Exclude<ProjectedVersion, "2025-11-25" | "2026-07-28">, unknown> = {
    "2025-06-18": {
      tools: [
        {
          name: "get_weather",
          title: "Weather",
          description: "Current weather for a city",
          inputSchema: weatherTool.inputSchema,
          outputSchema: weatherTool.outputSchema,
          annotations: { readOnlyHint: true, openWorldHint: true },
          _meta: { "example.com/owner": "weather-team" }
        },
        plainTool,
        titledTool
      ],
      nextCursor: "page-2"
    },
    "2025-03-26": {
      tools: [
        {
          name: "get_weather",
          description: "Current weather for a city",
          inputSchema: weatherTool.inputSchema,
          // `title` moved into `annotations.title` (2025-03-26 has annotations but no Tool.title)
          annotations: { readOnlyHint: true, openWorldHint: true, title: "Weather" }
        },
        plainTool,
        // an existing annotations.title wins over the dropped title
        { name: "delete_file", inputSchema: { type: "object" }, annotations: { title: "Delete a file", destructiveHint: true } }
      ],
      nextCursor: "page-2"
    },
    "2024-11-05": {
      tools: [
        { name: "get_weather", description: "Current weather for a city", inputSchema: weatherTool.inputSchema },
        plainTool,
        { name: "delete_file", inputSchema: { type: "object" } }
      ],
      nextCursor: "page-2"
    }
  }

  for (const version of olderVersions) {
    it(`projects a rich tools/list result to ${version}`, () => {
      const projected = projectResult("tools/list", toolsList, version)
      assertEqual(projected, expected[version as keyof typeof expected])
      assert.notStrictEqual(projected, toolsList)
      // untouched elements keep their identity
      assert.strictEqual(projected.tools[1], plainTool)
    })
  }

  it("keeps a tool that needs no change as the same reference (2025-06-18)", () => {
    const projected = projectResult("tools/list", toolsList, "2025-06-18")
    assert.strictEqual(projected.tools[2], titledTool)
    assert.strictEqual((projected.tools[0] as typeof weatherTool).inputSchema, weatherTool.inputSchema)
  })
})

describe("projection: an outputSchema whose root is not an object (SEP-2106)", () => {
  const arrayTool = deepFreeze({
    name: "names",
    inputSchema: { type: "object" },
    outputSchema: { type: "array", items: { type: "string" } }
  })
  const unionTool = deepFreeze({
    name: "either",
    inputSchema: { type: "object" },
    outputSchema: { anyOf: [{ type: "object" }, { type: "array" }] }
  })
  const objectTool = deepFreeze({ name: "point", inputSchema: { type: "object" }, outputSchema: { type: "object" } })
  const listed = deepFreeze({ tools: [arrayTool, unionTool, objectTool] })
  const wrapped = (schema: unknown) => ({ type: "object", properties: { result: schema }, required: ["result"] })

  it("2026-07-28 lists it as it is; 2025-11-25 and 2025-06-18 wrapped as { result }; 2025-03-26 not at all", () => {
    const modern = projectResult("tools/list", listed, "2026-07-28") as typeof listed
    assert.strictEqual(modern.tools, listed.tools)
    for (const version of ["2025-11-25", "2025-06-18"] as const) {
      const projected = projectResult("tools/list", listed, version) as typeof listed
      assertEqual(projected.tools.map((tool) => tool.outputSchema), [
        wrapped(arrayTool.outputSchema),
        wrapped(unionTool.outputSchema),
        objectTool.outputSchema
      ], version)
      assert.strictEqual(projected.tools[2], objectTool)
      // Idempotent, and the same wrapped schema each time (made once per schema).
      assert.strictEqual(projectResult("tools/list", projected, version).tools, projected.tools, version)
      assert.strictEqual(
        (projectResult("tools/list", listed, version) as typeof listed).tools[0]!.outputSchema,
        projected.tools[0]!.outputSchema
      )
    }
    const old = projectResult("tools/list", listed, "2025-03-26") as { tools: ReadonlyArray<Record<string, unknown>> }
    assert.isTrue(old.tools.every((tool) => tool.outputSchema === undefined))
  })

  it("moves $schema and $defs to the new root and rebases the other same-document references", () => {
    const schema = deepFreeze({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "array",
      items: { $ref: "#/$defs/Node" },
      prefixItems: [{ $ref: "#" }, { $ref: "#/items" }, { $ref: "#/definitions/Old" }, { $ref: "https://example.com/s" }],
      // Data, not schemas: left alone.
      default: [{ $ref: "#" }],
      examples: [{ $ref: "#/items" }],
      $defs: {
        Node: {
          type: "object",
          properties: {
            // A property named as a keyword holds a schema.
            const: { $ref: "#" },
            children: { type: "array", items: { $ref: "#/$defs/Node" } }
          }
        }
      },
      definitions: { Old: { type: "string" } }
    })
    assertEqual(legacyOutputSchema(schema), {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      properties: {
        result: {
          type: "array",
          items: { $ref: "#/$defs/Node" },
          prefixItems: [
            { $ref: "#/properties/result" },
            { $ref: "#/properties/result/items" },
            { $ref: "#/properties/result/definitions/Old" },
            { $ref: "https://example.com/s" }
          ],
          default: [{ $ref: "#" }],
          examples: [{ $ref: "#/items" }],
          definitions: { Old: { type: "string" } }
        }
      },
      required: ["result"],
      $defs: {
        Node: {
          type: "object",
          properties: {
            const: { $ref: "#/properties/result" },
            children: { type: "array", items: { $ref: "#/$defs/Node" } }
          }
        }
      }
    })
  })

  it("nests a schema whose root sets a base $id as it is", () => {
    const schema = deepFreeze({ $id: "https://example.com/list", type: "array", items: { $ref: "#/$defs/A" }, $defs: { A: {} } })
    assertEqual(legacyOutputSchema(schema), { type: "object", properties: { result: schema }, required: ["result"] })
  })
})

describe("projection: tools/call", () => {
  const linkNoIcons = {
    type: "resource_link",
    uri: "file:///reports/weather.md",
    name: "weather.md",
    title: "Weather report",
    description: "The full report",
    mimeType: "text/markdown",
    size: 1024,
    annotations: { audience: ["assistant"], lastModified },
    _meta: { "example.com/k": 1 }
  }
  const before0618 = (audio: unknown) => ({
    content: [
      { type: "text", text: "22 degrees", annotations: { audience: ["user"], priority: 0.5 } },
      imageBlock,
      audio,
      {
        type: "text",
        text: "Resource link: Weather report (file:///reports/weather.md)",
        annotations: { audience: ["assistant"] }
      },
      {
        type: "resource",
        resource: { uri: "file:///data.json", mimeType: "application/json", text: "{}" },
        annotations: { priority: 0.1 }
      }
    ],
    isError: false,
    _meta: { "example.com/request": "r1" }
  })
  const expected: Record<Exclude<ProjectedVersion, "2025-11-25" | "2026-07-28">, unknown> = {
    "2025-06-18": {
      content: [textBlock, imageBlock, audioBlock, linkNoIcons, embeddedBlock],
      structuredContent: { temperature: 22 },
      isError: false,
      _meta: { "example.com/request": "r1" }
    },
    "2025-03-26": before0618(audioBlock),
    "2024-11-05": before0618({
      type: "text",
      text: "[Audio content (audio/wav) omitted: not supported by protocol version 2024-11-05]",
      annotations: { priority: 1 }
    })
  }

  for (const version of olderVersions) {
    it(`projects audio + resource_link + structuredContent to ${version}`, () => {
      const projected = projectResult("tools/call", callResult, version)
      assertEqual(projected, expected[version as keyof typeof expected])
      assert.strictEqual(projected.content[1], imageBlock)
    })
  }

  it("keeps unchanged blocks as the same reference (2025-06-18)", () => {
    const projected = projectResult("tools/call", callResult, "2025-06-18")
    assert.strictEqual(projected.content[0], textBlock)
    assert.strictEqual(projected.content[2], audioBlock)
    assert.strictEqual(projected.content[4], embeddedBlock)
    assert.notStrictEqual(projected.content[3], linkBlock)
  })

  it("mirrors structuredContent into a text block when no content block is left", () => {
    const result = deepFreeze({ content: [], structuredContent: { a: 1, b: [true] } })
    assertEqual(projectResult("tools/call", result, "2025-03-26"), {
      content: [{ type: "text", text: "{\"a\":1,\"b\":[true]}" }]
    })
    assert.strictEqual(projectResult("tools/call", result, "2025-06-18"), result)
  })

  it("names a resource_link by name, or by uri alone", () => {
    const result = deepFreeze({
      content: [
        { type: "resource_link", uri: "file:///a", name: "a.txt" },
        { type: "resource_link", uri: "file:///b", name: "file:///b" }
      ]
    })
    assertEqual(projectResult("tools/call", result, "2025-03-26"), {
      content: [
        { type: "text", text: "Resource link: a.txt (file:///a)" },
        { type: "text", text: "Resource link: file:///b" }
      ]
    })
  })
})

describe("projection: initialize", () => {
  const { tasks: _tasks, ...withoutTasks } = initializeResult.capabilities
  const { completions: _completions, ...withoutTasksAndCompletions } = withoutTasks
  const expected: Record<Exclude<ProjectedVersion, "2025-11-25" | "2026-07-28">, unknown> = {
    "2025-06-18": {
      protocolVersion: "2025-11-25",
      capabilities: withoutTasks,
      serverInfo: { name: "weather-server", version: "1.2.3", title: "Weather Server" },
      instructions: "Ask about the weather."
    },
    "2025-03-26": {
      protocolVersion: "2025-11-25",
      capabilities: withoutTasks,
      serverInfo: { name: "weather-server", version: "1.2.3" },
      instructions: "Ask about the weather."
    },
    "2024-11-05": {
      protocolVersion: "2025-11-25",
      capabilities: withoutTasksAndCompletions,
      serverInfo: { name: "weather-server", version: "1.2.3" },
      instructions: "Ask about the weather."
    }
  }

  it("fixtures really differ (sanity)", () => {
    assert.isTrue("tasks" in initializeResult.capabilities && !("tasks" in withoutTasks))
    assert.isTrue("completions" in withoutTasks && !("completions" in withoutTasksAndCompletions))
  })

  for (const version of olderVersions) {
    it(`projects an initialize result with every capability to ${version}`, () => {
      const projected = projectResult("initialize", initializeResult, version)
      assertEqual(projected, expected[version as keyof typeof expected])
      // sub-capabilities are shared, not copied
      assert.strictEqual(projected.capabilities.resources, initializeResult.capabilities.resources)
    })
  }

  it("projectServerCapabilities / projectImplementation agree with initialize", () => {
    for (const version of olderVersions) {
      const projected = projectResult("initialize", initializeResult, version)
      assertEqual(projectServerCapabilities(initializeResult.capabilities, version), projected.capabilities)
      assertEqual(projectImplementation(initializeResult.serverInfo, version), projected.serverInfo)
    }
  })

  it("keeps unknown capabilities and returns the same object when nothing goes", () => {
    const caps = deepFreeze({ tools: {}, "example.com/custom": { on: true } })
    for (const version of olderVersions) assert.strictEqual(projectServerCapabilities(caps, version), caps)
    const info = deepFreeze({ name: "s", version: "1" })
    for (const version of olderVersions) assert.strictEqual(projectImplementation(info, version), info)
  })
})

describe("projection: resources, prompts, completion", () => {
  const resource = {
    uri: "file:///a.md",
    name: "a.md",
    title: "A",
    description: "Doc A",
    mimeType: "text/markdown",
    size: 12,
    annotations: { audience: ["user"], priority: 0.2, lastModified },
    icons: [icon],
    _meta: { k: 1 }
  }
  const template = {
    uriTemplate: "file:///{path}",
    name: "files",
    title: "Files",
    annotations: { priority: 0.3 },
    icons: [icon],
    _meta: { k: 2 }
  }

  it("resources/list", () => {
    const result = deepFreeze({ resources: [resource], nextCursor: "n" })
    assertEqual(projectResult("resources/list", result, "2025-06-18"), {
      resources: [
        {
          uri: "file:///a.md",
          name: "a.md",
          title: "A",
          description: "Doc A",
          mimeType: "text/markdown",
          size: 12,
          annotations: { audience: ["user"], priority: 0.2, lastModified },
          _meta: { k: 1 }
        }
      ],
      nextCursor: "n"
    })
    const older = {
      resources: [
        {
          uri: "file:///a.md",
          name: "a.md",
          description: "Doc A",
          mimeType: "text/markdown",
          size: 12,
          annotations: { audience: ["user"], priority: 0.2 }
        }
      ],
      nextCursor: "n"
    }
    assertEqual(projectResult("resources/list", result, "2025-03-26"), older)
    assertEqual(projectResult("resources/list", result, "2024-11-05"), older)
  })

  it("resources/templates/list", () => {
    const result = deepFreeze({ resourceTemplates: [template] })
    assertEqual(projectResult("resources/templates/list", result, "2025-06-18"), {
      resourceTemplates: [{ uriTemplate: "file:///{path}", name: "files", title: "Files", annotations: { priority: 0.3 }, _meta: { k: 2 } }]
    })
    assertEqual(projectResult("resources/templates/list", result, "2024-11-05"), {
      resourceTemplates: [{ uriTemplate: "file:///{path}", name: "files", annotations: { priority: 0.3 } }]
    })
  })

  it("resources/read", () => {
    const result = deepFreeze({
      contents: [
        { uri: "file:///a", mimeType: "text/plain", text: "a", _meta: { k: 1 } },
        { uri: "file:///b", blob: "Yg==" }
      ]
    })
    assert.strictEqual(projectResult("resources/read", result, "2025-06-18"), result)
    const projected = projectResult("resources/read", result, "2025-03-26")
    assertEqual(projected, {
      contents: [{ uri: "file:///a", mimeType: "text/plain", text: "a" }, { uri: "file:///b", blob: "Yg==" }]
    })
    assert.strictEqual(projected.contents[1], result.contents[1])
  })

  it("prompts/list", () => {
    const result = deepFreeze({
      prompts: [
        {
          name: "review",
          title: "Code review",
          description: "Review code",
          arguments: [{ name: "code", title: "Code", description: "The code", required: true }],
          icons: [icon],
          _meta: { k: 1 }
        }
      ]
    })
    assertEqual(projectResult("prompts/list", result, "2025-06-18"), {
      prompts: [
        {
          name: "review",
          title: "Code review",
          description: "Review code",
          arguments: [{ name: "code", title: "Code", description: "The code", required: true }],
          _meta: { k: 1 }
        }
      ]
    })
    const older = {
      prompts: [
        { name: "review", description: "Review code", arguments: [{ name: "code", description: "The code", required: true }] }
      ]
    }
    assertEqual(projectResult("prompts/list", result, "2025-03-26"), older)
    assertEqual(projectResult("prompts/list", result, "2024-11-05"), older)
  })

  it("prompts/get", () => {
    const result = deepFreeze({
      description: "d",
      messages: [
        { role: "user", content: textBlock },
        { role: "assistant", content: { type: "audio", data: "YQ==", mimeType: "audio/mpeg" } },
        { role: "user", content: { type: "resource_link", uri: "file:///x", name: "x" } }
      ]
    })
    assert.strictEqual(projectResult("prompts/get", result, "2025-06-18"), result)
    assertEqual(projectResult("prompts/get", result, "2025-03-26"), {
      description: "d",
      messages: [
        { role: "user", content: { type: "text", text: "22 degrees", annotations: { audience: ["user"], priority: 0.5 } } },
        { role: "assistant", content: { type: "audio", data: "YQ==", mimeType: "audio/mpeg" } },
        { role: "user", content: { type: "text", text: "Resource link: x (file:///x)" } }
      ]
    })
    assertEqual(projectResult("prompts/get", result, "2024-11-05").messages[1], {
      role: "assistant",
      content: {
        type: "text",
        text: "[Audio content (audio/mpeg) omitted: not supported by protocol version 2024-11-05]"
      }
    })
  })

  it("completion/complete and unknown methods pass through unchanged", () => {
    const completion = deepFreeze({ completion: { values: ["a", "b"], total: 2, hasMore: false } })
    const unknown = deepFreeze({ title: "x", icons: [icon], structuredContent: {} })
    for (const version of projectedVersions) {
      if (version === "2026-07-28") continue // adds resultType: see "projection: 2026-07-28"
      assert.strictEqual(projectResult("completion/complete", completion, version), completion)
      assert.strictEqual(projectResult("vendor/thing", unknown, version), unknown)
    }
  })
})

describe("projection: 2026-07-28", () => {
  const v = "2026-07-28"
  it("every result gets resultType \"complete\" (an existing resultType is kept)", () => {
    const completion = deepFreeze({ completion: { values: ["a"] } })
    assertEqual(projectResult("completion/complete", completion, v), { ...completion, resultType: "complete" })
    const inputRequired = deepFreeze({ resultType: "input_required", inputRequests: {} })
    assert.strictEqual(projectResult("tools/call", inputRequired, v), inputRequired)
  })

  it("cacheable results get ttlMs and cacheScope unless the handler set them; others do not", () => {
    const listed = projectResult("tools/list", deepFreeze({ tools: [] }), v) as Record<string, unknown>
    assert.strictEqual(listed["ttlMs"], 0)
    assert.strictEqual(listed["cacheScope"], "private")
    const hinted = deepFreeze({ tools: [], ttlMs: 60_000, cacheScope: "public" })
    assertEqual(projectResult("tools/list", hinted, v), { ...hinted, resultType: "complete" })
    const called = projectResult("tools/call", deepFreeze({ content: [] }), v) as Record<string, unknown>
    assert.notProperty(called, "ttlMs")
    assert.notProperty(called, "cacheScope")
  })

  it("given the server's identity, every result carries it in _meta; a handler's own _meta entries (and its own serverInfo) are kept", () => {
    const serverInfo = deepFreeze({ name: "s", version: "1.0.0" })
    const key = "io.modelcontextprotocol/serverInfo"
    const called = projectResult("tools/call", deepFreeze({ content: [] }), v, serverInfo) as Record<string, any>
    assert.deepStrictEqual(called["_meta"], { [key]: serverInfo })
    // Made once per identity and shared, frozen: no result can change another's.
    const again = projectResult("tools/call", deepFreeze({ content: [] }), v, serverInfo) as Record<string, any>
    assert.strictEqual(again["_meta"], called["_meta"])
    assert.isTrue(Object.isFrozen(called["_meta"]))
    const own = deepFreeze({ content: [], _meta: { "example.com/trace": "t1" } })
    assert.deepStrictEqual((projectResult("tools/call", own, v, serverInfo) as Record<string, any>)["_meta"], {
      "example.com/trace": "t1",
      [key]: serverInfo
    })
    assert.deepStrictEqual(own._meta, { "example.com/trace": "t1" }, "the handler's result is not changed")
    // A round asking for input, a task: every result (the key is optional on all of them).
    const inputRequired = deepFreeze({ resultType: "input_required", inputRequests: {} })
    assert.deepStrictEqual((projectResult("tools/call", inputRequired, v, serverInfo) as Record<string, any>)["_meta"], { [key]: serverInfo })
    const mine = deepFreeze({ content: [], _meta: { [key]: { name: "proxy", version: "2" } } })
    assertEqual(projectResult("tools/call", mine, v, serverInfo), { ...mine, resultType: "complete" })
    // A `_meta` that is not an object is left for the client to refuse, never replaced.
    const malformed = deepFreeze({ content: [], _meta: "oops" })
    assertEqual(projectResult("tools/call", malformed, v, serverInfo), { ...malformed, resultType: "complete" })
    // Earlier versions, and no identity given: nothing added.
    assert.notProperty(projectResult("tools/call", deepFreeze({ content: [] }), "2025-06-18", serverInfo), "_meta")
    assert.notProperty(projectResult("tools/call", deepFreeze({ content: [] }), v), "_meta")
  })

  it("a result of an earlier version carries none of the fields only 2026-07-28 defines", () => {
    const modernOnly = { resultType: "complete", ttlMs: 5, cacheScope: "public", inputRequests: {}, requestState: "s" }
    // 2025-11-25 too (its fast path): whatever built the result (a middleware, a LowLevelServer).
    for (const version of [...olderVersions, "2025-11-25"] as const) {
      for (const [method, result] of [
        ["tools/call", { content: [] }],
        ["resources/read", { contents: [] }],
        ["tools/list", { tools: [] }],
        ["completion/complete", { completion: { values: [] } }],
        ["initialize", { protocolVersion: "2025-11-25", capabilities: {}, serverInfo: { name: "s", version: "1" } }],
        ["custom/method", { answer: 1 }]
      ] as const) {
        assertEqual(projectResult(method, deepFreeze({ ...result, ...modernOnly }), version), result, `${version} ${method}`)
      }
    }
    for (const key of Object.keys(modernOnly)) {
      const one = deepFreeze({ content: [], [key]: modernOnly[key as keyof typeof modernOnly] })
      assertEqual(projectLatestResult("tools/call", one), { content: [] }, key)
    }
    const plainResult = { completion: { values: [] } }
    assert.strictEqual(projectLatestResult("completion/complete", plainResult), plainResult)
    // A task's tool result fetched by tasks/result: its structuredContent wrapped as the tool's is.
    const taskResult = deepFreeze({ content: [], structuredContent: [1], _meta: { "io.modelcontextprotocol/related-task": { taskId: "t" } } })
    assertEqual(projectResult("tasks/result", taskResult, "2025-11-25"), { ...taskResult, structuredContent: { result: [1] } })
    assertEqual(withoutModernResultFields(deepFreeze({ content: [], ...modernOnly })), { content: [] })
    const plain = { content: [] }
    assert.strictEqual(withoutModernResultFields(plain), plain)
    assertEqual(projectResult("tools/call", { content: [], ...modernOnly }, "2026-07-28"), { content: [], ...modernOnly })
  })

  it("drops what 2026-07-28 removed: Tool.execution, the core tasks capability", () => {
    const tools = projectResult("tools/list", toolsList, v) as { tools: Array<Record<string, unknown>> }
    for (const tool of tools.tools) assert.notProperty(tool, "execution")
    const caps = projectServerCapabilities(initializeResult.capabilities, v) as Record<string, unknown>
    assert.notProperty(caps, "tasks")
  })

  it("resource-not-found is -32602 (SEP-2164) and URL-elicitation-required -32603 (retired), unchanged for earlier versions", () => {
    const notFound = { code: -32002, message: "Resource not found: x", data: { uri: "x" } }
    assertEqual(projectError(notFound, v), { ...notFound, code: -32602 })
    assert.strictEqual(projectError(notFound, "2025-11-25"), notFound)
    // -32042 is retired in 2026-07-28 (MRTR asks for URL elicitations where a request can ask for input)
    const url = { code: -32042, message: "URL elicitation required", data: { elicitations: [] } }
    assertEqual(projectError(url, v), { ...url, code: -32603 })
    assert.strictEqual(projectError(url, "2025-11-25"), url)
  })
})

// ---------------------------------------------------------------------------
// Server → client requests and notifications
// ---------------------------------------------------------------------------

describe("projection: server requests", () => {
  const sampling = deepFreeze({
    messages: [
      { role: "user", content: [{ type: "text", text: "a", _meta: { k: 1 } }, imageBlock], _meta: { k: 2 } },
      { role: "assistant", content: { type: "text", text: "b" } }
    ],
    maxTokens: 100,
    includeContext: "none",
    task: { ttl: 1000 },
    tools: [plainTool],
    toolChoice: { mode: "auto" }
  })

  it("sampling/createMessage: drops task/tools/toolChoice and splits array content (2025-06-18)", () => {
    const projected = projectServerRequest("sampling/createMessage", sampling, "2025-06-18")
    assertEqual(projected, {
      messages: [
        { role: "user", content: { type: "text", text: "a", _meta: { k: 1 } } },
        { role: "user", content: imageBlock },
        { role: "assistant", content: { type: "text", text: "b" } }
      ],
      maxTokens: 100,
      includeContext: "none"
    })
  })

  it("sampling/createMessage: also drops block _meta (2025-03-26)", () => {
    const projected = projectServerRequest("sampling/createMessage", sampling, "2025-03-26")
    assertEqual(projected, {
      messages: [
        { role: "user", content: { type: "text", text: "a" } },
        { role: "user", content: imageBlock },
        { role: "assistant", content: { type: "text", text: "b" } }
      ],
      maxTokens: 100,
      includeContext: "none"
    })
  })

  it("sampling/createMessage: not sendable when the version cannot express it", () => {
    const toolUse = deepFreeze({
      messages: [{ role: "assistant", content: [{ type: "tool_use", id: "1", name: "echo", input: {} }] }],
      maxTokens: 1
    })
    const required = deepFreeze({ messages: [], maxTokens: 1, tools: [plainTool], toolChoice: { mode: "required" } })
    const audio = deepFreeze({ messages: [{ role: "user", content: audioBlock }], maxTokens: 1 })
    for (const version of olderVersions) {
      assert.strictEqual(projectServerRequest("sampling/createMessage", toolUse, version), NotSendable)
      assert.strictEqual(projectServerRequest("sampling/createMessage", required, version), NotSendable)
    }
    assert.strictEqual(projectServerRequest("sampling/createMessage", audio, "2025-03-26"), audio)
    assert.strictEqual(projectServerRequest("sampling/createMessage", audio, "2024-11-05"), NotSendable)
  })

  it("elicitation/create: form projection for 2025-06-18, not sendable earlier", () => {
    const form = deepFreeze({
      mode: "form",
      message: "Details?",
      task: { ttl: 5 },
      requestedSchema: {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        type: "object",
        properties: {
          name: { type: "string", default: "Ann", minLength: 1 },
          age: { type: "integer", default: 30 },
          ok: { type: "boolean", default: true },
          color: { type: "string", enum: ["r", "g"], default: "r" },
          size: { type: "string", title: "Size", oneOf: [{ const: "s", title: "Small" }, { const: "l", title: "Large" }] }
        },
        required: ["name"]
      }
    })
    assertEqual(projectServerRequest("elicitation/create", form, "2025-06-18"), {
      message: "Details?",
      requestedSchema: {
        type: "object",
        properties: {
          name: { type: "string", minLength: 1 },
          age: { type: "integer" },
          ok: { type: "boolean", default: true },
          color: { type: "string", enum: ["r", "g"] },
          size: { type: "string", title: "Size", enum: ["s", "l"], enumNames: ["Small", "Large"] }
        },
        required: ["name"]
      }
    })
    assert.strictEqual(projectServerRequest("elicitation/create", form, "2025-03-26"), NotSendable)
    assert.strictEqual(projectServerRequest("elicitation/create", form, "2024-11-05"), NotSendable)
  })

  it("elicitation/create: URL mode and multi-select enums are not sendable before 2025-11-25", () => {
    const url = deepFreeze({ mode: "url", message: "Sign in", elicitationId: "e1", url: "https://example.com" })
    const multi = deepFreeze({
      message: "Pick",
      requestedSchema: {
        type: "object",
        properties: { tags: { type: "array", items: { type: "string", enum: ["a", "b"] } } }
      }
    })
    assert.strictEqual(projectServerRequest("elicitation/create", url, "2025-06-18"), NotSendable)
    assert.strictEqual(projectServerRequest("elicitation/create", multi, "2025-06-18"), NotSendable)
    const plain = deepFreeze({
      message: "Name?",
      requestedSchema: { type: "object", properties: { name: { type: "string" } } }
    })
    assert.strictEqual(projectServerRequest("elicitation/create", plain, "2025-06-18"), plain)
  })

  it("tasks/* requests only from 2025-11-25; ping and roots/list always", () => {
    for (const version of olderVersions) {
      for (const method of ["tasks/get", "tasks/result", "tasks/cancel"]) {
        assert.strictEqual(projectServerRequest(method, { taskId: "t" }, version), NotSendable)
      }
      assert.strictEqual(projectServerRequest("tasks/list", undefined, version), NotSendable)
      assert.strictEqual(projectServerRequest("ping", undefined, version), undefined)
      const roots = { _meta: { progressToken: 1 } }
      assert.strictEqual(projectServerRequest("roots/list", roots, version), roots)
    }
    assert.strictEqual(projectServerRequest("tasks/list", undefined, "2025-11-25"), undefined)
  })
})

describe("projection: server notifications", () => {
  it("notifications/progress drops message only in 2024-11-05", () => {
    const params = deepFreeze({ progressToken: "p", progress: 1, total: 2, message: "half" })
    assert.strictEqual(projectServerNotification("notifications/progress", params, "2025-06-18"), params)
    assert.strictEqual(projectServerNotification("notifications/progress", params, "2025-03-26"), params)
    assertEqual(projectServerNotification("notifications/progress", params, "2024-11-05"), {
      progressToken: "p",
      progress: 1,
      total: 2
    })
  })

  it("notifications/cancelled needs a requestId before 2025-11-25", () => {
    const withId = deepFreeze({ requestId: 7, reason: "timeout" })
    const withoutId = deepFreeze({ reason: "task" })
    for (const version of olderVersions) {
      assert.strictEqual(projectServerNotification("notifications/cancelled", withId, version), withId)
      assert.strictEqual(projectServerNotification("notifications/cancelled", withoutId, version), NotSendable)
    }
    assert.strictEqual(projectServerNotification("notifications/cancelled", withoutId, "2025-11-25"), withoutId)
  })

  it("elicitation/complete and tasks/status only from 2025-11-25; others always", () => {
    for (const version of olderVersions) {
      assert.strictEqual(
        projectServerNotification("notifications/elicitation/complete", { elicitationId: "e" }, version),
        NotSendable
      )
      assert.strictEqual(projectServerNotification("notifications/tasks/status", { taskId: "t" }, version), NotSendable)
      assert.strictEqual(projectServerNotification("notifications/tools/list_changed", undefined, version), undefined)
      const log = { level: "info", data: "x" }
      assert.strictEqual(projectServerNotification("notifications/message", log, version), log)
    }
  })
})

describe("projection: version table", () => {
  it("lists the five versions and their deltas", () => {
    assertEqual(projectedVersions, ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"])
    assert.isTrue(isProjectedVersion("2024-11-05"))
    assert.isTrue(isProjectedVersion("2026-07-28"))
    assert.isFalse(isProjectedVersion("2027-01-01"))
    assert.isTrue(Object.values(featuresOf("2025-11-25")).every((known) => known))
    assert.isFalse(featuresOf("2025-06-18").tasksCapability)
    assert.isTrue(featuresOf("2025-06-18").structuredContent)
    assert.isFalse(featuresOf("2025-03-26").structuredContent)
    assert.isTrue(featuresOf("2025-03-26").audioContent)
    assert.isFalse(featuresOf("2024-11-05").audioContent)
    // 2026-07-28 removed what 2025-11-25 introduced for core tasks
    assert.isFalse(featuresOf("2026-07-28").taskMethods)
    assert.isFalse(featuresOf("2026-07-28").toolExecution)
    assert.isTrue(featuresOf("2026-07-28").toolInputErrorsAsResults)
    // every flag off in an older handshake-era version stays off in the ones before it
    for (let i = projectedVersions.indexOf("2025-11-25"); i < projectedVersions.length - 1; i++) {
      const newer = featuresOf(projectedVersions[i]!)
      const older = featuresOf(projectedVersions[i + 1]!)
      for (const [key, known] of Object.entries(older)) {
        if (known) assert.isTrue(newer[key as keyof typeof newer], `${key} is known in an older version only`)
      }
    }
  })
})

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

/**
 * What each version allows, transcribed from `schema/<date>/schema.ts` independently of the
 * implementation's feature tables.
 */
interface Allowed {
  readonly tool: ReadonlyArray<string>
  readonly blockTypes: ReadonlyArray<string>
  readonly blockMeta: boolean
  readonly annotations: ReadonlyArray<string>
  readonly resourceLink: ReadonlyArray<string>
  readonly callToolResult: ReadonlyArray<string>
  readonly capabilities: ReadonlyArray<string>
  readonly implementation: ReadonlyArray<string>
}
const allowed: Record<ProjectedVersion, Allowed> = {
  "2026-07-28": {
    tool: ["name", "title", "description", "inputSchema", "outputSchema", "annotations", "icons", "_meta"],
    blockTypes: ["text", "image", "audio", "resource", "resource_link"],
    blockMeta: true,
    annotations: ["audience", "priority", "lastModified"],
    resourceLink: ["type", "uri", "name", "title", "description", "mimeType", "annotations", "size", "icons", "_meta"],
    callToolResult: ["content", "structuredContent", "isError", "_meta", "resultType"],
    capabilities: ["experimental", "logging", "completions", "prompts", "resources", "tools"],
    implementation: ["name", "title", "version", "description", "websiteUrl", "icons"]
  },
  "2024-11-05": {
    tool: ["name", "description", "inputSchema"],
    blockTypes: ["text", "image", "resource"],
    blockMeta: false,
    annotations: ["audience", "priority"],
    resourceLink: [],
    callToolResult: ["content", "isError", "_meta"],
    capabilities: ["experimental", "logging", "prompts", "resources", "tools"],
    implementation: ["name", "version"]
  },
  "2025-03-26": {
    tool: ["name", "description", "inputSchema", "annotations"],
    blockTypes: ["text", "image", "audio", "resource"],
    blockMeta: false,
    annotations: ["audience", "priority"],
    resourceLink: [],
    callToolResult: ["content", "isError", "_meta"],
    capabilities: ["experimental", "logging", "completions", "prompts", "resources", "tools"],
    implementation: ["name", "version"]
  },
  "2025-06-18": {
    tool: ["name", "title", "description", "inputSchema", "outputSchema", "annotations", "_meta"],
    blockTypes: ["text", "image", "audio", "resource", "resource_link"],
    blockMeta: true,
    annotations: ["audience", "priority", "lastModified"],
    resourceLink: ["type", "uri", "name", "title", "description", "mimeType", "annotations", "size", "_meta"],
    callToolResult: ["content", "structuredContent", "isError", "_meta"],
    capabilities: ["experimental", "logging", "completions", "prompts", "resources", "tools"],
    implementation: ["name", "title", "version"]
  },
  "2025-11-25": {
    tool: ["name", "title", "description", "inputSchema", "outputSchema", "annotations", "execution", "icons", "_meta"],
    blockTypes: ["text", "image", "audio", "resource", "resource_link"],
    blockMeta: true,
    annotations: ["audience", "priority", "lastModified"],
    resourceLink: ["type", "uri", "name", "title", "description", "mimeType", "annotations", "size", "icons", "_meta"],
    callToolResult: ["content", "structuredContent", "isError", "_meta"],
    capabilities: ["experimental", "logging", "completions", "prompts", "resources", "tools", "tasks"],
    implementation: ["name", "title", "version", "description", "websiteUrl", "icons"]
  }
}

const assertKeys = (obj: object, permitted: ReadonlyArray<string>, what: string) => {
  for (const key of Object.keys(obj)) assert.include(permitted, key, `${what} has key ${key}`)
}

const assertBlock = (block: Record<string, unknown>, a: Allowed) => {
  assert.include(a.blockTypes, block["type"] as string)
  if (!a.blockMeta) assert.notProperty(block, "_meta")
  if (block["type"] === "resource_link") assertKeys(block, a.resourceLink, "resource_link")
  const annotations = block["annotations"]
  if (annotations !== undefined) assertKeys(annotations as object, a.annotations, "annotations")
  const resource = block["resource"]
  if (block["type"] === "resource" && !a.blockMeta) assert.notProperty(resource as object, "_meta")
}

const metaArb = fc.dictionary(fc.constantFrom("example.com/a", "example.com/b"), fc.jsonValue(), { maxKeys: 2 })
const iconArb = fc.record({ src: fc.webUrl(), mimeType: fc.constant("image/png") }, { requiredKeys: ["src"] })
const annotationsArb = fc.record(
  {
    audience: fc.subarray(["user", "assistant"]),
    priority: fc.double({ min: 0, max: 1, noNaN: true }),
    lastModified: fc.constant(lastModified)
  },
  { requiredKeys: [] }
)
const toolArb = fc.record(
  {
    name: fc.string({ minLength: 1, maxLength: 8 }),
    title: fc.string({ maxLength: 8 }),
    description: fc.string({ maxLength: 8 }),
    inputSchema: fc.constant({ type: "object", properties: { x: { type: "string" } } }),
    outputSchema: fc.constant({ type: "object" }),
    annotations: fc.record(
      { title: fc.string({ maxLength: 8 }), readOnlyHint: fc.boolean(), destructiveHint: fc.boolean() },
      { requiredKeys: [] }
    ),
    execution: fc.record({ taskSupport: fc.constantFrom("forbidden", "optional", "required") }),
    icons: fc.array(iconArb, { maxLength: 2 }),
    _meta: metaArb
  },
  { requiredKeys: ["name", "inputSchema"] }
)
const blockArb = fc.oneof(
  fc.record(
    { type: fc.constant("text"), text: fc.string(), annotations: annotationsArb, _meta: metaArb },
    { requiredKeys: ["type", "text"] }
  ),
  fc.record(
    { type: fc.constant("image"), data: fc.base64String(), mimeType: fc.constant("image/png"), annotations: annotationsArb, _meta: metaArb },
    { requiredKeys: ["type", "data", "mimeType"] }
  ),
  fc.record(
    { type: fc.constant("audio"), data: fc.base64String(), mimeType: fc.constant("audio/wav"), annotations: annotationsArb, _meta: metaArb },
    { requiredKeys: ["type", "data", "mimeType"] }
  ),
  fc.record(
    {
      type: fc.constant("resource_link"),
      uri: fc.webUrl(),
      name: fc.string({ maxLength: 8 }),
      title: fc.string({ maxLength: 8 }),
      description: fc.string({ maxLength: 8 }),
      mimeType: fc.constant("text/plain"),
      size: fc.nat(),
      icons: fc.array(iconArb, { maxLength: 2 }),
      annotations: annotationsArb,
      _meta: metaArb
    },
    { requiredKeys: ["type", "uri", "name"] }
  ),
  fc.record(
    {
      type: fc.constant("resource"),
      resource: fc.record(
        { uri: fc.webUrl(), mimeType: fc.constant("text/plain"), text: fc.string(), _meta: metaArb },
        { requiredKeys: ["uri", "text"] }
      ),
      annotations: annotationsArb,
      _meta: metaArb
    },
    { requiredKeys: ["type", "resource"] }
  )
)
const callResultArb = fc.record(
  {
    content: fc.array(blockArb, { maxLength: 5 }),
    structuredContent: fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue(), { maxKeys: 3 }),
    isError: fc.boolean(),
    _meta: metaArb
  },
  { requiredKeys: ["content"] }
)
const initializeArb = fc.record({
  protocolVersion: fc.constant("2025-11-25"),
  capabilities: fc.record(
    {
      experimental: fc.constant({ "example.com/x": {} }),
      logging: fc.constant({}),
      completions: fc.constant({}),
      prompts: fc.record({ listChanged: fc.boolean() }, { requiredKeys: [] }),
      resources: fc.record({ subscribe: fc.boolean(), listChanged: fc.boolean() }, { requiredKeys: [] }),
      tools: fc.record({ listChanged: fc.boolean() }, { requiredKeys: [] }),
      tasks: fc.constant({ list: {}, cancel: {}, requests: { tools: { call: {} } } })
    },
    { requiredKeys: [] }
  ),
  serverInfo: fc.record(
    {
      name: fc.string({ minLength: 1, maxLength: 8 }),
      version: fc.constant("1.0.0"),
      title: fc.string({ maxLength: 8 }),
      description: fc.string({ maxLength: 8 }),
      websiteUrl: fc.webUrl(),
      icons: fc.array(iconArb, { maxLength: 2 })
    },
    { requiredKeys: ["name", "version"] }
  )
})
const versionArb = fc.constantFrom(...projectedVersions)

type Case = { readonly method: string; readonly result: object }
const caseArb: fc.Arbitrary<Case> = fc.oneof(
  fc.record({ method: fc.constant("tools/list"), result: fc.record({ tools: fc.array(toolArb, { maxLength: 4 }) }) }),
  fc.record({ method: fc.constant("tools/call"), result: callResultArb }),
  fc.record({ method: fc.constant("initialize"), result: initializeArb }),
  fc.record({
    method: fc.constant("prompts/get"),
    result: fc.record({
      messages: fc.array(fc.record({ role: fc.constantFrom("user", "assistant"), content: blockArb }), { maxLength: 3 })
    })
  })
)

/** Checks a projected result against the schema-derived allowlist of `version`. */
const assertAllowed = (method: string, result: Record<string, unknown>, version: ProjectedVersion) => {
  const a = allowed[version]
  switch (method) {
    case "tools/list":
      for (const tool of result["tools"] as ReadonlyArray<object>) assertKeys(tool, a.tool, "tool")
      break
    case "tools/call":
      assertKeys(result, a.callToolResult, "CallToolResult")
      for (const block of result["content"] as ReadonlyArray<Record<string, unknown>>) assertBlock(block, a)
      break
    case "initialize":
      assertKeys(result["capabilities"] as object, a.capabilities, "capabilities")
      assertKeys(result["serverInfo"] as object, a.implementation, "serverInfo")
      break
    case "prompts/get":
      for (const m of result["messages"] as ReadonlyArray<Record<string, unknown>>) {
        assertBlock(m["content"] as Record<string, unknown>, a)
      }
      break
  }
}

describe("projection: properties", () => {
  it("never leaves a key or content type the version lacks", () => {
    fc.assert(
      fc.property(caseArb, versionArb, ({ method, result }, version) => {
        const projected = projectResult(method, deepFreeze(result), version)
        assertAllowed(method, projected as Record<string, unknown>, version)
      }),
      { numRuns: 400 }
    )
  })

  it("is idempotent: projecting a projection returns it unchanged (same reference)", () => {
    fc.assert(
      fc.property(caseArb, versionArb, ({ method, result }, version) => {
        const once = projectResult(method, deepFreeze(result), version)
        assert.strictEqual(projectResult(method, once, version), once)
      }),
      { numRuns: 400 }
    )
  })

  it("never mutates its input and is the identity for 2025-11-25", () => {
    fc.assert(
      fc.property(caseArb, versionArb, ({ method, result }, version) => {
        const snapshot = structuredClone(result)
        deepFreeze(result)
        projectResult(method, result, version)
        assertEqual(result, snapshot)
        assert.strictEqual(projectResult(method, result, "2025-11-25"), result)
      }),
      { numRuns: 200 }
    )
  })

  it("keeps everything an older version knows (only the right keys go)", () => {
    fc.assert(
      fc.property(fc.array(toolArb, { maxLength: 4 }), versionArb, (tools, version) => {
        const projected = projectResult("tools/list", deepFreeze({ tools }), version)
        const a = allowed[version]
        projected.tools.forEach((tool, i) => {
          const original = tools[i] as Record<string, unknown>
          for (const key of a.tool) {
            if (key === "annotations") continue // may gain the moved title in 2025-03-26
            assertEqual((tool as Record<string, unknown>)[key], original[key])
          }
        })
      }),
      { numRuns: 200 }
    )
  })
})

describe("projection: plans", () => {
  it("a version's plan is made once, on first use; a string that is no version is refused", () => {
    assert.strictEqual(featuresOf("2025-06-18"), featuresOf("2025-06-18"))
    assert.isFalse(featuresOf("2025-03-26").icons)
    assert.isTrue(featuresOf("2025-11-25").icons)
    for (const notAVersion of ["toString", "__proto__", "constructor", "2099-01-01"]) {
      assert.throws(() => featuresOf(notAVersion as ProjectedVersion), /unsupported protocol version/)
    }
  })
})
