/**
 * The sessions of one principal (or client address) in order of last use, and the principals in
 * order of how many sessions they hold: what the Streamable HTTP endpoint looks through to choose
 * the session it ends to make room (`Endpoint.openFor`, `Endpoint.crowding`), a few entries
 * rather than every session.
 *
 * A request stamps its session with a use count (`HttpSession.lastUsed`), a field write and no
 * more: nothing here moves then. {@link LastUse} is a min-heap keyed by the stamp each entry had
 * when it was last put in order; a stamp only grows, so a key is never above its entry's stamp,
 * and the entry at the top whose key is its stamp is the one used least recently. One whose
 * stamp grew since is put back in order as the top is looked at ({@link LastUse.least}): once per
 * use at most, paid by the look that finds it, not by the request.
 *
 * @internal
 */

/** What {@link LastUse} orders: its stamp of last use, which only grows (but for a renumbering: see {@link LastUse.reorder}). */
export interface Stamped {
  readonly lastUsed: number
}

/** A min-heap of entries by their stamp of last use, put in order lazily (see the module's doc). */
export class LastUse<A extends Stamped> {
  private readonly items: Array<A> = []
  /** The stamp of each entry when it was last put in order (`items[i]`'s, at most its stamp now). */
  private readonly keys: Array<number> = []

  /** The entries held, those whose owner forgot them included (see {@link compact}). */
  get size(): number {
    return this.items.length
  }

  /** Adds `item`, in order by its stamp now. */
  add(item: A): void {
    this.items.push(item)
    this.keys.push(item.lastUsed)
    this.up(this.items.length - 1)
  }

  /**
   * The entry used least recently (`undefined`: none): the top, once its key is its stamp (those
   * used since they were put in order are put in order again first).
   */
  least(): A | undefined {
    const items = this.items
    const keys = this.keys
    while (items.length > 0) {
      const top = items[0]!
      if (keys[0] === top.lastUsed) return top
      keys[0] = top.lastUsed
      this.down(0)
    }
    return undefined
  }

  /** Removes the top (the entry {@link least} returned). */
  removeLeast(): void {
    const items = this.items
    const keys = this.keys
    const lastItem = items.pop()!
    const lastKey = keys.pop()!
    if (items.length === 0) return
    items[0] = lastItem
    keys[0] = lastKey
    this.down(0)
  }

  /** Keeps only the entries `keep` holds to: those of sessions that ended go, when they are many. */
  compact(keep: (item: A) => boolean): void {
    const items = this.items
    let kept = 0
    for (let i = 0; i < items.length; i++) if (keep(items[i]!)) items[kept++] = items[i]!
    items.length = kept
    this.reorder()
  }

  /** Puts every entry in order again by its stamp now (after the stamps were renumbered, which lowers them). */
  reorder(): void {
    const items = this.items
    const keys = this.keys
    keys.length = items.length
    for (let i = 0; i < items.length; i++) keys[i] = items[i]!.lastUsed
    for (let i = (items.length >> 1) - 1; i >= 0; i--) this.down(i)
  }

  private up(slot: number): void {
    const items = this.items
    const keys = this.keys
    const item = items[slot]!
    const key = keys[slot]!
    while (slot > 0) {
      const parent = (slot - 1) >> 1
      if (keys[parent]! <= key) break
      items[slot] = items[parent]!
      keys[slot] = keys[parent]!
      slot = parent
    }
    items[slot] = item
    keys[slot] = key
  }

  private down(slot: number): void {
    const items = this.items
    const keys = this.keys
    const size = items.length
    const item = items[slot]!
    const key = keys[slot]!
    while (true) {
      let child = 2 * slot + 1
      if (child >= size) break
      if (child + 1 < size && keys[child + 1]! < keys[child]!) child++
      if (key <= keys[child]!) break
      items[slot] = items[child]!
      keys[slot] = keys[child]!
      slot = child
    }
    items[slot] = item
    keys[slot] = key
  }
}

/**
 * One principal (`p` + subject) or anonymous client address (`a` + address) holding sessions
 * under its bound (`maxSessionsPerPrincipal`, `maxSessionsPerAddress`): how many it holds, and
 * those sessions in order of last use. Made with its first session, dropped with its last.
 */
export class Holder<A extends Stamped> {
  readonly key: string
  /** Its sessions open (not ended: a session leaves the count as it ends). */
  count = 0
  /** Its index in {@link Holders}' heap; -1 when it is not there. */
  slot = -1
  /** Set aside by {@link Holders.setAside}: out of the heap until {@link Holders.restoreAside}. */
  aside = false
  /** Its sessions in order of last use; those that ended stay until looked at (or compacted). */
  readonly sessions = new LastUse<A>()
  constructor(key: string) {
    this.key = key
  }
}

/**
 * The holders in order of how many sessions each holds, the most first: a max-heap by `count`,
 * each holder knowing its index, so that a count that changes (a session opened or ended, never a
 * request) is put in order in O(log n).
 */
export class Holders<A extends Stamped> {
  private readonly heap: Array<Holder<A>> = []
  /** The holders {@link setAside}, those dropped since included (no longer `aside`: not restored). */
  private readonly aside: Array<Holder<A>> = []

  /** The holder holding the most (`undefined`: none). */
  get most(): Holder<A> | undefined {
    return this.heap[0]
  }

  /** Puts `holder` in order after its count changed (adds it when it is not there, unless it is set aside). */
  changed(holder: Holder<A>): void {
    if (holder.aside) return
    if (holder.slot < 0) {
      holder.slot = this.heap.length
      this.heap.push(holder)
    }
    this.up(holder.slot)
    this.down(holder.slot)
  }

  /** Removes `holder` (nothing when it is not there); one set aside is not restored. */
  remove(holder: Holder<A>): void {
    holder.aside = false
    const slot = holder.slot
    if (slot < 0) return
    holder.slot = -1
    const last = this.heap.pop()!
    if (last === holder) return
    this.heap[slot] = last
    last.slot = slot
    this.up(slot)
    this.down(last.slot)
  }

  /**
   * Takes `holder` (out of the heap already: see {@link remove}) out of the order until
   * {@link restoreAside}, its count changing meanwhile or not: a look that found nothing to end
   * among its sessions goes past it next time (see `Endpoint.crowding`).
   */
  setAside(holder: Holder<A>): void {
    holder.aside = true
    this.aside.push(holder)
  }

  /** Puts the holders set aside back in order; `false`: there was none (still held). */
  restoreAside(): boolean {
    const aside = this.aside
    if (aside.length === 0) return false
    let restored = false
    for (const holder of aside) {
      if (!holder.aside) continue
      holder.aside = false
      this.changed(holder)
      restored = true
    }
    aside.length = 0
    return restored
  }

  private up(slot: number): void {
    const heap = this.heap
    const holder = heap[slot]!
    while (slot > 0) {
      const parentSlot = (slot - 1) >> 1
      const parent = heap[parentSlot]!
      if (parent.count >= holder.count) break
      heap[slot] = parent
      parent.slot = slot
      slot = parentSlot
    }
    heap[slot] = holder
    holder.slot = slot
  }

  private down(slot: number): void {
    const heap = this.heap
    const holder = heap[slot]!
    const size = heap.length
    while (true) {
      let child = 2 * slot + 1
      if (child >= size) break
      if (child + 1 < size && heap[child + 1]!.count > heap[child]!.count) child++
      const next = heap[child]!
      if (holder.count >= next.count) break
      heap[slot] = next
      next.slot = slot
      slot = child
    }
    heap[slot] = holder
    holder.slot = slot
  }
}
