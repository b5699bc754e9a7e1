// kafkette/bridge: forwards a local log's topics to a Kafka cluster ('out'), or mirrors a
// cluster's topics into the log ('in'), through a KafkaJS client the application brings.
// The bridge owns its life cycle (start, retry with backoff on the log's clock, stop) and
// its events; each direction owns how records and progress move.
import { EventEmitter } from 'eventemitter3'
import { KafketteError } from '../index.js'
import { InDirection } from './in.js'
import { OutDirection } from './out.js'
import { clockSleep, type BridgeEvents, type BridgeHost, type BridgeOptions, type BridgeProgress, type Direction } from './shared.js'

export type { BridgeOptions, BridgeEvents, BridgeProgress, BridgeRetryOptions } from './shared.js'
export type { KafkaClient, KafkaProducer, KafkaConsumer, KafkaAdmin, KafkaTransaction, KafkaOutMessage, KafkaInMessage, KafkaBatch } from './kafka.js'

const OPTION_KEYS = new Set(['log', 'kafka', 'topics', 'direction', 'name', 'exactlyOnce', 'createTopics', 'batchSize', 'progressTopic', 'sessionTimeoutMs', 'retry'])
const RETRY_KEYS = new Set(['initialRetryTimeMs', 'maxRetryTimeMs', 'multiplier'])
// Kafka's topic-name rule: the name also names a topic (the progress topic) and a transactional id.
const NAME = /^[a-zA-Z0-9._-]{1,200}$/

/** A bridge between a local log and a Kafka cluster; see bridge(). */
export class Bridge extends EventEmitter<BridgeEvents> implements BridgeHost {
  readonly name: string
  readonly log: BridgeOptions['log']
  readonly kafka: BridgeOptions['kafka']
  readonly topics: readonly string[]
  readonly direction: 'out' | 'in'
  /** @internal */
  readonly options: BridgeHost['options']
  private readonly retry: Required<NonNullable<BridgeOptions['retry']>>
  private readonly impl: Direction
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new'
  private readonly sleeps = new Set<() => void>()
  private stopped: Promise<void> | undefined

  /** @internal Use bridge(). */
  constructor(options: BridgeOptions) {
    super()
    validate(options)
    this.name = options.name
    this.log = options.log
    this.kafka = options.kafka
    this.topics = [...new Set(options.topics)]
    this.direction = options.direction
    this.options = {
      exactlyOnce: options.exactlyOnce ?? false,
      createTopics: options.createTopics ?? true,
      batchSize: options.batchSize ?? 1000,
      progressTopic: options.progressTopic ?? `${options.name}.kafkette-progress`,
      sessionTimeoutMs: options.sessionTimeoutMs,
    }
    this.retry = { initialRetryTimeMs: 300, maxRetryTimeMs: 30_000, multiplier: 2, ...options.retry }
    this.impl = this.direction === 'out' ? new OutDirection(this) : new InDirection(this)
  }

  /** True once stop() was called or the bridge failed. */
  get stopping(): boolean {
    return this.state === 'stopping' || this.state === 'stopped'
  }

  /**
   * Starts forwarding and resolves once the local side is ready ('out': the local topics
   * exist and the positions are read). The cluster is reached in the background: while it
   * is down the bridge emits 'paused' and tries again, so a start never waits on it.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new KafketteError('ILLEGAL_STATE', `bridge ${this.name}: start() was already called`, { bridge: this.name })
    this.state = 'running'
    try {
      await this.impl.start()
    } catch (err) {
      this.state = 'stopped'
      throw err
    }
  }

  /** Stops forwarding: waits for the step in flight, then disconnects from the cluster. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return this.stopped
    if (this.state === 'new') {
      this.state = 'stopped'
      this.stopped = Promise.resolve()
      return this.stopped
    }
    this.state = 'stopping'
    for (const wake of [...this.sleeps]) wake()
    this.stopped = (async () => {
      try {
        await this.impl.stop()
      } finally {
        this.state = 'stopped'
        this.emit('stop')
      }
    })()
    return this.stopped
  }

  /** Each partition's forwarding position and how far it is behind its source's high watermark. */
  lag(): BridgeProgress[] {
    return this.impl.lag()
  }

  /** @internal */
  progress(event: BridgeProgress): void {
    this.emit('progress', event)
  }

  /** @internal */
  paused(error: unknown, attempt: number, retryInMs: number): void {
    this.emit('paused', { error, attempt, retryInMs })
  }

