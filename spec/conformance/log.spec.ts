// Core behaviour of a log, run on both stores: topics, sends, reads, errors, close.
import { describe, expect, it } from 'vitest'
import { KafketteError, isRetriable, type Log } from '../../lib/index.js'
import { readPartition } from '../helpers/read.js'
import { disk, stores } from '../helpers/stores.js'

async function code(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (err) {
    if (err instanceof KafketteError) return err.code
    if (err instanceof TypeError) return 'TypeError'
    if (err instanceof RangeError) return 'RangeError'
    throw err
  }
  throw new Error('expected an error')
}

describe.each(stores)('log on $name', (store) => {
  it('creates, lists, describes and deletes topics', async () => {
    const log = await store.makeLog()
    await log.createTopic('b', { partitions: 3 })
    await log.createTopic('a')
    expect(await log.listTopics()).toEqual(['a', 'b'])
    const d = await log.describeTopic('b')
    expect(d.name).toBe('b')
    expect(d.partitions).toEqual([0, 1, 2].map((partition) => ({ partition, logStartOffset: 0, highWatermark: 0, lastStableOffset: 0, sizeBytes: 0 })))
    expect(d.config.cleanupPolicy).toBe('delete')
    await log.deleteTopic('b')
    expect(await log.listTopics()).toEqual(['a'])
    expect(await code(log.describeTopic('b'))).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    await log.close()
  })

  it('refuses invalid topic names, partition counts and duplicates, writing nothing', async () => {
    const log = await store.makeLog()
    for (const name of ['', '.', '..', 'a/b', 'x'.repeat(250), 'sp ace', 'ü']) {
      expect(await code(log.createTopic(name))).toBe('INVALID_TOPIC')
    }
    expect(await code(log.createTopic(42 as unknown as string))).toBe('TypeError')
    for (const partitions of [0, -1, 1.5, Number.NaN]) {
      expect(await code(log.createTopic('t', { partitions }))).toBe('INVALID_PARTITIONS')
    }
    expect(await code(log.createTopic('t', { config: { nope: 1 } as never }))).toBe('INVALID_CONFIG')
    expect(await log.listTopics()).toEqual([])
    await log.createTopic('x'.repeat(249))
    await log.createTopic('t')
    expect(await code(log.createTopic('t'))).toBe('TOPIC_ALREADY_EXISTS')
    await log.close()
  })

  it('returns one metadata per message, in order, with dense offsets per partition', async () => {
    const log = await store.makeLog()
    await log.createTopic('t', { partitions: 4 })
    const p = log.producer()
    const messages = Array.from({ length: 40 }, (_, i) => ({ key: `k${i % 7}`, value: { i } }))
    const meta = await p.send('t', messages)
    expect(meta).toHaveLength(40)
    const next = [0, 0, 0, 0]
    for (const m of meta) {
      expect(m.topic).toBe('t')
      expect(m.offset).toBe(next[m.partition]!++)
    }
    const second = await p.send('t', messages)
    for (let i = 0; i < 40; i++) expect(second[i]!.partition).toBe(meta[i]!.partition)
    const d = await log.describeTopic('t')
    expect(d.partitions.map((x) => x.highWatermark)).toEqual(next.map((n) => n * 2))
    await log.close()
  })

  it('round-trips keys, values, headers and timestamps with their types', async () => {
    const log = await store.makeLog()
    await log.createTopic('t')
    const p = log.producer()
    const bytes = new Uint8Array([0, 1, 2, 255])
    const values: unknown[] = [
      { amount: 5200, nested: { list: [1, 'two', null, true] } },
      'a string',
      42.5,
      null,
      bytes,
      new Date(1_700_000_000_000),
      new Map([['a', 1]]),
      new Set([1, 2]),
      [1, [2, [3]]],
    ]
    await p.send('t', values.map((value, i) => ({ key: i % 2 ? `key-${i}` : bytes, value, headers: { h: 'v', b: bytes }, timestamp: 1000 + i })))
    const read = (await readPartition(log, 't', 0)) as Array<{ key: unknown; value: unknown; headers: Record<string, unknown>; timestamp: number; offset: number }>
    expect(read).toHaveLength(values.length)
    read.forEach((m, i) => {
      expect(m.offset).toBe(i)
      expect(m.timestamp).toBe(1000 + i)
      if (i % 2) expect(m.key).toBe(`key-${i}`)
      else {
        expect(m.key).toBeInstanceOf(Uint8Array)
        expect([...(m.key as Uint8Array)]).toEqual([...bytes])
      }
      expect(m.headers.h).toBe('v')
      expect([...(m.headers.b as Uint8Array)]).toEqual([...bytes])
    })
    expect(read[0]!.value).toEqual(values[0])
    expect(read[1]!.value).toBe('a string')
    expect(read[3]!.value).toBeNull()
    expect(read[4]!.value).toBeInstanceOf(Uint8Array)
    expect([...(read[4]!.value as Uint8Array)]).toEqual([...bytes])
    expect(read[5]!.value).toEqual(new Date(1_700_000_000_000))
    expect(read[6]!.value).toEqual(new Map([['a', 1]]))
    expect(read[7]!.value).toEqual(new Set([1, 2]))
    await log.close()
  })

  it('rejects bad messages with a typed error and writes none of the send', async () => {
    const log = await store.makeLog()
    await log.createTopic('t', { partitions: 2 })
    const p = log.producer()
    const ok = { key: 'a', value: 1 }
    const cases: Array<[unknown, string]> = [
      [[ok, 'not an object'], 'TypeError'],
      [[ok, null], 'TypeError'],
      [[ok, { value: () => 1 }], 'INVALID_RECORD'],
      [[ok, { value: { deep: [1, { f() {} }] } }], 'INVALID_RECORD'],
      [[ok, { value: Symbol('s') }], 'INVALID_RECORD'],
      [[ok, { key: 5, value: 1 }], 'TypeError'],
      [[ok, { value: 1, headers: { a: 5 } }], 'TypeError'],
      [[ok, { value: 1, partition: 2 }], 'UNKNOWN_TOPIC_OR_PARTITION'],
      [[ok, { value: 1, partition: -1 }], 'UNKNOWN_TOPIC_OR_PARTITION'],
      [[ok, { value: 1, timestamp: -5 }], 'RangeError'],
    ]
    for (const [messages, expected] of cases) {
      expect(await code(p.send('t', messages as never))).toBe(expected)
    }
    expect(await code(p.send('nope', ok))).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    expect(await code(p.send('bad/name', ok))).toBe('INVALID_TOPIC')
    expect((await log.describeTopic('t')).partitions.map((x) => x.highWatermark)).toEqual([0, 0])
    expect(await log.listTopics()).toEqual(['t'])
    // the codec still works after a refused value
    expect((await p.send('t', { key: 'a', value: { ok: true } }))[0]!.offset).toBe(0)
    await log.close()
  })

  it('partitions by key with murmur2, honours an explicit partition and a custom partitioner', async () => {
    const log = await store.makeLog()
    await log.createTopic('t', { partitions: 6 })
    // Kafka's DefaultPartitioner puts these keys on these partitions of a 6-partition topic.
    const p = log.producer()
    const meta = await p.send('t', [{ key: 'employee_id_123', value: 1 }, { key: 'x', value: 2, partition: 5 }])
    expect(meta[0]!.partition).toBe(toPartition('employee_id_123', 6))
    expect(meta[1]!.partition).toBe(5)
    const custom = log.producer({ partitioner: ({ value }) => (value as number) % 6 })
    const m2 = await custom.send('t', [{ value: 4 }, { value: 9 }])
    expect(m2.map((m) => m.partition)).toEqual([4, 3])
    const broken = log.producer({ partitioner: () => 17 })
    expect(await code(broken.send('t', { value: 1 }))).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    await log.close()
  })

  it('spreads keyless sends over partitions, one partition per send', async () => {
    const log = await store.makeLog()
    await log.createTopic('t', { partitions: 4 })
    const p = log.producer()
    const seen = new Set<number>()
    for (let i = 0; i < 8; i++) {
      const meta = await p.send('t', [{ value: i }, { value: i }])
      expect(meta[0]!.partition).toBe(meta[1]!.partition)
      seen.add(meta[0]!.partition)
    }
    expect(seen.size).toBe(4)
    await log.close()
  })

  it('coalesces concurrent sends and keeps offsets dense', async () => {
    const log = await store.makeLog()
    await log.createTopic('t')
    const p = log.producer()
    const metas = await Promise.all(Array.from({ length: 500 }, (_, i) => p.send('t', { value: i })))
    expect(metas.map((m) => m[0]!.offset)).toEqual(Array.from({ length: 500 }, (_, i) => i))
    const read = (await readPartition(log, 't', 0)) as Array<{ value: number }>
    expect(read.map((m) => m.value)).toEqual(Array.from({ length: 500 }, (_, i) => i))
    await log.close()
  })

  it('auto-creates topics only when asked', async () => {
    const off = await store.makeLog()
    expect(await code(off.producer().send('auto', { value: 1 }))).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    await off.close()
    const on = await store.makeLog({ autoCreateTopics: true, defaultPartitions: 3 })
    const meta = await on.producer().send('auto', { value: 1 })
    expect(meta[0]!.offset).toBe(0)
    expect((await on.describeTopic('auto')).partitions).toHaveLength(3)
    await on.close()
  })

  it('raises a partition count and alters config', async () => {
    const log = await store.makeLog()
    await log.createTopic('t', { partitions: 2 })
    await log.createPartitions('t', 5)
    expect((await log.describeTopic('t')).partitions).toHaveLength(5)
    expect(await code(log.createPartitions('t', 3))).toBe('INVALID_PARTITIONS')
    const config = await log.alterTopicConfig('t', { retentionMs: 1000 })
    expect(config.retentionMs).toBe(1000)
    expect(await code(log.alterTopicConfig('t', { retentionMs: -7 }))).toBe('INVALID_CONFIG')
    expect((await log.describeTopic('t')).config.retentionMs).toBe(1000)
    await log.close()
  })

  it('throws LOG_CLOSED on every call after close', async () => {
    const log = await store.makeLog()
    await log.createTopic('t')
    const p = log.producer()
    const c = log.consumer()
    c.assign([{ topic: 't', partition: 0 }])
    await log.close()
    await log.close()
    const closed = [
      () => log.createTopic('u'),
      () => log.listTopics(),
      () => log.describeTopic('t'),
      () => log.deleteTopic('t'),
      () => p.send('t', { value: 1 }),
      () => c.poll(),
      () => log.producer(),
      () => log.consumer(),
    ]
    for (const call of closed) {
      const c2 = await code(call)
      expect(c2).toBe('LOG_CLOSED')
    }
    const err = await log.listTopics().catch((e: unknown) => e)
    expect(isRetriable(err)).toBe(false)
  })

  it('keeps a deleted-then-recreated topic empty', async () => {
    const log = await store.makeLog()
    await log.createTopic('t')
    await log.producer().send('t', [{ value: 1 }, { value: 2 }])
    await log.deleteTopic('t')
    await log.createTopic('t')
    expect((await log.describeTopic('t')).partitions[0]!.highWatermark).toBe(0)
    expect(await readPartition(log, 't', 0)).toEqual([])
    await log.close()
  })

})

