/**
 * The `inputResponses` a 2026-07-28 client sends (a retried request's answers, MRTR, or a
 * `tasks/update`), checked before they are used: answers are sealed into `requestState` or stored
 * with their task, both as JSON, and `JSON.stringify` recurses once per level (an answer of a few
 * KB of `[[[…]]]` overflowed the stack there: -32603 instead of the client's error).
 *
 * @internal
 */
import { clip } from "../../internal/clip.ts"
import { nestedDeeperThan } from "../../internal/nesting.ts"
import * as McpError from "../../protocol/McpError.ts"

/**
 * How many levels of objects and arrays an answer may have: the spec's answers (elicitation
 * content, a sampled message, roots) need a few.
 */
export const maxAnswerDepth = 64

/**
 * The -32602 of `inputResponses` holding an answer nested deeper than `maxAnswerDepth` (64)
 * levels; `undefined` when none is.
 */
export const tooDeepAnswer = (responses: { readonly [key: string]: unknown }): McpError.InvalidParams | undefined => {
  for (const key of Object.keys(responses)) {
    if (nestedDeeperThan(responses[key], maxAnswerDepth)) {
      return McpError.invalidParams(`Invalid params: inputResponses["${clip(key)}"] is nested deeper than ${maxAnswerDepth} levels`)
    }
  }
  return undefined
}
