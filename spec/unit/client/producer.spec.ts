// lib/client/producer.ts: what send resolves with when one send spreads over partitions and
// mixes explicit and implicit timestamps (the producer lays each partition's records out
// for the codec as it validates, and only tracks per-message slots and timestamps when a
// send needs them).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ManualClock, openLog } from '../../../lib/index.js'

describe('Producer.send metadata', () => {
  it('gives one entry per message, in order, matching what is read back', async () => {
    // Invariant: for any send, entry i names the partition, offset and timestamp that
    // message i is read back with; offsets within a partition are dense from its high
    // watermark, in message order.
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ partition: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }), timestamp: fc.option(fc.integer({ min: 0, max: 5000 }), { nil: undefined }) }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 2 }),
        async (specs, before) => {
          const clock = new ManualClock(10_000)
          const log = await openLog({ memory: true, clock, retentionCheckIntervalMs: 0 })
          try {
            await log.createTopic('t', { partitions: 4 })
            const p = log.producer()
            for (let i = 0; i < before; i++) await p.send('t', { value: 'x', partition: i % 4 })
            const hw = (await log.describeTopic('t')).partitions.map((d) => d.highWatermark)
            const meta = await p.send('t', specs.map((s, i) => ({ value: i, ...(s.partition === undefined ? {} : { partition: s.partition }), ...(s.timestamp === undefined ? {} : { timestamp: s.timestamp }) })))
            expect(meta).toHaveLength(specs.length)
            const next = [...hw]
            const c = log.consumer({ fromBeginning: true })
            c.assign([0, 1, 2, 3].map((partition) => ({ topic: 't', partition })))
            const read = await c.poll({ maxRecords: 10_000, timeoutMs: 0 })
            const byValue = new Map(read.filter((m) => m.offset >= hw[m.partition]!).map((m) => [m.value, m]))
            meta.forEach((m, i) => {
              const got = byValue.get(i)!
              expect(m).toEqual({ topic: 't', partition: got.partition, offset: got.offset, timestamp: got.timestamp })
              expect(m.timestamp).toBe(specs[i]!.timestamp ?? 10_000)
              if (specs[i]!.partition !== undefined) expect(m.partition).toBe(specs[i]!.partition)
              expect(m.offset).toBe(next[m.partition]!++)
            })
          } finally {
            await log.close()
          }
        },
      ),
      { numRuns: 60 },
    )
  })
})
