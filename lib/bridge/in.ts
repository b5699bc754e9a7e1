// The 'in' direction: cluster topics mirrored into local topics with the same partitions.
// Each cluster batch is appended to the same local partition, in the cluster's order, then
// its offsets are committed to the cluster group named after the bridge: at-least-once
// (a kill between the two appends the batch again after the restart).
import { KafketteError, type Producer } from '../index.js'
import type { KafkaAdmin, KafkaBatch, KafkaConsumer } from './kafka.js'
import { classify, describe, refused, type BridgeHost, type BridgeProgress, type Direction } from './shared.js'

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`

/** Mirrors cluster topics into the log. */
export class InDirection implements Direction {
  private consumer: KafkaConsumer | undefined
  private admin: KafkaAdmin | undefined
  private producer: Producer | undefined
  private readonly seen = new Map<string, { topic: string; partition: number; offset: number; highWatermark: number }>()
  private loop: Promise<void> | undefined
  private endConsume: (() => void) | undefined
  private localError: KafketteError | undefined
  private attempt = 0

  constructor(private readonly host: BridgeHost) {}

  async start(): Promise<void> {
    this.producer = this.host.log.producer()
    this.loop = this.run()
  }

  async stop(): Promise<void> {
    this.endConsume?.()
    await this.loop
    await this.disconnect()
    await this.producer?.close()
  }

  lag(): BridgeProgress[] {
    return [...this.seen.values()].map((s) => ({ ...s, forwarded: 0, lag: Math.max(0, s.highWatermark - s.offset) }))
  }

  private async disconnect(): Promise<void> {
    const consumer = this.consumer
    const admin = this.admin
    this.consumer = undefined
    this.admin = undefined
    await Promise.all([consumer?.disconnect().catch(() => undefined), admin?.disconnect().catch(() => undefined)])
  }

  private async run(): Promise<void> {
    const host = this.host
    while (!host.stopping) {
      let failure: unknown
      try {
        await this.connect()
        failure = await this.consume()
        if (host.stopping) break
      } catch (err) {
        failure = err
      }
      if (host.stopping) break
      if (this.localError) {
        // The log failed: a lasting failure (closed, bad record) stops the bridge; a passing one (I/O) is retried.
        failure = this.localError
        this.localError = undefined
      }
      if (failure instanceof KafketteError && !failure.retriable) return host.fail(failure)
      const verdict = classify(failure)
      if (verdict.kind !== 'retry') return host.fail(refused(host, failure))
      this.attempt++
      const wait = host.backoff(this.attempt)
      await this.disconnect()
      host.paused(failure, this.attempt, wait)
      await host.sleep(wait)
    }
  }

  /** Reads the cluster topics' partition counts and creates (or checks) the local topics. */
  private async connect(): Promise<void> {
    const { kafka, log, topics, name, options } = this.host
    const admin = kafka.admin()
    this.admin = admin
    await admin.connect()
    const existing = new Set(await admin.listTopics())
    const missing = topics.filter((t) => !existing.has(t))
    if (missing.length > 0) throw new KafketteError('UNKNOWN_TOPIC_OR_PARTITION', `bridge ${name}: the cluster has no topic ${missing.join(', ')}`, { bridge: name, topic: missing[0] })
    const meta = await admin.fetchTopicMetadata({ topics: [...topics] })
    for (const t of meta.topics) {
      const count = t.partitions.length
      let local: number | undefined
      try {
        local = (await log.describeTopic(t.name)).partitions.length
      } catch (err) {
        if (!(err instanceof KafketteError && err.code === 'UNKNOWN_TOPIC_OR_PARTITION')) throw err
      }
      if (local === undefined) {
        if (!options.createTopics) throw new KafketteError('UNKNOWN_TOPIC_OR_PARTITION', `bridge ${name}: the log has no topic ${t.name} and createTopics is false`, { bridge: name, topic: t.name })
        await log.createTopic(t.name, { partitions: count }).catch((err: unknown) => {
          if (!(err instanceof KafketteError && err.code === 'TOPIC_ALREADY_EXISTS')) throw err
        })
      } else if (local !== count) {
        throw new KafketteError('INVALID_PARTITIONS', `bridge ${name}: the local topic ${t.name} has ${local} partitions and the cluster's has ${count}; a mirror needs the same count`, { bridge: name, topic: t.name })
      }
    }
  }

  /** Runs the cluster consumer until it crashes (resolves with the error) or the bridge stops. */
  private async consume(): Promise<unknown> {
    const { kafka, topics, name } = this.host
    // restartOnFailure false: the bridge, not the client, decides when to try again (on the log's clock).
    const session = this.host.options.sessionTimeoutMs
    const consumer = kafka.consumer({
      groupId: name,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 500,
      retry: { restartOnFailure: async () => false },
      ...(session !== undefined ? { sessionTimeout: session, heartbeatInterval: Math.max(1, Math.min(3000, Math.floor(session / 3))) } : {}),
    })
    this.consumer = consumer
    return new Promise<unknown>((resolve) => {
      this.endConsume = () => resolve(undefined)
      consumer.on(consumer.events.CRASH, (e) => resolve(e.payload.error))
      void (async () => {
        await consumer.connect()
        await consumer.subscribe({ topics: [...topics], fromBeginning: true })
        await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: ({ batch, resolveOffset }) => this.mirror(consumer, batch, resolveOffset) })
      })().catch(resolve)
    })
  }

  /** Appends one cluster batch to the same local partition, then commits its offsets on the cluster. */
  private async mirror(consumer: KafkaConsumer, batch: KafkaBatch, resolveOffset: (offset: string) => void): Promise<void> {
    if (batch.messages.length === 0) return
    const messages = batch.messages.map((m) => ({
      key: m.key,
      value: m.value,
      headers: m.headers ? Object.fromEntries(Object.entries(m.headers).filter(([, v]) => v !== undefined)) as Record<string, Buffer | string | Array<Buffer | string>> : {},
      partition: batch.partition,
      timestamp: Number(m.timestamp),
    }))
    try {
      await this.producer!.send(batch.topic, messages)
    } catch (err) {
      // A failure of the log, not the cluster's: kept, as KafkaJS reports it wrapped in its crash.
      this.localError = err instanceof KafketteError ? err : new KafketteError('INVALID_RECORD', `bridge ${this.host.name}: ${describe(err)}`, { bridge: this.host.name, topic: batch.topic, partition: batch.partition }, { cause: err })
      throw err
    }
    const last = batch.messages[batch.messages.length - 1]!.offset
    const next = Number(last) + 1
    resolveOffset(last)
    await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(next) }])
    this.attempt = 0
    const highWatermark = Math.max(Number(batch.highWatermark), next)
    this.seen.set(key(batch.topic, batch.partition), { topic: batch.topic, partition: batch.partition, offset: next, highWatermark })
    this.host.progress({ topic: batch.topic, partition: batch.partition, forwarded: batch.messages.length, offset: next, highWatermark, lag: highWatermark - next })
  }
}
