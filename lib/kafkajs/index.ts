// kafkette/kafkajs: KafkaJS 2.x's API (Kafka, producer, consumer, admin, errors,
// instrumentation events) over a kafkette Log. String offsets and Buffer keys and values,
// as KafkaJS has them. `new Kafka({ brokers })` alone gives an in-memory cluster shared
// by every Kafka with the same broker list.
import { EventEmitter } from 'eventemitter3'
import {
  openLog,
  KafketteError,
  murmur2Partition,
  topicConfigFromKafka,
  type ConsumedMessage,
  type Consumer as NativeConsumer,
  type Producer as NativeProducer,
  type RecordMetadata as NativeRecordMetadata,
  type Transaction as NativeTransaction,
  type Log,
  type TopicConfig,
} from '../index.js'
import {
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNotImplemented,
  KafkaJSProtocolError,
  KafkaJSDeleteGroupsError,
  kafkaErrors,
  toKafkaJSError,
} from './errors.js'
import { AssignerProtocol } from './protocol.js'
import { toBuffer } from '../internal.js'

export * from './errors.js'
export { AssignerProtocol } from './protocol.js'

/** KafkaJS's log levels. */
export const logLevel = { NOTHING: 0, ERROR: 1, WARN: 2, INFO: 4, DEBUG: 5 } as const

/** KafkaJS's compression codecs; kafkette stores batches as they are, so each is accepted and ignored. */
export const CompressionTypes = { None: 0, GZIP: 1, Snappy: 2, LZ4: 3, ZSTD: 4 } as const

/** KafkaJS's CompressionCodecs registry. */
export const CompressionCodecs: Record<number, unknown> = {}

type KeyBytes = Buffer | string | null | undefined

/** A partitioner as KafkaJS calls it. */
export type ICustomPartitioner = () => (args: { topic: string; partitionMetadata: Array<{ partitionId: number }>; message: { key?: KeyBytes; partition?: number } }) => number

const javaCompatible: ICustomPartitioner = () => {
  let counter = Math.floor(Math.random() * 0x7fffffff)
  return ({ partitionMetadata, message }) => {
    const n = partitionMetadata.length
    if (message.partition !== undefined && message.partition !== null) return message.partition
    if (message.key !== null && message.key !== undefined) return murmur2Partition(typeof message.key === 'string' ? message.key : new Uint8Array(message.key), n)
    return counter++ % n
  }
}

/** KafkaJS's partitioners: DefaultPartitioner is Kafka's Java-compatible murmur2. */
export const Partitioners = {
  DefaultPartitioner: javaCompatible,
  JavaCompatiblePartitioner: javaCompatible,
  LegacyPartitioner: javaCompatible,
}

/** KafkaJS's assigner names. kafkette's group coordinator runs round robin by default. */
export const PartitionAssigners = {
  roundRobin: Object.assign(() => ({ name: 'RoundRobinAssigner', version: 0 }), { kafkette: 'roundRobin' }),
  range: Object.assign(() => ({ name: 'RangeAssigner', version: 0 }), { kafkette: 'range' }),
}

// ── clusters ─────────────────────────────────────────────────────────────────

const CLUSTERS = Symbol.for('kafkette.kafkajs.clusters')

/**
 * The in-memory clusters by broker list, one registry per process (a global symbol), so
 * the ES module and CommonJS builds share them: resetClusters() from either closes all.
 */
const clusters: Map<string, Promise<Log>> = ((globalThis as { [CLUSTERS]?: Map<string, Promise<Log>> })[CLUSTERS] ??= new Map())

function clusterKey(brokers: unknown): string {
  const list = typeof brokers === 'function' ? ['dynamic'] : Array.isArray(brokers) ? brokers.map(String) : []
  return [...list].sort().join(',')
}

/** Closes every in-memory cluster that `new Kafka({ brokers })` opened, so the next test starts empty. */
export async function resetClusters(): Promise<void> {
  const logs = [...clusters.values()]
  clusters.clear()
  for (const log of logs) await (await log).close()
}

// ── instrumentation ──────────────────────────────────────────────────────────

let eventId = 0


class Instrumented {
  protected readonly emitter = new EventEmitter()
  constructor(private readonly names: Record<string, string>, private readonly prefix: string) {}

  /** Listens to an instrumentation event; returns a function that removes the listener. */
  on(eventName: string, listener: (event: { id: string; type: string; timestamp: number; payload: any }) => void): () => void {
    if (!Object.values(this.names).includes(eventName)) {
      const keys = Object.keys(this.names).map((k) => `${this.prefix}.events.${k}`)
      throw new KafkaJSNonRetriableError(`Event name should be one of ${keys.join(', ')}`)
    }
    this.emitter.on(eventName, listener)
    return () => this.emitter.off(eventName, listener)
  }

  protected instrument(type: string, payload: unknown): void {
    this.emitter.emit(type, { id: String(eventId++), type, timestamp: Date.now(), payload })
  }
}

const PRODUCER_EVENTS = { CONNECT: 'producer.connect', DISCONNECT: 'producer.disconnect', REQUEST: 'producer.network.request', REQUEST_TIMEOUT: 'producer.network.request_timeout', REQUEST_QUEUE_SIZE: 'producer.network.request_queue_size' } as const
const CONSUMER_EVENTS = {
  HEARTBEAT: 'consumer.heartbeat',
  COMMIT_OFFSETS: 'consumer.commit_offsets',
  GROUP_JOIN: 'consumer.group_join',
  FETCH_START: 'consumer.fetch_start',
  FETCH: 'consumer.fetch',
  START_BATCH_PROCESS: 'consumer.start_batch_process',
  END_BATCH_PROCESS: 'consumer.end_batch_process',
  CONNECT: 'consumer.connect',
  DISCONNECT: 'consumer.disconnect',
  STOP: 'consumer.stop',
  CRASH: 'consumer.crash',
  REBALANCING: 'consumer.rebalancing',
  RECEIVED_UNSUBSCRIBED_TOPICS: 'consumer.received_unsubscribed_topics',
  REQUEST: 'consumer.network.request',
  REQUEST_TIMEOUT: 'consumer.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'consumer.network.request_queue_size',
} as const
const ADMIN_EVENTS = { CONNECT: 'admin.connect', DISCONNECT: 'admin.disconnect', REQUEST: 'admin.network.request', REQUEST_TIMEOUT: 'admin.network.request_timeout', REQUEST_QUEUE_SIZE: 'admin.network.request_queue_size' } as const

