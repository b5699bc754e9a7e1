// Transactions on both stores (KIP-98, KIP-447): offsets taken at send, markers that take
// an offset, read_committed up to the last stable offset without aborted records or
// markers, sendOffsets committed with the markers in one write, fencing by a second
// producer with the same transactionalId, the timeout on the log's clock, and the state
// found again after a reopen.
import { describe, expect, it } from 'vitest'
import { ManualClock, openLog, type ConsumedMessage, type Log } from '../../lib/index.js'
import { failNextWrites } from '../../lib/testing/index.js'
import { ClassicLevel } from 'classic-level'
import { decodeValue, encodeValue } from '../../lib/storage/batch-codec.js'
import { FORMAT_VERSION } from '../../lib/storage/format.js'
import { metaKey } from '../../lib/storage/keys.js'
import { disk, stores, tempDir } from '../helpers/stores.js'

async function readAll(log: Log, topic: string, isolationLevel: 'read_committed' | 'read_uncommitted' = 'read_committed'): Promise<ConsumedMessage[]> {
  const d = await log.describeTopic(topic)
  const out: ConsumedMessage[] = []
  const c = log.consumer({ fromBeginning: true, isolationLevel })
  c.assign(d.partitions.map((p) => ({ topic, partition: p.partition })))
  for (;;) {
    const batch = await c.poll({ maxRecords: 1000, timeoutMs: 0 })
    if (batch.length === 0) break
    out.push(...batch)
  }
  await c.close()
  return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset)
}

const values = (ms: ConsumedMessage[]) => ms.map((m) => m.value)

