// The facade answers as KafkaJS 2.2.4 does where kafkette once differed; each case is
// written from KafkaJS's source (node_modules/kafkajs/src), named in the test.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Kafka, KafkaJSProtocolError, PartitionAssigners, resetClusters } from '../../lib/kafkajs/index.js'
import { openLog, type Log, type Producer as NativeProducer } from '../../lib/index.js'

afterEach(async () => {
  vi.restoreAllMocks()
  await resetClusters()
})

/** An event of a facade client, as a promise; rejects after a generous wall-clock bound. */
function nextEvent<T>(client: { on(name: string, fn: (e: { payload: T }) => void): () => void }, name: string, ms = 3000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${name} within ${ms} ms`)), ms)
    const off = client.on(name, (e) => {
      clearTimeout(timer)
      off()
      resolve(e.payload)
    })
  })
}

async function withLog(): Promise<{ log: Log; kafka: Kafka }> {
  const log = await openLog({ memory: true, retentionCheckIntervalMs: 0 })
  return { log, kafka: new Kafka({ brokers: ['fidelity'], log }) }
}

describe('KafkaJS 2.2.4 fidelity', () => {
  it('commits after every batch when neither autoCommitInterval nor autoCommitThreshold is set (runner.js handleBatch → autoCommitOffsets)', async () => {
    const { log, kafka } = await withLog()
    await kafka.producer().send({ topic: 'orders', messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] })
    const consumer = kafka.consumer({ groupId: 'g' })
    await consumer.subscribe({ topics: ['orders'], fromBeginning: true })
    const committed = nextEvent<{ topics: Array<{ topic: string; partitions: Array<{ partition: string; offset: string }> }> }>(consumer, consumer.events.COMMIT_OFFSETS)
    await consumer.run({ eachMessage: async () => undefined })
    expect((await committed).topics).toEqual([{ topic: 'orders', partitions: [{ partition: '0', offset: '3' }] }])
    expect(await kafka.admin().fetchOffsets({ groupId: 'g', topics: ['orders'] })).toEqual([{ topic: 'orders', partitions: [{ partition: 0, offset: '3', metadata: null }] }])
    await consumer.disconnect()
    await log.close()
  })

  it('commitOffsetsIfNecessary() commits nothing without autoCommitInterval or autoCommitThreshold; the end of the batch commits what was resolved (offsetManager.commitOffsetsIfNecessary)', async () => {
    const { log, kafka } = await withLog()
    await kafka.producer().send({ topic: 'orders', messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] })
    const consumer = kafka.consumer({ groupId: 'g' })
    await consumer.subscribe({ topics: ['orders'], fromBeginning: true })
    const inHandler: string[] = []
    const committed = nextEvent(consumer, consumer.events.COMMIT_OFFSETS)
    await consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
        if (batch.messages[0]!.offset !== '0') return
        resolveOffset('0')
        await commitOffsetsIfNecessary()
        const [offsets] = await kafka.admin().fetchOffsets({ groupId: 'g', topics: ['orders'] })
        inHandler.push(offsets!.partitions[0]!.offset)
      },
    })
    await committed
    expect(inHandler).toEqual(['-1'])
    expect((await kafka.admin().fetchOffsets({ groupId: 'g', topics: ['orders'] }))[0]!.partitions[0]!.offset).toBe('1')
    await consumer.disconnect()
    await log.close()
  })

  it('commitOffsetsIfNecessary() commits once autoCommitThreshold offsets were resolved', async () => {
    const { log, kafka } = await withLog()
    await kafka.producer().send({ topic: 'orders', messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] })
    const consumer = kafka.consumer({ groupId: 'g' })
    await consumer.subscribe({ topics: ['orders'], fromBeginning: true })
    const seen: string[] = []
    const done = nextEvent(consumer, consumer.events.END_BATCH_PROCESS)
    await consumer.run({
      autoCommitThreshold: 2,
      eachBatch: async ({ resolveOffset, commitOffsetsIfNecessary }) => {
        resolveOffset('0')
        await commitOffsetsIfNecessary()
        seen.push((await kafka.admin().fetchOffsets({ groupId: 'g', topics: ['orders'] }))[0]!.partitions[0]!.offset)
        resolveOffset('1')
        await commitOffsetsIfNecessary()
        seen.push((await kafka.admin().fetchOffsets({ groupId: 'g', topics: ['orders'] }))[0]!.partitions[0]!.offset)
      },
    })
    await done
    expect(seen).toEqual(['-1', '2'])
    await consumer.disconnect()
    await log.close()
  })

  it('resolves a send with acks: 0 to [] after writing it (sendMessages.js: no response is expected)', async () => {
    const { log, kafka } = await withLog()
    const producer = kafka.producer()
    await producer.connect()
    expect(await producer.send({ topic: 'orders', acks: 0, messages: [{ value: 'a' }] })).toEqual([])
    expect((await log.describeTopic('orders')).partitions[0]!.highWatermark).toBe(1)
    await producer.disconnect()
    await log.close()
  })

  it('writes a key, value or header that is not a Buffer as String(value), as its encoder does (encoder.js writeVarIntBytes)', async () => {
    const { log, kafka } = await withLog()
    const producer = kafka.producer()
    await producer.send({ topic: 'orders', messages: [{ key: 7 as never, value: { amount: 5 } as never, headers: { n: 42 as never } }, { value: 12.5 as never }] })
    const consumer = log.consumer({ fromBeginning: true })
    consumer.assign([{ topic: 'orders', partition: 0 }])
    const [first, second] = await consumer.poll({ timeoutMs: 0 })
    expect(Buffer.from(first!.key as Uint8Array).toString()).toBe('7')
    expect(Buffer.from(first!.value as Uint8Array).toString()).toBe('[object Object]')
    expect(Buffer.from(first!.headers.n as Uint8Array).toString()).toBe('42')
    expect(Buffer.from(second!.value as Uint8Array).toString()).toBe('12.5')
    await log.close()
  })

  it("names the assigner as GROUP_JOIN's groupProtocol and measures the join's duration (consumerGroup.js joinAndSync)", async () => {
    const { log, kafka } = await withLog()
    await kafka.admin().createTopics({ topics: [{ topic: 'orders' }] })
    let t = 1_000_000
    vi.spyOn(Date, 'now').mockImplementation(() => (t += 7))
    for (const [assigners, name] of [[undefined, 'RoundRobinAssigner'], [[PartitionAssigners.range], 'RangeAssigner']] as const) {
      const consumer = kafka.consumer({ groupId: `g-${name}`, ...(assigners ? { partitionAssigners: [...assigners] } : {}) })
      await consumer.subscribe({ topics: ['orders'] })
      const joined = nextEvent<{ groupProtocol: string; duration: number }>(consumer, consumer.events.GROUP_JOIN)
      await consumer.run({ eachMessage: async () => undefined })
      const payload = await joined
      expect(payload.groupProtocol).toBe(name)
      expect(payload.duration).toBeGreaterThan(0)
      await consumer.disconnect()
    }
    await log.close()
  })

  it('marks UNKNOWN_TOPIC_OR_PARTITION retriable, as its error table does (protocol/error.js)', async () => {
    const admin = new Kafka({ brokers: ['fidelity'] }).admin()
    const err = await admin.fetchTopicOffsets('missing').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(KafkaJSProtocolError)
    expect(err).toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3, retriable: true })
    const producer = new Kafka({ brokers: ['fidelity'] }).producer({ allowAutoTopicCreation: false })
    await expect(producer.send({ topic: 'missing', messages: [{ value: 'a' }] })).rejects.toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION', retriable: true })
  })

  it('accepts the topic configs a single broker accepts: those kafkette keeps are stored, the others ignored', async () => {
    const { log, kafka } = await withLog()
    const admin = kafka.admin()
    const created = await admin.createTopics({
      topics: [{ topic: 'orders', configEntries: [{ name: 'min.insync.replicas', value: '2' }, { name: 'segment.bytes', value: '1048576' }, { name: 'segment.ms', value: '60000' }, { name: 'retention.ms', value: '3600000' }] }],
    })
    expect(created).toBe(true)
    expect((await log.describeTopic('orders')).config.retentionMs).toBe(3_600_000)
    await expect(admin.createTopics({ topics: [{ topic: 'other', configEntries: [{ name: 'no.such.config', value: '1' }] }] })).rejects.toMatchObject({ type: 'INVALID_CONFIG', code: 40 })
    expect(log.hasTopic('other')).toBe(false)
    await log.close()
  })

  it('takes idempotent: true (the log numbers its batches), refusing what KafkaJS refuses with it', async () => {
    const kafka = new Kafka({ brokers: ['fidelity'] })
    const producer = kafka.producer({ idempotent: true })
    expect(producer.isIdempotent()).toBe(true)
    expect(await producer.send({ topic: 'idem', messages: [{ value: 'a' }, { value: 'b' }] })).toMatchObject([{ topicName: 'idem', baseOffset: '0' }])
    expect(() => kafka.producer({ idempotent: true, retry: { retries: 0 } })).toThrow('Idempotent producer must allow retries')
    await producer.disconnect()
  })

  it('commits on disconnect only partitions it consumed, never offset 0 of one it did not (offsetManager.uncommittedOffsets)', async () => {
    const { log, kafka } = await withLog()
    await kafka.admin().createTopics({ topics: [{ topic: 'orders', numPartitions: 2 }] })
    await kafka.producer().send({ topic: 'orders', messages: [{ value: 'a', partition: 0 }] })
    const consumer = kafka.consumer({ groupId: 'g' })
    await consumer.subscribe({ topics: ['orders'], fromBeginning: true })
    const handled = new Promise<void>((resolve) => {
      void consumer.run({ eachMessage: async () => resolve() })
    })
    await handled
    await consumer.disconnect()
    const [offsets] = await kafka.admin().fetchOffsets({ groupId: 'g', topics: ['orders'] })
    expect(offsets!.partitions).toEqual([
      { partition: 0, offset: '1', metadata: null },
      { partition: 1, offset: '-1', metadata: null },
    ])
    await log.close()
  })

  it('keeps one native producer per facade producer, closed on disconnect', async () => {
    const { log, kafka } = await withLog()
    const made: NativeProducer[] = []
    const original = log.producer.bind(log)
    vi.spyOn(log, 'producer').mockImplementation((options) => {
      const p = original(options)
      made.push(p)
      return p
    })
    const producer = kafka.producer()
    await producer.connect()
    for (let i = 0; i < 100; i++) await producer.send({ topic: 'orders', messages: [{ value: String(i) }] })
    await producer.sendBatch({ topicMessages: [{ topic: 'orders', messages: [{ value: 'x' }] }, { topic: 'other', messages: [{ value: 'y' }] }] })
    expect(made).toHaveLength(1)
    await producer.disconnect()
    await expect(made[0]!.send('orders', [{ value: 'after' }])).rejects.toMatchObject({ code: 'LOG_CLOSED' })
    await log.close()
  })
})
