/**
 * Deadlines of many things in flight under one Node timer: a binary min-heap keyed by deadline,
 * with the timer armed for the earliest. The task supervisor bounds its tasks' TTLs with it, and
 * the HTTP endpoint its requests' answers.
 *
 * One timer per heap instead of one per entry, for two measured reasons:
 * - memory: a Node timer and its callback per task held ~250 bytes per task in flight;
 * - garbage collection: a timer armed and cleared around every asynchronous HTTP answer made
 *   scavenges keep every request's objects once a full collection had run, until the next one
 *   (`bench/gc.ts`, 3 runs alternating: median scavenge in the pass after a full collection
 *   2.20–2.92 ms with a timer per request, 1.31–1.51 ms with this heap; 0.94–1.20 ms before the
 *   full collection). An entry costs two numbers on an object it already has.
 *
 * Entries leave the heap when they end, so it holds only what is in flight.
 *
 * @internal
 */

/** What a heap holds: an object with its deadline and its index in the heap. */
export interface Deadlined {
  /** When it is due, in whole `performance.now()` milliseconds (a small integer: no boxed number). */
  deadline: number
  /** Its index in the heap; negative when it is not there (callers may use other negative values). */
  slot: number
}

/** The longest delay a Node timer takes (about 24.8 days); a later deadline re-arms on the way. */
const maxTimerMillis = 2_147_483_647

/** A min-heap of deadlines with one timer for the earliest; `expire` is called for each that passes. */
export class Deadlines<E extends Deadlined> {
  private readonly heap: Array<E> = []
  private timer: ReturnType<typeof setTimeout> | undefined = undefined
  /** The deadline the timer is armed for. */
  private armed = Number.POSITIVE_INFINITY
  private readonly expire: (entry: E) => void
  constructor(expire: (entry: E) => void) {
    this.expire = expire
  }

  /** The number of entries in flight. */
  get size(): number {
    return this.heap.length
  }

  /** Adds `entry`, due `millis` from now. */
  add(entry: E, millis: number): void {
    entry.deadline = Math.ceil(performance.now() + millis)
    entry.slot = this.heap.length
    this.heap.push(entry)
    this.up(entry.slot)
    this.arm()
  }

  /** Removes `entry` (nothing when it is not there). */
  remove(entry: E): void {
    const slot = entry.slot
    if (slot < 0) return
    entry.slot = -1
    const last = this.heap.pop()!
    if (last === entry) return
    this.heap[slot] = last
    last.slot = slot
    this.down(slot)
    this.up(last.slot)
    // An earlier timer than needed only fires and re-arms: no re-arming here.
  }

  /** Stops the timer (the entries stay, and never expire unless one is added). */
  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.armed = Number.POSITIVE_INFINITY
  }

  private arm(): void {
    const first = this.heap[0]
    if (first === undefined || first.deadline >= this.armed) return
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.armed = first.deadline
    this.timer = setTimeout(this.fire, Math.min(maxTimerMillis, Math.max(1, Math.ceil(first.deadline - performance.now()))))
    this.timer.unref?.()
  }

  private readonly fire = (): void => {
    this.timer = undefined
    this.armed = Number.POSITIVE_INFINITY
    // A timer may fire up to a millisecond before `performance.now()` reaches its deadline.
    const now = performance.now() + 1
    let first = this.heap[0]
    while (first !== undefined && first.deadline <= now) {
      this.remove(first)
      this.expire(first)
      first = this.heap[0]
    }
    this.arm()
  }

  private up(slot: number): void {
    const heap = this.heap
    const entry = heap[slot]!
    while (slot > 0) {
      const parentSlot = (slot - 1) >> 1
      const parent = heap[parentSlot]!
      if (parent.deadline <= entry.deadline) break
      heap[slot] = parent
      parent.slot = slot
      slot = parentSlot
    }
    heap[slot] = entry
    entry.slot = slot
  }

  private down(slot: number): void {
    const heap = this.heap
    const entry = heap[slot]!
    const size = heap.length
    while (true) {
      let child = 2 * slot + 1
      if (child >= size) break
      if (child + 1 < size && heap[child + 1]!.deadline < heap[child]!.deadline) child++
      const next = heap[child]!
      if (entry.deadline <= next.deadline) break
      heap[slot] = next
      next.slot = slot
      slot = child
    }
    heap[slot] = entry
    entry.slot = slot
  }
}
