// Retention by size against a model: batches of random sizes and ages, a random
// retentionBytes (from far below the partition's size, where more is to go than to stay
// and retention first reads back what stays, to above it) and a random retentionMs. The
// log start is where the rules put it (past the batches older than retentionMs, then on
// while the partition holds more than retentionBytes), the records above it are all
// there, and sizeBytes is what they take: kept up to date, and counted afresh after a
// reopen on disk.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../lib/index.js'
import { readPartition } from '../helpers/read.js'
import { stores } from '../helpers/stores.js'

interface Batch {
  last: number
  size: number
  maxTimestamp: number
}

const NOW = 100_000

/** The log start the rules give, from the batches (oldest first) of a partition starting at offset 0. */
function expectedStart(batches: Batch[], retentionBytes: number, retentionMs: number): number {
  const hw = batches.length === 0 ? 0 : batches[batches.length - 1]!.last + 1
  // By time: one past the last time-index entry (a batch where the running newest
  // timestamp rose) below the cutoff, or everything when no entry reaches it.
  let offset = 0
  if (retentionMs !== -1) {
    const cutoff = NOW - retentionMs
    let running = -Infinity
    let reaches = false
    for (const b of batches) {
      if (b.maxTimestamp <= running) continue
      running = b.maxTimestamp
      if (running < cutoff) offset = b.last + 1
      else reaches = true
    }
    if (!reaches) offset = hw
  }
  // By size: on from there, batch by batch, while what is left is above retentionBytes.
  let left = batches.reduce((n, b) => n + b.size, 0)
  let start = 0
  for (const b of batches) {
    if (b.last >= offset && (retentionBytes === -1 || left <= retentionBytes)) break
    left -= b.size
    start = b.last + 1
  }
  return Math.min(Math.max(offset, start), hw)
}

describe.each(stores)('retention by size on $name', (store) => {
  it('moves the log start where the rules say and keeps sizeBytes exact', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ records: fc.integer({ min: 1, max: 4 }), length: fc.integer({ min: 0, max: 300 }), age: fc.integer({ min: 0, max: 5_000 }) }), { minLength: 1, maxLength: 30 }),
        fc.oneof(fc.constant(-1), fc.integer({ min: 1, max: 4_000 })),
        fc.oneof(fc.constant(-1), fc.integer({ min: 1, max: 5_000 })),
        async (sends, retentionBytes, retentionMs) => {
          const clock = new ManualClock(NOW)
          let log = await store.makeLog({ clock, retentionCheckIntervalMs: 0 })
          await log.createTopic('t', { config: { retentionMs: -1 } })
          const p = log.producer()
          const batches: Batch[] = []
          let size = (await log.describeTopic('t')).partitions[0]!.sizeBytes!
          for (const s of sends) {
            const meta = await p.send('t', Array.from({ length: s.records }, (_, i) => ({ value: 'x'.repeat(s.length), timestamp: NOW - s.age + i })))
            const now = (await log.describeTopic('t')).partitions[0]!.sizeBytes!
            batches.push({ last: meta[meta.length - 1]!.offset, size: now - size, maxTimestamp: Math.max(...meta.map((m) => m.timestamp)) })
            size = now
          }
          await log.alterTopicConfig('t', { retentionBytes, retentionMs })
          await log.enforceRetention()
          const start = expectedStart(batches, retentionBytes, retentionMs)
          const left = batches.filter((b) => b.last >= start).reduce((n, b) => n + b.size, 0)
          const hw = batches[batches.length - 1]!.last + 1
          const d = (await log.describeTopic('t')).partitions[0]!
          expect(d).toMatchObject({ logStartOffset: start, highWatermark: hw, sizeBytes: left })
          expect((await readPartition(log, 't')).map((m) => m.offset)).toEqual(Array.from({ length: hw - start }, (_, i) => start + i))
          if (store.durable) {
            log = await store.reopen(log, { clock, retentionCheckIntervalMs: 0 })
            expect((await log.describeTopic('t')).partitions[0]).toMatchObject({ logStartOffset: start, sizeBytes: left })
          }
          await log.close()
        },
      ),
      { numRuns: store.durable ? 30 : 100 },
    )
  })
})
