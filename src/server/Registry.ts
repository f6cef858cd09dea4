/**
 * An ordered, observable registry of components (tools, resources, templates, prompts).
 *
 * Components are kept by key with a sequence number (their stable position for pagination) and
 * an enabled flag. A component added with a `position` (a component Layer's: the order in which
 * the Layers were made) takes that place; one added without (at run time) goes after all of those,
 * in the order added. Listing returns the enabled components in sequence order from a cached array
 * (rebuilt only after a change), and every change calls `onChange`, which the server turns into
 * a coalesced `notifications/<kind>/list_changed` for every session.
 *
 * @since 0.1.0
 */
import type { Sequenced } from "../protocol/Pagination.ts"

/** A registered component with its position and state. */
export interface Entry<A> extends Sequenced {
  readonly key: string
  readonly value: A
  readonly enabled: boolean
}

/**
 * Where components added without a position start: past any position a process gives (one per
 * component Layer made), and far enough below 2^53 for as many additions as a process makes.
 */
const unpositioned = 2 ** 40

/** An ordered registry; see the module documentation. */
export class Registry<A> {
  private readonly entries = new Map<string, Entry<A>>()
  private listCache: ReadonlyArray<Entry<A>> | undefined = undefined
  private nextSeq = 1
  private readonly onChange: () => void
  /** The key two keys are the same under (a resource URI's normal form), if keys have one. */
  private readonly alikeKey: ((key: string) => string) | undefined
  /** The keys registered that are not their own `alikeKey`, by it. */
  private readonly alike: Map<string, string> | undefined

  constructor(onChange: () => void, alikeKey?: (key: string) => string) {
    this.onChange = onChange
    this.alikeKey = alikeKey
    this.alike = alikeKey === undefined ? undefined : new Map()
  }

  /**
   * A key registered other than `key` that is the same under `alikeKey` (`x://caf%c3%a9` for
   * `x://café`: one resource URI in normal form), if any.
   */
  sameAs(key: string): string | undefined {
    if (this.alikeKey === undefined) return undefined
    const alike = this.alikeKey(key)
    if (alike !== key && this.entries.has(alike)) return alike
    const other = this.alike!.get(alike)
    return other !== undefined && other !== key ? other : undefined
  }

  /**
   * Adds a component, or replaces the one with the same key: at `position` (a positive integer no
   * other component of this registry holds), else after every positioned one and every component
   * added before it (the new one is listed last).
   */
  add(key: string, value: A, position?: number): void {
    this.entries.delete(key)
    this.entries.set(key, { key, value, seq: position ?? unpositioned + this.nextSeq++, enabled: true })
    if (this.alikeKey !== undefined) {
      const alike = this.alikeKey(key)
      if (alike !== key) this.alike!.set(alike, key)
    }
    this.changed()
  }

  /** Removes a component; false when there was none. */
  remove(key: string): boolean {
    if (!this.entries.delete(key)) return false
    if (this.alikeKey !== undefined) {
      const alike = this.alikeKey(key)
      if (this.alike!.get(alike) === key) this.alike!.delete(alike)
    }
    this.changed()
    return true
  }

  /** Removes `key` only if it still holds `value` (a layer's finalizer must not remove a replacement). */
  removeIf(key: string, value: A): boolean {
    const entry = this.entries.get(key)
    if (entry === undefined || entry.value !== value) return false
    return this.remove(key)
  }

  /** Shows or hides a component without changing its position; false when there is none. */
  setEnabled(key: string, enabled: boolean): boolean {
    const entry = this.entries.get(key)
    if (entry === undefined) return false
    if (entry.enabled !== enabled) {
      this.entries.set(key, { ...entry, enabled })
      this.changed()
    }
    return true
  }

  /** Whether a component is registered under `key`, enabled or not. */
  has(key: string): boolean {
    return this.entries.has(key)
  }

  /** The enabled component under `key`. */
  get(key: string): A | undefined {
    const entry = this.entries.get(key)
    return entry?.enabled ? entry.value : undefined
  }

  /** Enabled components in sequence order (cached until the next change). */
  list(): ReadonlyArray<Entry<A>> {
    if (this.listCache === undefined) {
      const list: Array<Entry<A>> = []
      for (const entry of this.entries.values()) if (entry.enabled) list.push(entry)
      list.sort((a, b) => a.seq - b.seq)
      this.listCache = list
    }
    return this.listCache
  }

  /** How many components are registered (enabled or not). */
  get size(): number {
    return this.entries.size
  }

  private changed(): void {
    this.listCache = undefined
    this.onChange()
  }
}
