// The bridge against kafkette's own wire listener in another process (`kafkette serve`),
// with KafkaJS 2.2.4 as its client: 'out' and 'in', a restart, the served log going away
// and coming back on the same port, SIGKILLs of the bridge process, and exactlyOnce,
// which the listener cannot serve (it offers no transactions).
import { afterEach, describe, expect, it } from 'vitest'
import { bridge, type Bridge } from '../../lib/bridge/index.js'
import { KafketteError, openLog, type Log } from '../../lib/index.js'
import { killRuns } from '../helpers/bridge-kill.js'
import { kafkaFor, nextEvent, readCluster } from '../helpers/cluster.js'
import { readPartition } from '../helpers/read.js'
import { serveLog, stopAllServed } from '../helpers/served.js'
import { memory, tempDir } from '../helpers/stores.js'

const open: Array<Bridge | Log> = []

afterEach(async () => {
  for (const x of open.splice(0).reverse()) await ('lag' in x ? x.stop() : x.close())
  await stopAllServed()
})

function track<T extends Bridge | Log>(x: T): T {
  open.push(x)
  return x
}

/** Resolves once the bridge forwarded (or mirrored) every partition of `topic` up to `ends` (partition → high watermark). */
async function reached(b: Bridge, topic: string, ends: Map<number, number>): Promise<void> {
  const done = (): boolean => [...ends].every(([p, hw]) => hw === 0 || (b.lag().find((l) => l.topic === topic && l.partition === p)?.offset ?? -1) >= hw)
  if (done()) return
  await nextEvent(b, 'progress', done)
}

async function localEnds(log: Log, topic: string): Promise<Map<number, number>> {
  return new Map((await log.describeTopic(topic)).partitions.map((p) => [p.partition, p.highWatermark]))
}

// A real clock and short waits: the served log is another process, its outage lasts as long as the spec takes to bring it back.
const quickRetry = { initialRetryTimeMs: 50, maxRetryTimeMs: 500 }

