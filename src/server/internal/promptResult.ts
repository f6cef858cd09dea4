/**
 * The structural check of what a prompt handler returns when it is not text: messages or a whole
 * `GetPromptResult`, built by hand where types are not checked (messages proxied from another
 * server, parsed JSON, a cast). One the wire does not allow (`messages` not an array, a role other
 * than "user" or "assistant", a content block without a valid `type` or the fields its type
 * requires, `description` not a string) made the SDK clients refuse the whole answer; the prompt
 * answers it as its handler's defect instead (see `Prompt.compile`), as a tool does.
 *
 * The same few `typeof` tests per message as a tool's result has per block (the blocks are checked
 * by `contentBlock`), on the path of such prompts only: a handler returning a string is not checked.
 *
 * @internal
 */
import { kindOf } from "../../internal/valueKind.ts"
import { blockProblem, isObject, resultTypeProblem, shownTag, wellFormedBlock } from "./contentBlock.ts"

/**
 * What is wrong with a prompt's result (as sent: messages already wrapped as `messages`), said by
 * its path and the kind of the value (never the value: it may be large, or the user's data), or
 * `undefined` when the SDK clients would take its shape.
 */
export const promptResultProblem = (result: { readonly [key: string]: unknown }): string | undefined => {
  const messages = result.messages
  if (!Array.isArray(messages)) return `messages must be an array of messages, not ${kindOf(messages)}`
  for (let i = 0; i < messages.length; i++) {
    const message: unknown = messages[i]
    if (!isObject(message)) return `messages[${i}] must be a message (an object with a role and a content block), not ${kindOf(message)}`
    const role = message.role
    if (role !== "user" && role !== "assistant") return `messages[${i}].role must be "user" or "assistant", not ${shownTag(role)}`
    const content = message.content
    if (!wellFormedBlock(content)) return blockProblem(content, `messages[${i}].content`)
  }
  if (result.description !== undefined && typeof result.description !== "string") {
    return `description must be a string, not ${kindOf(result.description)}`
  }
  if (result._meta !== undefined && !isObject(result._meta)) return `_meta must be an object, not ${kindOf(result._meta)}`
  return resultTypeProblem(result)
}
