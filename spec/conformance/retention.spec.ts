// Retention by time and by size, deleteRecords and offsetsForTimes, on both stores and
// on a manual clock: whole batches leave from the front, offsets never change, the log
// start offset only grows and survives a reopen.
import { describe, expect, it } from 'vitest'
import { ManualClock, type Log } from '../../lib/index.js'
import { readPartition } from '../helpers/read.js'
import { disk, stores } from '../helpers/stores.js'

const HOUR = 3_600_000

async function offsets(log: Log, topic: string, partition = 0): Promise<number[]> {
  return (await readPartition(log, topic, partition, 1000)).map((m) => m.offset)
}

describe.each(stores)('retention on $name', (store) => {
  it('removes batches whose newest timestamp is older than retentionMs', async () => {
    const clock = new ManualClock(10 * HOUR)
    const log = await store.makeLog({ clock, retentionCheckIntervalMs: 0 })
    await log.createTopic('t', { config: { retentionMs: HOUR } })
    const p = log.producer()
    await p.send('t', [{ value: 'a0' }, { value: 'a1' }])
    clock.advance(HOUR / 2)
    await p.send('t', [{ value: 'b0' }])
    clock.advance(HOUR / 2 + 1)
    const moved = await log.enforceRetention()
    expect(moved).toMatchObject([{ topic: 't', partition: 0, logStartOffset: 2, removedBatches: 1 }])
    expect((await log.describeTopic('t')).partitions[0]).toMatchObject({ logStartOffset: 2, highWatermark: 3 })
    expect(await offsets(log, 't')).toEqual([2])
    clock.advance(HOUR)
    await log.enforceRetention()
    expect((await log.describeTopic('t')).partitions[0]).toMatchObject({ logStartOffset: 3, highWatermark: 3, sizeBytes: 0 })
    expect((await p.send('t', { value: 'c' }))[0]!.offset).toBe(3)
    await log.close()
  })

  it('keeps everything with retentionMs -1', async () => {
    const clock = new ManualClock(0)
    const log = await store.makeLog({ clock, retentionCheckIntervalMs: 0 })
    await log.createTopic('forever', { config: { retentionMs: -1 } })
    await log.producer().send('forever', [{ value: 1 }])
    clock.advance(1000 * HOUR)
    expect(await log.enforceRetention()).toEqual([])
    expect(await offsets(log, 'forever')).toEqual([0])
    await log.close()
  })

  it('removes the oldest batches while a partition holds more than retentionBytes', async () => {
    const log = await store.makeLog({ clock: new ManualClock(0), retentionCheckIntervalMs: 0 })
    await log.createTopic('t', { config: { retentionBytes: 1000, retentionMs: -1 } })
    const p = log.producer()
    for (let i = 0; i < 10; i++) await p.send<string | number>('t', [{ value: 'x'.repeat(200) }, { value: i }])
    const before = (await log.describeTopic('t')).partitions[0]!
    expect(before.sizeBytes).toBeGreaterThan(2000)
    await log.enforceRetention()
    const after = (await log.describeTopic('t')).partitions[0]!
    expect(after.sizeBytes).toBeLessThanOrEqual(1000)
    expect(after.sizeBytes).toBeGreaterThan(1000 - 250)
    expect(after.logStartOffset % 2).toBe(0)
    expect(await offsets(log, 't')).toEqual(Array.from({ length: 20 - after.logStartOffset }, (_, i) => after.logStartOffset + i))
    await log.close()
  })

  it('runs in the background every retentionCheckIntervalMs on the log clock', async () => {
    const clock = new ManualClock(0)
    const log = await store.makeLog({ clock, retentionCheckIntervalMs: 60_000 })
    await log.createTopic('t', { config: { retentionMs: 1000 } })
    await log.producer().send('t', [{ value: 1 }])
    const moved = new Promise((resolve) => log.once('log.start', resolve))
    clock.advance(60_000)
    expect(await moved).toMatchObject({ topic: 't', partition: 0, logStartOffset: 1 })
    await log.close()
  })

  it('deleteRecords moves the log start inside a batch, refuses offsets above the high watermark, and resets consumers', async () => {
    const log = await store.makeLog({ retentionCheckIntervalMs: 0 })
    await log.createTopic('t', { partitions: 2 })
    const p = log.producer()
    await p.send('t', Array.from({ length: 5 }, (_, i) => ({ value: i, partition: 0 })))
    await p.send('t', Array.from({ length: 5 }, (_, i) => ({ value: 5 + i, partition: 0 })))
    await expect(log.deleteRecords('t', [{ partition: 0, offset: 3 }, { partition: 1, offset: 1 }])).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' })
    expect((await log.describeTopic('t')).partitions[0]!.logStartOffset).toBe(0)
    await expect(log.deleteRecords('t', [{ partition: 0, offset: -2 }])).rejects.toThrow(RangeError)
    await expect(log.deleteRecords('t', [{ partition: 7, offset: 0 }])).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' })
    const strict = log.consumer({ fromBeginning: true, autoOffsetReset: 'none' })
    strict.assign([{ topic: 't', partition: 0 }])
    expect(await log.deleteRecords('t', [{ partition: 0, offset: 7 }])).toEqual([{ partition: 0, logStartOffset: 7 }])
    expect(await offsets(log, 't')).toEqual([7, 8, 9])
    await expect(strict.poll({ timeoutMs: 0 })).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' })
    expect(await log.deleteRecords('t', [{ partition: 0, offset: 2 }])).toEqual([{ partition: 0, logStartOffset: 7 }])
    expect(await log.deleteRecords('t', [{ partition: 0, offset: -1 }])).toEqual([{ partition: 0, logStartOffset: 10 }])
    expect(await offsets(log, 't')).toEqual([])
    await log.close()
  })

  it('offsetsForTimes finds the first offset at or after a time, per partition', async () => {
    const log = await store.makeLog({ retentionCheckIntervalMs: 0 })
    await log.createTopic('t', { partitions: 2 })
    const p = log.producer()
    const stamps = [100, 300, 200, 500, 400, 450, 900, 50]
    for (let i = 0; i < stamps.length; i += 2) await p.send('t', [{ value: i, timestamp: stamps[i]!, partition: 0 }, { value: i + 1, timestamp: stamps[i + 1]!, partition: 0 }])
    for (const t of [0, 100, 101, 250, 300, 450, 460, 900, 901]) {
      const i = stamps.findIndex((s) => s >= t)
      const got = await log.offsetsForTimes('t', t)
      expect(got[0]).toEqual(i < 0 ? { partition: 0, offset: null, timestamp: null } : { partition: 0, offset: i, timestamp: stamps[i] })
      expect(got[1]).toEqual({ partition: 1, offset: null, timestamp: null })
    }
    await log.deleteRecords('t', [{ partition: 0, offset: 3 }])
    expect((await log.offsetsForTimes('t', 150))[0]).toEqual({ partition: 0, offset: 3, timestamp: 500 })
    await log.close()
  })
})

describe('retention on disk', () => {
  it('keeps the log start offset across a reopen', async () => {
    const clock = new ManualClock(0)
    let log = await disk.makeLog({ clock, retentionCheckIntervalMs: 0 })
    await log.createTopic('t')
    await log.producer().send('t', Array.from({ length: 6 }, (_, i) => ({ value: i })))
    await log.deleteRecords('t', [{ partition: 0, offset: 6 }])
    log = await disk.reopen(log, { clock, retentionCheckIntervalMs: 0 })
    expect((await log.describeTopic('t')).partitions[0]).toMatchObject({ logStartOffset: 6, highWatermark: 6, sizeBytes: 0 })
    expect((await log.producer().send('t', { value: 'next' }))[0]!.offset).toBe(6)
    await log.close()
  })
})
