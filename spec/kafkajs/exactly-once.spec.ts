// KafkaJS's exactly-once pattern (eachBatch, transaction.send, transaction.sendOffsets,
// commit; abort on failure) running on kafkette through the facade, as docs/kafkajs.md
// shows it: a batch that failed after its sends is aborted and retried, and a KafkaJS
// consumer (read_committed by default) sees each output once; readUncommitted sees the
// aborted attempt too.
import { afterEach, expect, test, vi } from 'vitest'
vi.mock('kafkajs', () => import('kafkette/kafkajs'))

import { Kafka } from 'kafkajs'
import { resetClusters } from 'kafkette/testing'
import { kafka, startDoubler } from '../../examples/vitest/exactly-once.js'
import { until } from '../helpers/groups.js'

afterEach(() => resetClusters())

async function readAll(groupId: string, readUncommitted: boolean, expected: number): Promise<string[]> {
  const consumer = new Kafka({ clientId: 'check', brokers: ['localhost:9092'] }).consumer({ groupId, readUncommitted })
  await consumer.subscribe({ topics: ['doubled'], fromBeginning: true })
  const seen: string[] = []
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) })
  await until(() => seen.length >= expected, `${expected} outputs read by ${groupId}`)
  await consumer.disconnect()
  return seen
}

test('each amount is doubled exactly once, even when a batch fails after sending', async () => {
  const admin = kafka.admin()
  await admin.createTopics({ topics: [{ topic: 'amounts' }, { topic: 'doubled' }] })
  const input = kafka.producer()
  await input.send({ topic: 'amounts', messages: [1, 2, 3, 4, 5].map((a) => ({ value: String(a) })) })
  let failures = 0
  const { producer, consumer } = await startDoubler((a) => a === 3 && failures++ === 0)
  await until(async () => (await admin.fetchOffsets({ groupId: 'doubler', topics: ['amounts'] }))[0]!.partitions[0]!.offset === '5', 'the doubler to commit every input')
  await consumer.disconnect()
  await producer.disconnect()
  expect(failures).toBe(2)
  expect((await readAll('committed-reader', false, 5)).sort()).toEqual(['10', '2', '4', '6', '8'])
  const all = await readAll('uncommitted-reader', true, 6)
  expect(all.length).toBeGreaterThan(5)
})

test('the transaction API refuses what KafkaJS refuses', async () => {
  await expect(kafka.producer().transaction()).rejects.toThrow('Must provide transactional id for transactional producer')
  const producer = kafka.producer({ transactionalId: 'once' })
  const tx = await producer.transaction()
  expect(tx.isActive()).toBe(true)
  await expect(producer.transaction()).rejects.toThrow('There is already an ongoing transaction')
  await tx.send({ topic: 'doubled', messages: [{ value: 'x' }] })
  await tx.abort()
  expect(tx.isActive()).toBe(false)
  await expect(tx.commit()).rejects.toThrow('Cannot continue to use transaction once ended')
  const fenced = await producer.transaction()
  const usurper = await kafka.producer({ transactionalId: 'once' }).transaction()
  await expect(fenced.send({ topic: 'doubled', messages: [{ value: 'y' }] })).rejects.toMatchObject({ type: 'PRODUCER_FENCED', retriable: false })
  await usurper.abort()
  expect(() => kafka.producer({ idempotent: true, retry: { retries: 0 } })).toThrow('Idempotent producer must allow retries')
  await expect(kafka.producer({ idempotent: true }).send({ topic: 'doubled', acks: 1, messages: [{ value: 'z' }] })).rejects.toThrow("invalidates the idempotent producer's EoS guarantees")
})
