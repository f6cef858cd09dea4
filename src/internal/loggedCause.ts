/**
 * A failure's cause as the server logs it: the message of each error and defect clipped to
 * {@link maxLoggedMessage} characters. A handler that died with a 5 MB message was logged with all
 * of it, by every logger (Effect's console logger prints the stack, which repeats the message;
 * its tracer logger copies it into an event of the request's span).
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import { clip } from "./clip.ts"

/**
 * The longest message of an error or defect a log line carries, in characters (4 Ki). A message
 * written to say what went wrong is a few hundred characters, and the longest the server writes
 * itself (a list of schema problems) reads well cut at 4 KB; with a stack of ten frames the line
 * stays under 8 KB, the longest line syslog daemons keep by default (rsyslog's `maxMessageSize`),
 * and half of the 16 KB at which Docker splits a log line.
 */
export const maxLoggedMessage = 4 * 1024

/**
 * An error logged as a part of the message rather than as the cause (a store's `StoreError`, whose
 * `cause` is the driver's error), with long messages clipped as {@link forLog} clips a cause's;
 * `error` itself when none is too long.
 */
export const errorForLog = <A>(error: A): A => clipValue(error, 0) as A

/** How deep a chain of `cause`s of an error is followed. */
const maxCauseDepth = 8

/** `cause` with long messages clipped; `cause` itself when none is longer than {@link maxLoggedMessage}. */
export const forLog = <E>(cause: Cause.Cause<E>): Cause.Cause<E> => {
  let changed = false
  const reasons = cause.reasons.map((reason): Cause.Reason<E> => {
    if (reason._tag === "Interrupt") return reason
    const value = reason._tag === "Fail" ? reason.error : reason.defect
    const clipped = clipValue(value, 0)
    if (clipped === value) return reason
    changed = true
    const made = reason._tag === "Fail" ? Cause.makeFailReason(clipped as E) : Cause.makeDieReason(clipped)
    return made.annotate(Cause.reasonAnnotations(reason))
  })
  return changed ? Cause.fromReasons(reasons) : cause
}

/**
 * A string clipped; an object (an `Error`, a tagged error) whose `message` or whose `cause`'s is
 * too long copied, with its prototype, properties and stack (where the message is replaced by the
 * clipped one); anything else as it is.
 */
const clipValue = (value: unknown, depth: number): unknown => {
  if (typeof value === "string") return value.length > maxLoggedMessage ? clip(value, maxLoggedMessage) : value
  if (typeof value !== "object" || value === null) return value
  try {
    const object = value as { readonly message?: unknown; readonly cause?: unknown; readonly stack?: unknown }
    const message = object.message
    const long = typeof message === "string" && message.length > maxLoggedMessage
    const cause = depth < maxCauseDepth ? object.cause : undefined
    const clippedCause = cause === undefined ? undefined : clipValue(cause, depth + 1)
    if (!long && clippedCause === cause) return value
    const descriptors = Object.getOwnPropertyDescriptors(value)
    // V8's `stack` may be an accessor of the original: the copy gets its value.
    delete (descriptors as Record<string, PropertyDescriptor>).stack
    // Effect's tagged errors (`Data.TaggedError`: a `StoreError`) keep their constructor's
    // arguments under a symbol, and print those (`toJSON`, which `util.inspect` and Effect's
    // loggers use): the message and cause there are clipped too, or the copy prints them whole.
    for (const key of Object.getOwnPropertySymbols(descriptors)) {
      const descriptor = (descriptors as Record<symbol, PropertyDescriptor>)[key]!
      const args: unknown = descriptor.value
      if (typeof args !== "object" || args === null || Object.getPrototypeOf(args) !== Object.prototype) continue
      const fields = args as { readonly message?: unknown; readonly cause?: unknown }
      const sameMessage = long && fields.message === message
      const sameCause = clippedCause !== cause && "cause" in fields && fields.cause === cause
      if (!sameMessage && !sameCause) continue
      descriptor.value = {
        ...fields,
        ...(sameMessage ? { message: clip(message, maxLoggedMessage) } : {}),
        ...(sameCause ? { cause: clippedCause } : {})
      }
    }
    const copy = Object.create(Object.getPrototypeOf(value), descriptors) as object
    const own = (key: string, content: unknown, enumerable: boolean) =>
      Object.defineProperty(copy, key, { value: content, writable: true, configurable: true, enumerable })
    const stack = object.stack
    if (long) {
      const clipped = clip(message, maxLoggedMessage)
      own("message", clipped, descriptors.message?.enumerable ?? false)
      if (typeof stack === "string") {
        const at = stack.indexOf(message)
        own("stack", at === -1 ? stack : stack.slice(0, at) + clipped + stack.slice(at + message.length), false)
      }
    } else if (typeof stack === "string") {
      own("stack", stack, false)
    }
    if (clippedCause !== cause) own("cause", clippedCause, descriptors.cause?.enumerable ?? false)
    return copy
  } catch {
    // An object whose properties cannot be read (a Proxy that throws): as it is, as loggers have it.
    return value
  }
}
