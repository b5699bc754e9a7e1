// bridge 'out' against librdkafka's mock cluster with KafkaJS 2.2.4: every local record
// reaches the cluster with its key, value, headers and timestamp, on the same partition or
// by key; progress is the local group; a restart resumes; faults pause or stop the bridge.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { bridge, type Bridge, type BridgeProgress } from '../../lib/bridge/index.js'
import { KafketteError, ManualClock, murmur2Partition, type Log } from '../../lib/index.js'
import { kafkaFor, nextEvent, readCluster, startMockCluster, type MockCluster } from '../helpers/cluster.js'
import { memory, stores } from '../helpers/stores.js'

let cluster: MockCluster
const open: Array<Bridge | Log> = []

beforeEach(async () => {
  cluster = await startMockCluster({ brokers: 3 })
})
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await ('lag' in x ? x.stop() : x.close())
  await cluster.stop()
})

/** Resolves once the bridge has forwarded every partition of `topics` up to the log's current high watermarks. */
async function caughtUp(b: Bridge, log: Log, topics: string[]): Promise<void> {
  const want = new Map<string, number>()
  for (const t of topics) for (const p of (await log.describeTopic(t)).partitions) want.set(`${t}/${p.partition}`, p.highWatermark)
  const done = (): boolean => [...want].every(([k, hw]) => (b.lag().find((l) => `${l.topic}/${l.partition}` === k)?.offset ?? -1) >= hw)
  if (done()) return
  await nextEvent(b, 'progress', done)
}

function track<T extends Bridge | Log>(x: T): T {
  open.push(x)
  return x
}

describe.each(stores)('bridge out on $name', (store) => {
  it('forwards key, value, headers and timestamp to the same partition number, and commits the local group after the cluster acknowledged', async () => {
    await cluster.createTopic('orders', 3)
    const log = track(await store.makeLog())
    await log.createTopic('orders', { partitions: 3 })
    await log.producer().send<unknown>('orders', [
      { key: 'a', value: 'text', headers: { h: 'v', bin: new Uint8Array([1, 2]) }, partition: 0, timestamp: 1_000 },
      { key: new Uint8Array([0xff, 0]), value: new Uint8Array([9, 8, 7]), partition: 1, timestamp: 2_000 },
      { key: 'c', value: { amount: 5200 }, partition: 2, timestamp: 3_000 },
      { key: null, value: null, partition: 2, timestamp: 4_000 },
    ])
    const kafka = kafkaFor(cluster)
    const b = track(bridge({ log, kafka, topics: ['orders'], direction: 'out', name: 'orders-to-cluster' }))
    const events: BridgeProgress[] = []
    b.on('progress', (e) => events.push(e))
    await b.start()
    await caughtUp(b, log, ['orders'])

    const got = (await readCluster(kafka, 'orders')).sort((x, y) => x.partition - y.partition || x.offset - y.offset)
    expect(got.map((r) => r.partition)).toEqual([0, 1, 2, 2])
    const [a, bytes, data, tombstone] = got.map((r) => r.message)
    expect(a!.key!.toString()).toBe('a')
    expect(a!.value!.toString()).toBe('text')
    expect(a!.headers!.h!.toString()).toBe('v')
    expect([...(a!.headers!.bin as Buffer)]).toEqual([1, 2])
    expect(a!.timestamp).toBe('1000')
    expect([...bytes!.key!]).toEqual([0xff, 0])
    expect([...bytes!.value!]).toEqual([9, 8, 7])
    expect(bytes!.timestamp).toBe('2000')
    // Data a native producer wrote reaches the cluster as the KafkaJS facade shows it: JSON.
    expect(data!.value!.toString()).toBe('{"amount":5200}')
    expect(tombstone!.key).toBeNull()
    expect(tombstone!.value).toBeNull()
    expect(tombstone!.timestamp).toBe('4000')

    const committed = await log.fetchOffsets('orders-to-cluster', ['orders'])
    expect(committed.map((c) => [c.partition, c.offset])).toEqual([[0, 1], [1, 1], [2, 2]])
    expect(events.reduce((n, e) => n + e.forwarded, 0)).toBe(4)
    expect(b.lag().map((l) => l.lag)).toEqual([0, 0, 0])
  })
})