// ── values ───────────────────────────────────────────────────────────────────

/** A KafkaJS message as sent. */
export interface Message {
  key?: Buffer | string | null
  value: Buffer | string | null
  partition?: number
  headers?: IHeaders
  timestamp?: string
}

/** KafkaJS headers. */
export interface IHeaders {
  [key: string]: Buffer | string | (Buffer | string)[] | undefined
}

/** A consumed message, as KafkaJS gives it. */
export interface KafkaMessage {
  key: Buffer | null
  value: Buffer | null
  timestamp: string
  attributes: number
  offset: string
  headers: IHeaders
}

/** Bytes as KafkaJS's encoder writes a key, value or header: a Buffer as is, anything else as String(value) in UTF-8. */
function kafkaBytes(v: unknown): Buffer | null {
  if (v === null || v === undefined) return null
  if (Buffer.isBuffer(v)) return v
  return Buffer.from(String(v), 'utf8')
}

function toKafkaMessage(m: ConsumedMessage): KafkaMessage {
  const headers: IHeaders = {}
  for (const [k, v] of Object.entries(m.headers)) headers[k] = Array.isArray(v) ? v.map((x) => toBuffer(x)!) : toBuffer(v)!
  const value = toBuffer(m.value)
  return { key: toBuffer(m.key), value, timestamp: String(m.timestamp), attributes: 0, offset: String(m.offset), headers }
}

function parseOffset(value: unknown, what: string): number {
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : typeof value === 'number' ? value : Number.NaN
  if (!Number.isSafeInteger(n) || n < 0) throw new KafkaJSNonRetriableError(`Invalid offset ${JSON.stringify(value)} for ${what}`)
  return n
}

// ── Kafka ────────────────────────────────────────────────────────────────────

/** The options of `new Kafka()`; connection options (ssl, sasl, timeouts) are accepted and have no effect in process. */
export interface KafkaConfig {
  brokers: string[] | (() => string[] | Promise<string[]>)
  clientId?: string
  logLevel?: number
  logCreator?: (level: number) => (entry: { namespace: string; level: number; label: string; log: Record<string, unknown> }) => void
  /** kafkette: put the facade over this log instead of the in-memory cluster of `brokers`. */
  log?: Log
  [option: string]: unknown
}

/** KafkaJS's Kafka client, over a kafkette log. */
export class Kafka {
  private readonly config: KafkaConfig
  private readonly logPromise: () => Promise<Log>

  constructor(config: KafkaConfig) {
    if (!config || typeof config !== 'object') throw new KafkaJSNonRetriableError('Kafka: expected a config object with brokers')
    if (config.brokers === undefined && !config.log) throw new KafkaJSNonRetriableError('Failed to connect: brokers parameter should not be null')
    this.config = config
    const given = config.log
    if (given) {
      this.logPromise = () => Promise.resolve(given)
    } else {
      const key = clusterKey(config.brokers)
      this.logPromise = () => {
        let log = clusters.get(key)
        if (!log) clusters.set(key, (log = openLog({ memory: true, retentionCheckIntervalMs: 0 })))
        return log
      }
    }
  }

  /** A producer: idempotent with `idempotent: true`, transactional with a `transactionalId`. */
  producer(config: ProducerConfig = {}): Producer {
    return new Producer(this.logPromise, config)
  }

  /** A consumer of a group. `groupId` is required. */
  consumer(config: ConsumerConfig): Consumer {
    if (!config || typeof config.groupId !== 'string' || config.groupId.length === 0) {
      throw new KafkaJSNonRetriableError('Consumer groupId must be a non-empty string.')
    }
    return new Consumer(this.logPromise, config, this.config.clientId ?? 'kafkajs')
  }

  /** An admin client. */
  admin(): Admin {
    return new Admin(this.logPromise)
  }

  /** A logger that writes through `logCreator`, at or below `logLevel`. */
  logger(): Logger {
    return makeLogger(this.config, 'Kafka')
  }
}

/** KafkaJS's logger. */
export interface Logger {
  info(message: string, extra?: object): void
  error(message: string, extra?: object): void
  warn(message: string, extra?: object): void
  debug(message: string, extra?: object): void
  namespace(namespace: string, level?: number): Logger
  setLogLevel(level: number): void
}

function makeLogger(config: KafkaConfig, namespace: string): Logger {
  let level = config.logLevel ?? logLevel.INFO
  const write = config.logCreator?.(level)
  const at = (l: number, label: string) => (message: string, extra: object = {}) => {
    if (l > level || l === logLevel.NOTHING || !write) return
    write({ namespace, level: l, label, log: { timestamp: new Date().toISOString(), logger: 'kafkajs', message, ...extra } })
  }
  return {
    info: at(logLevel.INFO, 'INFO'),
    error: at(logLevel.ERROR, 'ERROR'),
    warn: at(logLevel.WARN, 'WARN'),
    debug: at(logLevel.DEBUG, 'DEBUG'),
    namespace: (ns: string) => makeLogger(config, ns),
    setLogLevel: (l: number) => {
      level = l
    },
  }
}

// ── producer ─────────────────────────────────────────────────────────────────

/** The options of kafka.producer(). */
export interface ProducerConfig {
  createPartitioner?: ICustomPartitioner
  allowAutoTopicCreation?: boolean
  idempotent?: boolean
  transactionalId?: string
  /** Accepted and unused: nothing crosses a network. */
  metadataMaxAge?: number
  retry?: { retries?: number; initialRetryTime?: number; maxRetryTime?: number; multiplier?: number; factor?: number }
  maxInFlightRequests?: number
  transactionTimeout?: number
}

