// bridge 'in' against librdkafka's mock cluster with KafkaJS 2.2.4: a cluster topic is
// mirrored into a local topic with the same partitions, in the cluster's order, with the
// progress in the bridge's consumer group on the cluster.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { bridge, type Bridge } from '../../lib/bridge/index.js'
import { ManualClock, type Log } from '../../lib/index.js'
import { readPartition as readAll } from '../helpers/read.js'
import { kafkaFor, nextEvent, startMockCluster, type MockCluster } from '../helpers/cluster.js'
import { stores, memory } from '../helpers/stores.js'

let cluster: MockCluster
const open: Array<Bridge | Log> = []

beforeEach(async () => {
  cluster = await startMockCluster({ brokers: 3 })
})
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await ('lag' in x ? x.stop() : x.close())
  await cluster.stop()
})

function track<T extends Bridge | Log>(x: T): T {
  open.push(x)
  return x
}

/** Resolves once the bridge has mirrored every partition of `topic` up to the cluster's high watermarks. */
async function mirrored(b: Bridge, kafka: ReturnType<typeof kafkaFor>, topic: string): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  const want = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]))
  await admin.disconnect()
  const done = (): boolean => [...want].every(([p, high]) => high === 0 || (b.lag().find((l) => l.topic === topic && l.partition === p)?.offset ?? -1) >= high)
  if (done()) return
  await nextEvent(b, 'progress', done)
}

async function produceToCluster(kafka: ReturnType<typeof kafkaFor>, topic: string, messages: Array<{ key: string; value: string; partition: number; headers?: Record<string, string>; timestamp?: string }>): Promise<void> {
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({ topic, acks: -1, messages })
  await producer.disconnect()
}

describe.each(stores)('bridge in on $name', (store) => {
  it('mirrors a cluster topic into a local topic with the same partitions, in the cluster\'s order', async () => {
    await cluster.createTopic('prices', 3)
    const kafka = kafkaFor(cluster)
    const messages = Array.from({ length: 60 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: i % 3, headers: { seq: String(i) }, timestamp: String(1_000 + i) }))
    await produceToCluster(kafka, 'prices', messages)
    const log = track(await store.makeLog())
    const b = track(bridge({ log, kafka, topics: ['prices'], direction: 'in', name: 'prices-mirror' }))
    await b.start()
    await mirrored(b, kafka, 'prices')
    const d = await log.describeTopic('prices')
    expect(d.partitions.map((p) => p.highWatermark)).toEqual([20, 20, 20])
    for (const p of [0, 1, 2]) {
      const local = await readAll(log, 'prices', p)
      const expected = messages.filter((m) => m.partition === p)
      expect(local.map((m) => Buffer.from(m.value as Uint8Array).toString())).toEqual(expected.map((m) => m.value))
      expect(local.map((m) => Buffer.from(m.key as Uint8Array).toString())).toEqual(expected.map((m) => m.key))
      expect(local.map((m) => m.timestamp)).toEqual(expected.map((m) => Number(m.timestamp)))
      expect(local.map((m) => Buffer.from(m.headers.seq as Uint8Array).toString())).toEqual(expected.map((m) => m.headers.seq))
    }
  })
})

describe('bridge in', () => {
  // The mock cluster keeps a departed member's place until its session times out, so the
  // restarted bridge rejoins after about sessionTimeoutMs.
  it('keeps its offsets in its group on the cluster: a restart mirrors only what is new', async () => {
    await cluster.createTopic('prices', 2)
    const kafka = kafkaFor(cluster)
    await produceToCluster(kafka, 'prices', Array.from({ length: 10 }, (_, i) => ({ key: `a${i}`, value: `a${i}`, partition: i % 2 })))
    const log = track(await memory.makeLog())
    const first = bridge({ log, kafka, topics: ['prices'], direction: 'in', name: 'mirror', sessionTimeoutMs: 3_000 })
    await first.start()
    await mirrored(first, kafka, 'prices')
    await first.stop()
    const admin = kafka.admin()
    await admin.connect()
    const committed = await admin.fetchOffsets({ groupId: 'mirror', topics: ['prices'] })
    await admin.disconnect()
    expect(committed[0]!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([[0, '5'], [1, '5']])

    await produceToCluster(kafka, 'prices', Array.from({ length: 4 }, (_, i) => ({ key: `b${i}`, value: `b${i}`, partition: i % 2 })))
    const second = track(bridge({ log, kafka, topics: ['prices'], direction: 'in', name: 'mirror', sessionTimeoutMs: 3_000 }))
    await second.start()
    await mirrored(second, kafka, 'prices')
    const values = (await readAll(log, 'prices', 0)).map((m) => Buffer.from(m.value as Uint8Array).toString())
    expect(values).toEqual(['a0', 'a2', 'a4', 'a6', 'a8', 'b0', 'b2'])
  })

  it('pauses while the cluster is away and goes on mirroring when it returns', async () => {
    await cluster.createTopic('prices', 1)
    const kafka = kafkaFor(cluster)
    await produceToCluster(kafka, 'prices', [{ key: 'a', value: 'before', partition: 0 }])
    const clock = new ManualClock(1_000_000)
    const log = track(await memory.makeLog({ clock }))
    const b = track(bridge({ log, kafka, topics: ['prices'], direction: 'in', name: 'away', sessionTimeoutMs: 3_000, retry: { initialRetryTimeMs: 1_000 } }))
    await b.start()
    await mirrored(b, kafka, 'prices')
    const paused = nextEvent(b, 'paused')
    for (const id of [1, 2, 3]) await cluster.down(id)
    expect(await paused).toMatchObject({ attempt: 1, retryInMs: 1_000 })
    for (const id of [1, 2, 3]) await cluster.up(id)
    // Every wait is let pass from here (the brokers may refuse once more while they come back).
    b.on('paused', (e) => setImmediate(() => clock.advance(e.retryInMs)))
    clock.advance(1_000)
    await produceToCluster(kafka, 'prices', [{ key: 'b', value: 'after', partition: 0 }])
    await mirrored(b, kafka, 'prices')
    expect((await readAll(log, 'prices', 0)).map((m) => Buffer.from(m.value as Uint8Array).toString())).toEqual(['before', 'after'])
  })

  it('stops with INVALID_PARTITIONS when the local topic has another partition count', async () => {
    await cluster.createTopic('prices', 3)
    const kafka = kafkaFor(cluster)
    const log = track(await memory.makeLog())
    await log.createTopic('prices', { partitions: 2 })
    const b = track(bridge({ log, kafka, topics: ['prices'], direction: 'in', name: 'mismatch' }))
    const failed = nextEvent(b, 'error')
    await b.start()
    const err = await failed
    expect(err.code).toBe('INVALID_PARTITIONS')
    expect(err.message).toMatch(/2 partitions and the cluster's has 3/)
  })
})
