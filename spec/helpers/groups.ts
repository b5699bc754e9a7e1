// Helpers for group specs: wait for I/O and rebalances without sleeping on the wall clock.
import type { Consumer, ConsumerEvents } from '../../lib/index.js'

/** Lets pending I/O callbacks and promise chains run (setImmediate turns, not time). */
export async function ticks(n = 3): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** Resolves once `check` returns true, yielding to I/O between tries; fails after `tries` turns. */
export async function until(check: () => boolean, what = 'condition', tries = 50_000): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (check()) return
    await new Promise((resolve) => setImmediate(resolve))
  }
  throw new Error(`never happened: ${what}`)
}

/** The next `event` a consumer emits. */
export function next<K extends keyof ConsumerEvents>(consumer: Consumer, event: K): Promise<Parameters<ConsumerEvents[K]>[0]> {
  return new Promise((resolve) => consumer.once(event, ((payload: Parameters<ConsumerEvents[K]>[0]) => resolve(payload)) as never))
}