describe('bridge against a served log in another process', () => {
  it('out: every record arrives with key, value, headers and timestamp on the same partition number, in a topic the bridge created', async () => {
    const served = await serveLog()
    const kafka = kafkaFor(served)
    const log = track(await memory.makeLog())
    await log.createTopic('orders', { partitions: 3 })
    await log.producer().send<unknown>('orders', [
      { key: 'a', value: 'text', headers: { h: 'v', bin: new Uint8Array([1, 2]) }, partition: 0, timestamp: 1_000 },
      { key: new Uint8Array([0xff, 0]), value: new Uint8Array([9, 8, 7]), partition: 1, timestamp: 2_000 },
      { key: 'c', value: 'third', partition: 2, timestamp: 3_000 },
      { key: null, value: null, partition: 2, timestamp: 4_000 },
    ])
    const b = track(bridge({ log, kafka, topics: ['orders'], direction: 'out', name: 'orders-to-served' }))
    await b.start()
    await reached(b, 'orders', await localEnds(log, 'orders'))

    const admin = kafka.admin()
    await admin.connect()
    const meta = await admin.fetchTopicMetadata({ topics: ['orders'] })
    await admin.disconnect()
    expect(meta.topics[0]!.partitions).toHaveLength(3)
    const got = (await readCluster(kafka, 'orders')).sort((x, y) => x.partition - y.partition || x.offset - y.offset)
    expect(got.map((r) => [r.partition, r.offset])).toEqual([[0, 0], [1, 0], [2, 0], [2, 1]])
    const [a, bytes, third, tombstone] = got.map((r) => r.message)
    expect(a!.key!.toString()).toBe('a')
    expect(a!.value!.toString()).toBe('text')
    expect(a!.headers!.h!.toString()).toBe('v')
    expect([...(a!.headers!.bin as Buffer)]).toEqual([1, 2])
    expect(a!.timestamp).toBe('1000')
    expect([...bytes!.key!]).toEqual([0xff, 0])
    expect([...bytes!.value!]).toEqual([9, 8, 7])
    expect(bytes!.timestamp).toBe('2000')
    expect(third!.value!.toString()).toBe('third')
    expect(third!.timestamp).toBe('3000')
    expect(tombstone!.key).toBeNull()
    expect(tombstone!.value).toBeNull()
    expect(tombstone!.timestamp).toBe('4000')
    const committed = await log.fetchOffsets('orders-to-served', ['orders'])
    expect(committed.map((c) => [c.partition, c.offset])).toEqual([[0, 1], [1, 1], [2, 2]])
  })

  it('out: a restart resumes from the local group, forwarding each record once', async () => {
    const served = await serveLog()
    const kafka = kafkaFor(served)
    const log = track(await memory.makeLog())
    await log.createTopic('orders', { partitions: 2 })
    const send = (from: number, n: number) => log.producer().send('orders', Array.from({ length: n }, (_, i) => ({ key: `k${from + i}`, value: String(from + i) })))
    await send(0, 50)
    const first = bridge({ log, kafka, topics: ['orders'], direction: 'out', name: 'resume' })
    await first.start()
    await reached(first, 'orders', await localEnds(log, 'orders'))
    await first.stop()
    await send(50, 50)
    const second = track(bridge({ log, kafka, topics: ['orders'], direction: 'out', name: 'resume' }))
    await second.start()
    await reached(second, 'orders', await localEnds(log, 'orders'))
    const remote = await readCluster(kafka, 'orders')
    expect(remote.map((r) => Number(r.message.value!.toString())).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i))
    // Same partition numbers, and on each the local order.
    for (const p of [0, 1]) {
      const local = (await readPartition(log, 'orders', p)).map((m) => String(m.value))
      expect(remote.filter((r) => r.partition === p).sort((x, y) => x.offset - y.offset).map((r) => r.message.value!.toString())).toEqual(local)
    }
  })

  it('in: a topic of the served log is mirrored locally with the same partitions, in its order', async () => {
    const served = await serveLog()
    const kafka = kafkaFor(served)
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic: 'prices', numPartitions: 3 }] })
    await admin.disconnect()
    const messages = Array.from({ length: 60 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: i % 3, headers: { seq: String(i) }, timestamp: String(1_000 + i) }))
    const producer = kafka.producer()
    await producer.connect()
    for (let i = 0; i < messages.length; i += 20) await producer.send({ topic: 'prices', acks: -1, messages: messages.slice(i, i + 20) })
    await producer.disconnect()

    const log = track(await memory.makeLog())
    const b = track(bridge({ log, kafka, topics: ['prices'], direction: 'in', name: 'prices-mirror' }))
    await b.start()
    await reached(b, 'prices', new Map([[0, 20], [1, 20], [2, 20]]))
    expect((await log.describeTopic('prices')).partitions.map((p) => p.highWatermark)).toEqual([20, 20, 20])
    for (const p of [0, 1, 2]) {
      const local = await readPartition(log, 'prices', p)
      const expected = messages.filter((m) => m.partition === p)
      expect(local.map((m) => Buffer.from(m.value as Uint8Array).toString())).toEqual(expected.map((m) => m.value))
      expect(local.map((m) => Buffer.from(m.key as Uint8Array).toString())).toEqual(expected.map((m) => m.key))
      expect(local.map((m) => Buffer.from(m.headers.seq as Uint8Array).toString())).toEqual(expected.map((m) => m.headers.seq))
      expect(local.map((m) => m.timestamp)).toEqual(expected.map((m) => Number(m.timestamp)))
    }
    // The progress is the bridge's group on the served log.
    const check = kafka.admin()
    await check.connect()
    const offsets = await check.fetchOffsets({ groupId: 'prices-mirror', topics: ['prices'] })
    await check.disconnect()
    expect(offsets[0]!.partitions.map((p) => Number(p.offset)).sort()).toEqual([20, 20, 20])
  })

  it('out: pauses while the served log is away, and catches up when it is served again on the same port and directory', async () => {
    const served = await serveLog()
    const kafka = kafkaFor(served)
    const log = track(await memory.makeLog())
    await log.createTopic('orders', { partitions: 2 })
    const b = track(bridge({ log, kafka, topics: ['orders'], direction: 'out', name: 'outage', retry: quickRetry }))
    await b.start()
    await log.producer().send('orders', [{ key: 'k', value: 'before', partition: 0 }])
    await reached(b, 'orders', await localEnds(log, 'orders'))

    const paused = nextEvent(b, 'paused')
    await served.stop()
    // The application goes on writing locally while the cluster is away.
    await log.producer().send('orders', Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `during-${i}`, partition: i % 2 })))
    await paused
    expect(b.lag().reduce((n, l) => n + l.lag, 0)).toBe(20)
    await served.restart()
    await reached(b, 'orders', await localEnds(log, 'orders'))
    const remote = await readCluster(kafka, 'orders')
    for (const p of [0, 1]) {
      const local = (await readPartition(log, 'orders', p)).map((m) => String(m.value))
      const there = remote.filter((r) => r.partition === p).sort((x, y) => x.offset - y.offset).map((r) => r.message.value!.toString())
      // At-least-once: a step the served log wrote just before it stopped may be sent again; none is missing and the order holds.
      expect([...new Set(there)]).toEqual(local)
    }
  })

  it('out: at-least-once when the bridge process is SIGKILLed at random moments', async () => {
    const served = await serveLog()
    const dir = tempDir()
    await killRuns(dir, served.brokers[0]!, 'alo', 3)
    const log = await openLog({ dir })
    const local: string[] = []
    for (const p of [0, 1, 2]) for (const m of await readPartition(log, 'orders', p)) local.push(`${p}:${String(m.value)}`)
    await log.close()
    expect(local.length).toBeGreaterThan(0)
    const remote = await readCluster(kafkaFor(served), 'orders')
    const onCluster = new Set(remote.map((r) => `${r.partition}:${r.message.value!.toString()}`))
    expect(local.filter((v) => !onCluster.has(v))).toEqual([])
    expect(new Set(remote.map((r) => `${r.partition}:${r.message.value!.toString()}`)).size).toBe(local.length)
  }, 300_000)

  it('exactlyOnce: stops with a clear error, as the listener offers no transactions', async () => {
    const served = await serveLog()
    const kafka = kafkaFor(served)
    const log = track(await memory.makeLog())
    await log.createTopic('orders', { partitions: 1 })
    await log.producer().send('orders', [{ key: 'k', value: 'v' }])
    const b = track(bridge({ log, kafka, topics: ['orders'], direction: 'out', name: 'eos', exactlyOnce: true, retry: quickRetry }))
    const failed = nextEvent(b, 'error')
    const stopped = nextEvent(b, 'stop')
    await b.start()
    const err = await failed
    await stopped
    expect(err).toBeInstanceOf(KafketteError)
    expect(err.code).toBe('BRIDGE_CLUSTER_ERROR')
    expect(err.message).toMatch(/^BRIDGE_CLUSTER_ERROR: bridge eos: exactlyOnce needs transactions and the cluster refused a transactional producer \(INVALID_REQUEST\); kafkette's wire listener has no transactions yet/)
    expect(err.context).toMatchObject({ bridge: 'eos', api: 'InitProducerId' })
    // Nothing was forwarded, and the served log holds no topic the bridge might have begun.
    const admin = kafka.admin()
    await admin.connect()
    const topics = await admin.listTopics()
    await admin.disconnect()
    expect(topics).not.toContain('orders')
  })
})
