// tools/mock-cluster: librdkafka's mock cluster in a child process answers KafkaJS 2.2.4,
// creates topics, and takes a broker down and up again on the same port.
import { Kafka, logLevel } from 'kafkajs'
import { afterEach, describe, expect, it } from 'vitest'
import { startMockCluster, type MockCluster } from '../../tools/mock-cluster/index.mjs'

let cluster: MockCluster | undefined
afterEach(async () => {
  await cluster?.stop()
  cluster = undefined
})

describe('mock cluster', () => {
  it('prints its bootstrap servers on 127.0.0.1 and takes records from KafkaJS', async () => {
    cluster = await startMockCluster({ brokers: 3, topics: [{ name: 'orders', partitions: 4 }] })
    expect(cluster.brokers).toHaveLength(3)
    for (const b of cluster.brokers) expect(b).toMatch(/^127\.0\.0\.1:\d+$/)
    const kafka = new Kafka({ brokers: cluster.brokers, logLevel: logLevel.NOTHING })
    const admin = kafka.admin()
    await admin.connect()
    const meta = await admin.fetchTopicMetadata({ topics: ['orders'] })
    expect(meta.topics[0]!.partitions).toHaveLength(4)
    const producer = kafka.producer()
    await producer.connect()
    const [ack] = await producer.send({ topic: 'orders', acks: -1, messages: [{ key: 'k', value: 'v', partition: 2 }] })
    expect(ack).toMatchObject({ topicName: 'orders', partition: 2, errorCode: 0, baseOffset: '0' })
    expect(await admin.fetchTopicOffsets('orders')).toContainEqual(expect.objectContaining({ partition: 2, high: '1' }))
    await producer.disconnect()
    await admin.disconnect()
  })

  it('creates a topic on command and exits when stopped', async () => {
    cluster = await startMockCluster()
    await cluster.createTopic('later', 3)
    const kafka = new Kafka({ brokers: cluster.brokers, logLevel: logLevel.NOTHING })
    const admin = kafka.admin()
    await admin.connect()
    const meta = await admin.fetchTopicMetadata({ topics: ['later'] })
    expect(meta.topics[0]!.partitions).toHaveLength(3)
    await admin.disconnect()
    await expect(cluster.command('no-such-command')).rejects.toThrow(/unknown command/)
    expect(await cluster.stop()).toEqual({ code: 0, signal: null })
    await expect(cluster.command('ping')).rejects.toThrow(/stopped/)
  })

  it('refuses connections while a broker is down and takes them again on the same port when it is up', async () => {
    cluster = await startMockCluster({ topics: ['t'] })
    const [host, port] = cluster.bootstrap.split(':')
    const { connect } = await import('node:net')
    const tryConnect = () =>
      new Promise<boolean>((resolve) => {
        const s = connect({ host: host!, port: Number(port) })
        s.once('connect', () => (s.destroy(), resolve(true)))
        s.once('error', () => resolve(false))
      })
    expect(await tryConnect()).toBe(true)
    await cluster.down(1)
    expect(await tryConnect()).toBe(false)
    await cluster.up(1)
    expect(await tryConnect()).toBe(true)
  })
})
