// Damage in stored batches is found, never read as a wrong value: every reader (a
// consumer's fetch, offsetsForTimes, compaction) checks each batch's CRC-32C and throws
// LOG_CORRUPT naming the topic, partition and offsets; log.verify() reports every damaged
// range; log.truncateDamaged() drops the damage and what follows, and only when asked.
import { describe, expect, it } from 'vitest'
import { KafketteError, ManualClock, openLog, type Log } from '../../lib/index.js'
import { recordKey, partitionRecordsRange, lastOffsetOf, metaKey } from '../../lib/storage/keys.js'
import { decodeValue, encodeValue } from '../../lib/storage/batch-codec.js'
import { batchHeaderBytes, FORMAT_VERSION } from '../../lib/storage/format.js'
import { stores, tempDir } from '../helpers/stores.js'
import { ClassicLevel } from 'classic-level'

async function errorOf(p: Promise<unknown>): Promise<KafketteError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(KafketteError)
  return err as KafketteError
}

/** The stored batches of t/0 as [key, value]. */
async function batches(log: Log): Promise<Array<[Buffer, Buffer]>> {
  const topic = log.topics.get('t')!
  const it = log.store.iterator(partitionRecordsRange(topic.id, 0))
  const out = await it.nextv(1000)
  await it.close()
  return out
}

/** Flips one bit of the stored batch whose last offset is `last` (and forgets the batches cached in memory, as a reopen does). */
async function flip(log: Log, last: number, byte = 12): Promise<void> {
  const [key, value] = (await batches(log)).find(([k]) => lastOffsetOf(k) === last)!
  const bad = Buffer.from(value)
  bad[byte % bad.length]! ^= 0x10
  await log.store.write([{ type: 'put', key, value: bad }])
  log.topics.get('t')!.partitions[0]!.dropCache()
}

/** A log with t/0 holding offsets 0-2, 3-5, 6-8 in three batches, timestamps 100, 200, 300. */
async function threeBatches(makeLog: () => Promise<Log>): Promise<Log> {
  const log = await makeLog()
  await log.createTopic('t', { config: { cleanupPolicy: 'compact,delete' } })
  const p = log.producer()
  for (let b = 0; b < 3; b++) await p.send('t', [0, 1, 2].map((i) => ({ key: `k${i}`, value: b * 3 + i, timestamp: (b + 1) * 100 })))
  return log
}

