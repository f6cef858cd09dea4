/**
 * The walk over a schema's AST shared by a tool's advertised JSON Schema (`JsonSchema`) and the
 * encoder of its results (`outputCodec`), which must send what that schema says: both rewrite the
 * same nodes (optional members, numbers, array elements, what declarations and suspended schemas
 * hold) in the same places, so the recursion is written once and each says only what it does to a
 * node.
 *
 * Run once per schema, at registration (or a tool's first use), never per call.
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"

/** What a rewrite does besides the recursion. */
export interface Rules {
  /**
   * Whether an array's elements (a tuple's and its rest) are walked as elements, where an optional
   * member's `undefined` cannot be left out (one before a present element would leave a hole), so
   * `optionalMembers` is not applied there.
   */
  readonly elements: boolean
  /** The members of an optional union (`Schema.optional(X)`), before they are rewritten. */
  readonly optionalMembers: (types: ReadonlyArray<SchemaAST.AST>) => ReadonlyArray<SchemaAST.AST>
  /** A node without an encoding, once its children are rewritten (its checks, a number's finiteness). */
  readonly node: (ast: SchemaAST.AST) => SchemaAST.AST
  /** A record's key (an index signature's parameter), which is not otherwise walked; as it is by default. */
  readonly parameter?: (ast: SchemaAST.AST) => SchemaAST.AST
  /**
   * The target of a node's last link, once rewritten (`to`), given the node (its type side) and the
   * link; as it is by default.
   */
  readonly link?: (ast: SchemaAST.AST, to: SchemaAST.AST, link: SchemaAST.Link) => SchemaAST.AST
}

/**
 * Rewrites the encoded end of every node, where the JSON codec and the JSON Schema are derived: a
 * node with an encoding keeps its type side and has the target of its last link rewritten. A
 * declaration's (`Option`, `ReadonlyMap`, ...) type parameters are rewritten too: its JSON form is
 * built from them. Recursion goes through `Suspend` lazily; the memos (one for elements) keep
 * shared and recursive nodes shared. Unchanged nodes are returned as they are.
 */
export const rewrite = (root: SchemaAST.AST, rules: Rules): SchemaAST.AST => {
  const memo = new Map<SchemaAST.AST, SchemaAST.AST>()
  const elementMemo = new Map<SchemaAST.AST, SchemaAST.AST>()
  const asElement = (ast: SchemaAST.AST): SchemaAST.AST => go(ast, rules.elements)
  const go = (ast: SchemaAST.AST, element = false): SchemaAST.AST => {
    const memo_ = element ? elementMemo : memo
    const cached = memo_.get(ast)
    if (cached !== undefined) return cached
    const out = ast.encoding === undefined ? rules.node(children(ast, element)) : lastLink(ast, ast.encoding, element)
    memo_.set(ast, out)
    return out
  }
  const lastLink = (ast: SchemaAST.AST, links: SchemaAST.Encoding, element: boolean): SchemaAST.AST => {
    const last = links[links.length - 1]!
    const rewritten = go(last.to, element)
    const to = rules.link === undefined ? rewritten : rules.link(ast, rewritten, last)
    return to === last.to ? ast : copyNode(ast, {
      encoding: [...links.slice(0, -1), new SchemaAST.Link(to, last.transformation)] as unknown as SchemaAST.Encoding
    })
  }
  // The node with its children rewritten (it has no encoding).
  const children = (ast: SchemaAST.AST, element: boolean): SchemaAST.AST => {
    switch (ast._tag) {
      case "Objects": {
        const propertySignatures = SchemaAST.mapOrSame(ast.propertySignatures, (ps) => {
          const type = go(ps.type)
          return type === ps.type ? ps : new SchemaAST.PropertySignature(ps.name, type)
        })
        const indexSignatures = SchemaAST.mapOrSame(ast.indexSignatures, (is) => {
          const type = go(is.type)
          const parameter = rules.parameter === undefined ? is.parameter : rules.parameter(is.parameter)
          return type === is.type && parameter === is.parameter ? is : new SchemaAST.IndexSignature(parameter, type)
        })
        return propertySignatures === ast.propertySignatures && indexSignatures === ast.indexSignatures
          ? ast
          : new SchemaAST.Objects(
            propertySignatures,
            indexSignatures,
            ast.annotations,
            ast.checks,
            undefined,
            ast.context,
            ast.encodingChecks
          )
      }
      case "Arrays": {
        const elements = SchemaAST.mapOrSame(ast.elements, asElement)
        const rest = SchemaAST.mapOrSame(ast.rest, asElement)
        return elements === ast.elements && rest === ast.rest
          ? ast
          : new SchemaAST.Arrays(ast.isMutable, elements, rest, ast.annotations, ast.checks, undefined, ast.context, ast.encodingChecks)
      }
      case "Union": {
        const members = SchemaAST.isOptional(ast) && !element ? rules.optionalMembers(ast.types) : ast.types
        const types = SchemaAST.mapOrSame(members, (member) => go(member))
        return types === ast.types
          ? ast
          : new SchemaAST.Union(types, ast.options, ast.annotations, ast.checks, undefined, ast.context, ast.encodingChecks)
      }
      case "Declaration": {
        const typeParameters = SchemaAST.mapOrSame(ast.typeParameters, (typeParameter) => go(typeParameter))
        return typeParameters === ast.typeParameters
          ? ast
          : new SchemaAST.Declaration(
            typeParameters,
            ast.run,
            ast.annotations,
            ast.checks,
            undefined,
            ast.context,
            ast.encodingChecks,
            ast.encodingRun
          )
      }
      case "Suspend":
        return new SchemaAST.Suspend(() => go(ast.thunk(), element), ast.annotations, undefined, undefined, ast.context)
      default:
        return ast
    }
  }
  return go(root)
}

/** A shallow copy of an AST node with some fields replaced (what `SchemaAST` does internally). */
export const copyNode = <A extends SchemaAST.AST>(ast: A, changes: Partial<SchemaAST.AST>): A =>
  Object.assign(Object.create(Object.getPrototypeOf(ast)), ast, changes)

/** Whether the checks (or their groups) hold one of the filters with these representation ids. */
export const hasCheck = (
  checks: ReadonlyArray<SchemaAST.Check<any>> | undefined,
  ids: ReadonlyArray<string>
): boolean =>
  (checks ?? []).some((check) =>
    check._tag === "FilterGroup"
      ? hasCheck(check.checks, ids)
      : ids.includes(check.annotations?.representation?.id ?? "")
  )

const finiteIds = ["effect/schema/isFinite", "effect/schema/isInt"]

/**
 * A number that is finite, as `{ type: "number" }` says (Effect's JSON codec would write a
 * non-finite one as `"NaN"` or `"Infinity"`): `isFinite` added before or after its own checks,
 * unless they hold it or `isInt` already; any other node as it is.
 */
export const finite = (ast: SchemaAST.AST, position: "first" | "last"): SchemaAST.AST => {
  if (ast._tag !== "Number" || hasCheck(ast.checks, finiteIds)) return ast
  const checks = ast.checks ?? []
  return copyNode(ast, { checks: position === "first" ? [Schema.isFinite(), ...checks] : [...checks, Schema.isFinite()] })
}
