// Time, injected: everything in kafkette that waits (linger, poll timeouts, session
// timeouts, auto-commit, retention) asks a Clock, so tests can drive time by hand.

/** A handle for a timer scheduled on a Clock. */
export interface TimerHandle {
  readonly id: number
}

/** The source of time and timers for a log and everything opened from it. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  /** Calls `fn` once, `ms` milliseconds from now on this clock. */
  setTimeout(fn: () => void, ms: number): TimerHandle
  /** Cancels a timer; a cancelled or fired timer is ignored. */
  clearTimeout(handle: TimerHandle | undefined): void
}

let nextTimerId = 1

/**
 * The longest wait one Node timer takes: 2^31 − 1 ms (24.8 days). Node turns a longer one
 * into 1 ms, so longer waits are chained from timers no longer than this.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1

/** The wall clock: Date.now() and Node's timers (unref'd, so they never keep a process alive). */
export class SystemClock implements Clock {
  private readonly timers = new Map<number, NodeJS.Timeout>()

  now(): number {
    return Date.now()
  }

  /** Waits `ms` (any length: days and weeks as Kafka's settings take them; Infinity never fires) in chained timers. */
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = nextTimerId++
    const arm = (left: number): void => {
      const step = Math.min(left, MAX_TIMER_MS)
      const t = setTimeout(() => {
        if (left > step) return arm(left - step)
        this.timers.delete(id)
        fn()
      }, step)
      t.unref?.()
      this.timers.set(id, t)
    }
    arm(Number.isNaN(ms) ? 0 : Math.max(0, ms))
    return { id }
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (!handle) return
    const t = this.timers.get(handle.id)
    if (t) {
      clearTimeout(t)
      this.timers.delete(handle.id)
    }
  }
}

interface ManualTimer {
  id: number
  at: number
  seq: number
  fn: () => void
}

/**
 * A clock that moves only when told. Timers scheduled on it fire, in time order, as
 * `advance()` passes their due time; `now()` during a callback is the timer's due time.
 */
export class ManualClock implements Clock {
  private current: number
  private seq = 0
  private timers: ManualTimer[] = []

  constructor(startMs = 0) {
    if (!Number.isFinite(startMs)) throw new RangeError(`ManualClock: startMs must be a finite number, got ${String(startMs)}`)
    this.current = startMs
  }

  now(): number {
    return this.current
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = nextTimerId++
    this.timers.push({ id, at: this.current + Math.max(0, ms), seq: this.seq++, fn })
    return { id }
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (!handle) return
    this.timers = this.timers.filter((t) => t.id !== handle.id)
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`ManualClock.advance: ms must be a finite number ≥ 0, got ${String(ms)}`)
    const target = this.current + ms
    for (;;) {
      let next: ManualTimer | undefined
      for (const t of this.timers) {
        if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t
      }
      if (!next) break
      this.timers = this.timers.filter((t) => t !== next)
      this.current = Math.max(this.current, next.at)
      next.fn()
    }
    this.current = target
  }

  /** Sets the time to `ms` (not backwards), firing timers as advance() does. */
  set(ms: number): void {
    this.advance(Math.max(0, ms - this.current))
  }

  /** How many timers are waiting. */
  pendingTimers(): number {
    return this.timers.length
  }
}