  /** @internal Stops the bridge because of `error`, which 'error' reports. */
  fail(error: KafketteError): void {
    if (this.stopping) return
    this.emit('error', error)
    void this.stop()
  }

  /** @internal */
  sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve()
    const s = clockSleep(this.log.clock, ms)
    this.sleeps.add(s.cancel)
    return s.done.finally(() => this.sleeps.delete(s.cancel))
  }

  /** @internal */
  backoff(attempt: number): number {
    const { initialRetryTimeMs, maxRetryTimeMs, multiplier } = this.retry
    return Math.min(maxRetryTimeMs, initialRetryTimeMs * multiplier ** Math.max(0, attempt - 1))
  }
}

function validate(options: BridgeOptions): void {
  if (options === null || typeof options !== 'object') throw new TypeError('bridge: options must be an object')
  for (const k of Object.keys(options)) if (!OPTION_KEYS.has(k)) throw new TypeError(`bridge: unknown option ${JSON.stringify(k)}`)
  const { log, kafka, topics, direction, name, exactlyOnce, createTopics, batchSize, progressTopic, sessionTimeoutMs, retry } = options
  if (!log || typeof log !== 'object' || typeof (log as { describeTopic?: unknown }).describeTopic !== 'function') throw new TypeError('bridge: log must be a kafkette Log')
  if (!kafka || typeof kafka !== 'object' || typeof kafka.producer !== 'function' || typeof kafka.consumer !== 'function' || typeof kafka.admin !== 'function') {
    throw new TypeError('bridge: kafka must be a KafkaJS Kafka instance (with producer(), consumer() and admin())')
  }
  if (!Array.isArray(topics) || topics.length === 0 || topics.some((t) => typeof t !== 'string' || t.length === 0)) throw new TypeError('bridge: topics must be a non-empty array of topic names')
  if (direction !== 'out' && direction !== 'in') throw new TypeError(`bridge: direction must be 'out' or 'in', not ${JSON.stringify(direction)}`)
  if (typeof name !== 'string' || !NAME.test(name)) throw new TypeError(`bridge: name must be 1 to 200 of [a-zA-Z0-9._-] (it names a group, a transactional id and a topic), not ${JSON.stringify(name)}`)
  for (const [k, v] of [['exactlyOnce', exactlyOnce], ['createTopics', createTopics]] as const) {
    if (v !== undefined && typeof v !== 'boolean') throw new TypeError(`bridge: ${k} must be a boolean`)
  }
  if (batchSize !== undefined && (!Number.isSafeInteger(batchSize) || batchSize < 1)) throw new RangeError('bridge: batchSize must be a positive integer')
  if (sessionTimeoutMs !== undefined && (!Number.isSafeInteger(sessionTimeoutMs) || sessionTimeoutMs < 1)) throw new RangeError('bridge: sessionTimeoutMs must be a positive integer')
  if (progressTopic !== undefined && (typeof progressTopic !== 'string' || !NAME.test(progressTopic))) throw new TypeError('bridge: progressTopic must be a topic name')
  if (retry !== undefined) {
    if (retry === null || typeof retry !== 'object') throw new TypeError('bridge: retry must be an object')
    for (const [k, v] of Object.entries(retry)) {
      if (!RETRY_KEYS.has(k)) throw new TypeError(`bridge: unknown retry option ${JSON.stringify(k)}`)
      if (typeof v !== 'number' || !Number.isFinite(v) || v < (k === 'multiplier' ? 1 : 0)) throw new RangeError(`bridge: retry.${k} must be a number ≥ ${k === 'multiplier' ? 1 : 0}`)
    }
  }
  if (exactlyOnce && direction === 'in') {
    throw new KafketteError('NOT_IMPLEMENTED', "bridge: exactlyOnce is for direction 'out'; 'in' is at-least-once (a batch appended but not yet committed on the cluster is appended again after a restart)", { bridge: name })
  }
}

/**
 * Creates a bridge between `log` and the cluster that `kafka` (the application's KafkaJS
 * `Kafka` instance) reaches. `direction: 'out'` forwards every record of the local
 * `topics` to the cluster's topics of the same names; `'in'` mirrors the cluster's topics
 * into local topics with the same partitions. Call start(), and stop() when done.
 */
export function bridge(options: BridgeOptions): Bridge {
  return new Bridge(options)
}