describe.each(stores)('transactions on $name', (store) => {
  it('commits records to several partitions: offsets at send, a marker offset each, visible only after commit', async () => {
    const log = await store.makeLog({ clock: new ManualClock(0) })
    await log.createTopic('out', { partitions: 2 })
    const p = log.producer({ transactionalId: 'tx-1' })
    const tx = await p.transaction()
    const m1 = await tx.send('out', [{ value: 'a', partition: 0 }, { value: 'b', partition: 1 }])
    expect(m1.map((m) => [m.partition, m.offset])).toEqual([[0, 0], [1, 0]])
    const m2 = await tx.send('out', { value: 'c', partition: 0 })
    expect(m2[0]!.offset).toBe(1)
    expect(await readAll(log, 'out')).toEqual([])
    expect(values(await readAll(log, 'out', 'read_uncommitted'))).toEqual(['a', 'c', 'b'])
    let d = await log.describeTopic('out')
    expect(d.partitions.map((x) => [x.highWatermark, x.lastStableOffset])).toEqual([[2, 0], [1, 0]])
    await tx.commit()
    d = await log.describeTopic('out')
    // the commit marker took one offset in each partition
    expect(d.partitions.map((x) => [x.highWatermark, x.lastStableOffset])).toEqual([[3, 3], [2, 2]])
    expect(values(await readAll(log, 'out'))).toEqual(['a', 'c', 'b'])
    expect(tx.isActive()).toBe(false)
    await expect(tx.send('out', { value: 'z' })).rejects.toMatchObject({ code: 'INVALID_TXN_STATE' })
    // plain records after the transaction take the offsets after the marker
    const plain = await log.producer().send('out', { value: 'd', partition: 0 })
    expect(plain[0]!.offset).toBe(3)
    expect(values(await readAll(log, 'out'))).toEqual(['a', 'c', 'd', 'b'])
    await log.close()
  })

  it('aborts: read_committed never returns the aborted records, read_uncommitted does, neither returns markers', async () => {
    const log = await store.makeLog({ clock: new ManualClock(0) })
    await log.createTopic('out')
    const plain = log.producer()
    await plain.send('out', { value: 'before' })
    const p = log.producer({ transactionalId: 'tx-2' })
    const tx = await p.transaction()
    await tx.send('out', [{ value: 'x1' }, { value: 'x2' }])
    // a plain send while the transaction is open lands above the last stable offset
    await plain.send('out', { value: 'between' })
    expect((await log.describeTopic('out')).partitions[0]!.lastStableOffset).toBe(1)
    expect(values(await readAll(log, 'out'))).toEqual(['before'])
    await tx.abort()
    await plain.send('out', { value: 'after' })
    expect(values(await readAll(log, 'out'))).toEqual(['before', 'between', 'after'])
    expect(values(await readAll(log, 'out', 'read_uncommitted'))).toEqual(['before', 'x1', 'x2', 'between', 'after'])
    const d = (await log.describeTopic('out')).partitions[0]!
    expect([d.highWatermark, d.lastStableOffset]).toEqual([6, 6])
    // the producer goes on with a new transaction
    const tx2 = await p.transaction()
    await tx2.send('out', { value: 'y' })
    await tx2.commit()
    expect(values(await readAll(log, 'out'))).toEqual(['before', 'between', 'after', 'y'])
    await log.close()
  })

  it('commits sendOffsets with the markers, and drops them on abort', async () => {
    const log = await store.makeLog({ clock: new ManualClock(0) })
    await log.createTopic('in')
    await log.createTopic('out')
    await log.producer().send('in', [{ value: 1 }, { value: 2 }, { value: 3 }])
    const p = log.producer({ transactionalId: 'tx-3' })
    const tx = await p.transaction()
    await tx.send('out', { value: 'r1' })
    await tx.sendOffsets({ groupId: 'g', offsets: [{ topic: 'in', partition: 0, offset: 2 }] })
    expect(await log.fetchOffsets('g')).toEqual([])
    await tx.abort()
    expect(await log.fetchOffsets('g')).toEqual([])
    const tx2 = await p.transaction()
    await tx2.send('out', { value: 'r2' })
    await tx2.sendOffsets({ groupId: 'g', offsets: [{ topic: 'in', partition: 0, offset: 3 }] })
    await tx2.commit()
    expect(await log.fetchOffsets('g')).toEqual([{ topic: 'in', partition: 0, offset: 3, metadata: null }])
    expect(values(await readAll(log, 'out'))).toEqual(['r2'])
    // sendOffsets alone is a transaction too
    const tx3 = await p.transaction()
    await tx3.sendOffsets({ groupId: 'g', offsets: [{ topic: 'in', partition: 0, offset: 1 }] })
    await tx3.commit()
    expect((await log.fetchOffsets('g'))[0]!.offset).toBe(1)
    await expect((await p.transaction()).sendOffsets({ groupId: 'g', offsets: [{ topic: 'in', partition: 0, offset: 9 }] })).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' })
    await log.close()
  })

  it('a second producer with the same transactionalId aborts what the first left open and fences it', async () => {
    const log = await store.makeLog({ clock: new ManualClock(0) })
    await log.createTopic('out')
    const events: unknown[] = []
    log.on('transaction.abort', (e) => events.push(e))
    const first = log.producer({ transactionalId: 'tx-4' })
    const tx = await first.transaction()
    await tx.send('out', { value: 'zombie' })
    const second = log.producer({ transactionalId: 'tx-4' })
    const tx2 = await second.transaction()
    expect(second.producerId!.producerEpoch).toBe(first.producerId!.producerEpoch + 1)
    expect(events).toEqual([{ transactionalId: 'tx-4', producerId: first.producerId!.producerId, reason: 'fenced' }])
    await expect(tx.send('out', { value: 'late' })).rejects.toMatchObject({ code: 'PRODUCER_FENCED', retriable: false })
    await expect(tx.commit()).rejects.toMatchObject({ code: 'PRODUCER_FENCED' })
    await expect(first.transaction()).rejects.toMatchObject({ code: 'PRODUCER_FENCED' })
    await tx2.send('out', { value: 'ok' })
    await tx2.commit()
    expect(values(await readAll(log, 'out'))).toEqual(['ok'])
    await log.close()
  })

  it('aborts a transaction open longer than transactionTimeoutMs on the log clock', async () => {
    const clock = new ManualClock(0)
    const log = await store.makeLog({ clock })
    await log.createTopic('out')
    const p = log.producer({ transactionalId: 'tx-5', transactionTimeoutMs: 1000 })
    const tx = await p.transaction()
    await tx.send('out', { value: 'slow' })
    const aborted = new Promise((resolve) => log.once('transaction.abort', resolve))
    clock.advance(999)
    expect((await log.describeTopic('out')).partitions[0]!.lastStableOffset).toBe(0)
    clock.advance(1)
    expect(await aborted).toMatchObject({ transactionalId: 'tx-5', reason: 'timeout' })
    expect((await log.describeTopic('out')).partitions[0]!.lastStableOffset).toBe(2)
    await expect(tx.send('out', { value: 'x' })).rejects.toMatchObject({ code: 'INVALID_PRODUCER_EPOCH' })
    await expect(tx.commit()).rejects.toMatchObject({ code: 'INVALID_PRODUCER_EPOCH' })
    await tx.abort()
    const tx2 = await p.transaction()
    await tx2.send('out', { value: 'fast' })
    await tx2.commit()
    expect(values(await readAll(log, 'out'))).toEqual(['fast'])
    await log.close()
  })

  it('refuses a second open transaction, plain sends on a transactional producer, and bad options', async () => {
    const log = await store.makeLog({ clock: new ManualClock(0) })
    await log.createTopic('out')
    const p = log.producer({ transactionalId: 'tx-6' })
    await expect(p.send('out', { value: 1 })).rejects.toMatchObject({ code: 'INVALID_TXN_STATE' })
    const tx = await p.transaction()
    await expect(p.transaction()).rejects.toMatchObject({ code: 'INVALID_TXN_STATE' })
    await tx.commit()
    await expect(tx.commit()).rejects.toMatchObject({ code: 'INVALID_TXN_STATE' })
    await expect(log.producer().transaction()).rejects.toMatchObject({ code: 'INVALID_TXN_STATE' })
    expect(() => log.producer({ transactionalId: '' })).toThrow(TypeError)
    expect(() => log.producer({ transactionalId: 'x', idempotent: false })).toThrow(TypeError)
    expect(() => log.producer({ transactionalId: 'x', transactionTimeoutMs: 0 })).toThrow(RangeError)
    expect(() => log.producer({ transactionTimeoutMs: 10 })).toThrow(TypeError)
    expect(() => log.consumer({ isolationLevel: 'dirty' as never })).toThrow(TypeError)
    await log.close()
  })

  it('a commit that fails in the store writes nothing and can be tried again', async () => {
    const log = await store.makeLog({ clock: new ManualClock(0) })
    await log.createTopic('out')
    await log.createTopic('in')
    await log.producer().send('in', { value: 0 })
    const p = log.producer({ transactionalId: 'tx-7' })
    const tx = await p.transaction()
    await tx.send('out', { value: 'a' })
    await tx.sendOffsets({ groupId: 'g', offsets: [{ topic: 'in', partition: 0, offset: 1 }] })
    failNextWrites(log, 1)
    await expect(tx.commit()).rejects.toMatchObject({ code: 'LOG_IO_ERROR' })
    expect(await readAll(log, 'out')).toEqual([])
    expect(await log.fetchOffsets('g')).toEqual([])
    expect((await log.describeTopic('out')).partitions[0]!.highWatermark).toBe(1)
    await tx.commit()
    expect(values(await readAll(log, 'out'))).toEqual(['a'])
    expect((await log.fetchOffsets('g'))[0]!.offset).toBe(1)
    await log.close()
  })

  it('compaction removes aborted records (which never hide a committed one), markers after deleteRetentionMs, and nothing at or above the last stable offset', async () => {
    const clock = new ManualClock(1_000_000)
    const log = await store.makeLog({ clock, retentionCheckIntervalMs: 0 })
    await log.createTopic('c', { config: { cleanupPolicy: 'compact', deleteRetentionMs: 1000 } })
    const p = log.producer({ transactionalId: 'tx-c' })
    const t1 = await p.transaction()
    await t1.send('c', [{ key: 'k', value: 'committed' }, { key: 'j', value: 'j1' }])
    await t1.commit() // marker at 2
    const t2 = await p.transaction()
    await t2.send('c', [{ key: 'k', value: 'aborted' }, { key: 'j', value: 'j-aborted' }])
    await t2.abort() // marker at 5
    const t3 = await p.transaction()
    await t3.send('c', { key: 'j', value: 'j2' })
    await t3.commit() // marker at 7
    const t4 = await p.transaction()
    await t4.send('c', { key: 'k', value: 'open' }) // offset 8, open
    clock.advance(1)
    // removed: the two aborted records and j1 (superseded by j2); the markers are younger than deleteRetentionMs
    expect(await log.compact('c')).toMatchObject([{ removedRecords: 3 }])
    const left = await readAll(log, 'c', 'read_uncommitted')
    expect(left.map((m) => [m.offset, m.key, m.value])).toEqual([[0, 'k', 'committed'], [6, 'j', 'j2'], [8, 'k', 'open']])
    expect(values(await readAll(log, 'c'))).toEqual(['committed', 'j2'])
    clock.advance(1000)
    expect(await log.compact('c')).toMatchObject([{ removedRecords: 3 }]) // the three markers below the open transaction
    await t4.commit()
    clock.advance(1)
    expect(await log.compact('c')).toMatchObject([{ removedRecords: 1 }]) // 'committed' is superseded by the committed 'open'
    expect(values(await readAll(log, 'c'))).toEqual(['j2', 'open'])
    await log.close()
  })

  it('retention moves the log start past transactions, and read_committed still skips what was aborted after it', async () => {
    const clock = new ManualClock(0)
    const log = await store.makeLog({ clock, retentionCheckIntervalMs: 0 })
    await log.createTopic('r')
    const p = log.producer({ transactionalId: 'tx-r' })
    const t1 = await p.transaction()
    await t1.send('r', { value: 'a1' })
    await t1.abort() // 0, marker 1
    const t2 = await p.transaction()
    await t2.send('r', { value: 'a2' })
    await t2.abort() // 2, marker 3
    const t3 = await p.transaction()
    await t3.send('r', { value: 'c' })
    await t3.commit() // 4, marker 5
    await log.deleteRecords('r', [{ partition: 0, offset: 2 }])
    expect(values(await readAll(log, 'r'))).toEqual(['c'])
    expect(values(await readAll(log, 'r', 'read_uncommitted'))).toEqual(['a2', 'c'])
    await log.close()
  })
})