/** A record's placement, as KafkaJS reports it: one entry per partition written. */
export interface RecordMetadata {
  topicName: string
  partition: number
  errorCode: number
  offset?: string
  timestamp?: string
  baseOffset?: string
  logAppendTime?: string
  logStartOffset?: string
}

/** What producer.send() takes. */
export interface ProducerRecord {
  topic: string
  messages: Message[]
  acks?: number
  timeout?: number
  compression?: number
}

/** What producer.sendBatch() takes. */
export interface ProducerBatch {
  topicMessages?: Array<{ topic: string; messages: Message[] }>
  acks?: number
  timeout?: number
  compression?: number
}

/** What transaction.sendOffsets() takes, as KafkaJS. */
export interface TransactionOffsets {
  consumerGroupId: string
  topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>
}

/** KafkaJS's transaction: sends and a consumer group's offsets that commit or abort together. */
export interface Transaction {
  send(record: ProducerRecord): Promise<RecordMetadata[]>
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]>
  sendOffsets(offsets: TransactionOffsets): Promise<void>
  commit(): Promise<void>
  abort(): Promise<void>
  isActive(): boolean
}

/** KafkaJS's producer. */
export class Producer extends Instrumented {
  readonly events = PRODUCER_EVENTS
  private readonly partitioner: ReturnType<ICustomPartitioner>
  /** The native producer of plain sends (idempotent when asked), made at the first send after a connect and closed by disconnect. */
  private native: NativeProducer | undefined
  /** The native transactional producer, made at the first transaction() and closed by disconnect. */
  private txNative: NativeProducer | undefined
  private current: Transaction | undefined

  constructor(private readonly getLog: () => Promise<Log>, private readonly config: ProducerConfig) {
    super(PRODUCER_EVENTS, 'producer')
    // As KafkaJS's createProducer: an idempotent producer must retry.
    if (config.idempotent === true && config.retry?.retries !== undefined && config.retry.retries < 1) {
      throw new KafkaJSNonRetriableError('Idempotent producer must allow retries to protect against transient errors')
    }
    this.partitioner = (config.createPartitioner ?? Partitioners.DefaultPartitioner)()
  }

  async connect(): Promise<void> {
    await this.getLog()
    this.instrument(PRODUCER_EVENTS.CONNECT, null)
  }

  /** Waits for the sends in flight, then closes the native producers. */
  async disconnect(): Promise<void> {
    const natives = [this.native, this.txNative]
    this.native = undefined
    this.txNative = undefined
    for (const native of natives) if (native) await native.close().catch(() => undefined)
    this.instrument(PRODUCER_EVENTS.DISCONNECT, null)
  }

  private nativeProducer(log: Log): NativeProducer {
    if (!this.native || log.isClosed) this.native = log.producer(this.config.idempotent === true ? { idempotent: true } : {})
    return this.native
  }

  isIdempotent(): boolean {
    return this.config.idempotent === true
  }

