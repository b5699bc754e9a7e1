// The Consumer's fetch engine: a cursor per assigned partition (its position, a buffer
// of fetched records, paused or not), polled round-robin. A consumer at the end of its
// partitions sleeps until an append wakes it; nothing polls the store on a timer.
import { EventEmitter } from 'eventemitter3'
import { KafketteError } from '../errors.js'
import type { CoreLog as Log } from '../log/log.js'
import type { Partition } from '../log/partition.js'
import type { ConsumedMessage, TopicPartition, TopicPartitionOffset } from '../types.js'
import type { TimerHandle } from '../util/clock.js'
import { assertDuration, assertOffset, assertPartitionNumber, assertPositiveInt, assertTopicName, isPlainObject } from '../util/validate.js'

/** What a consumer does when its position is outside [log start, high watermark]. */
export type OffsetReset = 'earliest' | 'latest' | 'none'

/** Options of log.consumer(). */
export interface ConsumerOptions {
  /** Start at the log start offset where there is no committed offset (default false: at the high watermark). */
  fromBeginning?: boolean
  /** When a position falls out of range: 'earliest', 'latest', or 'none' (poll throws OFFSET_OUT_OF_RANGE). Default: 'earliest' with fromBeginning, else 'latest'. */
  autoOffsetReset?: OffsetReset
  /** The most records one poll returns (default 500). */
  maxPollRecords?: number
}

/** Options of poll(). */
export interface PollOptions {
  /** The most records to return (default: the consumer's maxPollRecords). */
  maxRecords?: number
  /** How long to wait on the log's clock when nothing is ready (default 1000; Infinity waits for data or close). */
  timeoutMs?: number
}

/** Events a consumer emits (data never travels here: only notices). */
export interface ConsumerEvents {
  /** The position of a partition was reset after it fell out of range. */
  'offset.reset': (event: { topic: string; partition: number; from: number; to: number }) => void
  /** The consumer closed. */
  stop: () => void
}

interface Cursor {
  readonly topic: string
  readonly partition: number
  part: Partition
  position: number
  buffer: ConsumedMessage[]
  next: number
  paused: boolean
  /** A fetch already under way from the offset after the buffer (read-ahead). */
  ahead: { from: number; result: Promise<ConsumedMessage[] | KafketteError> } | undefined
}

