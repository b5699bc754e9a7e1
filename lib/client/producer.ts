// The Producer: validates and partitions messages, encodes one record batch per
// partition per send, and hands them to the log's group-commit queue as one atomic write.
// An idempotent producer numbers each partition's batches (Kafka's sequence numbers)
// and retries a failed write with the same numbers; a transactional one sends inside
// transactions (transaction.ts).
import { isRetriable, KafketteError } from '../errors.js'
import type { GroupCoordinator } from '../group/coordinator.js'
import type { CoreLog as Log, AppendEntry, Topic } from '../log/log.js'
import type { Partition } from '../log/partition.js'
import type { ProducerBatch } from '../log/transactions.js'
import { encodeFlat } from '../storage/batch-codec.js'
import type { Headers, Message, RecordMetadata } from '../types.js'
import type { TimerHandle } from '../util/clock.js'
import { holdProcess } from '../util/keep-alive.js'
import { assertDuration, checkOptions, isPlainObject, type OptionSchema } from '../util/validate.js'
import { murmur2Partition, type Partitioner } from './partitioners.js'
import { Transaction } from './transaction.js'

/** Options of log.producer(). */
export interface ProducerOptions {
  /** Picks the partition of messages without an explicit `partition` (default: murmur2 on keys, sticky per send without). */
  partitioner?: Partitioner
  /** fsync each write of this producer's messages (a log opened with `sync: true` fsyncs every write regardless). */
  sync?: boolean
  /** Waits this long on the log's clock to gather concurrent sends into one write (default 0: the next tick). */
  lingerMs?: number
  /**
   * Number each partition's batches with Kafka's sequence numbers under a producer id the
   * log gives, so a retried write is recognised and never written twice (default false;
   * true for a transactional producer).
   */
  idempotent?: boolean
  /** Makes the producer transactional: it sends inside `transaction()`s. One producer at a time holds an id; a newer one fences the older. */
  transactionalId?: string
  /** A transaction open longer than this on the log's clock is aborted (default 60000, Kafka's). */
  transactionTimeoutMs?: number
}

/** How often an idempotent producer writes a batch again after a retriable failure. */
const IDEMPOTENT_RETRIES = 5

/** A producer id and epoch. */
interface Identity {
  producerId: number
  producerEpoch: number
}

const PRODUCER_OPTIONS: OptionSchema<ProducerOptions> = { partitioner: 'function', sync: 'boolean', lingerMs: 'number', idempotent: 'boolean', transactionalId: 'string', transactionTimeoutMs: 'number' }

/** The records of one send bound for one partition, laid out as the batch codec packs them. */
interface Slot {
  partition: number
  flat: unknown[]
  count: number
  baseTimestamp: number
  maxTimestamp: number
}

interface Lingering {
  entries: AppendEntry[]
  resolve: (bases: number[]) => void
  reject: (err: unknown) => void
  offsetIn: number
}

/** Sends messages to topics of a log. */
export class Producer {
  private closed = false
  private closing = false
  /** Sends waiting for their topic to be created. */
  private readonly creating = new Set<Promise<RecordMetadata[]>>()
  private sticky = 0
  private lingering: Lingering[] = []
  private lingerTimer: TimerHandle | undefined
  /** The producer id and epoch (idempotent producers), once the log gave them. */
  private identity: Identity | undefined
  private initializing: Promise<Identity> | undefined
  /** The next sequence number per partition. */
  private readonly sequences = new Map<Partition, number>()
  /** Sends in flight, in order: a retry waits for the ones before it. */
  private flights: Array<Promise<unknown>> = []
  /** The open transaction, if any. */
  private current: Transaction | undefined
  /** Set once a newer producer took the transactionalId. */
  private fenced = false
  /** @internal */ readonly idempotent: boolean
  /** @internal */ readonly transactionalId: string | undefined
  /** @internal */ readonly transactionTimeoutMs: number

