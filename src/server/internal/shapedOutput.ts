/**
 * The `outputSchema`s of the tools that send their values, themselves, in the shape their schema
 * is listed in at each version (`Tool`: `{ result: <value> }` to 2025-06-18 and 2025-11-25 when
 * the schema's root is not an object type, which the projection lists wrapped). A server that
 * wraps the values of the tools listed with such a schema (`LowLevelServer`, for the tools its
 * handler or a middleware lists by hand) leaves theirs as they are: wrapped twice, `{ result:
 * { result: <value> } }`, the clients that validate them (SDK v1) refused the call.
 *
 * By identity: `Tool` makes a tool's schema once, and every listing of it (the registry's, a
 * middleware's such as `ToolInjection`, one copying the tool to change another field) carries that
 * object. Marked once per tool; asked only when a `tools/list` result is read.
 *
 * @internal
 */

const shaped = new WeakSet<object>()

/** Says that the tool listed with `schema` sends its values in the shape `schema` is listed in. */
export const shapesItsValues = <A extends object>(schema: A): A => {
  shaped.add(schema)
  return schema
}

/** Whether the tool listed with `schema` sends its values as listed itself (see {@link shapesItsValues}). */
export const valuesShapedBy = (schema: unknown): boolean =>
  typeof schema === "object" && schema !== null && shaped.has(schema)
