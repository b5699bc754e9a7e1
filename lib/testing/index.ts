// kafkette/testing: the test kit. A log in memory on a manual clock, and fault hooks
// that make the store's next writes fail or wait.
import { openLog, type Log } from '../index.js'
import { ManualClock } from '../index.js'
import type { OpenLogOptions } from '../index.js'

export { ManualClock }

/** A log for a test: in memory, on a ManualClock (given, or new at `startMs`, default 0). */
export async function createTestLog(options: Omit<OpenLogOptions, 'dir' | 'memory'> & { startMs?: number } = {}): Promise<Log & { clock: ManualClock }> {
  const { startMs, ...rest } = options
  const clock = rest.clock ?? new ManualClock(startMs ?? 0)
  const log = await openLog({ ...rest, memory: true, clock })
  return log as Log & { clock: ManualClock }
}

/** Makes the log's next `count` store writes fail with LOG_IO_ERROR (retriable); nothing of them is written. */
export function failNextWrites(log: Log, count = 1, error?: Error): void {
  log.store.failNextWrites(count, error)
}

/** Delays the log's next `count` store writes by `ms` on the log's clock. */
export function delayNextWrites(log: Log, count: number, ms: number): void {
  log.store.delayNextWrites(count, ms)
}

/** Forgets every injected fault. */
export function clearFaults(log: Log): void {
  log.store.clearFaults()
}

export { resetClusters } from '../kafkajs/index.js'
