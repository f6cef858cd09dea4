/**
 * The encoder of a tool's success values: the schema's JSON codec, made to send only what the
 * tool's `outputSchema` (`JsonSchema.toolOutputSchema`) says. Both SDK clients validate
 * `structuredContent` against that schema and refuse the whole call (-32602) when it does not
 * match, so the two must agree where Effect's JSON codec and the advertised schema differ:
 *
 * - an optional property (`Schema.optional(X)`) holding `undefined` is left out, as the schema,
 *   which lists it as neither required nor nullable, says (the JSON codec writes `null`); an
 *   array's optional element (a tuple's, or `Schema.Array(Schema.optional(X))`'s) stays `null`,
 *   which its schema allows: left out, one before a present element would leave a hole;
 * - a `Schema.Number` that is not finite fails the encoding (a masked tool error, logged), as
 *   the schema says `{ type: "number" }` (the JSON codec writes `"NaN"` or `"Infinity"`).
 *
 * Both hold inside declarations too (`Option`, `ReadonlyMap`, ...), through their type parameters.
 *
 * Built once per tool, at its first success.
 *
 * @internal
 */
import type * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import * as SchemaGetter from "effect/SchemaGetter"

/** Encodes a success value to the JSON its tool's `outputSchema` describes. */
export const outputEncoder = (schema: Schema.Top): (value: unknown) => Exit.Exit<unknown, Schema.SchemaError> => {
  const advertised = Schema.make<Schema.Codec<unknown, unknown>>(asAdvertised(schema.ast))
  return Schema.encodeUnknownExit(Schema.toCodecJson(advertised) as unknown as Schema.Codec<unknown, unknown>)
}

/** `undefined` encoded as a missing key (or a missing trailing element). */
const undefinedAsMissing = (): SchemaAST.AST =>
  Schema.Undefined.pipe(
    Schema.encodeTo(Schema.optionalKey(Schema.Undefined), {
      decode: SchemaGetter.passthrough(),
      encode: SchemaGetter.omit() as SchemaGetter.Getter<undefined, undefined>
    })
  ).ast

const finiteIds = ["effect/schema/isFinite", "effect/schema/isInt"]

const hasFiniteCheck = (checks: ReadonlyArray<SchemaAST.Check<any>> | undefined): boolean =>
  (checks ?? []).some((check) =>
    check._tag === "FilterGroup"
      ? hasFiniteCheck(check.checks)
      : finiteIds.includes(check.annotations?.representation?.id ?? "")
  )

/** A shallow copy of an AST node with some fields replaced. */
const copyNode = <A extends SchemaAST.AST>(ast: A, changes: Partial<SchemaAST.AST>): A =>
  Object.assign(Object.create(Object.getPrototypeOf(ast)), ast, changes)

/**
 * Rewrites the encoded end of every node (where the JSON codec is derived): numbers finite,
 * optional properties' `undefined` missing. Recursion goes through `Suspend` lazily; the memos keep
 * shared and recursive nodes shared. A declaration's (`Option`, ...) type parameters are rewritten:
 * they encode its members, and its JSON form is built from their encoded sides.
 */
const asAdvertised = (root: SchemaAST.AST): SchemaAST.AST => {
  const memo = new Map<SchemaAST.AST, SchemaAST.AST>()
  const elementMemo = new Map<SchemaAST.AST, SchemaAST.AST>()
  let missing: SchemaAST.AST | undefined
  const asElement = (ast: SchemaAST.AST): SchemaAST.AST => go(ast, true)
  // `element`: the node is an array's element (of a tuple or its rest), where `undefined` stays null.
  const go = (ast: SchemaAST.AST, element = false): SchemaAST.AST => {
    const memo_ = element ? elementMemo : memo
    const cached = memo_.get(ast)
    if (cached !== undefined) return cached
    let out: SchemaAST.AST = ast
    if (ast.encoding !== undefined) {
      const links = ast.encoding
      const last = links[links.length - 1]!
      const to = go(last.to, element)
      if (to !== last.to) {
        out = copyNode(ast, {
          encoding: [...links.slice(0, -1), new SchemaAST.Link(to, last.transformation)] as unknown as SchemaAST.Encoding
        })
      }
    } else {
      switch (ast._tag) {
        case "Number": {
          if (!hasFiniteCheck(ast.checks)) out = copyNode(ast, { checks: [...(ast.checks ?? []), Schema.isFinite()] })
          break
        }
        case "Objects": {
          const propertySignatures = SchemaAST.mapOrSame(ast.propertySignatures, (ps) => {
            const type = go(ps.type)
            return type === ps.type ? ps : new SchemaAST.PropertySignature(ps.name, type)
          })
          const indexSignatures = SchemaAST.mapOrSame(ast.indexSignatures, (is) => {
            const type = go(is.type)
            return type === is.type ? is : new SchemaAST.IndexSignature(is.parameter, type)
          })
          if (propertySignatures !== ast.propertySignatures || indexSignatures !== ast.indexSignatures) {
            out = new SchemaAST.Objects(
              propertySignatures,
              indexSignatures,
              ast.annotations,
              ast.checks,
              undefined,
              ast.context,
              ast.encodingChecks
            )
          }
          break
        }
        case "Arrays": {
          const elements = SchemaAST.mapOrSame(ast.elements, asElement)
          const rest = SchemaAST.mapOrSame(ast.rest, asElement)
          if (elements !== ast.elements || rest !== ast.rest) {
            out = new SchemaAST.Arrays(ast.isMutable, elements, rest, ast.annotations, ast.checks, undefined, ast.context, ast.encodingChecks)
          }
          break
        }
        case "Union": {
          // An optional property that is `undefined` is absent. An array's optional element stays
          // null (as the outputSchema says): left out, one before a present element would be a hole.
          const optional = SchemaAST.isOptional(ast) && !element
          const types = SchemaAST.mapOrSame(ast.types, (member) =>
            optional && SchemaAST.isUndefined(member) && member.encoding === undefined
              ? (missing ??= undefinedAsMissing())
              : go(member))
          if (types !== ast.types) {
            out = new SchemaAST.Union(types, ast.options, ast.annotations, ast.checks, undefined, ast.context, ast.encodingChecks)
          }
          break
        }
        case "Declaration": {
          // `Option`, `ReadonlyMap`, ...: their members are encoded by the type parameters (the
          // declaration's JSON form is built from their encoded sides), so the rules hold in them too.
          const typeParameters = SchemaAST.mapOrSame(ast.typeParameters, (typeParameter) => go(typeParameter))
          if (typeParameters !== ast.typeParameters) {
            out = new SchemaAST.Declaration(
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
          break
        }
        case "Suspend": {
          out = new SchemaAST.Suspend(() => go(ast.thunk(), element), ast.annotations, ast.checks, undefined, ast.context)
          break
        }
      }
    }
    memo_.set(ast, out)
    return out
  }
  return go(root)
}
