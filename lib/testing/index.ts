// kafkette/testing: the test kit. A log in memory on a manual clock, and fault hooks
// that make the store's next writes fail or wait.
import { openLog, type Log } from '../index.js'
import { ManualClock } from '../index.js'
import type { Consumer, OpenLogOptions } from '../index.js'

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

/**
 * How many of the log's store writes have begun waiting out a delay from delayNextWrites
 * so far: a test waits for the count to reach the write it means before it advances the
 * clock (a clock's pending timers may belong to anything that waits on it).
 */
export function heldWrites(log: Log): number {
  return log.store.heldWrites
}

/**
 * Makes the log's store act as on a full disk (`full`, the default) or as once space is
 * freed (`false`): while full, every write fails with the retriable LOG_IO_ERROR, as
 * LevelDB fails every write after one failed for want of space; once freed, the next
 * write reopens the store (a disk log reopens LevelDB for real) and succeeds, without
 * reopening the log.
 */
export function simulateFullDisk(log: Log, full = true): void {
  log.store.diskFull = full
}

/** Forgets every injected fault. */
export function clearFaults(log: Log): void {
  log.store.clearFaults()
}

export { resetClusters } from '../kafkajs/index.js'

/** Resolves once the group has no rebalance running or waiting. */
export function waitForGroupStable(log: Log, groupId: string): Promise<void> {
  return log.waitForGroup(groupId)
}

/**
 * Resolves once `consumer` has handed out every record of its assigned partitions up to
 * the high watermark (lag 0) and, under run(), its handlers have finished the batches that
 * started since the call. It looks again at each finished batch or rebalance: it never
 * sleeps. Rejects if the consumer stops first.
 */
export function waitForCaughtUp(consumer: Consumer): Promise<void> {
  return new Promise((resolve, reject) => {
    let open = 0
    const caughtUp = (): boolean => {
      const lag = consumer.lag()
      return open === 0 && lag.length > 0 && lag.every((p) => p.lag === 0)
    }
    const started = (): void => {
      open++
    }
    const look = (): void => {
      if (caughtUp()) done()
    }
    const ended = (): void => {
      open = Math.max(0, open - 1)
      look()
    }
    const stopped = (): void => done(new Error('waitForCaughtUp: the consumer stopped first'))
    const done = (err?: Error): void => {
      consumer.off('batch.start', started)
      consumer.off('batch.end', ended)
      consumer.off('group.rebalance', look)
      consumer.off('stop', stopped)
      if (err) reject(err)
      else resolve()
    }
    if (!consumer.running && caughtUp()) return resolve()
    consumer.on('batch.start', started)
    consumer.on('batch.end', ended)
    consumer.on('group.rebalance', look)
    consumer.on('stop', stopped)
  })
}