  /** @internal Use log.producer(). */
  constructor(
    /** @internal */ readonly log: Log,
    private readonly options: ProducerOptions = {},
    /** @internal */ readonly groups?: () => GroupCoordinator,
  ) {
    if (!isPlainObject(options)) throw new TypeError('producer: options must be an object')
    checkOptions<ProducerOptions>('producer', options, PRODUCER_OPTIONS)
    if (options.partitioner !== undefined && typeof options.partitioner !== 'function') throw new TypeError('producer: partitioner must be a function')
    if (options.sync !== undefined && typeof options.sync !== 'boolean') throw new TypeError('producer: sync must be a boolean')
    if (options.lingerMs !== undefined) assertDuration(options.lingerMs, 'producer: lingerMs')
    if (options.idempotent !== undefined && typeof options.idempotent !== 'boolean') throw new TypeError('producer: idempotent must be a boolean')
    const { transactionalId, transactionTimeoutMs } = options
    if (transactionalId !== undefined && (typeof transactionalId !== 'string' || transactionalId.length === 0)) throw new TypeError('producer: transactionalId must be a non-empty string')
    if (transactionalId !== undefined && options.idempotent === false) throw new TypeError('producer: a transactional producer is idempotent (idempotent: false contradicts transactionalId)')
    if (transactionTimeoutMs !== undefined) {
      if (transactionalId === undefined) throw new TypeError('producer: transactionTimeoutMs needs a transactionalId')
      if (typeof transactionTimeoutMs !== 'number' || !Number.isSafeInteger(transactionTimeoutMs) || transactionTimeoutMs < 1 || transactionTimeoutMs > 0x7fffffff) {
        throw new RangeError(`producer: transactionTimeoutMs must be an integer from 1 to 2147483647 milliseconds, got ${String(transactionTimeoutMs)}`)
      }
    }
    this.transactionalId = transactionalId
    this.idempotent = transactionalId !== undefined || options.idempotent === true
    this.transactionTimeoutMs = transactionTimeoutMs ?? 60_000
    this.sticky = Math.floor(Math.random() * 0x7fffffff)
    log.track(this)
  }

  /** The producer id and epoch the log gave this producer (idempotent and transactional producers, once they sent or began a transaction). */
  get producerId(): { producerId: number; producerEpoch: number } | undefined {
    return this.identity ? { ...this.identity } : undefined
  }

  /**
   * Appends messages to a topic; resolves once they are in the store (in LevelDB's
   * write-ahead log), with one { topic, partition, offset, timestamp } per message, in
   * order. All messages of one send are written atomically. Nothing is written when
   * any message is invalid.
   */
  async send<V>(topic: string, messages: Message<V> | readonly Message<V>[]): Promise<RecordMetadata[]> {
    if (this.transactionalId !== undefined) {
      this.assertOpen()
      throw new KafketteError('INVALID_TXN_STATE', `producer ${this.transactionalId} is transactional: send inside a transaction (await producer.transaction(), then tx.send)`, { transactionalId: this.transactionalId })
    }
    return this.sendAs(topic, messages, undefined)
  }

  /** @internal A send, inside `tx` when given (its records are transactional). */
  async sendAs<V>(topic: string, messages: Message<V> | readonly Message<V>[], tx: Transaction | undefined): Promise<RecordMetadata[]> {
    this.assertOpen()
    const list = Array.isArray(messages) ? (messages as readonly Message<V>[]) : [messages as Message<V>]
    if (list.length === 0) return []
    if (this.log.hasTopic(topic)) return this.write(this.log.requireTopic(topic), list, tx)
    // The topic is created first. close() waits for such a send, so a send made before
    // close() is written rather than refused halfway.
    const release = holdProcess()
    const sending = this.log.ensureTopic(topic).then((t) => {
      this.log.assertOpen()
      return this.write(t, list, tx)
    })
    this.creating.add(sending)
    const settled = (): void => {
      this.creating.delete(sending)
      release()
    }
    sending.then(settled, settled)
    return sending
  }

