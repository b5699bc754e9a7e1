// The idempotent producer on both stores: producer ids from the log, sequence numbers per
// partition checked as Kafka's partition leader does (a retried batch is written once and
// answered with its original offsets, a gap is OUT_OF_ORDER_SEQUENCE_NUMBER, an old epoch
// INVALID_PRODUCER_EPOCH), failed writes retried with the same numbers, and the state
// found again after a reopen.
import { describe, expect, it } from 'vitest'
import { ManualClock, type Log } from '../../lib/index.js'
import { encodeValue } from '../../lib/storage/batch-codec.js'
import { producerStateKey } from '../../lib/storage/keys.js'
import { failNextWrites, simulateFullDisk } from '../../lib/testing/index.js'
import { disk, stores } from '../helpers/stores.js'

async function values(log: Log, topic: string, partition = 0): Promise<unknown[]> {
  const c = log.consumer({ fromBeginning: true, isolationLevel: 'read_uncommitted' })
  c.assign([{ topic, partition }])
  const out: unknown[] = []
  for (;;) {
    const batch = await c.poll({ maxRecords: 1000, timeoutMs: 0 })
    if (batch.length === 0) break
    out.push(...batch.map((m) => m.value))
  }
  await c.close()
  return out
}

const hw = async (log: Log, topic: string) => (await log.describeTopic(topic)).partitions[0]!.highWatermark

