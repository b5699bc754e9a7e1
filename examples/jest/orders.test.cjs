// The application's own test, unchanged but for one line: kafkajs is kafkette's facade.
jest.mock('kafkajs', () => require('kafkette/kafkajs'))

const { Kafka } = require('kafkajs')
const { resetClusters } = require('kafkette/testing')
const { publishOrder } = require('./orders.cjs')

afterEach(() => resetClusters())

test('a published order reaches a consumer group', async () => {
  const meta = await publishOrder({ id: 'o-1', total: 42 })
  expect(meta).toMatchObject({ topicName: 'orders', partition: 0, baseOffset: '0' })

  const consumer = new Kafka({ clientId: 'test', brokers: ['localhost:9092'] }).consumer({ groupId: 'audit' })
  await consumer.subscribe({ topics: ['orders'], fromBeginning: true })
  const received = new Promise((resolve) => {
    consumer.run({ eachMessage: async ({ message }) => resolve(JSON.parse(message.value.toString())) })
  })
  expect(await received).toEqual({ id: 'o-1', total: 42 })
  await consumer.disconnect()
})