  private async write(t: Topic, list: readonly Message[], tx: Transaction | undefined): Promise<RecordMetadata[]> {
    const topic = t.name
    let identity: Identity | undefined
    if (tx !== undefined) {
      tx.assertCurrent()
      identity = tx.identity
    } else if (this.idempotent) {
      identity = this.identity ?? (await this.init())
    }
    const { entries, placement, timestamps, now } = this.build(t, list, identity, tx !== undefined)
    // The process stays alive until the send is written (a linger waits on an unref'd timer).
    const release = holdProcess()
    let bases: number[]
    try {
      bases = identity === undefined ? await this.submit(entries) : await this.submitIdempotent(entries)
    } finally {
      release()
    }
    const n = list.length
    const out = new Array<RecordMetadata>(n)
    if (placement === undefined) {
      // one partition: offsets run on from the batch's base
      const partition = entries[0]!.partition.index
      const base = bases[0]!
      for (let i = 0; i < n; i++) out[i] = { topic, partition, offset: base + i, timestamp: timestamps === undefined ? now : timestamps[i]! }
      return out
    }
    for (let i = 0; i < n; i++) {
      const slot = placement[i]!
      out[i] = { topic, partition: entries[slot]!.partition.index, offset: bases[slot]!++, timestamp: timestamps === undefined ? now : timestamps[i]! }
    }
    return out
  }

  /**
   * @internal The sequenced append path, for the wire listener's Produce from an
   * idempotent client (and the specs): appends `messages` to one partition as one batch
   * carrying the client's producer id, epoch and base sequence, which the log checks as
   * Kafka's partition leader does. A retry of one of the producer's last five batches there
   * is answered with its original offsets and written nothing; a gap throws
   * OUT_OF_ORDER_SEQUENCE_NUMBER, an old epoch INVALID_PRODUCER_EPOCH, an id the log never
   * gave UNKNOWN_PRODUCER_ID (ids come from log.initProducerId()). Not retried here: the
   * client retries with the same sequence.
   */
  async sendSequenced<V>(topic: string, partition: number, messages: readonly Message<V>[], fields: ProducerBatch): Promise<RecordMetadata[]> {
    this.assertOpen()
    if (!Array.isArray(messages) || messages.length === 0) throw new TypeError('sendSequenced: expected a non-empty array of messages')
    if (!isPlainObject(fields)) throw new TypeError('sendSequenced: expected { producerId, producerEpoch, baseSequence, transactional }')
    for (const k of ['producerId', 'producerEpoch', 'baseSequence'] as const) {
      if (typeof fields[k] !== 'number' || !Number.isSafeInteger(fields[k]) || fields[k] < 0) throw new RangeError(`sendSequenced: ${k} must be a safe integer ≥ 0, got ${String(fields[k])}`)
    }
    const t = this.log.hasTopic(topic) ? this.log.requireTopic(topic) : await this.log.ensureTopic(topic)
    const list = messages.map((m) => (isPlainObject(m) ? { ...m, partition } : m))
    const { entries, timestamps, now } = this.build(t, list, { producerId: fields.producerId, producerEpoch: fields.producerEpoch }, fields.transactional === true, fields.baseSequence)
    const [base] = await this.log.append(entries, this.options.sync ?? false)
    return list.map((_, i) => ({ topic, partition, offset: base! + i, timestamp: timestamps === undefined ? now : timestamps[i]! }))
  }