// Reopening needs a store that keeps its data: these run on disk.
describe('transactions across a reopen (disk)', () => {
  const store = disk
  it('after a reopen: committed and aborted stay so; an open transaction holds the last stable offset until a new producer aborts it', async () => {
    let log = await store.makeLog({ clock: new ManualClock(0) })
    await log.createTopic('out')
    const p = log.producer({ transactionalId: 'tx-8' })
    const t1 = await p.transaction()
    await t1.send('out', { value: 'c' })
    await t1.commit()
    const t2 = await p.transaction()
    await t2.send('out', { value: 'a' })
    await t2.abort()
    const t3 = await p.transaction()
    await t3.send('out', { value: 'open' })
    log = await store.reopen(log, { clock: new ManualClock(0) })
    const d = (await log.describeTopic('out')).partitions[0]!
    expect([d.highWatermark, d.lastStableOffset]).toEqual([5, 4])
    expect(values(await readAll(log, 'out'))).toEqual(['c'])
    const again = log.producer({ transactionalId: 'tx-8' })
    const t4 = await again.transaction()
    expect((await log.describeTopic('out')).partitions[0]!.lastStableOffset).toBe(6)
    await t4.send('out', { value: 'new' })
    await t4.commit()
    expect(values(await readAll(log, 'out'))).toEqual(['c', 'new'])
    await log.close()
  })

  it('after a reopen, an open transaction is aborted at its timeout', async () => {
    let log = await store.makeLog({ clock: new ManualClock(0) })
    await log.createTopic('out')
    const p = log.producer({ transactionalId: 'tx-9', transactionTimeoutMs: 5000 })
    const tx = await p.transaction()
    await tx.send('out', { value: 'open' })
    const clock = new ManualClock(1000)
    log = await store.reopen(log, { clock })
    const aborted = new Promise((resolve) => log.once('transaction.abort', resolve))
    clock.advance(3999)
    expect((await log.describeTopic('out')).partitions[0]!.lastStableOffset).toBe(0)
    clock.advance(1)
    await aborted
    expect((await log.describeTopic('out')).partitions[0]!.lastStableOffset).toBe(2)
    expect(await readAll(log, 'out')).toEqual([])
    await log.close()
  })

  it('opens a format-1 log (written before producer fields), marks it format 2, reads its batches and runs transactions on it', async () => {
    const dir = tempDir()
    let log = await openLog({ dir })
    await log.createTopic('old')
    await log.producer().send('old', [{ value: 'a' }, { value: 'b' }])
    await log.close()
    let db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' })
    await db.put(metaKey('format'), encodeValue(1))
    await db.close()
    log = await openLog({ dir })
    const p = log.producer({ transactionalId: 'upgrade' })
    const tx = await p.transaction()
    await tx.send('old', { value: 'c' })
    await tx.commit()
    expect(values(await readAll(log, 'old'))).toEqual(['a', 'b', 'c'])
    await log.close()
    db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' })
    expect(decodeValue<number>((await db.get(metaKey('format')))!)).toBe(FORMAT_VERSION)
    await db.close()
  })
})