  /** Sends messages to one topic; one RecordMetadata per partition written. */
  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    return this.sendBatch({ topicMessages: [{ topic: record.topic, messages: record.messages }], acks: record.acks })
  }

  /** Sends messages to several topics; with `acks: 0` it resolves with [] once they are written, as KafkaJS does (no response to read). */
  async sendBatch({ topicMessages, acks = -1 }: ProducerBatch): Promise<RecordMetadata[]> {
    if (this.config.idempotent === true && acks !== -1) throw new KafkaJSNonRetriableError("Not requiring ack for all messages invalidates the idempotent producer's EoS guarantees")
    const log = await this.getLog()
    const out = await this.sendTo(log, topicMessages, (topic, messages) => this.nativeProducer(log).send(topic, messages))
    return acks === 0 ? [] : out
  }

  /** Checks and converts messages as KafkaJS does, sends each topic's with `send`, and reports one RecordMetadata per partition written. */
  private async sendTo(log: Log, topicMessages: ProducerBatch['topicMessages'], send: (topic: string, messages: NativeMessage[]) => Promise<NativeRecordMetadata[]>): Promise<RecordMetadata[]> {
    if (!Array.isArray(topicMessages)) throw new KafkaJSNonRetriableError('Invalid topicMessages: expected an array')
    for (const { topic, messages } of topicMessages) {
      if (typeof topic !== 'string' || topic.length === 0) throw new KafkaJSNonRetriableError(`Invalid topic ${JSON.stringify(topic)}`)
      if (!Array.isArray(messages)) throw new KafkaJSNonRetriableError(`Invalid messages array [${String(messages)}] for topic "${topic}"`)
      for (const m of messages) {
        if (!m || typeof m !== 'object' || m.value === undefined) {
          throw new KafkaJSNonRetriableError(`Invalid message without value for topic "${topic}": ${JSON.stringify(m)}`)
        }
      }
    }
    return kafkaErrors(async () => {
      const out: RecordMetadata[] = []
      for (const { topic, messages } of topicMessages) {
        if (!log.hasTopic(topic)) {
          if (this.config.allowAutoTopicCreation === false) throw new KafketteError('UNKNOWN_TOPIC_OR_PARTITION', `This server does not host this topic-partition: ${topic}`, { topic })
          await log.createTopic(topic).catch((err: unknown) => {
            if (!(err instanceof KafketteError && err.code === 'TOPIC_ALREADY_EXISTS')) throw err
          })
        }
        const { partitions } = await log.describeTopic(topic)
        const partitionMetadata = partitions.map((p) => ({ partitionId: p.partition, leader: 0 }))
        const native = messages.map((m) => ({
          key: kafkaBytes(m.key),
          value: kafkaBytes(m.value),
          headers: m.headers ? nativeHeaders(m.headers) : undefined,
          partition: this.partitioner({ topic, partitionMetadata, message: m }),
          ...(m.timestamp !== undefined ? { timestamp: Number(m.timestamp) } : {}),
        }))
        const meta = await send(topic, native)
        const byPartition = new Map<number, RecordMetadata>()
        for (const md of meta) {
          if (!byPartition.has(md.partition)) {
            const p = partitions.find((x) => x.partition === md.partition)!
            byPartition.set(md.partition, { topicName: topic, partition: md.partition, errorCode: 0, baseOffset: String(md.offset), logAppendTime: '-1', logStartOffset: String(p.logStartOffset) })
          }
        }
        out.push(...byPartition.values())
      }
      return out
    })
  }

  /**
   * Begins a transaction (a producer with a transactionalId): its send, sendBatch and
   * sendOffsets commit or abort together, as one write of the log. As KafkaJS, one
   * transaction at a time per producer, and an ended one refuses every call.
   */
  async transaction(): Promise<Transaction> {
    const transactionalId = this.config.transactionalId
    if (!transactionalId) throw new KafkaJSNonRetriableError('Must provide transactional id for transactional producer')
    if (this.current?.isActive()) throw new KafkaJSNonRetriableError('There is already an ongoing transaction for this producer. Please end the transaction before beginning another.')
    const log = await this.getLog()
    if (!this.txNative || log.isClosed) {
      this.txNative = log.producer({ transactionalId, ...(this.config.transactionTimeout !== undefined ? { transactionTimeoutMs: this.config.transactionTimeout } : {}) })
    }
    const nativeProducer = this.txNative
    const tx: NativeTransaction = await kafkaErrors(() => nativeProducer.transaction())
    let ended = false
    const guard =
      <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        if (ended || !tx.isActive()) throw new KafkaJSNonRetriableError('Cannot continue to use transaction once ended')
        return fn(...args)
      }
    const sendBatch = guard(async ({ topicMessages, acks = -1 }: ProducerBatch) => {
      if (acks !== -1) throw new KafkaJSNonRetriableError("Not requiring ack for all messages invalidates the idempotent producer's EoS guarantees")
      return this.sendTo(log, topicMessages, (topic, messages) => tx.send(topic, messages))
    })
    const transaction: Transaction = {
      send: (record: ProducerRecord) => sendBatch({ topicMessages: [{ topic: record?.topic, messages: record?.messages }], acks: record?.acks }),
      sendBatch,
      sendOffsets: guard(async ({ consumerGroupId, topics }: TransactionOffsets) => {
        if (!consumerGroupId) throw new KafkaJSNonRetriableError('Missing consumerGroupId')
        if (!Array.isArray(topics)) throw new KafkaJSNonRetriableError('Missing offset topics')
        const offsets = topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: parseOffset(p.offset, 'sendOffsets') })))
        await kafkaErrors(() => tx.sendOffsets({ groupId: consumerGroupId, offsets }))
      }),
      commit: guard(async () => {
        await kafkaErrors(() => tx.commit())
        ended = true
      }),
      abort: guard(async () => {
        await kafkaErrors(() => tx.abort())
        ended = true
      }),
      isActive: () => !ended && tx.isActive(),
    }
    this.current = transaction
    return transaction
  }

  logger(): Logger {
    return makeLogger({ brokers: [] }, 'Producer')
  }
}

type NativeMessage = { key: Buffer | null; value: Buffer | null; headers?: Record<string, string | Uint8Array | Array<string | Uint8Array>>; partition: number; timestamp?: number }

function nativeHeaders(headers: IHeaders): Record<string, string | Uint8Array | Array<string | Uint8Array>> {
  const out: Record<string, string | Uint8Array | Array<string | Uint8Array>> = {}
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || v === null) continue
    out[k] = Array.isArray(v) ? v.map((x) => kafkaBytes(x)!) : kafkaBytes(v)!
  }
  return out
}

// ── consumer ─────────────────────────────────────────────────────────────────

/** The options of kafka.consumer(). */
export interface ConsumerConfig {
  groupId: string
  partitionAssigners?: Array<((...args: never[]) => unknown) & { kafkette?: string }>
  sessionTimeout?: number
  rebalanceTimeout?: number
  heartbeatInterval?: number
  retry?: { retries?: number; initialRetryTime?: number; maxRetryTime?: number; multiplier?: number; factor?: number; restartOnFailure?: (e: Error) => Promise<boolean> }
  allowAutoTopicCreation?: boolean
  /** Accepted and unused: nothing crosses a network. */
  metadataMaxAge?: number
  maxBytesPerPartition?: number
  minBytes?: number
  maxBytes?: number
  maxWaitTimeInMs?: number
  maxInFlightRequests?: number
  readUncommitted?: boolean
  rackId?: string
}

/** What consumer.run() takes, as KafkaJS. */
export interface ConsumerRunConfig {
  autoCommit?: boolean
  autoCommitInterval?: number | null
  autoCommitThreshold?: number | null
  eachBatchAutoResolve?: boolean
  partitionsConsumedConcurrently?: number
  eachMessage?: (payload: EachMessagePayload) => Promise<void>
  eachBatch?: (payload: EachBatchPayload) => Promise<void>
}

/** eachMessage's payload, as KafkaJS. */
export interface EachMessagePayload {
  topic: string
  partition: number
  message: KafkaMessage
  heartbeat(): Promise<void>
  pause(): () => void
}

/** A batch, as KafkaJS's eachBatch sees it. */
export interface Batch {
  topic: string
  partition: number
  highWatermark: string
  messages: KafkaMessage[]
  isEmpty(): boolean
  firstOffset(): string | null
  lastOffset(): string
  offsetLag(): string
  offsetLagLow(): string
}

/** eachBatch's payload, as KafkaJS. */
export interface EachBatchPayload {
  batch: Batch
  resolveOffset(offset: string): void
  heartbeat(): Promise<void>
  pause(): () => void
  commitOffsetsIfNecessary(offsets?: { topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }> }): Promise<void>
  uncommittedOffsets(): { topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }> }
  isRunning(): boolean
  isStale(): boolean
}

