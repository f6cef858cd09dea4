/**
 * The skills extension (`io.modelcontextprotocol/skills`, SEP-2640): `effect-mcp-server/skills`.
 *
 * Agent Skills served as `skill://` resources, with `skills/list` and `skills/get`. An entry
 * point of its own, not part of the root: reading skills from a directory needs `effect/FileSystem`,
 * which loads `effect/Stream` and its Channel machinery, about 20 ms of every installed server's
 * start (measured in the note of issue 9) that a server without skills should not pay.
 *
 * @since 0.2.0
 */

/**
 * The skills extension: `Skills.make`, `Skills.fromDirectory`, `Skills.layer`.
 *
 * @since 0.2.0
 */
export * as Skills from "./extensions/Skills.ts"
