// An application module written against KafkaJS.
import { Kafka } from 'kafkajs'

export const kafka = new Kafka({ clientId: 'orders-service', brokers: ['localhost:9092'] })

export async function publishOrder(order: { id: string; total: number }) {
  const producer = kafka.producer()
  await producer.connect()
  const [meta] = await producer.send({ topic: 'orders', messages: [{ key: order.id, value: JSON.stringify(order) }] })
  await producer.disconnect()
  return meta
}
