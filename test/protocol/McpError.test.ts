import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as McpError from "../../src/protocol/McpError.ts"

describe("McpError.toErrorObject", () => {
  it("maps every typed error to its JSON-RPC code", () => {
    const cases: Array<[McpError.McpError, object]> = [
      [new McpError.ParseError({ message: "bad json" }), { code: -32700, message: "bad json" }],
      [new McpError.InvalidRequest({ message: "no" }), { code: -32600, message: "no" }],
      [new McpError.MethodNotFound({ method: "x/y" }), { code: -32601, message: "Method not found: x/y" }],
      [new McpError.InvalidParams({ message: "p", data: { k: 1 } }), { code: -32602, message: "p", data: { k: 1 } }],
      [new McpError.InternalError({ message: "i" }), { code: -32603, message: "i" }],
      [new McpError.ResourceNotFound({ uri: "a://b" }), { code: -32002, message: "Resource not found: a://b", data: { uri: "a://b" } }],
      [
        new McpError.UrlElicitationRequired({ elicitations: [{ mode: "url", url: "https://x" }] }),
        { code: -32042, message: "URL elicitation required", data: { elicitations: [{ mode: "url", url: "https://x" }] } }
      ],
      [new McpError.JsonRpcError({ code: 4001, message: "app" }), { code: 4001, message: "app" }]
    ]
    for (const [error, expected] of cases) assert.deepStrictEqual(McpError.toErrorObject(error), expected)
  })
})

describe("McpError.ErrorCode", () => {
  it("our own codes sit outside the ranges JSON-RPC and MCP 2026-07-28 reserve; in -32020…-32099 only the spec's", () => {
    // MCP 2026-07-28: -32020…-32099 are the spec's (implementations MUST NOT emit others);
    // -32042 is 2025-11-25's URL elicitation (retired in 2026, which asks for MRTR instead).
    const spec = new Set([-32700, -32600, -32601, -32602, -32603, -32002, -32042, -32020, -32021, -32022])
    // Streamable HTTP's own, as the official SDKs use them (2025-era sessions, 503s).
    const transport = new Set([-32000, -32001])
    for (const [name, code] of Object.entries(McpError.ErrorCode)) {
      if (spec.has(code) || transport.has(code)) continue
      assert.isFalse(code >= -32768 && code <= -32000, `${name} (${code}) is in JSON-RPC's reserved range`)
    }
    assert.strictEqual(McpError.ErrorCode.LimitExceeded, 429)
  })

  it("Forbidden is 403 (the Authorization middleware's documented code), with the missing scopes as data", () => {
    assert.strictEqual(McpError.ErrorCode.Forbidden, 403)
    assert.deepStrictEqual(McpError.toErrorObject(McpError.forbidden("Forbidden: tool x needs scope(s) a", ["a"])), {
      code: 403,
      message: "Forbidden: tool x needs scope(s) a",
      data: { missingScopes: ["a"] }
    })
  })
})

describe("McpError.fromCause", () => {
  it("typed failure → its code; defect → masked -32603; interruption → no response", () => {
    assert.deepStrictEqual(McpError.fromCause(Cause.fail(new McpError.MethodNotFound({ method: "m" }))), {
      code: -32601,
      message: "Method not found: m"
    })
    const masked = McpError.fromCause(Cause.die(new Error("db password is hunter2")))
    assert.deepStrictEqual(masked, { code: -32603, message: "Internal error" })
    assert.deepStrictEqual(McpError.fromCause(Cause.fail("an untyped failure")), { code: -32603, message: "Internal error" })
    assert.isUndefined(McpError.fromCause(Cause.interrupt()))
  })
})

