// The KafkaJS facade: KafkaJS 2.2.4's shapes (string offsets, Buffer keys and values,
// RecordMetadata per partition, instrumentation events) and its refusals, over a log.
import { afterEach, describe, expect, it } from 'vitest'
import { Kafka, KafkaJSNonRetriableError, KafkaJSProtocolError, KafkaJSOffsetOutOfRange, KafkaJSNotImplemented, AssignerProtocol, Partitioners, resetClusters, type KafkaMessage } from '../../lib/kafkajs/index.js'
import { openLog, murmur2Partition } from '../../lib/index.js'

afterEach(() => resetClusters())

const kafka = () => new Kafka({ clientId: 'spec', brokers: ['localhost:9092'] })

function deferred<T>() {
  let resolve!: (v: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

describe('KafkaJS facade', () => {
  it('shares an in-memory cluster between Kafka instances with the same brokers', async () => {
    const admin = kafka().admin()
    await admin.connect()
    expect(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] })).toBe(true)
    expect(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] })).toBe(false)
    expect(await kafka().admin().listTopics()).toEqual(['orders'])
    expect(await new Kafka({ brokers: ['other:9092'] }).admin().listTopics()).toEqual([])
  })

  it('sends with KafkaJS record metadata and partitions keys as the Java client does', async () => {
    const k = kafka()
    await k.admin().createTopics({ topics: [{ topic: 'orders', numPartitions: 4 }] })
    const producer = k.producer({ createPartitioner: Partitioners.DefaultPartitioner })
    await producer.connect()
    const meta = await producer.send({ topic: 'orders', messages: [{ key: 'k1', value: 'a' }, { key: 'k1', value: 'b' }] })
    expect(meta).toEqual([{ topicName: 'orders', partition: murmur2Partition('k1', 4), errorCode: 0, baseOffset: '0', logAppendTime: '-1', logStartOffset: '0' }])
    const batch = await producer.sendBatch({ topicMessages: [{ topic: 'orders', messages: [{ value: 'x', partition: 2 }] }, { topic: 'auto', messages: [{ value: 'y' }] }] })
    expect(batch.map((m) => [m.topicName, m.partition])).toEqual([['orders', 2], ['auto', 0]])
    await expect(producer.send({ topic: 'orders', messages: [{ key: 'a' } as never] })).rejects.toBeInstanceOf(KafkaJSNonRetriableError)
    await expect(producer.transaction()).rejects.toThrow('Must provide transactional id for transactional producer')
  })

  it('consumes through a group with Buffer values, string offsets, events and commits', async () => {
    const k = kafka()
    const producer = k.producer()
    await producer.send({ topic: 'orders', messages: [{ key: 'a', value: 'one', headers: { h: 'x', r: ['1', '2'] } }, { key: 'a', value: Buffer.from('two') }] })
    const consumer = k.consumer({ groupId: 'billing' })
    expect(() => consumer.on('consumer.nope', () => undefined)).toThrow(KafkaJSNonRetriableError)
    const joined = deferred<unknown>()
    consumer.on(consumer.events.GROUP_JOIN, (e) => joined.resolve(e))
    const commits: unknown[] = []
    consumer.on(consumer.events.COMMIT_OFFSETS, (e) => commits.push(e))
    await consumer.connect()
    await consumer.subscribe({ topics: ['orders'], fromBeginning: true })
    const seen: KafkaMessage[] = []
    const done = deferred<void>()
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message)
        if (seen.length === 2) done.resolve()
      },
    })
    await expect(consumer.subscribe({ topics: ['orders'] })).rejects.toThrow(/running/)
    await done.promise
    expect(seen.map((m) => [m.offset, m.value?.toString(), m.key?.toString()])).toEqual([['0', 'one', 'a'], ['1', 'two', 'a']])
    expect(seen[0]!.headers).toEqual({ h: Buffer.from('x'), r: [Buffer.from('1'), Buffer.from('2')] })
    expect(typeof seen[0]!.timestamp).toBe('string')
    expect(await joined.promise).toMatchObject({ type: 'consumer.group_join', payload: { groupId: 'billing', memberAssignment: { orders: [0] } } })
    const described = await consumer.describeGroup()
    expect(described).toMatchObject({ groupId: 'billing', state: 'Stable', protocolType: 'consumer' })
    expect(AssignerProtocol.MemberAssignment.decode(described.members[0]!.memberAssignment)).toMatchObject({ assignment: { orders: [0] } })
    await consumer.disconnect()
    const offsets = await k.admin().fetchOffsets({ groupId: 'billing', topics: ['orders'] })
    expect(offsets).toEqual([{ topic: 'orders', partitions: [{ partition: 0, offset: '2', metadata: null }] }])
    expect(commits.length).toBeGreaterThan(0)
  })

  it('refuses what KafkaJS refuses', async () => {
    const k = kafka()
    expect(() => k.consumer({ groupId: '' })).toThrow(KafkaJSNonRetriableError)
    const consumer = k.consumer({ groupId: 'g' })
    expect(() => consumer.seek({ topic: 't', partition: 0, offset: '0' })).toThrow(KafkaJSNonRetriableError)
    await expect(consumer.commitOffsets([{ topic: 't', partition: 0, offset: '-5' }])).rejects.toBeInstanceOf(KafkaJSNonRetriableError)
    const admin = k.admin()
    await expect(admin.deleteTopics({ topics: ['missing'] })).rejects.toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION', retriable: true })
    await expect(admin.deleteTopics({ topics: ['missing'] })).rejects.toBeInstanceOf(KafkaJSProtocolError)
    await expect(admin.describeConfigs()).rejects.toBeInstanceOf(KafkaJSNotImplemented)
  })

  it('admin: offsets, group offsets, records and partitions', async () => {
    const k = kafka()
    const admin = k.admin()
    await admin.createTopics({ topics: [{ topic: 't', numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '-1' }] }] })
    await k.producer().send({ topic: 't', messages: [0, 1, 2, 3].map((i) => ({ value: String(i), partition: 0, timestamp: String(1000 + i) })) })
    expect(await admin.fetchTopicOffsets('t')).toEqual([
      { partition: 0, offset: '4', high: '4', low: '0' },
      { partition: 1, offset: '0', high: '0', low: '0' },
    ])
    expect(await admin.fetchTopicOffsetsByTimestamp('t', 1002)).toEqual([{ partition: 0, offset: '2' }, { partition: 1, offset: '0' }])
    expect(await admin.fetchOffsets({ groupId: 'nobody', topics: ['t'] })).toEqual([{ topic: 't', partitions: [{ partition: 0, offset: '-1', metadata: null }, { partition: 1, offset: '-1', metadata: null }] }])
    await admin.setOffsets({ groupId: 'g', topic: 't', partitions: [{ partition: 0, offset: '3' }] })
    expect((await admin.fetchOffsets({ groupId: 'g', topics: ['t'] }))[0]!.partitions[0]).toEqual({ partition: 0, offset: '3', metadata: null })
    await admin.resetOffsets({ groupId: 'g', topic: 't', earliest: true })
    expect((await admin.fetchOffsets({ groupId: 'g', topics: ['t'] }))[0]!.partitions[0]!.offset).toBe('0')
    expect((await admin.listGroups()).groups).toEqual([{ groupId: 'g', protocolType: 'consumer' }])
    await admin.deleteTopicRecords({ topic: 't', partitions: [{ partition: 0, offset: '2' }] })
    expect((await admin.fetchTopicOffsets('t'))[0]!.low).toBe('2')
    await expect(admin.deleteTopicRecords({ topic: 't', partitions: [{ partition: 0, offset: '99' }] })).rejects.toBeInstanceOf(KafkaJSOffsetOutOfRange)
    await admin.createPartitions({ topicPartitions: [{ topic: 't', count: 3 }] })
    expect((await admin.fetchTopicMetadata({ topics: ['t'] })).topics[0]!.partitions).toHaveLength(3)
    expect(await admin.deleteGroups(['g'])).toEqual([{ groupId: 'g', errorCode: 0 }])
  })

  it('runs over a given log', async () => {
    const log = await openLog({ memory: true })
    const k = new Kafka({ brokers: ['ignored'], log })
    await k.producer().send({ topic: 'x', messages: [{ value: 'v' }] })
    expect((await log.describeTopic('x')).partitions[0]!.highWatermark).toBe(1)
    await log.close()
  })
})
