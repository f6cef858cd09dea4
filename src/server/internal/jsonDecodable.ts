/**
 * Whether a tool's parameters can be decoded from JSON at all: a parameter whose schema is a
 * declaration without a JSON form (`Schema.instanceOf(SomeClass)`, a `Schema.declare` guard for
 * functions, ...) could never be satisfied by a client, so the tool is refused at registration,
 * naming the tool and the path, instead of failing every call.
 *
 * Cheap: one walk of the schema, without building its JSON codec (kept off a server's start, see
 * `Tool.compile`).
 *
 * @internal
 */
import type * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"

/**
 * The paths (`.a.b[0]`) of the parameters that have no JSON form (`undecodable`), and of those
 * that are no Schema at all (`missing`: a Schema constructor given uncalled, as `Schema.Defect`
 * for `Schema.Defect()` where types are not checked: their node is `undefined`); both empty when
 * all is well.
 */
export const undecodablePaths = (
  schema: Schema.Top
): { readonly undecodable: ReadonlyArray<string>; readonly missing: ReadonlyArray<string> } => {
  const undecodable: Array<string> = []
  const missing: Array<string> = []
  walk(schema.ast, "", new Set(), (ast, path) => {
    const at = path === "" ? "(the parameters)" : path
    if (typeof ast !== "object" || ast === null) missing.push(at)
    else if (ast._tag === "Declaration" && !hasJsonForm(ast)) undecodable.push(at)
  })
  return { undecodable, missing }
}

/**
 * Whether a declaration that is its own encoded side has a JSON form: a `toCodecJson` or
 * `toCodec` annotation, which the JSON codec builds it from (`Date`, `Option`, `Schema.Json`,
 * whose JSON form is itself). Without one the codec takes any JSON value and the declaration's
 * check refuses it (`instanceOf`). Decided here, not on the codec's encoded side, where both end
 * at the same `Json` declaration as `Schema.Unknown` and `Schema.ObjectKeyword` do (which were
 * refused with them).
 */
const hasJsonForm = (ast: SchemaAST.Declaration): boolean =>
  typeof ast.annotations?.toCodecJson === "function" || typeof ast.annotations?.toCodec === "function"

/** Visits every node once (suspended schemas are followed once), with its path from the root. */
const walk = (
  ast: SchemaAST.AST,
  path: string,
  seen: Set<SchemaAST.AST>,
  visit: (ast: SchemaAST.AST, path: string) => void
): void => {
  // Not a node (see `undecodablePaths`): told, not walked.
  if (typeof ast !== "object" || ast === null) return visit(ast, path)
  if (seen.has(ast)) return
  seen.add(ast)
  // A node with an encoding is what its last link's target is in JSON (the JSON codec is derived
  // there: a `Schema.Class`'s struct, a transformation's string).
  if (ast.encoding !== undefined) return walk(ast.encoding[ast.encoding.length - 1]!.to, path, seen, visit)
  visit(ast, path)
  switch (ast._tag) {
    case "Objects":
      for (const property of ast.propertySignatures) walk(property.type, `${path}.${String(property.name)}`, seen, visit)
      for (const index of ast.indexSignatures) walk(index.type, `${path}[*]`, seen, visit)
      return
    case "Arrays":
      for (let i = 0; i < ast.elements.length; i++) walk(ast.elements[i]!, `${path}[${i}]`, seen, visit)
      for (const rest of ast.rest) walk(rest, `${path}[*]`, seen, visit)
      return
    case "Union":
      for (const member of ast.types) walk(member, path, seen, visit)
      return
    case "Suspend":
      walk(ast.thunk(), path, seen, visit)
      return
    case "Declaration":
      // Its own type parameters (e.g. an Option's value), which its JSON form is built from.
      for (const parameter of ast.typeParameters) walk(parameter, path, seen, visit)
      return
  }
}
