/**
 * Whether a tool's parameters can be decoded from JSON at all: a parameter whose schema is a
 * declaration without a JSON form (`Schema.instanceOf(SomeClass)`, a `Schema.declare` guard for
 * functions, ...) could never be satisfied by a client, so the tool is refused at registration,
 * naming the tool and the path, instead of failing every call.
 *
 * Cheap where it costs nothing: a schema whose type has no declaration at all (strings, numbers,
 * structs, arrays, unions of those: most tools) is accepted after one walk, without building its
 * JSON codec (kept off a server's start, see `Tool.compile`).
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"

/** The paths (`.a.b[0]`) of the parameters that have no JSON form; empty when all have one. */
export const undecodablePaths = (schema: Schema.Top): ReadonlyArray<string> => {
  if (!hasDeclaration(schema.ast, new Set())) return []
  const encoded = SchemaAST.toEncoded(Schema.toCodecJson(schema as Schema.Codec<unknown, unknown>).ast)
  const found: Array<string> = []
  walk(encoded, "", new Set(), (ast, path) => {
    if (ast._tag === "Declaration") found.push(path === "" ? "(the parameters)" : path)
  })
  return found
}

const hasDeclaration = (ast: SchemaAST.AST, seen: Set<SchemaAST.AST>): boolean => {
  let any = false
  walk(ast, "", seen, (node) => {
    if (node._tag === "Declaration") any = true
  })
  return any
}

/** Visits every node once (suspended schemas are followed once), with its path from the root. */
const walk = (
  ast: SchemaAST.AST,
  path: string,
  seen: Set<SchemaAST.AST>,
  visit: (ast: SchemaAST.AST, path: string) => void
): void => {
  if (seen.has(ast)) return
  seen.add(ast)
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
      // Its own type parameters (e.g. an Option's value): a declaration is reported on its own.
      for (const parameter of ast.typeParameters) walk(parameter, path, seen, visit)
      return
  }
}
