// The bridge takes any client with KafkaJS's API: here kafkette's own KafkaJS facade over a
// second log plays the cluster, which, unlike librdkafka's mock, answers CreateTopics, so a
// missing cluster topic is created with the local partition count.
import { describe, expect, it } from 'vitest'
import { bridge, type Bridge } from '../../lib/bridge/index.js'
import { Kafka } from '../../lib/kafkajs/index.js'
import type { KafketteError, Log } from '../../lib/index.js'
import { failNextWrites } from '../../lib/testing/index.js'
import { readPartition } from '../helpers/read.js'
import { memory, stores } from '../helpers/stores.js'

async function caughtUp(b: Bridge, partitions: number): Promise<void> {
  const done = (): boolean => b.lag().length === partitions && b.lag().every((l) => l.lag === 0)
  while (!done()) await new Promise((resolve) => b.once('progress', resolve))
}

const values = async (log: Log, partition: number): Promise<string[]> => (await readPartition(log, 'orders', partition)).map((m) => Buffer.from(m.value as Uint8Array).toString())

describe.each(stores)('bridge through kafkette/kafkajs on $name', (store) => {
  it('creates the missing cluster topic with the local count, forwards to it, and mirrors it back', async () => {
    const remote = await store.makeLog()
    const kafka = new Kafka({ brokers: ['remote'], log: remote })
    const local = await store.makeLog()
    await local.createTopic('orders', { partitions: 4 })
    await local.producer().send('orders', Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: { i } })))
    const out = bridge({ log: local, kafka, topics: ['orders'], direction: 'out', name: 'to-remote' })
    await out.start()
    await caughtUp(out, 4)
    await out.stop()
    expect((await remote.describeTopic('orders')).partitions.map((p) => p.highWatermark)).toEqual((await local.describeTopic('orders')).partitions.map((p) => p.highWatermark))
    for (const p of [0, 1, 2, 3]) {
      expect(await values(remote, p)).toEqual((await readPartition(local, 'orders', p)).map((m) => JSON.stringify(m.value)))
    }

    const mirror = await store.makeLog()
    const back = bridge({ log: mirror, kafka, topics: ['orders'], direction: 'in', name: 'from-remote' })
    await back.start()
    await caughtUp(back, 4)
    await back.stop()
    for (const p of [0, 1, 2, 3]) expect(await values(mirror, p)).toEqual(await values(remote, p))
    for (const log of [mirror, local, remote]) await log.close()
  })
})

describe('bridge through kafkette/kafkajs', () => {
  const store = memory
  // The facade's consumer retries a failing batch 5 times (about 9 s) before it crashes and
  // the bridge takes over; one store is enough for this path.
  it('\'in\' retries a write the log failed to make (LOG_IO_ERROR) and stops on a closed log (LOG_CLOSED)', async () => {
    const remote = await store.makeLog()
    const kafka = new Kafka({ brokers: ['remote'], log: remote })
    await remote.createTopic('orders', { partitions: 1 })
    await remote.producer().send('orders', [{ key: 'k', value: Buffer.from('one') }])
    const mirror = await store.makeLog()
    failNextWrites(mirror, 1)
    const b = bridge({ log: mirror, kafka, topics: ['orders'], direction: 'in', name: 'flaky', retry: { initialRetryTimeMs: 1 } })
    const paused = new Promise<{ error: unknown }>((resolve) => b.once('paused', resolve))
    await b.start()
    expect((await paused).error).toMatchObject({ code: 'LOG_IO_ERROR' })
    await caughtUp(b, 1)
    expect(await values(mirror, 0)).toEqual(['one'])

    const failed = new Promise<KafketteError>((resolve) => b.once('error', resolve))
    await mirror.close()
    await remote.producer().send('orders', [{ key: 'k', value: Buffer.from('two') }])
    expect(await failed).toMatchObject({ code: 'LOG_CLOSED' })
    await b.stop()
    await remote.close()
  })
})