describe('log on disk', () => {
  const store = disk
  it('survives close and reopen with every acknowledged message', async () => {
    let log = await store.makeLog()
    await log.createTopic('t', { partitions: 2 })
    const p = log.producer()
    await p.send('t', Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: i })))
    const before = await log.describeTopic('t')
    log = await store.reopen(log)
    expect(await log.describeTopic('t')).toEqual(before)
    const read = [...(await readPartition(log, 't', 0)), ...(await readPartition(log, 't', 1))] as Array<{ value: number }>
    expect(read.map((m) => m.value).sort((a, b) => a - b)).toEqual([...Array(10).keys()])
    const meta = await log.producer().send('t', { value: 'after', partition: 0 })
    expect(meta[0]!.offset).toBe(before.partitions[0]!.highWatermark)
    await log.close()
  })
})

function toPartition(key: string, partitions: number): number {
  // Independent reference: Kafka's murmur2 written out long-hand with 32-bit arithmetic.
  const data = Buffer.from(key, 'utf8')
  const m = 0x5bd1e995
  let h = (0x9747b28c ^ data.length) >>> 0
  const mul = (a: number, b: number) => Number((BigInt(a) * BigInt(b)) & 0xffffffffn)
  let i = 0
  for (; i + 4 <= data.length; i += 4) {
    let k = data.readUInt32LE(i)
    k = mul(k, m)
    k = (k ^ (k >>> 24)) >>> 0
    k = mul(k, m)
    h = mul(h, m)
    h = (h ^ k) >>> 0
  }
  const rest = data.length - i
  if (rest === 3) h = (h ^ (data[i + 2]! << 16)) >>> 0
  if (rest >= 2) h = (h ^ (data[i + 1]! << 8)) >>> 0
  if (rest >= 1) {
    h = (h ^ data[i]!) >>> 0
    h = mul(h, m)
  }
  h = (h ^ (h >>> 13)) >>> 0
  h = mul(h, m)
  h = (h ^ (h >>> 15)) >>> 0
  return (h & 0x7fffffff) % partitions
}