/** KafkaJS's consumer, over a member of a kafkette consumer group. */
export class Consumer extends Instrumented {
  readonly events = CONSUMER_EVENTS
  private topics: Array<string | RegExp> = []
  private fromBeginning = false
  private native: NativeConsumer | undefined
  private autoCommit = true
  /** When the current join started (run(), or the rebalance that made this member join again): GROUP_JOIN's duration. */
  private joinStartedAt = 0
  private groupProtocol = 'RoundRobinAssigner'
  private autoCommitInterval: number | null = null
  private autoCommitThreshold: number | null = null
  private lastCommitAt = 0
  private resolvedSinceCommit = 0

  constructor(private readonly getLog: () => Promise<Log>, private readonly config: ConsumerConfig, private readonly clientId: string) {
    super(CONSUMER_EVENTS, 'consumer')
  }

  async connect(): Promise<void> {
    await this.getLog()
    this.instrument(CONSUMER_EVENTS.CONNECT, null)
  }

  /** Adds topics (names or RegExps) to the subscription; fromBeginning applies where the group has no committed offset. */
  async subscribe(subscription: { topics?: Array<string | RegExp>; topic?: string | RegExp; fromBeginning?: boolean }): Promise<void> {
    if (this.native) throw new KafkaJSNonRetriableError('Cannot subscribe to topic while consumer is running')
    const topics = subscription.topics ?? (subscription.topic !== undefined ? [subscription.topic] : undefined)
    if (!Array.isArray(topics) || topics.some((t) => typeof t !== 'string' && !(t instanceof RegExp))) {
      throw new KafkaJSNonRetriableError(`Invalid topics array ${JSON.stringify(topics)}`)
    }
    const log = await this.getLog()
    for (const t of topics) {
      if (typeof t === 'string' && !log.hasTopic(t)) {
        if (this.config.allowAutoTopicCreation === false) throw new KafkaJSProtocolError({ message: `This server does not host this topic-partition: ${t}`, type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3, retriable: true })
        await log.createTopic(t).catch((err: unknown) => {
          if (!(err instanceof KafketteError && err.code === 'TOPIC_ALREADY_EXISTS')) throw toKafkaJSError(err)
        })
      }
    }
    this.topics.push(...topics)
    if (subscription.fromBeginning) this.fromBeginning = true
  }

