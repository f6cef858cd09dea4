/**
 * Background tasks: `effect-mcp-server/tasks`. The wire-neutral task model, the store where tasks
 * live (a service with a bounded in-memory layer) and the supervisor that runs them in fibers it
 * owns (cancel = interrupt).
 *
 * @since 0.1.0
 */

/**
 * The internal task model (wire-neutral).
 *
 * @since 0.1.0
 */
export * as Task from "./Task.ts"
/**
 * Where tasks live: the store service and its in-memory layer.
 *
 * @since 0.1.0
 */
export * as TaskStore from "./TaskStore.ts"
/**
 * Runs tasks in fibers it owns; cancel = interrupt.
 *
 * @since 0.1.0
 */
export * as TaskSupervisor from "./TaskSupervisor.ts"