describe.each(stores)('integrity on $name', (store) => {
  const make = () => store.makeLog({ clock: new ManualClock(1_000), retentionCheckIntervalMs: 0 })

  it('verify() reports a sound log as plain data', async () => {
    const log = await threeBatches(make)
    const report = await log.verify()
    expect(JSON.parse(JSON.stringify(report))).toEqual(report)
    expect(report).toEqual({
      ok: true,
      dir: store.name === 'disk' ? expect.any(String) : null,
      checkedAt: 1_000,
      partitions: [{ topic: 't', partition: 0, logStartOffset: 0, highWatermark: 9, batches: 3, records: 9, checksummed: 3, damaged: [], timeIndex: [] }],
    })
    await log.close()
  })

  it('a flipped bit is LOG_CORRUPT for a consumer, naming topic, partition and offsets; the batches before it still read', async () => {
    const log = await threeBatches(make)
    await flip(log, 5)
    const c = log.consumer({ fromBeginning: true })
    c.assign([{ topic: 't', partition: 0 }])
    const err = await errorOf(c.poll({ timeoutMs: 0, maxRecords: 100 }))
    expect(err.code).toBe('LOG_CORRUPT')
    expect(err.retriable).toBe(false)
    expect(err.message).toMatch(/t\/0: the record batch holding offsets 3 to 5 is damaged: .*CRC-32C/)
    expect(err.context).toMatchObject({ topic: 't', partition: 0, offset: 3, lastOffset: 5 })
    const reader = log.consumer({})
    reader.assign([{ topic: 't', partition: 0 }])
    reader.seek({ topic: 't', partition: 0, offset: 6 })
    expect((await reader.poll({ timeoutMs: 0 })).map((m) => m.value)).toEqual([6, 7, 8])
    await log.close()
  })

  it('offsetsForTimes and compaction refuse the damaged batch too', async () => {
    const log = await threeBatches(make)
    await flip(log, 5)
    expect((await errorOf(log.offsetsForTimes('t', 150))).code).toBe('LOG_CORRUPT')
    const err = await errorOf(log.compact('t'))
    expect(err.code).toBe('LOG_CORRUPT')
    expect(err.context).toMatchObject({ topic: 't', partition: 0, lastOffset: 5 })
    await log.close()
  })

  it('verify() finds every damaged range; truncateDamaged() drops the first and what follows, and offsets go on from there', async () => {
    const log = await threeBatches(make)
    await flip(log, 5)
    await flip(log, 8, 30)
    const report = await log.verify()
    expect(report.ok).toBe(false)
    expect(report.partitions[0]!.damaged.map(({ fromOffset, toOffset }) => [fromOffset, toOffset])).toEqual([[3, 5], [6, 8]])
    expect(report.partitions[0]!.records).toBe(3)
    // nothing was repaired by looking
    expect((await log.verify()).ok).toBe(false)
    const result = await log.truncateDamaged('t', 0)
    expect(result).toMatchObject({ topic: 't', partition: 0, truncated: true, highWatermark: 3, removedBatches: 2 })
    expect((await log.verify()).ok).toBe(true)
    expect((await log.describeTopic('t')).partitions[0]).toMatchObject({ logStartOffset: 0, highWatermark: 3 })
    expect(await log.truncateDamaged('t', 0)).toMatchObject({ truncated: false, highWatermark: 3, removedBatches: 0 })
    const [meta] = await log.producer().send('t', [{ key: 'k9', value: 'new', timestamp: 400 }])
    expect(meta!.offset).toBe(3)
    const c = log.consumer({ fromBeginning: true })
    c.assign([{ topic: 't', partition: 0 }])
    expect((await c.poll({ timeoutMs: 0 })).map((m) => [m.offset, m.value])).toEqual([[0, 0], [1, 1], [2, 2], [3, 'new']])
    expect((await log.offsetsForTimes('t', 350))[0]).toMatchObject({ offset: 3, timestamp: 400 })
    await log.close()
  })

  it('truncateDamaged() checks its arguments', async () => {
    const log = await threeBatches(make)
    await expect(log.truncateDamaged('nope', 0)).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' })
    await expect(log.truncateDamaged('t', 1)).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' })
    await expect(log.truncateDamaged('t', -1)).rejects.toThrow(RangeError)
    await log.close()
  })

  it('reads batches written before checksums (codec version 1) and counts them as unchecked', async () => {
    const log = await threeBatches(make)
    const [key, value] = (await batches(log))[0]!
    await log.store.write([{ type: 'put', key, value: Buffer.concat([Buffer.of(1), value.subarray(batchHeaderBytes(2))]) }])
    log.topics.get('t')!.partitions[0]!.dropCache()
    const c = log.consumer({ fromBeginning: true })
    c.assign([{ topic: 't', partition: 0 }])
    expect((await c.poll({ timeoutMs: 0 })).map((m) => m.value)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8])
    expect((await log.verify()).partitions[0]).toMatchObject({ batches: 3, records: 9, checksummed: 2, damaged: [] })
    await log.close()
  })

  it('a batch moved under another key (a damaged key) is damage', async () => {
    const log = await threeBatches(make)
    const topic = log.topics.get('t')!
    const [key, value] = (await batches(log))[1]!
    await log.store.write([{ type: 'del', key }, { type: 'put', key: recordKey(topic.id, 0, 4), value }])
    const report = await log.verify()
    expect(report.partitions[0]!.damaged).toEqual([
      { topic: 't', partition: 0, fromOffset: 3, toOffset: 4, reason: expect.stringMatching(/CRC-32C/) },
      { topic: 't', partition: 0, fromOffset: 5, toOffset: 5, reason: 'no batch holds offsets 5 to 5' },
    ])
    await log.close()
  })

  it('a batch the store lost is LOG_CORRUPT for a reader, never silently fewer records', async () => {
    const log = await threeBatches(make)
    const all = await batches(log)
    await log.store.write([{ type: 'del', key: all[1]![0] }])
    log.topics.get('t')!.partitions[0]!.dropCache()
    const c = log.consumer({ fromBeginning: true })
    c.assign([{ topic: 't', partition: 0 }])
    const err = await errorOf(c.poll({ timeoutMs: 0, maxRecords: 100 }))
    expect(err.code).toBe('LOG_CORRUPT')
    expect(err.message).toMatch(/t\/0: the records at offsets 3 to 5 are missing/)
    expect((await log.verify()).partitions[0]!.damaged.map((d) => [d.fromOffset, d.toOffset])).toEqual([[3, 5]])
    // the newest batch lost: the high watermark says records are missing
    await log.store.write([{ type: 'del', key: all[2]![0] }])
    const reader = log.consumer({})
    reader.assign([{ topic: 't', partition: 0 }])
    reader.seek({ topic: 't', partition: 0, offset: 6 })
    expect((await errorOf(reader.poll({ timeoutMs: 0 }))).message).toMatch(/offsets 6 to 8 are missing/)
    expect(await log.truncateDamaged('t', 0)).toMatchObject({ truncated: true, highWatermark: 3, removedBatches: 0 })
    await log.close()
  })

  it('a compacted partition has gaps that are not damage', async () => {
    const log = await threeBatches(make)
    await log.compact('t')
    expect((await log.verify()).ok).toBe(true)
    const c = log.consumer({ fromBeginning: true })
    c.assign([{ topic: 't', partition: 0 }])
    expect((await c.poll({ timeoutMs: 0 })).map((m) => m.offset)).toEqual([6, 7, 8])
    await log.close()
  })
})

describe('a log written in format 1', () => {
  it('opens, reads its old batches and is marked with the current format', async () => {
    const dir = tempDir()
    let log = await openLog({ dir })
    await log.createTopic('t')
    await log.producer().send('t', [{ value: 'old' }])
    await log.close()
    const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' })
    await db.put(metaKey('format'), encodeValue(1))
    for await (const [key, value] of db.iterator({ gte: Buffer.of(2), lt: Buffer.of(3) })) await db.put(key, Buffer.concat([Buffer.of(1), value.subarray(5)]))
    await db.close()
    log = await openLog({ dir })
    expect(decodeValue(await log.store.get(metaKey('format')) as Buffer)).toBe(FORMAT_VERSION)
    await log.producer().send('t', [{ value: 'new' }])
    const c = log.consumer({ fromBeginning: true })
    c.assign([{ topic: 't', partition: 0 }])
    expect((await c.poll({ timeoutMs: 0 })).map((m) => m.value)).toEqual(['old', 'new'])
    expect((await log.verify()).partitions[0]).toMatchObject({ batches: 2, checksummed: 1, damaged: [] })
    await log.close()
  })
})
