// An application module written against KafkaJS: a consume-transform-produce service with
// exactly-once delivery (KafkaJS's transactions guide): each batch's output and the
// consumed offsets commit in one transaction.
import { Kafka } from 'kafkajs'

export const kafka = new Kafka({ clientId: 'doubler', brokers: ['localhost:9092'] })

/** Reads `amounts` and writes each amount doubled to `doubled`; `fail` makes a batch throw after its sends (it is aborted and retried). */
export async function startDoubler(fail: (amount: number) => boolean = () => false) {
  const producer = kafka.producer({ transactionalId: 'doubler', idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  const consumer = kafka.consumer({ groupId: 'doubler' })
  await consumer.connect()
  await consumer.subscribe({ topics: ['amounts'], fromBeginning: true })
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      const transaction = await producer.transaction()
      try {
        const amounts = batch.messages.map((m) => Number(m.value!.toString()))
        await transaction.send({ topic: 'doubled', messages: amounts.map((a) => ({ key: String(a), value: String(a * 2) })) })
        if (amounts.some(fail)) throw new Error('the downstream service refused a batch')
        await transaction.sendOffsets({
          consumerGroupId: 'doubler',
          topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (Number(batch.lastOffset()) + 1).toString() }] }],
        })
        await transaction.commit()
      } catch (e) {
        await transaction.abort()
        throw e
      }
    },
  })
  return { producer, consumer }
}
