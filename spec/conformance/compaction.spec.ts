// Compaction on both stores and a manual clock: only the newest record of each key
// survives, with its offset; tombstones go after deleteRetentionMs; records younger than
// minCompactionLagMs stay; every reader handles the gaps.
import { describe, expect, it } from 'vitest'
import { ManualClock, type ConsumedMessage, type Log } from '../../lib/index.js'
import { clearFaults, delayNextWrites, heldWrites } from '../../lib/testing/index.js'
import { readPartition } from '../helpers/read.js'
import { disk, stores } from '../helpers/stores.js'
import { until, within } from '../helpers/groups.js'

const readAll = (log: Log, topic: string): Promise<ConsumedMessage[]> => readPartition(log, topic, 0, 3)

describe.each(stores)('compaction on $name', (store) => {
  it('keeps the newest record of each key at its offset, and readers skip the gaps', async () => {
    const clock = new ManualClock(1_000_000)
    const log = await store.makeLog({ clock, retentionCheckIntervalMs: 0 })
    await log.createTopic('c', { config: { cleanupPolicy: 'compact' } })
    const p = log.producer()
    await p.send('c', [{ key: 'a', value: 1 }, { key: 'b', value: 1 }, { key: 'a', value: 2 }])
    await p.send('c', [{ key: 'c', value: 1 }, { key: 'b', value: 2 }])
    await p.send('c', [{ key: 'a', value: 3 }, { key: 'd', value: 1 }])
    clock.advance(1)
    const result = await log.compact('c')
    expect(result).toMatchObject([{ topic: 'c', partition: 0, removedRecords: 3 }])
    const left = await readAll(log, 'c')
    expect(left.map((m) => [m.offset, m.key, m.value])).toEqual([[3, 'c', 1], [4, 'b', 2], [5, 'a', 3], [6, 'd', 1]])
    expect((await log.describeTopic('c')).partitions[0]).toMatchObject({ logStartOffset: 0, highWatermark: 7 })
    expect((await p.send('c', { key: 'a', value: 4 }))[0]!.offset).toBe(7)
    const c = log.consumer({ fromBeginning: true })
    c.assign([{ topic: 'c', partition: 0 }])
    c.seek({ topic: 'c', partition: 0, offset: 1 })
    expect((await c.poll({ maxRecords: 1, timeoutMs: 0 })).map((m) => m.offset)).toEqual([3])
    expect(await log.compact('c')).toMatchObject([{ removedRecords: 1 }])
    await log.close()
  })

  it('removes a tombstone with its key once deleteRetentionMs has passed', async () => {
    const clock = new ManualClock(0)
    const log = await store.makeLog({ clock, retentionCheckIntervalMs: 0 })
    await log.createTopic('c', { config: { cleanupPolicy: 'compact', deleteRetentionMs: 1000 } })
    const p = log.producer()
    await p.send('c', [{ key: 'k', value: 'v' }, { key: 'other', value: 'o' }, { key: 'k', value: null }])
    clock.advance(10)
    await log.compact('c')
    expect((await readAll(log, 'c')).map((m) => [m.offset, m.key, m.value])).toEqual([[1, 'other', 'o'], [2, 'k', null]])
    clock.advance(1000)
    await log.compact('c')
    expect((await readAll(log, 'c')).map((m) => [m.offset, m.key])).toEqual([[1, 'other']])
    await log.close()
  })

  it('leaves records younger than minCompactionLagMs, and what follows them', async () => {
    const clock = new ManualClock(0)
    const log = await store.makeLog({ clock, retentionCheckIntervalMs: 0 })
    await log.createTopic('c', { config: { cleanupPolicy: 'compact', minCompactionLagMs: 500 } })
    const p = log.producer()
    await p.send('c', [{ key: 'a', value: 1 }, { key: 'a', value: 2 }])
    clock.advance(600)
    await p.send('c', [{ key: 'a', value: 3 }])
    await log.compact('c')
    expect((await readAll(log, 'c')).map((m) => m.value)).toEqual([2, 3])
    clock.advance(600)
    await log.compact('c')
    expect((await readAll(log, 'c')).map((m) => m.value)).toEqual([3])
    await log.close()
  })

  it('refuses keyless records on a compacted topic, writing nothing', async () => {
    const log = await store.makeLog({ retentionCheckIntervalMs: 0 })
    await log.createTopic('c', { config: { cleanupPolicy: 'compact,delete' } })
    await expect(log.producer().send('c', [{ key: 'a', value: 1 }, { value: 2 }])).rejects.toMatchObject({ code: 'INVALID_RECORD' })
    expect((await log.describeTopic('c')).partitions[0]!.highWatermark).toBe(0)
    await log.close()
  })

  it('runs in the background with retention, and offsetsForTimes still answers right', async () => {
    const clock = new ManualClock(0)
    const log = await store.makeLog({ clock, retentionCheckIntervalMs: 1000 })
    await log.createTopic('c', { config: { cleanupPolicy: 'compact' } })
    const p = log.producer()
    await p.send('c', [{ key: 'a', value: 1, timestamp: 10 }, { key: 'b', value: 1, timestamp: 20 }, { key: 'a', value: 2, timestamp: 30 }])
    const ran = new Promise((resolve) => log.once('retention.run', resolve))
    clock.advance(1000)
    await within(ran, 'the background retention and compaction run')
    expect((await readAll(log, 'c')).map((m) => m.offset)).toEqual([1, 2])
    expect((await log.offsetsForTimes('c', 5))[0]).toEqual({ partition: 0, offset: 1, timestamp: 20 })
    expect((await log.offsetsForTimes('c', 25))[0]).toEqual({ partition: 0, offset: 2, timestamp: 30 })
    await log.close()
  })

  // Every store write waits 50 ms on the manual clock, so the test decides when each
  // step of the background compaction lands. 1,200 one-record batches of 10 keys take
  // three steps (512 batches a step); a createTopic queued during the first step runs
  // after it, not after the third.
  it('gives way in the background to an admin call queued behind it, then finishes', async () => {
    const clock = new ManualClock(0)
    const log = await store.makeLog({ clock, retentionCheckIntervalMs: 1000 })
    await log.createTopic('c', { config: { cleanupPolicy: 'compact' } })
    const p = log.producer()
    for (let i = 0; i < 1200; i++) await p.send('c', { key: `k${i % 10}`, value: i })
    delayNextWrites(log, 10, 50)
    clock.advance(1000)
    // Held writes, not pending timers: on disk the compaction thread's watchdog is a timer too.
    await until(() => heldWrites(log) === 1, "the first step's write held")
    let created = false
    const creating = log.createTopic('x').then(() => (created = true))
    clock.advance(50) // the first step lands; the compaction stops and lets createTopic in
    await until(() => heldWrites(log) === 2, "createTopic's write held")
    clock.advance(50)
    await until(() => created)
    await creating
    await until(() => heldWrites(log) === 3, "the compaction's next step held") // the compaction, back
    const midway = (await readAll(log, 'c')).length
    expect(midway).toBeLessThan(1200)
    expect(midway).toBeGreaterThan(10)
    clearFaults(log)
    clock.advance(50)
    // compact() is an admin call too: the background run gives way to it after its step,
    // and whatever is left is this call's.
    await log.compact('c')
    const left = await readAll(log, 'c')
    expect(left.map((m) => [m.offset, m.key, m.value])).toEqual(Array.from({ length: 10 }, (_, j) => [1190 + j, `k${j}`, 1190 + j]))
    expect(await log.listTopics()).toContain('x')
    await log.close()
  })
})

