// Compiled (not run) by spec/kafkajs/types.spec.ts: code typed against KafkaJS's own
// declarations accepts kafkette's facade where KafkaJS's types are expected.
import type * as K from 'kafkajs'
import * as F from '../../../lib/kafkajs/index.js'

declare const kafka: F.Kafka
export const producer: K.Producer = kafka.producer()
export const consumer: K.Consumer = kafka.consumer({ groupId: 'g' })
export const admin: K.Admin = kafka.admin()
export const asKafka: Pick<K.Kafka, 'producer' | 'consumer' | 'admin'> = kafka

export async function usage(p: K.Producer, c: K.Consumer): Promise<void> {
  const meta: K.RecordMetadata[] = await p.send({ topic: 't', messages: [{ key: 'k', value: 'v', headers: { a: 'b' } }], acks: -1 })
  void meta
  await c.subscribe({ topics: ['t', /t-.*/], fromBeginning: true })
  await c.run({
    eachMessage: async ({ topic, partition, message }: K.EachMessagePayload) => {
      const value: Buffer | null = message.value
      void [topic, partition, value, message.offset.length]
    },
  })
  c.seek({ topic: 't', partition: 0, offset: '0' })
}

export const errors: Array<new (...args: never[]) => Error> = [F.KafkaJSError, F.KafkaJSNonRetriableError, F.KafkaJSProtocolError, F.KafkaJSOffsetOutOfRange, F.KafkaJSNumberOfRetriesExceeded]
export const levels: typeof K.logLevel = F.logLevel
