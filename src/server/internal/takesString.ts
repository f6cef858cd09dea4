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
 * Whether the encoded side of `ast` admits some string (or, with `lists`, an array): false only
 * where it certainly admits none (a number, a boolean, an object, a non-string literal); a
 * declaration or `Unknown` is given the benefit of the doubt.
 */
export const takesString = (ast: SchemaAST.AST, lists = false): boolean => admits(SchemaAST.toEncoded(ast), lists, new Set())

const admits = (ast: SchemaAST.AST, lists: boolean, seen: Set<SchemaAST.AST>): boolean => {
  switch (ast._tag) {
    case "Literal":
      return typeof ast.literal === "string"
    case "Enum":
      return ast.enums.some(([, value]) => typeof value === "string")
    case "Union":
      return ast.types.some((member) => admits(member, lists, seen))
    case "Suspend":
      if (seen.has(ast)) return false
      seen.add(ast)
      return admits(ast.thunk(), lists, seen)
    case "Arrays":
      return lists
    case "Number":
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
