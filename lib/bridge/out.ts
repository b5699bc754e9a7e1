// The 'out' direction: local topics forwarded to a Kafka cluster. At-least-once by default
// (the local group named after the bridge is committed only after the cluster acknowledged
// with acks -1); with exactlyOnce, each step is one cluster transaction holding the records
// and the bridge's progress, which lives on the cluster.
import { randomUUID } from 'node:crypto'
import { KafketteError, murmur2Partition, type ConsumedMessage, type Consumer, type TopicPartitionOffset } from '../index.js'
import { toBuffer } from '../internal.js'
import type { KafkaAdmin, KafkaOutMessage, KafkaProducer } from './kafka.js'
import { classify, describe, refused, transactionsRefused, type BridgeHost, type BridgeProgress, type Direction } from './shared.js'

/** How one local topic maps onto the cluster's topic of the same name. */
interface TopicPlan {
  localPartitions: number
  clusterPartitions: number
}

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`

/** A record's headers as KafkaJS sends them: strings as they are, bytes as Buffers. */
function outHeaders(headers: ConsumedMessage['headers']): KafkaOutMessage['headers'] {
  const out: NonNullable<KafkaOutMessage['headers']> = {}
  for (const [k, v] of Object.entries(headers)) {
    out[k] = Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : toBuffer(x)!)) : typeof v === 'string' ? v : toBuffer(v)!
  }
  return out
}

/** Forwards local topics to the cluster. */
export class OutDirection implements Direction {
  private consumer: Consumer | undefined
  private producer: KafkaProducer | undefined
  private admin: KafkaAdmin | undefined
  private plans = new Map<string, TopicPlan>()
  /** The next local offset to forward, per partition, as the cluster acknowledged it. */
  private readonly acked = new Map<string, TopicPartitionOffset>()
  private readonly hws = new Map<string, number>()
  private loop: Promise<void> | undefined
  private ready = false
  /** Ends a read of the progress topic in progress (stop() calls it). */
  private interruptRead: (() => void) | undefined

  constructor(private readonly host: BridgeHost) {}

  async start(): Promise<void> {
    const { log, topics, name } = this.host
    const parts: TopicPartitionOffset[] = []
    for (const topic of topics) {
      const d = await log.describeTopic(topic)
      this.plans.set(topic, { localPartitions: d.partitions.length, clusterPartitions: 0 })
      for (const p of d.partitions) parts.push({ topic, partition: p.partition, offset: p.logStartOffset })
    }
    // At-least-once progress is the local group; with exactlyOnce the cluster's progress
    // topic is read when the cluster is reached, and positions move there.
    const committed = await log.fetchOffsets(name, topics)
    for (const c of committed) {
      const p = parts.find((x) => x.topic === c.topic && x.partition === c.partition)
      if (p && c.offset !== null && c.offset !== undefined && c.offset > p.offset) p.offset = c.offset
    }
    // 'none': records that retention deleted before they were forwarded stop the bridge
    // with OFFSET_OUT_OF_RANGE instead of being skipped.
    const consumer = log.consumer({ autoOffsetReset: 'none', maxPollRecords: this.host.options.batchSize })
    consumer.assign(parts.map(({ topic, partition }) => ({ topic, partition })))
    for (const p of parts) {
      consumer.seek(p)
      this.acked.set(key(p.topic, p.partition), { ...p })
    }
    this.consumer = consumer
    this.loop = this.run()
  }

  async stop(): Promise<void> {
    this.interruptRead?.()
    await this.consumer?.close()
    await this.loop
    await this.disconnect()
  }

  lag(): BridgeProgress[] {
    this.refreshHighWatermarks()
    return [...this.acked.values()].map((a) => {
      const highWatermark = Math.max(this.hws.get(key(a.topic, a.partition)) ?? a.offset, a.offset)
      return { topic: a.topic, partition: a.partition, forwarded: 0, offset: a.offset, highWatermark, lag: highWatermark - a.offset }
    })
  }

  /** Keeps the local high watermarks as last seen, so lag() still answers after stop(). */
  private refreshHighWatermarks(): void {
    try {
      for (const l of this.consumer?.lag() ?? []) this.hws.set(key(l.topic, l.partition), l.highWatermark)
    } catch {
      // The consumer closed (stop() or the log closed): the last values seen stand.
    }
  }

  private async disconnect(): Promise<void> {
    const producer = this.producer
    const admin = this.admin
    this.producer = undefined
    this.admin = undefined
    this.ready = false
    await Promise.all([producer?.disconnect().catch(() => undefined), admin?.disconnect().catch(() => undefined)])
  }

  /** Polls, forwards, commits; on a cluster failure waits and tries the same records again. */
  private async run(): Promise<void> {
    const host = this.host
    let pending: ConsumedMessage[] | undefined
    let attempt = 0
    while (!host.stopping) {
      try {
        if (!this.ready) {
          await this.connect()
          // With exactlyOnce the positions came from the cluster: what was polled before is dropped.
          if (host.options.exactlyOnce) pending = undefined
        }
        if (!pending) {
          const batch = await this.consumer!.poll({ timeoutMs: Infinity })
          if (host.stopping) break
          this.refreshHighWatermarks()
          if (batch.length === 0) continue
          pending = batch
        }
        await this.forward(pending)
        pending = undefined
        attempt = 0
      } catch (err) {
        if (host.stopping) break
        if (err instanceof KafketteError && !err.retriable) return host.fail(err)
        const verdict = classify(err)
        if (verdict.kind === 'record') return host.fail(this.poison(err, verdict.type!, pending))
        if (verdict.kind === 'fatal') return host.fail(refused(host, err))
        attempt++
        const wait = host.backoff(attempt)
        await this.disconnect()
        host.paused(err, attempt, wait)
        await host.sleep(wait)
      }
    }
  }

  private poison(err: unknown, type: string, batch: ConsumedMessage[] | undefined): KafketteError {
    const records = batch ?? []
    let largest: ConsumedMessage | undefined
    let largestBytes = -1
    for (const m of records) {
      const bytes = (toBuffer(m.value)?.length ?? 0) + (m.key === null ? 0 : (toBuffer(m.key)?.length ?? 0))
      if (bytes > largestBytes) {
        largest = m
        largestBytes = bytes
      }
    }
    const first = records[0]
    const where = largest ? ` in a step of ${records.length} records from ${first!.topic}/${first!.partition}@${first!.offset}; the largest is ${largest.topic}/${largest.partition}@${largest.offset}, ${largestBytes} bytes of key and value` : ''
    return new KafketteError('BRIDGE_RECORD_REJECTED', `bridge ${this.host.name}: the cluster refused a record (${type})${where}; the bridge stopped before it, nothing after it was forwarded`, largest ? { bridge: this.host.name, topic: largest.topic, partition: largest.partition, offset: largest.offset } : { bridge: this.host.name }, { cause: err })
  }

  /** Reaches the cluster: producer, topics (created when missing and allowed), and with exactlyOnce the progress. */
  private async connect(): Promise<void> {
    const { kafka, options, name } = this.host
    const producer = kafka.producer(options.exactlyOnce ? { transactionalId: name, maxInFlightRequests: 1, allowAutoTopicCreation: false } : { maxInFlightRequests: 1, allowAutoTopicCreation: false })
    this.producer = producer
    const admin = kafka.admin()
    this.admin = admin
    await producer.connect()
    if (options.exactlyOnce) {
      // The producer id first (InitProducerId, which also fences an earlier producer of this
      // transactional id): a cluster without transactions is refused before anything is
      // created on it. An empty transaction ends without a request.
      try {
        await (await producer.transaction()).abort()
      } catch (err) {
        throw transactionsRefused(this.host, err) ?? err
      }
    }
    await admin.connect()
    const wanted = [...this.plans.keys()]
    if (options.exactlyOnce) wanted.push(options.progressTopic)
    const found = await this.clusterPartitions(admin, wanted)
    const missing = wanted.filter((t) => !found.has(t))
    if (missing.length > 0) {
      if (!options.createTopics) throw new KafketteError('UNKNOWN_TOPIC_OR_PARTITION', `bridge ${name}: the cluster has no topic ${missing.join(', ')} and createTopics is false`, { bridge: name, topic: missing[0] })
      await this.createTopics(admin, missing)
      for (const [t, n] of await this.clusterPartitions(admin, missing)) found.set(t, n)
    }
    for (const [topic, plan] of this.plans) plan.clusterPartitions = found.get(topic)!
    if (options.exactlyOnce) await this.loadProgress(producer)
    this.ready = true
  }

  /** Partition counts of the topics the cluster has. Listing first: a metadata request for a missing topic may auto-create it with the cluster's default count. */
  private async clusterPartitions(admin: KafkaAdmin, topics: string[]): Promise<Map<string, number>> {
    const existing = new Set(await admin.listTopics())
    const present = topics.filter((t) => existing.has(t))
    const found = new Map<string, number>()
    if (present.length === 0) return found
    const meta = await admin.fetchTopicMetadata({ topics: present })
    for (const t of meta.topics) if (t.partitions.length > 0) found.set(t.name, t.partitions.length)
    return found
  }

  private async createTopics(admin: KafkaAdmin, topics: string[]): Promise<void> {
    const { options, name } = this.host
    const specs = topics.map((topic) =>
      topic === options.progressTopic && options.exactlyOnce
        ? { topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }
        : { topic, numPartitions: this.plans.get(topic)!.localPartitions },
    )
    try {
      await admin.createTopics({ waitForLeaders: true, topics: specs })
    } catch (err) {
      if (classify(err).type === 'TOPIC_ALREADY_EXISTS') return
      throw new KafketteError('BRIDGE_CLUSTER_ERROR', `bridge ${name}: could not create ${topics.join(', ')} on the cluster (${describe(err)}); create ${topics.length > 1 ? 'them' : 'it'} there first`, { bridge: name, topic: topics[0] }, { cause: err })
    }
  }

  /**
   * exactlyOnce: fences any earlier producer of this transactional id, commits a marker
   * with a fresh nonce to the progress topic, reads the topic read_committed up to that
   * marker, and moves the local positions to the progress found.
   */
  private async loadProgress(producer: KafkaProducer): Promise<void> {
    const { kafka, options } = this.host
    const nonce = randomUUID()
    const tx = await producer.transaction()
    try {
      await tx.sendBatch({ acks: -1, topicMessages: [{ topic: options.progressTopic, messages: [{ key: 'open', value: JSON.stringify({ nonce }), partition: 0 }] }] })
      await tx.commit()
    } catch (err) {
      await tx.abort().catch(() => undefined)
      throw err
    }
    const found = new Map<string, number>()
    // A group of its own for each read: a reader killed mid-read leaves a member that would
    // delay the next join for a whole session timeout.
    // restartOnFailure false: a crash (the cluster went away mid-read) ends the read, and
    // the bridge tries again on its own backoff.
    const reader = kafka.consumer({ groupId: `${this.host.name}.progress-reader.${nonce}`, allowAutoTopicCreation: false, maxWaitTimeInMs: 100, retry: { restartOnFailure: async () => false } })
    try {
      await reader.connect()
      await reader.subscribe({ topics: [options.progressTopic], fromBeginning: true })
      await new Promise<void>((resolve, reject) => {
        this.interruptRead = () => reject(new KafketteError('ILLEGAL_STATE', `bridge ${this.host.name}: stopped while reading its progress`, { bridge: this.host.name }))
        reader.on(reader.events.CRASH, (e) => reject(e.payload.error))
        reader
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              for (const m of batch.messages) {
                const k = m.key?.toString('utf8')
                if (!m.value) continue
                const v = JSON.parse(m.value.toString('utf8')) as { nonce?: string; topic?: string; partition?: number; offset?: number }
                if (k === 'open' && v.nonce === nonce) return resolve()
                if (k?.startsWith('offset:') && typeof v.topic === 'string' && typeof v.partition === 'number' && typeof v.offset === 'number') found.set(key(v.topic, v.partition), v.offset)
              }
            },
          })
          .catch(reject)
      })
    } finally {
      this.interruptRead = undefined
      await reader.disconnect().catch(() => undefined)
    }
    for (const a of this.acked.values()) {
      const offset = found.get(key(a.topic, a.partition))
      const target = offset ?? (await this.logStart(a.topic, a.partition))
      a.offset = target
      this.consumer!.seek({ topic: a.topic, partition: a.partition, offset: target })
    }
  }

  private async logStart(topic: string, partition: number): Promise<number> {
    const d = await this.host.log.describeTopic(topic)
    return d.partitions[partition]!.logStartOffset
  }

  /** The cluster partition of a record: the same number when the counts match, else Kafka's partitioner by key. */
  private partitionOf(m: ConsumedMessage): number {
    const plan = this.plans.get(m.topic)!
    if (plan.clusterPartitions === plan.localPartitions) return m.partition
    // A keyless record stays with the records of its local partition (order kept per partition).
    if (m.key === null || m.key === undefined) return m.partition % plan.clusterPartitions
    return murmur2Partition(m.key, plan.clusterPartitions)
  }

  /** Sends one step to the cluster (acks -1), then records the progress. */
  private async forward(batch: ConsumedMessage[]): Promise<void> {
    const { options, name, log } = this.host
    const byTopic = new Map<string, KafkaOutMessage[]>()
    const steps = new Map<string, { topic: string; partition: number; first: number; next: number; count: number }>()
    for (const m of batch) {
      let list = byTopic.get(m.topic)
      if (!list) byTopic.set(m.topic, (list = []))
      list.push({
        key: m.key === null || m.key === undefined ? null : typeof m.key === 'string' ? m.key : toBuffer(m.key),
        value: toBuffer(m.value),
        headers: outHeaders(m.headers),
        timestamp: String(m.timestamp),
        partition: this.partitionOf(m),
      })
      const k = key(m.topic, m.partition)
      const s = steps.get(k)
      if (s) {
        s.next = m.offset + 1
        s.count++
      } else steps.set(k, { topic: m.topic, partition: m.partition, first: m.offset, next: m.offset + 1, count: 1 })
    }
    const topicMessages = [...byTopic].map(([topic, messages]) => ({ topic, messages }))
    const commits = [...steps.values()].map((s) => ({ topic: s.topic, partition: s.partition, offset: s.next }))
    if (options.exactlyOnce) {
      const progress = commits.map((c) => ({ key: `offset:${c.topic}/${c.partition}`, value: JSON.stringify(c), partition: 0 }))
      const tx = await this.producer!.transaction()
      try {
        // The progress goes after its records are acknowledged, not beside them: a reader
        // that sees uncommitted records (a cluster without transaction markers, such as
        // librdkafka's mock) then never finds progress whose records are missing.
        await tx.sendBatch({ acks: -1, topicMessages })
        await tx.sendBatch({ acks: -1, topicMessages: [{ topic: options.progressTopic, messages: progress }] })
        await tx.commit()
      } catch (err) {
        await tx.abort().catch(() => undefined)
        throw err
      }
    } else {
      await this.producer!.sendBatch({ acks: -1, topicMessages })
    }
    // The cluster has the records. The local group is the progress for at-least-once; with
    // exactlyOnce it only shows the lag to `groups describe`, the truth being on the cluster.
    await log.commitOffsets(name, commits)
    this.refreshHighWatermarks()
    for (const s of steps.values()) {
      const k = key(s.topic, s.partition)
      this.acked.set(k, { topic: s.topic, partition: s.partition, offset: s.next })
      const highWatermark = Math.max(this.hws.get(k) ?? s.next, s.next)
      this.host.progress({ topic: s.topic, partition: s.partition, forwarded: s.count, offset: s.next, highWatermark, lag: highWatermark - s.next })
    }
  }
}