  /** Joins the group and runs the handlers; resolves once the first assignment is known. */
  async run(config: ConsumerRunConfig = {}): Promise<void> {
    if (this.native) throw new KafkaJSNonRetriableError('Consumer is already running')
    if (!config.eachMessage && !config.eachBatch) throw new KafkaJSNonRetriableError('Consumer#run requires eachMessage or eachBatch')
    const log = await this.getLog()
    this.autoCommit = config.autoCommit !== false
    this.autoCommitInterval = config.autoCommitInterval ?? null
    this.autoCommitThreshold = config.autoCommitThreshold ?? null
    this.lastCommitAt = Date.now()
    this.resolvedSinceCommit = 0
    const retry = this.config.retry ?? {}
    const assigner = this.config.partitionAssigners?.[0]
    const assignor = assigner?.kafkette
    this.groupProtocol = assignerName(assigner)
    this.joinStartedAt = Date.now()
    const native = log.consumer({
      groupId: this.config.groupId,
      clientId: this.clientId,
      fromBeginning: this.fromBeginning,
      // KafkaJS reads read_committed unless readUncommitted: true.
      isolationLevel: this.config.readUncommitted === true ? 'read_uncommitted' : 'read_committed',
      autoCommit: this.autoCommit,
      // KafkaJS 2.2.4 commits what was resolved after every batch (runner.js, handleBatch),
      // whatever autoCommitInterval and autoCommitThreshold say: those only add commits
      // within a batch. It commits only resolved offsets, never a partition's start.
      autoCommitIntervalMs: 0,
      commitUnprocessed: false,
      sessionTimeoutMs: this.config.sessionTimeout ?? 30_000,
      ...(this.config.heartbeatInterval !== undefined ? { heartbeatIntervalMs: this.config.heartbeatInterval } : {}),
      ...(this.config.rebalanceTimeout !== undefined ? { rebalanceTimeoutMs: this.config.rebalanceTimeout } : {}),
      ...(assignor ? { assignor: assignor as 'range' | 'roundRobin' } : {}),
      retry: {
        retries: retry.retries ?? 5,
        initialRetryTimeMs: retry.initialRetryTime ?? 300,
        maxRetryTimeMs: retry.maxRetryTime ?? 30_000,
        multiplier: retry.multiplier ?? 2,
        ...(retry.restartOnFailure ? { restartOnFailure: (e: unknown) => retry.restartOnFailure!(e as Error) } : {}),
      },
    })
    this.native = native
    this.forwardEvents(native)
    await native.subscribe(this.topics)
    const runConfig: Parameters<NativeConsumer['run']>[0] = {
      partitionsConsumedConcurrently: config.partitionsConsumedConcurrently ?? 1,
      eachBatchAutoResolve: config.eachBatchAutoResolve ?? true,
    }
    if (config.eachMessage) {
      const each = config.eachMessage
      runConfig.eachMessage = async (p) => {
        await each({ topic: p.topic, partition: p.partition, message: toKafkaMessage(p.message), heartbeat: p.heartbeat, pause: p.pause })
        this.resolvedSinceCommit++
      }
    } else {
      const each = config.eachBatch!
      runConfig.eachBatch = (p) => {
        const b = p.batch
        let resolvedUpTo = b.firstOffset() ?? 0
        const toTopics = (offsets: Array<{ topic: string; partition: number; offset: number }>) => {
          const topics = new Map<string, Array<{ partition: number; offset: string }>>()
          for (const o of offsets) topics.set(o.topic, [...(topics.get(o.topic) ?? []), { partition: o.partition, offset: String(o.offset) }])
          return { topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })) }
        }
        return each({
          batch: {
            topic: b.topic,
            partition: b.partition,
            highWatermark: String(b.highWatermark),
            messages: b.messages.map(toKafkaMessage),
            isEmpty: () => b.isEmpty(),
            firstOffset: () => (b.firstOffset() === null ? null : String(b.firstOffset())),
            lastOffset: () => String(b.lastOffset()),
            offsetLag: () => String(b.offsetLag()),
            offsetLagLow: () => String(b.offsetLagLow()),
          },
          resolveOffset: (offset) => {
            const at = parseOffset(offset, 'resolveOffset')
            if (at >= resolvedUpTo) {
              this.resolvedSinceCommit += at + 1 - resolvedUpTo
              resolvedUpTo = at + 1
            }
            p.resolveOffset(at)
          },
          heartbeat: p.heartbeat,
          pause: p.pause,
          commitOffsetsIfNecessary: async (offsets) => {
            if (offsets) {
              const list = offsets.topics.flatMap((t) => t.partitions.map((x) => ({ topic: t.topic, partition: x.partition, offset: parseOffset(x.offset, 'commitOffsetsIfNecessary') })))
              return kafkaErrors(async () => void (await p.commitOffsetsIfNecessary(list)))
            }
            // KafkaJS's offsetManager.commitOffsetsIfNecessary: only when autoCommitInterval has
            // passed since the last commit or autoCommitThreshold offsets were resolved; with
            // neither set, never (the commit after the batch does it).
            const timeoutReached = this.autoCommitInterval !== null && Date.now() >= this.lastCommitAt + this.autoCommitInterval
            const thresholdReached = this.autoCommitThreshold !== null && this.resolvedSinceCommit >= this.autoCommitThreshold
            if (timeoutReached || thresholdReached) await kafkaErrors(async () => void (await native.commit()))
          },
          uncommittedOffsets: () => toTopics(p.uncommittedOffsets()),
          isRunning: () => p.isRunning(),
          isStale: () => p.isStale(),
        })
      }
    }
    await kafkaErrors(() => native.run(runConfig))
  }

  private forwardEvents(native: NativeConsumer): void {
    native.on('group.join', (e) => {
      const assignment: Record<string, number[]> = {}
      for (const tp of native.assignment()) (assignment[tp.topic] ??= []).push(tp.partition)
      // As KafkaJS: groupProtocol is the assigner's name, duration the join and sync's time.
      this.instrument(CONSUMER_EVENTS.GROUP_JOIN, { duration: Date.now() - this.joinStartedAt, groupId: e.groupId, isLeader: e.leaderId === e.memberId, leaderId: e.leaderId, groupProtocol: this.groupProtocol, memberId: e.memberId, memberAssignment: assignment })
    })
    native.on('group.rebalancing', (e) => {
      this.joinStartedAt = Date.now()
      this.instrument(CONSUMER_EVENTS.REBALANCING, { groupId: e.groupId, memberId: e.memberId })
    })
    native.on('heartbeat', (e) => this.instrument(CONSUMER_EVENTS.HEARTBEAT, { groupId: e.groupId, memberId: e.memberId, groupGenerationId: e.generation }))
    native.on('commit', (e) => {
      this.lastCommitAt = Date.now()
      this.resolvedSinceCommit = 0
      const topics = new Map<string, Array<{ partition: string; offset: string }>>()
      for (const o of e.offsets) topics.set(o.topic, [...(topics.get(o.topic) ?? []), { partition: String(o.partition), offset: String(o.offset) }])
      this.instrument(CONSUMER_EVENTS.COMMIT_OFFSETS, { groupId: e.groupId, memberId: e.memberId, groupGenerationId: native.generation, topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })) })
    })
    native.on('fetch', (e) => this.instrument(CONSUMER_EVENTS.FETCH, { numberOfBatches: 1, duration: e.durationMs }))
    native.on('batch.start', (e) => this.instrument(CONSUMER_EVENTS.START_BATCH_PROCESS, batchPayload(e)))
    native.on('batch.end', (e) => this.instrument(CONSUMER_EVENTS.END_BATCH_PROCESS, { ...batchPayload(e), duration: e.durationMs }))
    native.on('crash', (e) => this.instrument(CONSUMER_EVENTS.CRASH, { error: toKafkaJSError(e.error), groupId: this.config.groupId, restart: e.restart }))
    native.on('stop', () => this.instrument(CONSUMER_EVENTS.STOP, null))
  }

  /** Commits these offsets (the next offsets to read) for the group now. */
  async commitOffsets(offsets: Array<{ topic: string; partition: number; offset: string; metadata?: string | null }>): Promise<void> {
    if (!Array.isArray(offsets)) throw new KafkaJSNonRetriableError('Invalid offsets: expected an array')
    const parsed = offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: parseOffset(o.offset, `${o.topic}/${o.partition}`), metadata: o.metadata ?? null }))
    const native = this.requireRunning('commitOffsets')
    await kafkaErrors(() => native.commit(parsed))
  }

  /** Moves a partition's position; with autoCommit, commits it at once, as KafkaJS does. */
  seek({ topic, partition, offset }: { topic: string; partition: number; offset: string }): void {
    const target = parseOffset(offset, `${topic}/${partition}`)
    const native = this.requireRunning('seek')
    try {
      native.seek({ topic, partition, offset: target })
    } catch (err) {
      throw toKafkaJSError(err)
    }
    if (this.autoCommit) void native.commit([{ topic, partition, offset: target }]).catch(() => undefined)
  }

  pause(topics: Array<{ topic: string; partitions?: number[] }>): void {
    this.requireRunning('pause').pause(topics)
  }

  resume(topics: Array<{ topic: string; partitions?: number[] }>): void {
    this.requireRunning('resume').resume(topics)
  }

  paused(): Array<{ topic: string; partitions: number[] }> {
    if (!this.native) return []
    const byTopic = new Map<string, number[]>()
    for (const tp of this.native.paused()) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition])
    return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }))
  }

  /** The group, as KafkaJS's describeGroup gives it. */
  async describeGroup(): Promise<GroupDescription> {
    const log = await this.getLog()
    return kafkaErrors(async () => toGroupDescription(await log.describeGroup(this.config.groupId)))
  }

  /** Stops running; the member leaves the group. */
  async stop(): Promise<void> {
    const native = this.native
    this.native = undefined
    if (native) await native.close()
  }

  async disconnect(): Promise<void> {
    await this.stop()
    this.instrument(CONSUMER_EVENTS.DISCONNECT, null)
  }

  logger(): Logger {
    return makeLogger({ brokers: [] }, 'Consumer')
  }

  private requireRunning(what: string): NativeConsumer {
    if (!this.native) throw new KafkaJSNonRetriableError(`Consumer group was not initialized, consumer#run must be called first (${what})`)
    return this.native
  }
}