function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`
}

/** Reads partitions of a log: assigned by hand (assign/seek/poll) or, with a groupId, by a group. */
export class Consumer extends EventEmitter<ConsumerEvents> {
  /** @internal */ protected readonly cursors = new Map<string, Cursor>()
  /** @internal */ protected closed = false
  private order: Cursor[] = []
  private rr = 0
  private wakers = new Set<() => void>()
  private readonly maxPollRecords: number
  private readonly autoOffsetReset: OffsetReset

  /** @internal Use log.consumer(). */
  constructor(
    /** @internal */ protected readonly log: Log,
    protected readonly options: ConsumerOptions = {},
  ) {
    super()
    if (!isPlainObject(options)) throw new TypeError('consumer: options must be an object')
    if (options.fromBeginning !== undefined && typeof options.fromBeginning !== 'boolean') throw new TypeError('consumer: fromBeginning must be a boolean')
    if (options.autoOffsetReset !== undefined && !['earliest', 'latest', 'none'].includes(options.autoOffsetReset)) {
      throw new TypeError(`consumer: autoOffsetReset must be 'earliest', 'latest' or 'none', got ${String(options.autoOffsetReset)}`)
    }
    if (options.maxPollRecords !== undefined) assertPositiveInt(options.maxPollRecords, 'consumer: maxPollRecords')
    this.maxPollRecords = options.maxPollRecords ?? 500
    this.autoOffsetReset = options.autoOffsetReset ?? (options.fromBeginning ? 'earliest' : 'latest')
    log.track(this)
  }

  /**
   * Reads exactly these partitions (replacing any earlier assignment). A new partition
   * starts at its log start offset with fromBeginning, else at its high watermark.
   */
  assign(partitions: readonly TopicPartition[]): void {
    this.assertOpen()
    if (!Array.isArray(partitions)) throw new TypeError('assign: expected an array of { topic, partition }')
    const parts = partitions.map((tp, i) => {
      if (!isPlainObject(tp)) throw new TypeError(`assign: entry ${i} must be { topic, partition }`)
      assertTopicName(tp.topic)
      assertPartitionNumber(tp.partition, `assign: entry ${i} partition`)
      return this.log.requirePartition(tp.topic, tp.partition)
    })
    this.setAssignment(parts.map((part) => ({ part })))
  }

  /** @internal Replaces the assignment; partitions kept keep their cursor. */
  protected setAssignment(next: Array<{ part: Partition; position?: number }>): void {
    const keep = new Map<string, Cursor>()
    for (const { part, position } of next) {
      const key = tpKey(part.topic, part.index)
      const existing = this.cursors.get(key)
      if (existing && existing.part === part) {
        if (position !== undefined) this.moveTo(existing, position)
        keep.set(key, existing)
        continue
      }
      keep.set(key, {
        topic: part.topic,
        partition: part.index,
        part,
        position: position ?? (this.options.fromBeginning ? part.logStartOffset : part.highWatermark),
        buffer: [],
        next: 0,
        paused: existing?.paused ?? false,
        ahead: undefined,
      })
    }
    this.cursors.clear()
    for (const [k, c] of keep) this.cursors.set(k, c)
    this.order = [...keep.values()]
    this.rr = 0
    this.wakeup()
  }

  /** The partitions this consumer reads. */
  assignment(): TopicPartition[] {
    return this.order.map((c) => ({ topic: c.topic, partition: c.partition }))
  }

  /** Moves a partition's position: the next poll returns `offset` onwards. Checked against the log at the next poll. */
  seek(target: TopicPartitionOffset): void {
    this.assertOpen()
    if (!isPlainObject(target)) throw new TypeError('seek: expected { topic, partition, offset }')
    assertTopicName(target.topic)
    assertPartitionNumber(target.partition, 'seek: partition')
    assertOffset(target.offset, 'seek: offset')
    this.moveTo(this.requireCursor(target.topic, target.partition), target.offset)
    this.wakeup()
  }

  /** @internal */
  protected moveTo(cursor: Cursor, offset: number): void {
    cursor.position = offset
    cursor.buffer = []
    cursor.next = 0
    cursor.ahead = undefined
  }

  /** The next offset to be returned, for one partition, or for every assigned partition. */
  position(tp: TopicPartition): number
  position(): TopicPartitionOffset[]
  position(tp?: TopicPartition): number | TopicPartitionOffset[] {
    this.assertOpen()
    if (tp === undefined) return this.order.map((c) => ({ topic: c.topic, partition: c.partition, offset: c.position }))
    return this.requireCursor(tp.topic, tp.partition).position
  }

  /** How far each assigned partition's position is behind its high watermark. */
  lag(): Array<TopicPartitionOffset & { highWatermark: number; lag: number }> {
    this.assertOpen()
    return this.order.map((c) => ({
      topic: c.topic,
      partition: c.partition,
      offset: c.position,
      highWatermark: c.part.highWatermark,
      lag: Math.max(0, c.part.highWatermark - c.position),
    }))
  }

  /** Stops returning records of these partitions (a topic without partition: all of its partitions). */
  pause(targets: ReadonlyArray<{ topic: string; partitions?: number[]; partition?: number }>): void {
    this.setPaused(targets, true)
  }

  /** Returns records of these partitions again. */
  resume(targets: ReadonlyArray<{ topic: string; partitions?: number[]; partition?: number }>): void {
    this.setPaused(targets, false)
    this.wakeup()
  }

  /** The paused partitions. */
  paused(): TopicPartition[] {
    return this.order.filter((c) => c.paused).map((c) => ({ topic: c.topic, partition: c.partition }))
  }

  private setPaused(targets: ReadonlyArray<{ topic: string; partitions?: number[]; partition?: number }>, paused: boolean): void {
    this.assertOpen()
    if (!Array.isArray(targets)) throw new TypeError('pause/resume: expected an array of { topic, partitions? }')
    for (const t of targets) {
      if (!isPlainObject(t)) throw new TypeError('pause/resume: each entry must be { topic, partitions? }')
      assertTopicName(t.topic)
      const only = t.partitions ?? (t.partition !== undefined ? [t.partition] : undefined)
      for (const c of this.order) {
        if (c.topic === t.topic && (only === undefined || only.includes(c.partition))) c.paused = paused
      }
    }
  }

  /**
   * Returns the next records of the assigned partitions (round-robin, order kept within
   * each), waiting up to `timeoutMs` on the log's clock when none are ready. Returns []
   * on timeout or once the consumer is closed.
   */
  async poll(options: PollOptions = {}): Promise<ConsumedMessage[]> {
    this.assertOpen()
    if (!isPlainObject(options)) throw new TypeError('poll: options must be an object')
    const maxRecords = options.maxRecords ?? this.maxPollRecords
    assertPositiveInt(maxRecords, 'poll: maxRecords')
    const timeoutMs = options.timeoutMs ?? 1000
    if (timeoutMs !== Infinity) assertDuration(timeoutMs, 'poll: timeoutMs')
    const deadline = timeoutMs === Infinity ? Infinity : this.log.clock.now() + timeoutMs
    for (;;) {
      if (this.closed) return []
      const out = await this.take(maxRecords)
      if (out.length > 0 || this.closed) return out
      const left = deadline - this.log.clock.now()
      if (left <= 0) return []
      if (!this.ready()) await this.waitForData(left)
    }
  }

  /** Yields records one by one until the consumer is closed. */
  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumedMessage, void, undefined> {
    while (!this.closed) {
      const batch = await this.poll({ timeoutMs: Infinity })
      for (const m of batch) yield m
    }
  }

  /** @internal Up to `max` ready records, fetching from the log where a buffer is empty. */
  protected async take(max: number): Promise<ConsumedMessage[]> {
    const out: ConsumedMessage[] = []
    const n = this.order.length
    for (let k = 0; k < n && out.length < max; k++) {
      const c = this.order[(this.rr + k) % n]!
      if (c.paused) continue
      if (c.next >= c.buffer.length) {
        if (!(await this.fill(c, max - out.length))) continue
        if (this.closed || this.cursors.get(tpKey(c.topic, c.partition)) !== c || c.paused) continue
      }
      const end = Math.min(c.buffer.length, c.next + (max - out.length))
      for (let i = c.next; i < end; i++) out.push(c.buffer[i]!)
      c.next = end
      c.position = out[out.length - 1]!.offset + 1
      if (c.next >= c.buffer.length) {
        c.buffer = []
        c.next = 0
      }
    }
    if (n > 0) this.rr = (this.rr + 1) % n
    return out
  }

  /**
   * Fetches into an empty buffer; false when nothing is there. While more records wait
   * in the log, the next fetch starts at once, so reading the store overlaps with the
   * application's work on this buffer.
   */
  private async fill(c: Cursor, max: number): Promise<boolean> {
    const part = c.part
    if (c.position === part.highWatermark && !part.deleted) return false
    const from = c.position
    const ahead = c.ahead
    c.ahead = undefined
    let records: ConsumedMessage[]
    try {
      const fetched = ahead && ahead.from === from ? await ahead.result : await this.log.fetch(part, from, max)
      if (fetched instanceof KafketteError) throw fetched
      records = fetched
    } catch (err) {
      if (!(err instanceof KafketteError && err.code === 'OFFSET_OUT_OF_RANGE') || this.autoOffsetReset === 'none') throw err
      if (c.position !== from) return false
      const to = this.autoOffsetReset === 'earliest' ? part.logStartOffset : part.highWatermark
      this.moveTo(c, to)
      this.emit('offset.reset', { topic: c.topic, partition: c.partition, from, to })
      return this.fill(c, max)
    }
    if (c.position !== from || records.length === 0) return false
    c.buffer = records
    c.next = 0
    const next = records[records.length - 1]!.offset + 1
    if (next < part.highWatermark && c.ahead === undefined) {
      c.ahead = { from: next, result: this.log.fetch(part, next, max).catch((err: unknown) => (err instanceof KafketteError ? err : new KafketteError('LOG_IO_ERROR', String(err), {}, { cause: err }))) }
    }
    return true
  }

  /** True when some unpaused partition has records ready or waiting in the log. */
  private ready(): boolean {
    for (const c of this.order) {
      if (!c.paused && (c.next < c.buffer.length || c.position !== c.part.highWatermark || c.part.deleted)) return true
    }
    return false
  }

  private waitForData(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const cancels: Array<() => void> = []
      let timer: TimerHandle | undefined
      const done = (): void => {
        for (const cancel of cancels) cancel()
        this.log.clock.clearTimeout(timer)
        this.wakers.delete(done)
        resolve()
      }
      this.wakers.add(done)
      for (const c of this.order) if (!c.paused) cancels.push(c.part.onNextAppend(done))
      if (ms !== Infinity) timer = this.log.clock.setTimeout(done, ms)
    })
  }

  /** @internal Ends any wait in poll, so it looks again. */
  protected wakeup(): void {
    for (const w of [...this.wakers]) w()
  }

  /** @internal */
  protected requireCursor(topic: string, partition: number): Cursor {
    const c = this.cursors.get(tpKey(topic, partition))
    if (!c) throw new KafketteError('UNKNOWN_TOPIC_OR_PARTITION', `${topic}/${partition} is not assigned to this consumer`, { topic, partition })
    return c
  }

  /** Ends every wait and iteration; later calls throw LOG_CLOSED. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.wakeup()
    this.log.untrack(this)
    this.emit('stop')
  }

  /** @internal */
  protected assertOpen(): void {
    if (this.closed) throw new KafketteError('LOG_CLOSED', 'the consumer is closed')
    this.log.assertOpen()
  }
}