describe('bridge out', () => {
  it('spreads records by key with Kafka\'s partitioner when the cluster topic has another partition count', async () => {
    await cluster.createTopic('events', 3)
    const log = track(await memory.makeLog())
    await log.createTopic('events', { partitions: 2 })
    const keys = Array.from({ length: 30 }, (_, i) => `user-${i}`)
    await log.producer().send('events', keys.map((key, i) => ({ key, value: String(i) })))
    await log.producer().send('events', [{ key: null, value: 'keyless', partition: 1 }])
    const kafka = kafkaFor(cluster)
    const b = track(bridge({ log, kafka, topics: ['events'], direction: 'out', name: 'events-out' }))
    await b.start()
    await caughtUp(b, log, ['events'])
    const got = await readCluster(kafka, 'events')
    expect(got).toHaveLength(31)
    for (const r of got) {
      const key = r.message.key?.toString()
      // A keyless record stays with the records of its local partition: 1 % 3.
      expect(r.partition, key ?? 'keyless').toBe(key === undefined ? 1 : murmur2Partition(key, 3))
    }
  })

  it('resumes after a restart from the local group, forwarding each record once', async () => {
    await cluster.createTopic('orders', 2)
    const log = track(await memory.makeLog())
    await log.createTopic('orders', { partitions: 2 })
    const kafka = kafkaFor(cluster)
    const send = (from: number, n: number) => log.producer().send('orders', Array.from({ length: n }, (_, i) => ({ key: `k${from + i}`, value: String(from + i) })))
    await send(0, 50)
    const first = bridge({ log, kafka, topics: ['orders'], direction: 'out', name: 'resume' })
    await first.start()
    await caughtUp(first, log, ['orders'])
    await first.stop()
    await send(50, 50)
    const second = track(bridge({ log, kafka, topics: ['orders'], direction: 'out', name: 'resume' }))
    await second.start()
    await caughtUp(second, log, ['orders'])
    const values = (await readCluster(kafka, 'orders')).map((r) => Number(r.message.value!.toString()))
    expect(values.sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i))
  })

  it('pauses while the cluster is down, on the log\'s clock, and catches up when it returns', async () => {
    await cluster.createTopic('orders', 1)
    const clock = new ManualClock(1_000_000)
    const log = track(await memory.makeLog({ clock }))
    await log.createTopic('orders', { partitions: 1 })
    const kafka = kafkaFor(cluster)
    const b = track(bridge({ log, kafka, topics: ['orders'], direction: 'out', name: 'outage', retry: { initialRetryTimeMs: 1_000, maxRetryTimeMs: 8_000 } }))
    await b.start()
    await log.producer().send('orders', [{ key: 'k', value: 'before' }])
    await caughtUp(b, log, ['orders'])

    for (const id of [1, 2, 3]) await cluster.down(id)
    const paused: Array<{ attempt: number; retryInMs: number }> = []
    b.on('paused', (e) => paused.push(e))
    // The application goes on writing locally while the cluster is away.
    await log.producer().send('orders', Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `during-${i}` })))
    // Each failed attempt waits on the log's clock: nothing is tried again until it moves.
    for (let attempt = 1; attempt <= 3; attempt++) {
      while (paused.length < attempt) await nextEvent(b, 'paused')
      expect(paused[attempt - 1]).toMatchObject({ attempt, retryInMs: Math.min(8_000, 1_000 * 2 ** (attempt - 1)) })
      expect(b.lag()[0]).toMatchObject({ offset: 1, highWatermark: 21, lag: 20 })
      clock.advance(paused[attempt - 1]!.retryInMs)
    }
    while (paused.length < 4) await nextEvent(b, 'paused')
    for (const id of [1, 2, 3]) await cluster.up(id)
    const caught = caughtUp(b, log, ['orders'])
    // From here on every wait is let pass (a reconnect may fail once more while the brokers come back).
    b.on('paused', (e) => setImmediate(() => clock.advance(e.retryInMs)))
    clock.advance(paused[3]!.retryInMs)
    await caught
    const values = (await readCluster(kafka, 'orders')).map((r) => r.message.value!.toString())
    expect(values).toEqual(['before', ...Array.from({ length: 20 }, (_, i) => `during-${i}`)])
  })

  it('stops with BRIDGE_RECORD_REJECTED on a record the cluster refuses, without committing past it', async () => {
    await cluster.createTopic('orders', 1)
    const log = track(await memory.makeLog())
    await log.createTopic('orders', { partitions: 1 })
    const kafka = kafkaFor(cluster)
    const b = track(bridge({ log, kafka, topics: ['orders'], direction: 'out', name: 'poison' }))
    await b.start()
    await log.producer().send('orders', [{ key: 'k', value: 'fine' }])
    await caughtUp(b, log, ['orders'])
    // The cluster answers the next produce requests with MESSAGE_TOO_LARGE (Kafka error 10).
    await cluster.failRequests(0, 10, 20)
    const failed = nextEvent(b, 'error')
    const stopped = nextEvent(b, 'stop')
    await log.producer().send('orders', [{ key: 'small', value: 'x' }, { key: 'big', value: 'y'.repeat(5_000) }])
    const err = await failed
    expect(err).toBeInstanceOf(KafketteError)
    expect(err.code).toBe('BRIDGE_RECORD_REJECTED')
    expect(err.retriable).toBe(false)
    expect(err.message).toMatch(/MESSAGE_TOO_LARGE/)
    expect(err.context).toMatchObject({ topic: 'orders', partition: 0, offset: 2 })
    await stopped
    expect((await log.fetchOffsets('poison', ['orders']))[0]!.offset).toBe(1)
    expect(b.lag()[0]).toMatchObject({ offset: 1, highWatermark: 3, lag: 2 })
  })

  it('stops with OFFSET_OUT_OF_RANGE when records were deleted before it forwarded them, rather than skip them', async () => {
    await cluster.createTopic('orders', 1)
    const log = track(await memory.makeLog())
    await log.createTopic('orders', { partitions: 1 })
    const kafka = kafkaFor(cluster)
    await log.producer().send('orders', Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: String(i) })))
    for (const id of [1, 2, 3]) await cluster.down(id)
    const b = track(bridge({ log, kafka, topics: ['orders'], direction: 'out', name: 'behind', retry: { initialRetryTimeMs: 1, maxRetryTimeMs: 1 } }))
    const paused = nextEvent(b, 'paused')
    await b.start()
    await paused
    await log.deleteRecords('orders', [{ partition: 0, offset: 4 }])
    const failed = nextEvent(b, 'error')
    for (const id of [1, 2, 3]) await cluster.up(id)
    expect(await failed).toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' })
    expect(b.lag()[0]).toMatchObject({ offset: 0 })
  })

  it('stops with a clear error when a cluster topic is missing and cannot be created', async () => {
    const log = track(await memory.makeLog())
    await log.createTopic('nowhere', { partitions: 2 })
    const kafka = kafkaFor(cluster)
    const strict = track(bridge({ log, kafka, topics: ['nowhere'], direction: 'out', name: 'strict', createTopics: false }))
    const e1 = nextEvent(strict, 'error')
    await strict.start()
    expect(await e1).toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' })
    // The mock cluster has no CreateTopics API (and KafkaJS finds no controller in its metadata).
    const creating = track(bridge({ log, kafka, topics: ['nowhere'], direction: 'out', name: 'creating' }))
    const e2 = nextEvent(creating, 'error')
    await creating.start()
    const err = await e2
    expect(err.code).toBe('BRIDGE_CLUSTER_ERROR')
    expect(err.message).toMatch(/could not create nowhere on the cluster/)
  })

  it('rejects bad options with TypeError or RangeError, and exactlyOnce on \'in\' as NOT_IMPLEMENTED', async () => {
    const log = track(await memory.makeLog())
    const kafka = kafkaFor(cluster)
    const base = { log, kafka, topics: ['t'], direction: 'out' as const, name: 'ok' }
    expect(() => bridge({ ...base, name: 'bad name' })).toThrow(TypeError)
    expect(() => bridge({ ...base, topics: [] })).toThrow(TypeError)
    expect(() => bridge({ ...base, direction: 'sideways' as 'out' })).toThrow(TypeError)
    expect(() => bridge({ ...base, kafka: {} as typeof kafka })).toThrow(TypeError)
    expect(() => bridge({ ...base, batchSize: 0 })).toThrow(RangeError)
    expect(() => bridge({ ...base, retry: { initialRetryTimeMs: -1 } })).toThrow(RangeError)
    expect(() => bridge({ ...base, ...({ exactlyonce: true } as object) })).toThrow(/unknown option "exactlyonce"/)
    expect(() => bridge({ ...base, direction: 'in', exactlyOnce: true })).toThrow(expect.objectContaining({ code: 'NOT_IMPLEMENTED' }))
    // A local topic that does not exist fails start() itself, and nothing runs.
    const b = bridge(base)
    await expect(b.start()).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' })
    await expect(b.start()).rejects.toMatchObject({ code: 'ILLEGAL_STATE' })
    await b.stop()
  })
})
