// The Producer: validates and partitions messages, encodes one record batch per
// partition per send, and hands them to the log's group-commit queue as one atomic write.
import { KafketteError } from '../errors.js'
import type { CoreLog as Log, AppendEntry, Topic } from '../log/log.js'
import { encodeFlat } from '../storage/batch-codec.js'
import type { Headers, Message, RecordMetadata } from '../types.js'
import type { TimerHandle } from '../util/clock.js'
import { holdProcess } from '../util/keep-alive.js'
import { assertDuration, checkOptions, isPlainObject, type OptionSchema } from '../util/validate.js'
import { murmur2Partition, type Partitioner } from './partitioners.js'

/** Options of log.producer(). */
export interface ProducerOptions {
  /** Picks the partition of messages without an explicit `partition` (default: murmur2 on keys, sticky per send without). */
  partitioner?: Partitioner
  /** fsync each write of this producer's messages (a log opened with `sync: true` fsyncs every write regardless). */
  sync?: boolean
  /** Waits this long on the log's clock to gather concurrent sends into one write (default 0: the next tick). */
  lingerMs?: number
  /** Deduplicate retried sends. Not provided yet: true throws NOT_IMPLEMENTED. */
  idempotent?: boolean
}

const PRODUCER_OPTIONS: OptionSchema<ProducerOptions> = { partitioner: 'function', sync: 'boolean', lingerMs: 'number', idempotent: 'boolean' }

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

  /** @internal Use log.producer(). */
  constructor(
    private readonly log: Log,
    private readonly options: ProducerOptions = {},
  ) {
    if (!isPlainObject(options)) throw new TypeError('producer: options must be an object')
    checkOptions<ProducerOptions>('producer', options, PRODUCER_OPTIONS)
    if (options.partitioner !== undefined && typeof options.partitioner !== 'function') throw new TypeError('producer: partitioner must be a function')
    if (options.sync !== undefined && typeof options.sync !== 'boolean') throw new TypeError('producer: sync must be a boolean')
    if (options.lingerMs !== undefined) assertDuration(options.lingerMs, 'producer: lingerMs')
    if (options.idempotent) throw new KafketteError('NOT_IMPLEMENTED', 'idempotent producers are not provided yet')
    this.sticky = Math.floor(Math.random() * 0x7fffffff)
    log.track(this)
  }

  /**
   * Appends messages to a topic; resolves once they are in the store (in LevelDB's
   * write-ahead log), with one { topic, partition, offset, timestamp } per message, in
   * order. All messages of one send are written atomically. Nothing is written when
   * any message is invalid.
   */
  async send<V>(topic: string, messages: Message<V> | readonly Message<V>[]): Promise<RecordMetadata[]> {
    this.assertOpen()
    const list = Array.isArray(messages) ? (messages as readonly Message<V>[]) : [messages as Message<V>]
    if (list.length === 0) return []
    if (this.log.hasTopic(topic)) return this.write(this.log.requireTopic(topic), list)
    // The topic is created first. close() waits for such a send, so a send made before
    // close() is written rather than refused halfway.
    const release = holdProcess()
    const sending = this.log.ensureTopic(topic).then((t) => {
      this.log.assertOpen()
      return this.write(t, list)
    })
    this.creating.add(sending)
    const settled = (): void => {
      this.creating.delete(sending)
      release()
    }
    sending.then(settled, settled)
    return sending
  }

  private async write(t: Topic, list: readonly Message[]): Promise<RecordMetadata[]> {
    const topic = t.name
    const { entries, placement, timestamps, now } = this.build(t, list)
    // The process stays alive until the send is written (a linger waits on an unref'd timer).
    const release = holdProcess()
    let bases: number[]
    try {
      bases = await this.submit(entries)
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

  private build(topic: Topic, list: readonly Message[]) {
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
      const bytes = encodeFlat(s.baseTimestamp, s.flat)
      if (limit > 0 && bytes.length > limit) {
        throw new KafketteError('MESSAGE_TOO_LARGE', `send: the batch for ${topic.name}/${s.partition} is ${bytes.length} bytes, above maxMessageBytes ${limit}`, { topic: topic.name, partition: s.partition })
      }
      return { partition: topic.partitions[s.partition]!, bytes, count: s.count, maxTimestamp: s.maxTimestamp }
    })
    return { entries, placement, timestamps, now }
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

  /** Refuses further sends (LOG_CLOSED), then writes every send made before it (lingering or creating its topic) and waits for them. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closing = true
    await Promise.allSettled([...this.creating])
    await this.flush()
    this.closed = true
    this.log.untrack(this)
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
