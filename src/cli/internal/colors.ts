/**
 * Whether the CLI colours what it writes to a stream (help, errors of an invalid invocation).
 *
 * @internal
 */

/**
 * Colours for a terminal (`isTTY`) unless `NO_COLOR` is set to something: by the convention
 * (no-color.org), only a non-empty `NO_COLOR` turns colour off; `NO_COLOR=` (empty, as a shell
 * or a configuration file leaves a variable cleared) does not. As effect's prompts decide it.
 */
export const colors = (isTTY: boolean | undefined, env: { readonly NO_COLOR?: string | undefined }): boolean =>
  isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === "")
