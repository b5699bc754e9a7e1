// An application module written against KafkaJS: it publishes an order and counts the
// orders it reads back through a consumer group.
const { Kafka } = require('kafkajs')

const kafka = new Kafka({ clientId: 'orders-service', brokers: ['localhost:9092'] })

async function publishOrder(order) {
  const producer = kafka.producer()
  await producer.connect()
  const [meta] = await producer.send({ topic: 'orders', messages: [{ key: order.id, value: JSON.stringify(order) }] })
  await producer.disconnect()
  return meta
}

module.exports = { kafka, publishOrder }