describe.each(stores)('the idempotent producer on $name', (store) => {
  it('gets a producer id from the log, never the same twice', async () => {
    const log = await store.makeLog({ clock: new ManualClock(0) })
    await log.createTopic('t')
    const a = log.producer({ idempotent: true })
    const b = log.producer({ idempotent: true })
    expect(a.producerId).toBeUndefined()
    await a.send('t', { value: 1 })
    await b.send('t', { value: 2 })
    expect(a.producerId!.producerId).not.toBe(b.producerId!.producerId)
    expect((await a.send('t', [{ value: 3 }, { value: 4 }])).map((m) => m.offset)).toEqual([2, 3])
    expect(await values(log, 't')).toEqual([1, 2, 3, 4])
    await log.close()
  })

  it('writes a retried batch (same producer, epoch and sequence) once, answering with its original offsets', async () => {
    const log = await store.makeLog({ clock: new ManualClock(0) })
    await log.createTopic('t')
    const p = log.producer()
    const { producerId } = await log.initProducerId()
    const first = await p.sendSequenced('t', 0, [{ value: 'a' }, { value: 'b' }], { producerId, producerEpoch: 0, baseSequence: 0, transactional: false })
    await log.producer().send('t', { value: 'other' })
    const retry = await p.sendSequenced('t', 0, [{ value: 'a' }, { value: 'b' }], { producerId, producerEpoch: 0, baseSequence: 0, transactional: false })
    expect(retry.map((m) => m.offset)).toEqual(first.map((m) => m.offset))
    expect(await hw(log, 't')).toBe(3)
    const next = await p.sendSequenced('t', 0, [{ value: 'c' }], { producerId, producerEpoch: 0, baseSequence: 2, transactional: false })
    expect(next[0]!.offset).toBe(3)
    expect(await values(log, 't')).toEqual(['a', 'b', 'other', 'c'])
    await log.close()
  })

  it('refuses a gap, an old epoch and an unknown producer id, writing nothing', async () => {
    const log = await store.makeLog({ clock: new ManualClock(0) })
    await log.createTopic('t')
    const p = log.producer()
    const { producerId } = await log.initProducerId()
    await p.sendSequenced('t', 0, [{ value: 'a' }], { producerId, producerEpoch: 0, baseSequence: 0, transactional: false })
    await expect(p.sendSequenced('t', 0, [{ value: 'gap' }], { producerId, producerEpoch: 0, baseSequence: 2, transactional: false })).rejects.toMatchObject({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER', retriable: false })
    // a new epoch starts again at sequence 0, and the old one is refused after it
    await expect(p.sendSequenced('t', 0, [{ value: 'x' }], { producerId, producerEpoch: 1, baseSequence: 5, transactional: false })).rejects.toMatchObject({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' })
    await p.sendSequenced('t', 0, [{ value: 'b' }], { producerId, producerEpoch: 1, baseSequence: 0, transactional: false })
    await expect(p.sendSequenced('t', 0, [{ value: 'old' }], { producerId, producerEpoch: 0, baseSequence: 1, transactional: false })).rejects.toMatchObject({ code: 'INVALID_PRODUCER_EPOCH', retriable: false })
    await expect(p.sendSequenced('t', 0, [{ value: 'who' }], { producerId: producerId + 100, producerEpoch: 0, baseSequence: 0, transactional: false })).rejects.toMatchObject({ code: 'UNKNOWN_PRODUCER_ID' })
    // a sequence that does not start at 0 on a partition the producer never wrote to
    await expect(p.sendSequenced('t', 0, [{ value: 'y' }], { producerId: (await log.initProducerId()).producerId, producerEpoch: 0, baseSequence: 3, transactional: false })).rejects.toMatchObject({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' })
    expect(await values(log, 't')).toEqual(['a', 'b'])
    await log.close()
  })

  it('a refused batch fails alone: a plain send in the same write is written', async () => {
    const log = await store.makeLog({ clock: new ManualClock(0) })
    await log.createTopic('t')
    const p = log.producer()
    const { producerId } = await log.initProducerId()
    const bad = p.sendSequenced('t', 0, [{ value: 'gap' }], { producerId, producerEpoch: 0, baseSequence: 7, transactional: false })
    const good = log.producer().send('t', { value: 'ok' })
    await expect(bad).rejects.toMatchObject({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' })
    expect((await good)[0]!.offset).toBe(0)
    expect(await values(log, 't')).toEqual(['ok'])
    await log.close()
  })

  it('retries a failed write with the same sequence numbers: every send lands once, in order', async () => {
    const log = await store.makeLog({ clock: new ManualClock(0) })
    await log.createTopic('t')
    const p = log.producer({ idempotent: true })
    await p.send('t', { value: 0 })
    failNextWrites(log, 2)
    const sends = [p.send('t', { value: 1 }), p.send('t', [{ value: 2 }, { value: 3 }]), p.send('t', { value: 4 })]
    const metas = await Promise.all(sends)
    expect(metas.flat().map((m) => m.offset)).toEqual([1, 2, 3, 4])
    expect(await values(log, 't')).toEqual([0, 1, 2, 3, 4])
    await log.close()
  })

  it('a plain producer does not retry: a failed write is the caller\'s error', async () => {
    const log = await store.makeLog({ clock: new ManualClock(0) })
    await log.createTopic('t')
    failNextWrites(log, 1)
    await expect(log.producer().send('t', { value: 1 })).rejects.toMatchObject({ code: 'LOG_IO_ERROR' })
    expect(await hw(log, 't')).toBe(0)
    await log.close()
  })
})

describe('idempotence across a reopen (disk)', () => {
  it('recognises a retry and refuses a gap after the log is reopened, and never gives a producer id again', async () => {
    let log = await disk.makeLog({ clock: new ManualClock(0) })
    await log.createTopic('t', { partitions: 2 })
    const { producerId } = await log.initProducerId()
    const fields = { producerId, producerEpoch: 0, transactional: false }
    const first = await log.producer().sendSequenced('t', 1, [{ value: 'a' }, { value: 'b' }], { ...fields, baseSequence: 0 })
    log = await disk.reopen(log, { clock: new ManualClock(0) })
    const p = log.producer()
    const retry = await p.sendSequenced('t', 1, [{ value: 'a' }, { value: 'b' }], { ...fields, baseSequence: 0 })
    expect(retry.map((m) => m.offset)).toEqual(first.map((m) => m.offset))
    await expect(p.sendSequenced('t', 1, [{ value: 'c' }], { ...fields, baseSequence: 3 })).rejects.toMatchObject({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' })
    expect((await p.sendSequenced('t', 1, [{ value: 'c' }], { ...fields, baseSequence: 2 }))[0]!.offset).toBe(2)
    expect((await log.initProducerId()).producerId).toBeGreaterThan(producerId)
    expect((await log.describeTopic('t')).partitions[1]!.highWatermark).toBe(3)
    await log.close()
  })

  it('a write that failed but reached the store leaves no producer state behind once the store is reopened', async () => {
    let log = await disk.makeLog({ clock: new ManualClock(0), retentionCheckIntervalMs: 0 })
    await log.createTopic('t')
    const { producerId } = await log.initProducerId()
    const fields = { producerId, producerEpoch: 0, transactional: false }
    await log.producer().sendSequenced('t', 0, [{ value: 'a' }], { ...fields, baseSequence: 0 })
    const part = log.requirePartition('t', 0)
    // What a failed write of the batch at sequence 1 would leave if it reached LevelDB's write-ahead log:
    // its producer state (the batch itself lies at the high watermark and is dropped too).
    await log.store.write([{ type: 'put', key: producerStateKey(producerId, part.topicId, 0), value: encodeValue([0, [[0, 0, 0, 0], [1, 1, 1, 1]]]) }])
    simulateFullDisk(log)
    await expect(log.producer().send('t', { value: 'lost' })).rejects.toMatchObject({ code: 'LOG_IO_ERROR' })
    simulateFullDisk(log, false)
    await log.producer().send('t', { value: 'plain' }) // this write reopens the store first
    log = await disk.reopen(log, { clock: new ManualClock(0), retentionCheckIntervalMs: 0 })
    // the batch at sequence 1 was never acknowledged: it is new, not a duplicate of offset 1
    expect((await log.producer().sendSequenced('t', 0, [{ value: 'b' }], { ...fields, baseSequence: 1 }))[0]!.offset).toBe(2)
    expect(await values(log, 't')).toEqual(['a', 'plain', 'b'])
    await log.close()
  })
})
