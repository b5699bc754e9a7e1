// Specs against a real Kafka endpoint (librdkafka's mock cluster in tools/mock-cluster, or a
// served log: helpers/served.ts) with KafkaJS 2.2.4 as the client; reading a cluster topic
// back to its high watermarks.
import { randomUUID } from 'node:crypto'
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs'
import type { Bridge, BridgeEvents } from '../../lib/bridge/index.js'
import { startMockCluster, type MockCluster } from '../../tools/mock-cluster/index.mjs'

export { startMockCluster, type MockCluster }

/** A KafkaJS client of `cluster` (the mock cluster or a served log) that gives up on a request quickly, so the bridge's own backoff is what waits. */
export function kafkaFor(cluster: { readonly brokers: readonly string[] }): Kafka {
  return new Kafka({ clientId: 'spec', brokers: [...cluster.brokers], logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 200 }, connectionTimeout: 1000 })
}

/** A record read back from the cluster. */
export interface ClusterRecord {
  partition: number
  offset: number
  message: KafkaMessage
}

/**
 * Every record of a cluster topic up to the high watermarks it has when called, by a
 * consumer of a fresh group (read_committed, as KafkaJS reads by default).
 */
export async function readCluster(kafka: Kafka, topic: string): Promise<ClusterRecord[]> {
  const admin = kafka.admin()
  await admin.connect()
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]))
  await admin.disconnect()
  const out: ClusterRecord[] = []
  const todo = new Set([...ends].filter(([, high]) => high > 0).map(([p]) => p))
  if (todo.size === 0) return out
  const consumer = kafka.consumer({ groupId: `spec-reader-${randomUUID()}`, maxWaitTimeInMs: 100 })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await new Promise<void>((resolve, reject) => {
    const bound = setTimeout(() => reject(new Error(`readCluster(${topic}): partitions ${[...todo].join(',')} not read to their end in 60 s`)), 60_000)
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) out.push({ partition: batch.partition, offset: Number(message.offset), message })
        const last = batch.messages.at(-1)
        if (last && Number(last.offset) + 1 >= ends.get(batch.partition)!) todo.delete(batch.partition)
        if (todo.size === 0) {
          clearTimeout(bound)
          resolve()
        }
      },
    }).catch(reject)
  })
  await consumer.disconnect()
  return out.filter((r) => r.offset < ends.get(r.partition)!)
}

/** Resolves with the first event `name` of a bridge that `test` accepts (bounded by wall-clock time). */
export function nextEvent<K extends keyof BridgeEvents>(b: Bridge, name: K, test: (e: Parameters<BridgeEvents[K]>[0]) => boolean = () => true, ms = 60_000): Promise<Parameters<BridgeEvents[K]>[0]> {
  type E = Parameters<BridgeEvents[K]>[0]
  const emitter = b as unknown as { on(name: string, fn: (e: E) => void): void; off(name: string, fn: (e: E) => void): void }
  return new Promise<E>((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(name, on)
      reject(new Error(`no '${name}' event in ${ms} ms`))
    }, ms)
    const on = (e: E): void => {
      if (!test(e)) return
      clearTimeout(timer)
      emitter.off(name, on)
      resolve(e)
    }
    emitter.on(name, on)
  })
}
