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
import { finite, rewrite } from "./schemaRewrite.ts"

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

/**
 * Rewrites the encoded end of every node (where the JSON codec is derived, see `schemaRewrite`):
 * numbers finite, an optional property's `undefined` missing. An array's optional element stays
 * null (as the outputSchema says): left out, one before a present element would be a hole.
 */
const asAdvertised = (root: SchemaAST.AST): SchemaAST.AST => {
  let missing: SchemaAST.AST | undefined
  return rewrite(root, {
    elements: true,
    optionalMembers: (types) =>
      SchemaAST.mapOrSame(types, (member) =>
        SchemaAST.isUndefined(member) && member.encoding === undefined ? (missing ??= undefinedAsMissing()) : member
      ),
    node: (ast) => finite(ast, "last")
  })
}