  private build(topic: Topic, list: readonly Message[], identity: Identity | undefined, transactional: boolean, baseSequence?: number) {
    const partitions = topic.partitions.length
    const now = this.log.clock.now()
    const logAppendTime = topic.config.messageTimestampType === 'LogAppendTime'
    const compacted = topic.config.cleanupPolicy !== 'delete'
    // One slot per partition written: its records laid out flat, as the codec packs them.
    const slots: Slot[] = []
    let slotOf: Map<number, number> | undefined // made once a second partition appears
    let lastPartition = -1
    let lastSlot = 0
    // Made only when needed: the slot of each message (more than one partition), and each
    // message's timestamp (some message carries its own).
    let placement: number[] | undefined
    let timestamps: number[] | undefined
    const keyless = this.sticky++ % partitions
    for (let i = 0; i < list.length; i++) {
      const m = list[i]!
      if (!isPlainObject(m)) throw new TypeError(`send: message ${i} must be an object with a value, got ${m === null ? 'null' : typeof m}`)
      const key = m.key ?? null
      if (key !== null && typeof key !== 'string' && !(key instanceof Uint8Array)) {
        throw new TypeError(`send: message ${i} key must be a string, a Uint8Array or null, got ${typeof key}`)
      }
      if (compacted && key === null) {
        throw new KafketteError('INVALID_RECORD', `send: message ${i} has no key, and topic ${topic.name} is compacted (every record needs a key)`, { topic: topic.name })
      }
      const headers = m.headers ?? null
      if (headers !== null) checkHeaders(headers, i)
      let timestamp = now
      if (m.timestamp !== undefined) {
        if (typeof m.timestamp !== 'number' || !Number.isSafeInteger(m.timestamp) || m.timestamp < 0) {
          throw new RangeError(`send: message ${i} timestamp must be an integer number of milliseconds ≥ 0, got ${String(m.timestamp)}`)
        }
        if (!logAppendTime) timestamp = m.timestamp
        if (timestamps === undefined && timestamp !== now) timestamps = new Array<number>(list.length).fill(now, 0, i)
      }
      let partition: number
      if (m.partition !== undefined) {
        partition = m.partition
        if (typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0 || partition >= partitions) {
          throw new KafketteError('UNKNOWN_TOPIC_OR_PARTITION', `send: message ${i} partition ${String(partition)} is not in topic ${topic.name} (0..${partitions - 1})`, { topic: topic.name, partition })
        }
      } else if (this.options.partitioner) {
        try {
          partition = this.options.partitioner({ topic: topic.name, partitions, key, value: m.value })
        } catch (err) {
          throw new KafketteError('CALLBACK_ERROR', `send: the partitioner threw for message ${i} to ${topic.name}: ${err instanceof Error ? err.message : String(err)}`, { topic: topic.name }, { cause: err })
        }
        if (!Number.isInteger(partition) || partition < 0 || partition >= partitions) {
          throw new KafketteError('UNKNOWN_TOPIC_OR_PARTITION', `send: the partitioner returned ${String(partition)} for message ${i}, outside 0..${partitions - 1} of ${topic.name}`, { topic: topic.name })
        }
      } else {
        partition = key === null ? keyless : murmur2Partition(key, partitions)
      }
      if (partition !== lastPartition) {
        let slot = slotOf !== undefined ? slotOf.get(partition) : slots.length === 0 ? undefined : slots[0]!.partition === partition ? 0 : undefined
        if (slot === undefined) {
          slot = slots.length
          slots.push({ partition, flat: [], count: 0, baseTimestamp: timestamp, maxTimestamp: timestamp })
          if (slot === 1) {
            placement = new Array<number>(list.length).fill(0, 0, i)
            slotOf = new Map([[slots[0]!.partition, 0]])
          }
          slotOf?.set(partition, slot)
        }
        lastPartition = partition
        lastSlot = slot
      }
      const s = slots[lastSlot]!
      s.flat.push(timestamp - s.baseTimestamp, key, m.value, headers)
      s.count++
      if (timestamp > s.maxTimestamp) s.maxTimestamp = timestamp
      if (placement !== undefined) placement[i] = lastSlot
      if (timestamps !== undefined) timestamps[i] = timestamp
    }
    const limit = topic.config.maxMessageBytes
    const entries: AppendEntry[] = slots.map((s) => {
      const part = topic.partitions[s.partition]!
      // Sequence numbers are taken below, once every batch of the send is encoded and fits.
      const producer: ProducerBatch | undefined = identity && { producerId: identity.producerId, producerEpoch: identity.producerEpoch, baseSequence: baseSequence ?? this.sequences.get(part) ?? 0, transactional }
      const bytes = encodeFlat(s.baseTimestamp, s.flat, null, producer ? { ...producer, control: false } : null)
      if (limit > 0 && bytes.length > limit) {
        throw new KafketteError('MESSAGE_TOO_LARGE', `send: the batch for ${topic.name}/${s.partition} is ${bytes.length} bytes, above maxMessageBytes ${limit}`, { topic: topic.name, partition: s.partition })
      }
      return producer ? { partition: part, bytes, count: s.count, maxTimestamp: s.maxTimestamp, producer } : { partition: part, bytes, count: s.count, maxTimestamp: s.maxTimestamp }
    })
    if (baseSequence === undefined) for (const e of entries) if (e.producer) this.sequences.set(e.partition, (e.producer.baseSequence + e.count) % 0x8000_0000)
    return { entries, placement, timestamps, now }
  }

