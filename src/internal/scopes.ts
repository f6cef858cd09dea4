/**
 * A principal's scopes as a list, however they were given: what authorization compares, whole
 * scope by whole scope.
 *
 * @internal
 */

/**
 * The scopes of `scopes` (a principal's): a list as it is; a string, where no type checked it (a
 * verifier of one's own reading a `scope` claim as it comes, a principal from configuration), the
 * space-separated scopes RFC 6749 §3.3 writes in one; anything else none. Compared as it was,
 * `"mcp:admin_readonly".includes("mcp:admin")` matched part of the string: the scope was granted.
 */
export const scopeList = (scopes: unknown): ReadonlyArray<string> => {
  if (Array.isArray(scopes)) return scopes
  return typeof scopes === "string" ? scopes.split(/\s+/).filter((scope) => scope.length > 0) : []
}

/**
 * The scopes of `required` that `granted` (a {@link scopeList}) lacks, in `required`'s order: what a
 * refusal names (bearer authentication, a stream's re-check, the `Authorization` middleware).
 */
export const missingScopes = (required: ReadonlyArray<string>, granted: ReadonlyArray<string>): Array<string> =>
  required.filter((scope) => !granted.includes(scope))
