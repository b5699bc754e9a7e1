// Helpers for specs that wait on background work (I/O, rebalances, the compaction thread)
// without sleeping on the wall clock to make time pass: they wait for what says the work
// is done, bounded by a generous wall-clock limit, never by a count of event-loop turns.
import type { Consumer, ConsumerEvents } from '../../lib/index.js'

/** How long a wait may take before the spec fails: generous, for a loaded 2-core machine. */
export const WAIT_LIMIT_MS = 20_000

/**
 * Lets callbacks that are already due run (setImmediate turns, not time). Only for checking
 * that something did NOT happen, or for letting a state settle before an invariant is
 * checked; to wait for something to happen, use `until`.
 */
export async function ticks(n = 3): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve))
}

/**
 * Resolves once `check` returns true, yielding to I/O between tries (setImmediate turns at
 * first, then 1 ms timers, so a wait on another thread does not spin a core); fails after
 * `limitMs` of wall-clock time, naming `what`.
 */
export async function until(check: () => boolean | Promise<boolean>, what = 'condition', limitMs = WAIT_LIMIT_MS): Promise<void> {
  const started = performance.now()
  for (let turn = 0; ; turn++) {
    if (await check()) return
    if (performance.now() - started > limitMs) throw new Error(`never happened within ${limitMs} ms: ${what}`)
    await new Promise((resolve) => (turn < 1_000 ? setImmediate(resolve) : setTimeout(resolve, 1)))
  }
}

/** Resolves with `promise`, or fails after `limitMs` of wall-clock time, naming `what`. */
export async function within<T>(promise: Promise<T>, what: string, limitMs = WAIT_LIMIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`never happened within ${limitMs} ms: ${what}`)), limitMs)
  })
  try {
    return await Promise.race([promise, limit])
  } finally {
    clearTimeout(timer)
  }
}

/** The next `event` a consumer emits. */
export function next<K extends keyof ConsumerEvents>(consumer: Consumer, event: K): Promise<Parameters<ConsumerEvents[K]>[0]> {
  return new Promise((resolve) => consumer.once(event, ((payload: Parameters<ConsumerEvents[K]>[0]) => resolve(payload)) as never))
}