/** The name KafkaJS's group uses as its protocol: the first assigner's (round robin by default). */
function assignerName(assigner: unknown): string {
  if (typeof assigner !== 'function') return 'RoundRobinAssigner'
  try {
    const made = (assigner as (config: object) => { name?: unknown })({})
    return typeof made?.name === 'string' ? made.name : 'RoundRobinAssigner'
  } catch {
    return 'RoundRobinAssigner'
  }
}

function batchPayload(e: { topic: string; partition: number; highWatermark: number; offsetLag: number; offsetLagLow: number; batchSize: number; firstOffset: number; lastOffset: number }) {
  return {
    topic: e.topic,
    partition: e.partition,
    highWatermark: String(e.highWatermark),
    offsetLag: String(e.offsetLag),
    offsetLagLow: String(e.offsetLagLow),
    batchSize: e.batchSize,
    firstOffset: String(e.firstOffset),
    lastOffset: String(e.lastOffset),
  }
}

/** A group, as KafkaJS describes it. */
export interface GroupDescription {
  groupId: string
  members: Array<{ memberId: string; clientId: string; clientHost: string; memberMetadata: Buffer; memberAssignment: Buffer }>
  protocol: string
  protocolType: string
  state: 'Unknown' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead' | 'Empty'
  errorCode?: number
}

function toGroupDescription(g: Awaited<ReturnType<Log['describeGroup']>>): GroupDescription {
  return {
    groupId: g.groupId,
    protocol: g.protocol,
    protocolType: g.protocolType,
    state: g.state,
    errorCode: 0,
    members: g.members.map((m) => {
      const assignment: Record<string, number[]> = {}
      for (const tp of m.assignment) (assignment[tp.topic] ??= []).push(tp.partition)
      return {
        memberId: m.memberId,
        clientId: m.clientId,
        clientHost: '/127.0.0.1',
        memberMetadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics: m.topics }),
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment }),
      }
    }),
  }
}

// ── admin ────────────────────────────────────────────────────────────────────

/** configEntries by Kafka's names as a topic config change (KafkaJS's admin takes them as a broker does). */
function topicConfig(entries: Array<{ name: string; value: string }> = []): Partial<TopicConfig> {
  try {
    return topicConfigFromKafka(entries)
  } catch (err) {
    throw new KafkaJSProtocolError({ message: (err as Error).message, type: 'INVALID_CONFIG', code: 40, retriable: false })
  }
}

/** KafkaJS's admin client. */
export class Admin extends Instrumented {
  readonly events = ADMIN_EVENTS

  constructor(private readonly getLog: () => Promise<Log>) {
    super(ADMIN_EVENTS, 'admin')
  }

  async connect(): Promise<void> {
    await this.getLog()
    this.instrument(ADMIN_EVENTS.CONNECT, null)
  }

  async disconnect(): Promise<void> {
    this.instrument(ADMIN_EVENTS.DISCONNECT, null)
  }

  /** Creates topics; resolves false when one of them already existed. */
  async createTopics({ topics, validateOnly }: { topics: Array<{ topic: string; numPartitions?: number; replicationFactor?: number; configEntries?: Array<{ name: string; value: string }> }>; validateOnly?: boolean; waitForLeaders?: boolean; timeout?: number }): Promise<boolean> {
    if (!Array.isArray(topics)) throw new KafkaJSNonRetriableError(`Invalid topics array ${JSON.stringify(topics)}`)
    const log = await this.getLog()
    return kafkaErrors(async () => {
      let created = true
      for (const t of topics) {
        const config = topicConfig(t.configEntries)
        if (validateOnly) continue
        try {
          await log.createTopic(t.topic, { partitions: t.numPartitions === undefined || t.numPartitions === -1 ? 1 : t.numPartitions, config })
        } catch (err) {
          if (err instanceof KafketteError && err.code === 'TOPIC_ALREADY_EXISTS') created = false
          else throw err
        }
      }
      return created
    })
  }

  async deleteTopics({ topics }: { topics: string[]; timeout?: number }): Promise<void> {
    const log = await this.getLog()
    await kafkaErrors(async () => {
      for (const t of topics) await log.deleteTopic(t)
    })
  }

  async listTopics(): Promise<string[]> {
    return (await this.getLog()).listTopics()
  }

  async createPartitions({ topicPartitions }: { topicPartitions: Array<{ topic: string; count: number }>; validateOnly?: boolean; timeout?: number }): Promise<boolean> {
    const log = await this.getLog()
    await kafkaErrors(async () => {
      for (const { topic, count } of topicPartitions) await log.createPartitions(topic, count)
    })
    return true
  }

  async fetchTopicMetadata({ topics }: { topics?: string[] } = {}) {
    const log = await this.getLog()
    return kafkaErrors(async () => {
      const names = topics ?? (await log.listTopics())
      return {
        topics: await Promise.all(
          names.map(async (name) => ({
            name,
            partitions: (await log.describeTopic(name)).partitions.map((p) => ({ partitionErrorCode: 0, partitionId: p.partition, leader: 0, replicas: [0], isr: [0], offlineReplicas: [] as number[] })),
          })),
        ),
      }
    })
  }

