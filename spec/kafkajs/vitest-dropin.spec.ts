// The Vitest drop-in of docs/kafkajs.md, as written there: one vi.mock line makes an
// application written against KafkaJS run on kafkette in memory.
import { afterEach, expect, test, vi } from 'vitest'
vi.mock('kafkajs', () => import('kafkette/kafkajs'))

import { Kafka } from 'kafkajs'
import { resetClusters } from 'kafkette/testing'
import { publishOrder } from '../../examples/vitest/orders.js'

afterEach(() => resetClusters())

test('a published order reaches a consumer group', async () => {
  const meta = await publishOrder({ id: 'o-1', total: 42 })
  expect(meta).toMatchObject({ topicName: 'orders', partition: 0, baseOffset: '0' })

  const consumer = new Kafka({ clientId: 'test', brokers: ['localhost:9092'] }).consumer({ groupId: 'audit' })
  await consumer.subscribe({ topics: ['orders'], fromBeginning: true })
  const received = new Promise((resolve) => {
    void consumer.run({ eachMessage: async ({ message }) => resolve(JSON.parse(message.value!.toString())) })
  })
  expect(await received).toEqual({ id: 'o-1', total: 42 })
  await consumer.disconnect()
})
