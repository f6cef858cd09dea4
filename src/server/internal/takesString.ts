/**
 * Whether a Schema can be given what a client sends as a string: prompt arguments (always strings
 * on the wire) and resource template variables (strings, or lists of strings for exploded ones). A
 * Schema that takes none (`Schema.Number` where `Schema.FiniteFromString` was meant) would refuse
 * every request with "Expected number", so registration refuses it instead, naming it.
 *
 * @internal
 */
import * as SchemaAST from "effect/SchemaAST"

/**
 * Whether the encoded side of `ast` admits some string: false only where it certainly admits none
 * (a number, a boolean, an array, an object, a non-string literal); a declaration or `Unknown` is
 * given the benefit of the doubt.
 */
export const takesString = (ast: SchemaAST.AST): boolean => admits(SchemaAST.toEncoded(ast), new Set())

const admits = (ast: SchemaAST.AST, seen: Set<SchemaAST.AST>): boolean => {
  switch (ast._tag) {
    case "Literal":
      return typeof ast.literal === "string"
    case "Enum":
      return ast.enums.some(([, value]) => typeof value === "string")
    case "Union":
      return ast.types.some((member) => admits(member, seen))
    case "Suspend":
      if (seen.has(ast)) return false
      seen.add(ast)
      return admits(ast.thunk(), seen)
    case "Number":
    case "Arrays":
    case "Boolean":
    case "BigInt":
    case "Symbol":
    case "UniqueSymbol":
    case "Null":
    case "Undefined":
    case "Void":
    case "Never":
    case "Objects":
    case "ObjectKeyword":
      return false
    default:
      return true
  }
}

/**
 * Whether the encoded side of `ast` admits an array (what an exploded template variable,
 * `{/path*}`, gives): false only where it certainly admits none (a string, a number, a literal...).
 */
export const takesList = (ast: SchemaAST.AST): boolean => admitsList(SchemaAST.toEncoded(ast), new Set())

const admitsList = (ast: SchemaAST.AST, seen: Set<SchemaAST.AST>): boolean => {
  switch (ast._tag) {
    case "Arrays":
      return true
    case "Union":
      return ast.types.some((member) => admitsList(member, seen))
    case "Suspend":
      if (seen.has(ast)) return false
      seen.add(ast)
      return admitsList(ast.thunk(), seen)
    case "Declaration":
    case "Unknown":
    case "Any":
      return true // given the benefit of the doubt
    default:
      return false
  }
}