  async fetchTopicOffsets(topic: string): Promise<Array<{ partition: number; offset: string; high: string; low: string }>> {
    const log = await this.getLog()
    return kafkaErrors(async () =>
      (await log.describeTopic(topic)).partitions.map((p) => ({ partition: p.partition, offset: String(p.highWatermark), high: String(p.highWatermark), low: String(p.logStartOffset) })),
    )
  }

  /** Per partition, the first offset at or after `timestamp`; the high watermark where there is none. */
  async fetchTopicOffsetsByTimestamp(topic: string, timestamp?: number): Promise<Array<{ partition: number; offset: string }>> {
    const log = await this.getLog()
    return kafkaErrors(async () => {
      const { partitions } = await log.describeTopic(topic)
      if (timestamp === undefined) return partitions.map((p) => ({ partition: p.partition, offset: String(p.highWatermark) }))
      const found = await log.offsetsForTimes(topic, timestamp)
      return found.map((f) => ({ partition: f.partition, offset: String(f.offset ?? partitions[f.partition]!.highWatermark) }))
    })
  }

  /** A group's committed offsets per topic; '-1' where the group has none. */
  async fetchOffsets({ groupId, topics }: { groupId: string; topics?: string[]; resolveOffsets?: boolean }) {
    const log = await this.getLog()
    return kafkaErrors(async () => {
      const committed = await log.fetchOffsets(groupId).catch((err: unknown) => {
        if (err instanceof KafketteError && err.code === 'GROUP_ID_NOT_FOUND') return []
        throw err
      })
      const names = topics ?? [...new Set(committed.map((c) => c.topic))]
      return Promise.all(
        names.map(async (topic) => ({
          topic,
          partitions: (await log.describeTopic(topic)).partitions.map((p) => {
            const c = committed.find((x) => x.topic === topic && x.partition === p.partition)
            return { partition: p.partition, offset: c ? String(c.offset) : '-1', metadata: c?.metadata ?? null }
          }),
        })),
      )
    })
  }

  /** Sets a group's committed offsets (refused while the group has members). */
  async setOffsets({ groupId, topic, partitions }: { groupId: string; topic: string; partitions: Array<{ partition: number; offset: string }> }): Promise<void> {
    const log = await this.getLog()
    const offsets = partitions.map((p) => ({ topic, partition: p.partition, offset: parseOffset(p.offset, `${topic}/${p.partition}`) }))
    await kafkaErrors(() => log.commitOffsets(groupId, offsets))
  }

  /** Moves a group's offsets on a topic to the earliest or latest offsets. */
  async resetOffsets({ groupId, topic, earliest = false }: { groupId: string; topic: string; earliest?: boolean }): Promise<void> {
    const log = await this.getLog()
    await kafkaErrors(() => log.resetOffsets(groupId, topic, { to: earliest ? 'earliest' : 'latest' }))
  }

  async listGroups(): Promise<{ groups: Array<{ groupId: string; protocolType: string }> }> {
    const log = await this.getLog()
    return { groups: (await log.listGroups()).map((g) => ({ groupId: g.groupId, protocolType: g.protocolType })) }
  }

  async describeGroups(groupIds: string[]): Promise<{ groups: GroupDescription[] }> {
    const log = await this.getLog()
    return kafkaErrors(async () => ({ groups: await Promise.all(groupIds.map(async (id) => toGroupDescription(await log.describeGroup(id)))) }))
  }

  async deleteGroups(groupIds: string[]): Promise<Array<{ groupId: string; errorCode: number }>> {
    const log = await this.getLog()
    const results: Array<{ groupId: string; errorCode: number; error?: KafkaJSError }> = []
    for (const groupId of groupIds) {
      try {
        await log.deleteGroup(groupId)
        results.push({ groupId, errorCode: 0 })
      } catch (err) {
        const error = toKafkaJSError(err) as KafkaJSError
        results.push({ groupId, errorCode: error instanceof KafkaJSProtocolError ? error.code : -1, error })
      }
    }
    const failed = results.filter((r) => r.error) as Array<{ groupId: string; errorCode: number; error: KafkaJSError }>
    if (failed.length > 0) throw new KafkaJSDeleteGroupsError('Error in DeleteGroups', failed)
    return results
  }

  /** Deletes records below the given offsets ('-1': everything). */
  async deleteTopicRecords({ topic, partitions }: { topic: string; partitions: Array<{ partition: number; offset: string }> }): Promise<void> {
    const log = await this.getLog()
    const targets = partitions.map((p) => ({ partition: p.partition, offset: p.offset === '-1' ? -1 : parseOffset(p.offset, `${topic}/${p.partition}`) }))
    await kafkaErrors(() => log.deleteRecords(topic, targets))
  }

  async describeCluster() {
    return { brokers: [{ nodeId: 0, host: '127.0.0.1', port: 9092 }], controller: 0, clusterId: 'kafkette' }
  }

  async describeConfigs(): Promise<never> {
    throw new KafkaJSNotImplemented('admin.describeConfigs()')
  }

  async alterConfigs(): Promise<never> {
    throw new KafkaJSNotImplemented('admin.alterConfigs()')
  }

  async listPartitionReassignments(): Promise<never> {
    throw new KafkaJSNotImplemented('admin.listPartitionReassignments()')
  }

  async alterPartitionReassignments(): Promise<never> {
    throw new KafkaJSNotImplemented('admin.alterPartitionReassignments()')
  }

  async describeAcls(): Promise<never> {
    throw new KafkaJSNotImplemented('admin.describeAcls()')
  }

  async createAcls(): Promise<never> {
    throw new KafkaJSNotImplemented('admin.createAcls()')
  }

  async deleteAcls(): Promise<never> {
    throw new KafkaJSNotImplemented('admin.deleteAcls()')
  }

  logger(): Logger {
    return makeLogger({ brokers: [] }, 'Admin')
  }
}