  /** The log's producer id for this (idempotent, not transactional) producer, asked once. */
  private init(): Promise<Identity> {
    this.initializing ??= this.log.initProducerId().then(
      (id) => (this.identity = id),
      (err: unknown) => {
        this.initializing = undefined
        throw err
      },
    )
    return this.initializing
  }

  /**
   * Submits an idempotent send. A retriable failure (nothing was written) is tried again
   * with the same sequence numbers, after the sends before it settled; so is a sequence
   * refused because a batch before it failed. When it gives up, the producer starts a
   * new epoch, whose sequence numbers start at 0 again.
   */
  private async submitIdempotent(entries: AppendEntry[]): Promise<number[]> {
    const earlier = this.flights
    let settle!: () => void
    const flight = new Promise<void>((resolve) => (settle = resolve))
    this.flights = [...earlier.slice(-16), flight]
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          return await (attempt === 0 ? this.submit(entries) : this.log.append(entries, this.options.sync ?? false))
        } catch (err) {
          const again = isRetriable(err) || (err instanceof KafketteError && err.code === 'OUT_OF_ORDER_SEQUENCE_NUMBER' && attempt === 0 && earlier.length > 0)
          if (!again || attempt >= IDEMPOTENT_RETRIES || this.log.isClosed) {
            if (this.transactionalId === undefined && this.identity && entries[0]!.producer!.producerEpoch === this.identity.producerEpoch) {
              this.identity = { producerId: this.identity.producerId, producerEpoch: this.log.producerStates.bumpEpoch(this.identity.producerId) }
              this.sequences.clear()
            }
            throw err
          }
          await Promise.allSettled(earlier)
        }
      }
    } finally {
      settle()
      this.flights = this.flights.filter((f) => f !== flight)
    }
  }

  /**
   * Begins a transaction (transactional producers only; one open at a time). The first
   * call takes the transactionalId: a transaction a previous holder left open (in this
   * process, or in one that died) is aborted, and that holder is fenced.
   */
  async transaction(): Promise<Transaction> {
    this.assertOpen()
    const id = this.transactionalId
    if (id === undefined) throw new KafketteError('INVALID_TXN_STATE', 'transaction() needs a producer with a transactionalId')
    if (this.fenced) throw new KafketteError('PRODUCER_FENCED', `producer ${id} was fenced by a newer producer with the same transactionalId`, { transactionalId: id })
    if (this.current?.isActive()) throw new KafketteError('INVALID_TXN_STATE', `producer ${id} already has an open transaction: commit or abort it first`, { transactionalId: id })
    const txn = this.log.producerStates.txn(id)
    if (this.identity === undefined || txn === undefined || txn.owner !== this) {
      if (this.identity !== undefined) {
        this.fenced = true
        throw new KafketteError('PRODUCER_FENCED', `producer ${id} was fenced by a newer producer with the same transactionalId`, { transactionalId: id })
      }
      this.initializing ??= this.log.initTransactions(id, this.transactionTimeoutMs, this).finally(() => (this.initializing = undefined))
      this.identity = await this.initializing
      this.sequences.clear()
      this.assertOpen()
    } else if (txn.producerId !== this.identity.producerId || txn.epoch !== this.identity.producerEpoch) {
      // The log aborted the last transaction (its timeout) and moved on to a new epoch: take it.
      this.identity = { producerId: txn.producerId, producerEpoch: txn.epoch }
      this.sequences.clear()
    }
    if (this.current?.isActive()) throw new KafketteError('INVALID_TXN_STATE', `producer ${id} already has an open transaction: commit or abort it first`, { transactionalId: id })
    this.current = new Transaction(this, { ...this.identity })
    return this.current
  }

  /** @internal After a transaction ended: adopt the epoch it left (an abort starts a new one, and sequence numbers start again). */
  ended(tx: Transaction, identity: Identity | undefined): void {
    if (this.current === tx) this.current = undefined
    if (identity && (identity.producerId !== this.identity?.producerId || identity.producerEpoch !== this.identity.producerEpoch)) {
      this.identity = identity
      this.sequences.clear()
    }
  }

  /** @internal Marks the producer fenced. */
  fence(): void {
    this.fenced = true
  }

  private submit(entries: AppendEntry[]): Promise<number[]> {
    const linger = this.options.lingerMs ?? 0
    if (linger <= 0) return this.log.append(entries, this.options.sync ?? false)
    return new Promise((resolve, reject) => {
      this.lingering.push({ entries, resolve, reject, offsetIn: 0 })
      this.lingerTimer ??= this.log.clock.setTimeout(() => void this.flushLingering(), linger)
    })
  }

  private flushLingering(): Promise<void> {
    this.log.clock.clearTimeout(this.lingerTimer)
    this.lingerTimer = undefined
    const waiting = this.lingering
    this.lingering = []
    if (waiting.length === 0) return Promise.resolve()
    const all: AppendEntry[] = []
    for (const w of waiting) {
      w.offsetIn = all.length
      all.push(...w.entries)
    }
    return this.log.append(all, this.options.sync ?? false).then(
      (bases) => {
        for (const w of waiting) w.resolve(bases.slice(w.offsetIn, w.offsetIn + w.entries.length))
      },
      (err: unknown) => {
        for (const w of waiting) w.reject(err)
      },
    )
  }

  /** Writes whatever is lingering and waits until every send queued on the log is written. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.creating])
    await this.flushLingering()
    await this.log.drain()
  }

  /** Closes the producer, as close() does: `await using producer = log.producer()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  /**
   * Refuses further sends (LOG_CLOSED), then writes every send made before it (lingering
   * or creating its topic) and waits for them. An idempotent producer's state is then
   * forgotten (nothing can retry its batches any more); a transaction left open stays
   * open, as in Kafka, until a new producer takes the transactionalId or it times out.
   */
  async close(): Promise<void> {
    if (this.closed) return
    this.closing = true
    await Promise.allSettled([...this.creating])
    await this.flush()
    this.closed = true
    this.log.untrack(this)
    if (this.transactionalId === undefined && this.identity && !this.log.isClosed) {
      await this.log.producerStates.forget(this.identity.producerId, this.options.sync ?? false).catch(() => undefined)
    }
  }

  private assertOpen(): void {
    if (this.closed || this.closing) throw new KafketteError('LOG_CLOSED', `the producer of ${this.log.label} is closed`, { log: this.log.location })
    this.log.assertOpen()
  }
}

function checkHeaders(headers: unknown, i: number): asserts headers is Headers {
  if (!isPlainObject(headers)) throw new TypeError(`send: message ${i} headers must be an object of strings or bytes`)
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    const ok = (v: unknown) => typeof v === 'string' || v instanceof Uint8Array
    if (!ok(value) && !(Array.isArray(value) && value.every(ok))) {
      throw new TypeError(`send: message ${i} header ${JSON.stringify(name)} must be a string, a Uint8Array or an array of them, got ${typeof value}`)
    }
  }
}