describe('compaction on disk', () => {
  it('survives a reopen, with the gaps and the high watermark where they were', async () => {
    const clock = new ManualClock(0)
    let log = await disk.makeLog({ clock, retentionCheckIntervalMs: 0 })
    await log.createTopic('c', { config: { cleanupPolicy: 'compact' } })
    await log.producer().send('c', [{ key: 'a', value: 1 }, { key: 'b', value: 1 }, { key: 'b', value: 2 }, { key: 'a', value: 2 }, { key: 'a', value: 3 }])
    await log.compact('c')
    log = await disk.reopen(log, { clock, retentionCheckIntervalMs: 0 })
    expect((await readAll(log, 'c')).map((m) => [m.offset, m.key, m.value])).toEqual([[2, 'b', 2], [4, 'a', 3]])
    expect((await log.describeTopic('c')).partitions[0]!.highWatermark).toBe(5)
    await log.close()
  })

  it('never hands out an offset twice when compaction removed the newest batch', async () => {
    const clock = new ManualClock(0)
    let log = await disk.makeLog({ clock, retentionCheckIntervalMs: 0 })
    await log.createTopic('c', { config: { cleanupPolicy: 'compact', deleteRetentionMs: 0 } })
    const p = log.producer()
    await p.send('c', [{ key: 'a', value: 1 }])
    await p.send('c', [{ key: 'a', value: null }])
    clock.advance(1)
    await log.compact('c')
    expect(await readAll(log, 'c')).toEqual([])
    log = await disk.reopen(log, { clock, retentionCheckIntervalMs: 0 })
    expect((await log.describeTopic('c')).partitions[0]!.highWatermark).toBe(2)
    expect((await log.producer().send('c', { key: 'b', value: 1 }))[0]!.offset).toBe(2)
    await log.close()
  })
})