describe("McpError.codeOfCause", () => {
  // Pins: the code telemetry records is the code of the answer sent, for the client's fault too,
  // failed or made a defect (recognized by tag, without building the answer).
  it("is fromCause's code, for the client's faults failed or made a defect", () => {
    const faults = [
      { _tag: "ElicitationInvalid", message: "The client's answer does not match the form" },
      { _tag: "ClientResultInvalid", method: "sampling/createMessage", message: "no content" },
      { _tag: "ClientCapabilityMissing", capability: "elicitation", perRequest: true, message: "no elicitation" },
      { _tag: "ClientCapabilityMissing", capability: "sampling", message: "no sampling" },
      { _tag: "Other", message: "the server's" }
    ]
    const causes = faults.flatMap((fault) => [Cause.fail(fault), Cause.die(fault)])
    const codes = causes.map((cause) => McpError.codeOfCause(cause))
    assert.deepStrictEqual(codes, causes.map((cause) => McpError.fromCause(cause)?.code))
    assert.deepStrictEqual(codes, [-32602, -32602, -32602, -32602, -32021, -32021, -32603, -32603, -32603, -32603])
  })
})

describe("McpError: a defect beside other failures", () => {
  // Fails before: the client's fault answered first (-32602, -32021; not logged, `isClientFault`),
  // and a typed failure's code, the defect beside them lost.
  it("wins: the masked -32603, no client's fault; the client's faults made defects and the input signal are no defect", () => {
    const defect = Cause.die(new Error("a parallel branch died"))
    const faults = [
      { _tag: "ElicitationInvalid", message: "The client's answer does not match the form" },
      { _tag: "ClientCapabilityMissing", capability: "elicitation", perRequest: true, message: "no elicitation" }
    ]
    const causes = [
      ...faults.flatMap((fault) => [Cause.combine(Cause.fail(fault), defect), Cause.combine(Cause.die(fault), defect)]),
      Cause.combine(Cause.fail(McpError.invalidParams("bad")), defect),
      Cause.combine(defect, Cause.fail(McpError.invalidParams("bad")))
    ]
    for (const cause of causes) {
      assert.isTrue(McpError.hasServerDefect(cause))
      assert.deepStrictEqual(McpError.fromCause(cause), McpError.internalErrorObject)
      assert.strictEqual(McpError.codeOfCause(cause), -32603)
      assert.isUndefined(McpError.clientFault(cause))
      assert.isFalse(McpError.isClientFault(cause))
    }
    // Without the defect: the client's fault, as before.
    for (const fault of faults) {
      const alone = Cause.combine(Cause.die(fault), Cause.interrupt())
      assert.isFalse(McpError.hasServerDefect(alone))
      assert.isTrue(McpError.isClientFault(alone))
    }
    assert.isFalse(McpError.hasServerDefect(Cause.die({ _tag: "InputRequiredSignal" })))
  })
})

describe("McpError.failureBesideInput", () => {
  const stop = () => Cause.die({ _tag: "InputRequiredSignal" })
  it("nothing but stops (and interruptions): undefined, the request answers input_required", () => {
    assert.isUndefined(McpError.failureBesideInput(stop()))
    assert.isUndefined(McpError.failureBesideInput(Cause.combine(stop(), Cause.interrupt())))
    assert.isUndefined(McpError.failureBesideInput(Cause.combine(Cause.combine(stop(), Cause.interrupt(1)), Cause.die({ _tag: "InputRequiredSignal" }))))
  })
  it("anything else beside the stop: the cause without the stop (interruptions kept)", () => {
    const failure = McpError.invalidParams("bad")
    const defect = new Error("died")
    for (const other of [Cause.fail(failure), Cause.die(defect), Cause.die({ _tag: "ElicitationInvalid", message: "no" })]) {
      const answered = McpError.failureBesideInput(Cause.combine(Cause.combine(stop(), other), Cause.interrupt()))!
      assert.deepStrictEqual(answered.reasons.map((reason) => reason._tag), [...other.reasons.map((reason) => reason._tag), "Interrupt"])
      assert.isFalse(answered.reasons.some((reason) => reason._tag === "Die" && (reason.defect as { _tag?: unknown })._tag === "InputRequiredSignal"))
    }
    assert.deepStrictEqual(McpError.fromCause(McpError.failureBesideInput(Cause.combine(stop(), Cause.fail(failure)))!), { code: -32602, message: "bad" })
  })
  it("a cause with no stop: itself", () => {
    for (const cause of [Cause.fail("x"), Cause.die("y"), Cause.interrupt(), Cause.empty]) {
      assert.strictEqual(McpError.failureBesideInput(cause), cause)
    }
  })
})
