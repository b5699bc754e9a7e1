// The Consumer: one fetch engine (a cursor per assigned partition: its position, a buffer
// of fetched records, paused or not, taken round-robin) under the three ways to consume —
// poll(), for await, run() — with partitions assigned by hand (assign) or by a group
// (subscribe). A consumer at the end of its partitions sleeps until an append wakes it.
// In a group, a cursor also tracks `processed` (the next offset to commit): committed
// offsets only ever cover records the application has finished (at-least-once).
import { EventEmitter } from 'eventemitter3'
import { KafketteError } from '../errors.js'
import { resolveAssignor } from '../group/assignors/index.js'
import type { AssignorOption } from '../group/assignors/types.js'
import { assertGroupId, type GroupCoordinator, type OffsetCommit } from '../group/coordinator.js'
import type { AssignedEvent, LeaveReason, Member, MemberHandle, Subscription } from '../group/member.js'
import type { CoreLog as Log } from '../log/log.js'
import { FETCH_BYTES } from '../log/log.js'
import type { Partition } from '../log/partition.js'
import type { ConsumedMessage, TopicPartition, TopicPartitionOffset } from '../types.js'
import type { TimerHandle } from '../util/clock.js'
import { assertDuration, assertOffset, assertPartitionNumber, assertPositiveInt, assertTopicName, checkOptions, isPlainObject } from '../util/validate.js'
import { holdProcess } from '../util/keep-alive.js'
import { Slicer } from '../util/yield.js'
import { CONSUMER_OPTIONS, MESSAGES_OPTIONS, POLL_OPTIONS, RETRY_OPTIONS, RUN_OPTIONS } from './option-schemas.js'
import type { CommittedPartitionOffset, ConsumerEvents, ConsumerOptions, Cursor, MessagesOptions, OffsetReset, PollOptions, RetryOptions, RunConfig } from './consumer-types.js'
import { Runner } from './runner.js'

export type {
  Batch,
  BatchEvent,
  CommittedPartitionOffset,
  ConsumerEvents,
  ConsumerOptions,
  CrashEvent,
  EachBatchPayload,
  EachMessagePayload,
  GroupJoinEvent,
  MessagesOptions,
  OffsetReset,
  PollOptions,
  RebalanceEvent,
  RetryOptions,
  RunConfig,
} from './consumer-types.js'

interface Segment {
  c: Cursor
  seq: number
  records: ConsumedMessage[]
}

function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`
}

interface AssignWaiter {
  target: number
  resolve: () => void
  reject: (err: unknown) => void
}

/** Reads partitions of a log: assigned by hand (assign/seek/poll) or, with a groupId, by a group (subscribe). */
export class Consumer extends EventEmitter<ConsumerEvents> {
  /** @internal */ readonly cursors = new Map<string, Cursor>()
  /** @internal */ closed = false
  /** @internal The cursors in round-robin order. */ order: Cursor[] = []
  /** @internal Handlers of run() running now. */ handlersRunning = 0
  /** @internal */ readonly maxPollRecords: number
  /** @internal */ readonly retry: Required<Omit<RetryOptions, 'restartOnFailure'>> & Pick<RetryOptions, 'restartOnFailure'>
  /** The consumer's group id, if any. */
  readonly groupId: string | undefined
  /** @internal True unless the consumer reads 'read_uncommitted'. */
  readonly readCommitted: boolean
  private rr = 0
  private wakers = new Set<() => void>()
  private readonly autoOffsetReset: OffsetReset
  private readonly clientId: string
  private readonly autoCommit: boolean
  private readonly autoCommitIntervalMs: number
  private readonly autoCommitThreshold: number | undefined
  private readonly commitUnprocessed: boolean
  private readonly sessionTimeoutMs: number
  private readonly heartbeatIntervalMs: number
  private readonly rebalanceTimeoutMs: number
  private readonly assignorOption: AssignorOption | undefined
  private readonly pausedKeys = new Set<string>()
  private readonly pendingSeeks = new Map<string, number>()
  private manual = false
  private subscription: Subscription | undefined
  private member: Member | undefined
  private token: object | undefined
  private joining: Promise<void> | undefined
  private generationNo = 0
  /** True once the current membership received its first assignment. */
  private hasAssignment = false
  private assignCount = 0
  private assignWaiters: AssignWaiter[] = []
  private runner: Runner | undefined
  private pollDepth = 0
  private commitChain: Promise<unknown> = Promise.resolve()
  private lastCommitAt: number
  private processedSinceCommit = 0
  private autoCommitTimer: TimerHandle | undefined
  private autoCommitting: Promise<void> | undefined
  private autoCommitAgain = false
  private lastHeartbeatEvent = -Infinity
  private closing: Promise<void> | undefined
  private halting: Promise<void> = Promise.resolve()
  /** @internal Cuts reading a backlog (poll loops, for await, run) into slices of the event loop. */
  readonly slicer = new Slicer(CONSUMER_SLICE_MS)

  /** @internal Use log.consumer(). */
  constructor(
    /** @internal */ readonly log: Log,
    protected readonly options: ConsumerOptions = {},
    private readonly coordinatorOf?: () => GroupCoordinator,
  ) {
    super()
    if (!isPlainObject(options)) throw new TypeError('consumer: options must be an object')
    checkOptions('consumer', options, CONSUMER_OPTIONS)
    checkOptions('consumer: retry', options.retry, RETRY_OPTIONS)
    if (options.fromBeginning !== undefined && typeof options.fromBeginning !== 'boolean') throw new TypeError('consumer: fromBeginning must be a boolean')
    if (options.isolationLevel !== undefined && options.isolationLevel !== 'read_committed' && options.isolationLevel !== 'read_uncommitted') {
      throw new TypeError(`consumer: isolationLevel must be 'read_committed' or 'read_uncommitted', got ${String(options.isolationLevel)}`)
    }
    this.readCommitted = options.isolationLevel !== 'read_uncommitted'
    if (options.autoOffsetReset !== undefined && !['earliest', 'latest', 'none'].includes(options.autoOffsetReset)) {
      throw new TypeError(`consumer: autoOffsetReset must be 'earliest', 'latest' or 'none', got ${String(options.autoOffsetReset)}`)
    }
    if (options.maxPollRecords !== undefined) assertPositiveInt(options.maxPollRecords, 'consumer: maxPollRecords')
    if (options.groupId !== undefined) assertGroupId(options.groupId, 'consumer: groupId')
    else {
      const groupOnly = (['autoCommit', 'autoCommitIntervalMs', 'autoCommitThreshold', 'commitUnprocessed', 'sessionTimeoutMs', 'heartbeatIntervalMs', 'rebalanceTimeoutMs', 'assignor'] as const).filter((k) => options[k] !== undefined)
      if (groupOnly.length > 0) throw new TypeError(`consumer: ${groupOnly.join(', ')} need a groupId`)
    }
    if (options.clientId !== undefined && (typeof options.clientId !== 'string' || options.clientId.length === 0)) throw new TypeError('consumer: clientId must be a non-empty string')
    if (options.autoCommit !== undefined && typeof options.autoCommit !== 'boolean') throw new TypeError('consumer: autoCommit must be a boolean')
    if (options.autoCommitIntervalMs !== undefined) assertDuration(options.autoCommitIntervalMs, 'consumer: autoCommitIntervalMs')
    if (options.autoCommitThreshold !== undefined) assertPositiveInt(options.autoCommitThreshold, 'consumer: autoCommitThreshold')
    if (options.commitUnprocessed !== undefined && typeof options.commitUnprocessed !== 'boolean') throw new TypeError('consumer: commitUnprocessed must be a boolean')
    if (options.sessionTimeoutMs !== undefined) assertPositiveDuration(options.sessionTimeoutMs, 'consumer: sessionTimeoutMs')
    if (options.heartbeatIntervalMs !== undefined) assertDuration(options.heartbeatIntervalMs, 'consumer: heartbeatIntervalMs')
    if (options.rebalanceTimeoutMs !== undefined) assertPositiveDuration(options.rebalanceTimeoutMs, 'consumer: rebalanceTimeoutMs')
    if (options.assignor !== undefined) resolveAssignor(options.assignor)
    const retry = options.retry ?? {}
    if (!isPlainObject(retry)) throw new TypeError('consumer: retry must be an object')
    if (retry.retries !== undefined && (typeof retry.retries !== 'number' || !Number.isSafeInteger(retry.retries) || retry.retries < 0)) throw new RangeError(`consumer: retry.retries must be an integer ≥ 0, got ${String(retry.retries)}`)
    if (retry.initialRetryTimeMs !== undefined) assertDuration(retry.initialRetryTimeMs, 'consumer: retry.initialRetryTimeMs')
    if (retry.maxRetryTimeMs !== undefined) assertDuration(retry.maxRetryTimeMs, 'consumer: retry.maxRetryTimeMs')
    if (retry.multiplier !== undefined && (typeof retry.multiplier !== 'number' || !Number.isFinite(retry.multiplier) || retry.multiplier < 1)) throw new RangeError(`consumer: retry.multiplier must be a number ≥ 1, got ${String(retry.multiplier)}`)
    if (retry.restartOnFailure !== undefined && typeof retry.restartOnFailure !== 'function') throw new TypeError('consumer: retry.restartOnFailure must be a function')
    this.maxPollRecords = options.maxPollRecords ?? 500
    this.autoOffsetReset = options.autoOffsetReset ?? (options.fromBeginning ? 'earliest' : 'latest')
    this.groupId = options.groupId
    this.clientId = options.clientId ?? 'kafkette'
    this.autoCommit = options.autoCommit ?? true
    this.autoCommitIntervalMs = options.autoCommitIntervalMs ?? 5000
    this.autoCommitThreshold = options.autoCommitThreshold
    this.commitUnprocessed = options.commitUnprocessed ?? true
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 30_000
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3000
    this.rebalanceTimeoutMs = options.rebalanceTimeoutMs ?? 60_000
    this.assignorOption = options.assignor
    this.retry = {
      retries: retry.retries ?? 5,
      initialRetryTimeMs: retry.initialRetryTimeMs ?? 300,
      maxRetryTimeMs: retry.maxRetryTimeMs ?? 30_000,
      multiplier: retry.multiplier ?? 2,
      restartOnFailure: retry.restartOnFailure,
    }
    this.lastCommitAt = log.clock.now()
    log.track(this)
  }

  // ── assignment ──────────────────────────────────────────────────────────────

  /**
   * Reads exactly these partitions (replacing any earlier assignment). A new partition
   * starts at its log start offset with fromBeginning, else at its high watermark. Not for
   * a consumer with a groupId (ILLEGAL_STATE): it uses subscribe().
   */
  assign(partitions: readonly TopicPartition[]): void {
    this.assertOpen()
    if (this.groupId !== undefined) throw new KafketteError('ILLEGAL_STATE', `consumer of group ${this.groupId}: use subscribe(); assign() is for consumers without a groupId`, { groupId: this.groupId })
    if (!Array.isArray(partitions)) throw new TypeError('assign: expected an array of { topic, partition }')
    const parts = partitions.map((tp, i) => {
      if (!isPlainObject(tp)) throw new TypeError(`assign: entry ${i} must be { topic, partition }`)
      assertTopicName(tp.topic)
      assertPartitionNumber(tp.partition, `assign: entry ${i} partition`)
      return this.log.requirePartition(tp.topic, tp.partition)
    })
    this.manual = true
    this.setAssignment(parts.map((part) => ({ part })))
  }

  /** @internal Replaces the assignment; partitions kept keep their cursor. */
  protected setAssignment(next: Array<{ part: Partition; position?: number; committed?: number }>): void {
    const cursors: Cursor[] = []
    for (const { part, position, committed } of next) {
      const existing = this.cursors.get(tpKey(part.topic, part.index))
      if (existing && existing.part === part && !existing.revoked) {
        if (position !== undefined) this.moveTo(existing, position)
        cursors.push(existing)
        continue
      }
      cursors.push(this.newCursor(part, position ?? (this.options.fromBeginning ? part.logStartOffset : this.end(part)), committed))
    }
    this.replaceCursors(cursors)
  }

  private newCursor(part: Partition, position: number, committed: number | undefined): Cursor {
    const key = tpKey(part.topic, part.index)
    return {
      topic: part.topic,
      partition: part.index,
      key,
      part,
      position,
      buffer: [],
      next: 0,
      paused: this.pausedKeys.has(key),
      ahead: undefined,
      processed: position,
      delivered: position,
      committed,
      origin: position,
      revoked: false,
      seq: 0,
      attempts: 0,
      blocked: undefined,
    }
  }

  private replaceCursors(cursors: Cursor[]): void {
    const keep = new Set(cursors)
    for (const c of this.order) {
      if (!keep.has(c)) {
        c.revoked = true
        this.log.clock.clearTimeout(c.blocked)
        c.blocked = undefined
      }
    }
    this.cursors.clear()
    for (const c of cursors) this.cursors.set(c.key, c)
    this.order = cursors
    this.rr = 0
    this.wakeup()
  }

  /** The partitions this consumer reads. */
  assignment(): TopicPartition[] {
    return this.order.map((c) => ({ topic: c.topic, partition: c.partition }))
  }

  /**
   * Moves a partition's position: the next record handed out is at `offset` (checked
   * against the log at the next fetch). In a group, `offset` is also what the next
   * commit records; a partition not assigned yet is moved when it is assigned.
   */
  seek(target: TopicPartitionOffset): void {
    this.assertOpen()
    if (!isPlainObject(target)) throw new TypeError('seek: expected { topic, partition, offset }')
    assertTopicName(target.topic)
    assertPartitionNumber(target.partition, 'seek: partition')
    assertOffset(target.offset, 'seek: offset')
    const c = this.cursors.get(tpKey(target.topic, target.partition))
    if (!c && this.subscription) {
      this.log.requirePartition(target.topic, target.partition)
      this.pendingSeeks.set(tpKey(target.topic, target.partition), target.offset)
      return
    }
    const cursor = c ?? this.requireCursor(target.topic, target.partition)
    this.moveTo(cursor, target.offset)
    cursor.seq++
    cursor.processed = target.offset
    cursor.delivered = target.offset
    cursor.origin = undefined
    cursor.attempts = 0
    this.log.clock.clearTimeout(cursor.blocked)
    cursor.blocked = undefined
    this.wakeup()
  }

  /** @internal Sets a cursor's position, dropping what it had fetched. */
  moveTo(cursor: Cursor, offset: number): void {
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
  lag(): Array<TopicPartitionOffset & { highWatermark: number; lastStableOffset: number; lag: number }> {
    this.assertOpen()
    return this.order.map((c) => ({
      topic: c.topic,
      partition: c.partition,
      offset: c.position,
      highWatermark: c.part.highWatermark,
      lastStableOffset: c.part.lastStableOffset,
      lag: Math.max(0, this.end(c.part) - c.position),
    }))
  }

  /** Stops handing out records of these partitions (a topic without partitions: all of its partitions); kept across rebalances. */
  pause(targets: ReadonlyArray<{ topic: string; partitions?: number[]; partition?: number }>): void {
    this.setPaused(targets, true)
  }

  /** Hands out records of these partitions again. */
  resume(targets: ReadonlyArray<{ topic: string; partitions?: number[]; partition?: number }>): void {
    this.setPaused(targets, false)
    this.wakeup()
  }

  /** The paused partitions, by topic then partition. */
  paused(): TopicPartition[] {
    return [...this.pausedKeys]
      .map((k) => {
        const i = k.indexOf('\u0000')
        return { topic: k.slice(0, i), partition: Number(k.slice(i + 1)) }
      })
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
  }

  private setPaused(targets: ReadonlyArray<{ topic: string; partitions?: number[]; partition?: number }>, paused: boolean): void {
    this.assertOpen()
    if (!Array.isArray(targets)) throw new TypeError('pause/resume: expected an array of { topic, partitions? }')
    for (const t of targets) {
      if (!isPlainObject(t)) throw new TypeError('pause/resume: each entry must be { topic, partitions? }')
      assertTopicName(t.topic)
      let only = t.partitions ?? (t.partition !== undefined ? [t.partition] : undefined)
      if (only !== undefined) {
        if (!Array.isArray(only)) throw new TypeError('pause/resume: partitions must be an array of partition numbers')
        only.forEach((p) => assertPartitionNumber(p, 'pause/resume: partition'))
      } else {
        const count = this.log.topics.get(t.topic)?.partitions.length ?? 0
        only = Array.from({ length: count }, (_, p) => p)
        for (const c of this.order) if (c.topic === t.topic && !only.includes(c.partition)) only.push(c.partition)
        if (!paused) for (const k of this.pausedKeys) if (k.startsWith(`${t.topic}\u0000`)) this.pausedKeys.delete(k)
      }
      for (const p of only) {
        const key = tpKey(t.topic, p)
        if (paused) this.pausedKeys.add(key)
        else this.pausedKeys.delete(key)
        const c = this.cursors.get(key)
        if (c) c.paused = paused
      }
    }
  }

  // ── the engine ──────────────────────────────────────────────────────────────

  /**
   * Returns the next records of the assigned partitions (round-robin, order kept within
   * each), waiting up to `timeoutMs` on the log's clock when none are ready. Returns []
   * on timeout or once the consumer is closed. In a group, calling poll again says the
   * records of the previous poll are processed (they are what the next commit covers).
   */
  async poll(options: PollOptions = {}): Promise<ConsumedMessage[]> {
    this.assertOpen()
    if (!isPlainObject(options)) throw new TypeError('poll: options must be an object')
    checkOptions('poll', options, POLL_OPTIONS)
    this.assertNotRunning('poll')
    const maxRecords = options.maxRecords ?? this.maxPollRecords
    assertPositiveInt(maxRecords, 'poll: maxRecords')
    const timeoutMs = options.timeoutMs ?? 1000
    if (timeoutMs !== Infinity) assertDuration(timeoutMs, 'poll: timeoutMs')
    const signal = options.signal
    assertSignal(signal, 'poll: signal')
    this.pollDepth++
    try {
      this.markDelivered()
      if (this.slicer.expired()) await this.slicer.next()
      await this.groupStep()
      const segments = await this.pollSegments(maxRecords, timeoutMs, signal)
      if (segments.length === 1) {
        // One partition's records: the cursor no longer holds this array, so it is handed out as is.
        const s = segments[0]!
        s.c.delivered = s.records[s.records.length - 1]!.offset + 1
        return s.records
      }
      const out: ConsumedMessage[] = []
      for (const s of segments) {
        s.c.delivered = s.records[s.records.length - 1]!.offset + 1
        for (const m of s.records) out.push(m)
      }
      return out
    } finally {
      this.pollDepth--
    }
  }

  /** Yields records one by one until the consumer is closed: `for await (const m of consumer)`; see messages(). */
  [Symbol.asyncIterator](): AsyncIterableIterator<ConsumedMessage> {
    return this.messages()
  }

  /**
   * Yields records one by one until the consumer is closed or `signal` aborts; in a group,
   * a record counts as processed once the loop asks for the next. Leaving the loop (break,
   * return, throw, an abort) puts the records taken but not yet yielded back: the next
   * read starts at the first of them. A record already in hand is handed out at once,
   * without the per-record cost of an async generator; a call to next() made while
   * another waits for records waits its turn.
   */
  messages(options: MessagesOptions = {}): AsyncIterableIterator<ConsumedMessage> {
    checkOptions('messages', options, MESSAGES_OPTIONS)
    const signal = options.signal
    assertSignal(signal, 'messages: signal')
    let segments: Segment[] = []
    let si = 0
    let ri = 0
    /** The record handed out last, until the loop asks for the next. */
    let pending: { s: Segment; i: number } | undefined
    let finished = false
    let waiting: Promise<unknown> | undefined
    const done: IteratorResult<ConsumedMessage> = { value: undefined, done: true }
    const finish = (): void => {
      if (finished) return
      finished = true
      // Put back what was taken and not yielded: the rest of the segment in hand, and every
      // later segment (other partitions) of the same read.
      for (let k = si; k < segments.length; k++) this.rewindSegment(segments[k]!, k === si ? ri : 0)
      pending = undefined
    }
    const settlePending = (): void => {
      if (!pending) return
      const { s, i } = pending
      pending = undefined
      if (s.c.seq === s.seq) s.c.processed = s.records[i]!.offset + 1
      this.processedSinceCommit++
      this.beat()
    }
    /** The next record of the segments in hand; undefined when they are used up, null once the consumer is closed. */
    const take = (): ConsumedMessage | undefined | null => {
      while (si < segments.length) {
        const s = segments[si]!
        const c = s.c
        if (ri < s.records.length && !c.revoked && c.seq === s.seq && this.cursors.get(c.key) === c) {
          if (this.closed) return null
          const m = s.records[ri]!
          c.delivered = m.offset + 1
          pending = { s, i: ri++ }
          return m
        }
        si++
        ri = 0
      }
      return undefined
    }
    const read = async (): Promise<IteratorResult<ConsumedMessage>> => {
      try {
        for (;;) {
          if (this.closed || signal?.aborted) {
            finish()
            return done
          }
          this.assertNotRunning('for await')
          this.pollDepth++
          try {
            if (this.slicer.expired()) await this.slicer.next()
            await this.groupStep()
            segments = await this.pollSegments(this.maxPollRecords, Infinity, signal)
          } finally {
            this.pollDepth--
          }
          si = 0
          ri = 0
          const m = take()
          if (m === null) {
            finish()
            return done
          }
          if (m !== undefined) return { value: m, done: false }
        }
      } catch (err) {
        finish()
        throw err
      }
    }
    /** Runs `result` as the iterator's turn: calls to next() made meanwhile wait for it. */
    const inTurn = (result: Promise<IteratorResult<ConsumedMessage>>): Promise<IteratorResult<ConsumedMessage>> => {
      const over = (): void => {
        if (waiting === turn) waiting = undefined
      }
      const turn: Promise<void> = result.then(over, over)
      waiting = turn
      return result
    }
    const serve = (): Promise<IteratorResult<ConsumedMessage>> => {
      const m = take()
      if (m === null) {
        finish()
        return Promise.resolve(done)
      }
      if (m !== undefined) return Promise.resolve({ value: m, done: false })
      return inTurn(read())
    }
    let served = 0
    const next = (): Promise<IteratorResult<ConsumedMessage>> => {
      if (waiting) return waiting.then(next)
      if (finished) return Promise.resolve(done)
      settlePending()
      if (signal?.aborted) {
        finish()
        return Promise.resolve(done)
      }
      // Records in hand are served without a yield; every so often the loop's time is
      // looked at, so a long backlog still lets timers and I/O run every slice.
      if ((++served & 63) === 0 && this.slicer.expired()) return inTurn(this.slicer.next().then(serve))
      return serve()
    }
    const iterator: AsyncIterableIterator<ConsumedMessage> = {
      next,
      return: (value?: unknown) => {
        finish()
        return Promise.resolve({ value: value as undefined, done: true })
      },
      throw: (error?: unknown) => {
        finish()
        return Promise.reject(error)
      },
      [Symbol.asyncIterator]: () => iterator,
    }
    return iterator
  }

  private rewindSegment(s: Segment, from: number): void {
    const c = s.c
    if (from < s.records.length && !c.revoked && c.seq === s.seq && this.cursors.get(c.key) === c) this.moveTo(c, s.records[from]!.offset)
  }

  /** Takes ready records, waiting for data up to `timeoutMs` (or until `signal` aborts). */
  private async pollSegments(maxRecords: number, timeoutMs: number, signal?: AbortSignal): Promise<Segment[]> {
    const deadline = timeoutMs === Infinity ? Infinity : this.log.clock.now() + timeoutMs
    for (;;) {
      if (this.closed || signal?.aborted) return []
      const out = await this.take(maxRecords)
      if (out.length > 0 || this.closed) return out
      const left = deadline - this.log.clock.now()
      if (left <= 0 || signal?.aborted) return []
      if (!this.ready()) await this.waitForData(left, this.order, signal)
      else if (this.slicer.expired()) await this.slicer.next()
    }
  }

  /** Up to `max` ready records, round-robin over the cursors, fetching where a buffer is empty. */
  private async take(max: number): Promise<Segment[]> {
    const out: Segment[] = []
    let count = 0
    const order = this.order
    const n = order.length
    for (let k = 0; k < n && count < max; k++) {
      const c = order[(this.rr + k) % n]!
      if (c.paused || c.revoked) continue
      const seq = c.seq
      const records = await this.takeFrom(c, max - count)
      if (records.length === 0) continue
      out.push({ c, seq, records })
      count += records.length
    }
    if (n > 0) this.rr = (this.rr + 1) % n
    this.beat()
    // A cursor revoked while a later one was fetching: its records are not handed out.
    return out.some((s) => s.c.revoked || s.c.seq !== s.seq) ? out.filter((s) => !s.c.revoked && s.c.seq === s.seq) : out
  }

  /** @internal Up to `max` records of one cursor, fetching when its buffer is empty; [] when none are ready. */
  async takeFrom(c: Cursor, max: number): Promise<ConsumedMessage[]> {
    if (c.next >= c.buffer.length) {
      if (!(await this.fill(c, max))) return []
      if (this.closed || this.cursors.get(c.key) !== c || c.paused || c.revoked) return []
    }
    const start = c.next
    const end = Math.min(c.buffer.length, start + max)
    const records = start === 0 && end === c.buffer.length ? c.buffer : c.buffer.slice(start, end)
    c.next = end
    c.position = records[records.length - 1]!.offset + 1
    if (c.next >= c.buffer.length) {
      c.buffer = []
      c.next = 0
    }
    return records
  }

  /**
   * Fetches into an empty buffer; false when nothing is there. While more records wait
   * in the log, the next fetch starts at once, so reading the store overlaps with the
   * application's work on this buffer.
   */
  private async fill(c: Cursor, max: number): Promise<boolean> {
    const part = c.part
    if (c.position >= this.end(part) && c.position <= part.highWatermark && !part.deleted) return false
    const from = c.position
    const highWatermark = this.end(part)
    const ahead = c.ahead
    c.ahead = undefined
    let records: ConsumedMessage[]
    try {
      const fetched = ahead && ahead.from === from ? await ahead.result : await this.log.fetch(part, from, max, this.fetchBytes(), this.readCommitted)
      if (fetched instanceof KafketteError) throw fetched
      records = fetched
    } catch (err) {
      if (!(err instanceof KafketteError && err.code === 'OFFSET_OUT_OF_RANGE') || this.autoOffsetReset === 'none') throw err
      if (c.position !== from) return false
      const to = this.autoOffsetReset === 'earliest' ? part.logStartOffset : this.end(part)
      this.moveTo(c, to)
      if (c.processed === from) c.processed = to
      if (c.origin === from) c.origin = to
      if (c.delivered === from) c.delivered = to
      this.emit('offset.reset', { topic: c.topic, partition: c.partition, from, to })
      return this.fill(c, max)
    }
    if (c.position !== from) return false
    if (records.length === 0) {
      // Nothing left below the end (compaction can leave a gap at the end; aborted records and markers are skipped): go to it.
      if (from < highWatermark) {
        c.position = highWatermark
        if (c.processed === from) c.processed = highWatermark
        if (c.origin === from) c.origin = highWatermark
        if (c.delivered === from) c.delivered = highWatermark
      }
      return false
    }
    c.buffer = records
    c.next = 0
    const next = records[records.length - 1]!.offset + 1
    if (next < this.end(part) && c.ahead === undefined) {
      c.ahead = { from: next, result: this.log.fetch(part, next, max, this.fetchBytes(), this.readCommitted).catch((err: unknown) => (err instanceof KafketteError ? err : new KafketteError('LOG_IO_ERROR', String(err), {}, { cause: err }))) }
    }
    return true
  }

  /** The least one fetch reads from the store: the log's budget shared by the partitions this consumer reads. */
  private fetchBytes(): number {
    return Math.floor(FETCH_BYTES / Math.max(1, this.cursors.size))
  }

  /** @internal True when the cursor has records buffered or waiting in the log. */
  hasData(c: Cursor): boolean {
    return c.next < c.buffer.length || c.position < this.end(c.part) || c.position > c.part.highWatermark || c.part.deleted
  }

  /** Where reading a partition stops: its last stable offset (read_committed) or its high watermark. */
  private end(part: Partition): number {
    return this.readCommitted ? part.lastStableOffset : part.highWatermark
  }

  /** True when some unpaused partition has records ready or waiting in the log. */
  private ready(): boolean {
    for (const c of this.order) if (!c.paused && !c.revoked && this.hasData(c)) return true
    return false
  }

  /**
   * @internal Waits (up to `ms` on the log's clock) for an append to one of `cursors`, a
   * wakeup() or `signal`'s abort. The process stays alive while it waits: a service whose
   * only work is this consumer does not exit when it has caught up.
   */
  waitForData(ms: number, cursors: readonly Cursor[], signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const cancels: Array<() => void> = []
      let timer: TimerHandle | undefined
      const release = holdProcess()
      const done = (): void => {
        for (const cancel of cancels) cancel()
        this.log.clock.clearTimeout(timer)
        this.wakers.delete(done)
        signal?.removeEventListener('abort', done)
        release()
        resolve()
      }
      this.wakers.add(done)
      for (const c of cursors) if (!c.paused) cancels.push(c.part.onNextAppend(done))
      if (ms !== Infinity) timer = this.log.clock.setTimeout(done, ms)
      signal?.addEventListener('abort', done, { once: true })
    })
  }

  /** @internal Ends every wait of poll, for await and run, so they look again. */
  wakeup(): void {
    for (const w of [...this.wakers]) w()
  }

  /** @internal */
  protected requireCursor(topic: string, partition: number): Cursor {
    const c = this.cursors.get(tpKey(topic, partition))
    if (!c) throw new KafketteError('UNKNOWN_TOPIC_OR_PARTITION', `${topic}/${partition} is not assigned to this consumer`, { topic, partition })
    return c
  }

  // ── groups ──────────────────────────────────────────────────────────────────

  /** This member's id in its group, while it is a member. */
  get memberId(): string | undefined {
    return this.member?.memberId
  }

  /** The generation of the member's current assignment (0 before the first). */
  get generation(): number {
    return this.generationNo
  }

  /**
   * Joins the consumer's group reading these topics (names, and patterns that also match
   * topics created later), replacing any earlier subscription, and resolves once the
   * member's assignment is known. A topic name must exist unless the log auto-creates topics.
   */
  async subscribe(topics: string | RegExp | ReadonlyArray<string | RegExp>): Promise<void> {
    this.assertOpen()
    if (this.groupId === undefined) throw new KafketteError('INVALID_GROUP_ID', 'subscribe needs a consumer with a groupId; without one, use assign()')
    if (this.manual) throw new KafketteError('ILLEGAL_STATE', 'this consumer uses assign(); subscribe and assign do not mix', { groupId: this.groupId })
    const list = typeof topics === 'string' || topics instanceof RegExp ? [topics] : topics
    if (!Array.isArray(list) || list.length === 0) throw new TypeError('subscribe: expected a topic, a RegExp, or a non-empty array of them')
    const names: string[] = []
    const patterns: RegExp[] = []
    for (const t of list) {
      if (t instanceof RegExp) patterns.push(new RegExp(t.source, t.flags.replace(/[gy]/g, '')))
      else {
        assertTopicName(t)
        if (!names.includes(t)) names.push(t)
      }
    }
    for (const t of names) await this.log.ensureTopic(t)
    this.assertOpen()
    this.subscription = { topics: names, patterns }
    const target = this.assignCount + 1
    const waiting = this.waitForAssignment(target)
    if (this.member) this.coordinator().resubscribe(this.member, this.subscription)
    else await this.join().catch((err: unknown) => this.failWaiters(err))
    await waiting
  }

  /** The topics and patterns this consumer subscribes to. */
  subscriptions(): { topics: string[]; patterns: RegExp[] } {
    return { topics: [...(this.subscription?.topics ?? [])], patterns: [...(this.subscription?.patterns ?? [])] }
  }

  /**
   * Runs handlers over the records of the assigned partitions until stop() or close():
   * `eachMessage` one record at a time, or `eachBatch` a partition's batch at a time; up to
   * `partitionsConsumedConcurrently` partitions at once, each in order. Resolves once the
   * first assignment is known (at once without a group). ILLEGAL_STATE if already running.
   */
  async run(config: RunConfig): Promise<void> {
    this.assertOpen()
    if (this.runner) throw new KafketteError('ILLEGAL_STATE', 'run() was already called; stop() first', { groupId: this.groupId })
    if (this.pollDepth > 0) throw new KafketteError('ILLEGAL_STATE', 'run() while poll or for await reads this consumer', { groupId: this.groupId })
    if (this.groupId !== undefined && !this.subscription) throw new KafketteError('ILLEGAL_STATE', 'subscribe() before run()', { groupId: this.groupId })
    checkOptions('run', config, RUN_OPTIONS)
    const runner = new Runner(this, config)
    if (config.signal?.aborted) return
    this.runner = runner
    if (this.groupId !== undefined && (!this.member || !this.hasAssignment)) {
      const waiting = this.waitForAssignment(this.assignCount + 1)
      try {
        await this.join()
        await waiting
      } catch (err) {
        if (this.runner === runner) this.runner = undefined
        throw err
      }
    }
    if (this.runner === runner && !this.closed) runner.start()
  }

  /** True while run() is running. */
  get running(): boolean {
    return this.runner !== undefined
  }

  /**
   * Commits offsets of this member's partitions. Without arguments: what was processed
   * (in poll and for await, everything handed out so far; in run, what handlers finished
   * or resolveOffset marked). With offsets: exactly those (the next offset to read).
   * UNKNOWN_MEMBER_ID when the member was removed, REBALANCE_IN_PROGRESS for a partition it
   * does not own, OFFSET_OUT_OF_RANGE above the high watermark.
   */
  async commit(offsets?: readonly OffsetCommit[]): Promise<TopicPartitionOffset[]> {
    this.assertOpen()
    if (this.groupId === undefined) throw new KafketteError('INVALID_GROUP_ID', 'commit needs a consumer with a groupId')
    if (offsets !== undefined && !Array.isArray(offsets)) throw new TypeError('commit: expected an array of { topic, partition, offset }')
    const member = this.requireMember()
    if (offsets === undefined) {
      if (!this.runner) this.markDelivered()
      return this.commitCursors(member, this.order, false)
    }
    const entries = offsets.map((o) => {
      const c = isPlainObject(o) ? this.cursors.get(tpKey(o.topic, o.partition)) : undefined
      return { ...o, c, before: c?.processed }
    })
    return this.enqueueCommit(member, entries)
  }

  /** The group's committed offsets for these partitions (default: the assignment); `offset` is null where none is committed. */
  async committed(partitions?: readonly TopicPartition[]): Promise<CommittedPartitionOffset[]> {
    this.assertOpen()
    if (this.groupId === undefined) throw new KafketteError('INVALID_GROUP_ID', 'committed needs a consumer with a groupId')
    const list = partitions ?? this.assignment()
    if (!Array.isArray(list)) throw new TypeError('committed: expected an array of { topic, partition }')
    const parts = list.map((tp, i) => {
      if (!isPlainObject(tp)) throw new TypeError(`committed: entry ${i} must be { topic, partition }`)
      assertTopicName(tp.topic)
      assertPartitionNumber(tp.partition, `committed: entry ${i} partition`)
      return this.log.requirePartition(tp.topic, tp.partition)
    })
    const coordinator = this.coordinator()
    await coordinator.prepare(this.groupId)
    return parts.map((part) => {
      const c = coordinator.committed(this.groupId!, part)
      return { topic: part.topic, partition: part.index, offset: c?.offset ?? null, metadata: c?.metadata ?? null }
    })
  }

  /** Shows the group the member is alive (poll, for await and run do it on their own). UNKNOWN_MEMBER_ID once removed. */
  heartbeat(): void {
    this.assertOpen()
    if (this.subscription && !this.member && !this.joining) {
      throw new KafketteError('UNKNOWN_MEMBER_ID', `this consumer is not a member of group ${this.groupId} (it was removed)`, { groupId: this.groupId })
    }
    this.beat()
  }

  /** @internal Records a sign of life. */
  beat(): void {
    const m = this.member
    if (!m) return
    const now = this.log.clock.now()
    m.lastSeen = now
    if (now - this.lastHeartbeatEvent >= this.heartbeatIntervalMs) {
      this.lastHeartbeatEvent = now
      this.emit('heartbeat', { groupId: m.groupId, memberId: m.memberId, generation: this.generationNo })
    }
  }

  /** @internal Before reading: rejoin a group that removed this member, and start a commit if one is due (reading does not wait for it). */
  async groupStep(): Promise<void> {
    if (this.groupId === undefined) return
    if (this.subscription && !this.member && !this.closed) await this.join()
    void this.maybeAutoCommit()
  }

  private coordinator(): GroupCoordinator {
    if (!this.coordinatorOf) throw new KafketteError('ILLEGAL_STATE', 'this consumer was not opened by log.consumer()')
    return this.coordinatorOf()
  }

  private requireMember(): Member {
    if (!this.subscription) throw new KafketteError('ILLEGAL_STATE', `subscribe() first: this consumer is not in group ${this.groupId}`, { groupId: this.groupId })
    if (!this.member) {
      if (this.joining) throw new KafketteError('REBALANCE_IN_PROGRESS', `this consumer is joining group ${this.groupId}`, { groupId: this.groupId })
      throw new KafketteError('UNKNOWN_MEMBER_ID', `this consumer is not a member of group ${this.groupId} (it was removed)`, { groupId: this.groupId })
    }
    return this.member
  }

  private join(): Promise<void> {
    if (this.member || !this.subscription) return Promise.resolve()
    if (!this.joining) {
      const groupId = this.groupId!
      this.joining = (async () => {
        const coordinator = this.coordinator()
        await coordinator.prepare(groupId)
        this.assertOpen()
        if (this.member || !this.subscription) return
        const token = {}
        this.token = token
        this.hasAssignment = false
        this.member = coordinator.join(groupId, {
          clientId: this.clientId,
          subscription: this.subscription,
          assignor: resolveAssignor(this.assignorOption),
          sessionTimeoutMs: this.sessionTimeoutMs,
          rebalanceTimeoutMs: this.rebalanceTimeoutMs,
          handle: this.handle(token),
        })
        this.lastCommitAt = this.log.clock.now()
        this.armAutoCommit()
      })().finally(() => {
        this.joining = undefined
      })
    }
    return this.joining
  }

  private handle(token: object): MemberHandle {
    const live = (): boolean => this.token === token
    return {
      rebalancing: () => {
        if (live() && this.member) this.emit('group.rebalancing', { groupId: this.member.groupId, memberId: this.member.memberId })
      },
      revoke: async (partitions) => {
        if (live()) await this.revokePartitions(partitions)
      },
      assigned: (event) => {
        if (live()) this.applyAssignment(event)
      },
      removed: (reason, error) => {
        if (live()) this.removedFromGroup(reason, error)
      },
      idle: () => (this.runner ? this.handlersRunning === 0 : this.pollDepth > 0),
    }
  }

  private async revokePartitions(partitions: TopicPartition[]): Promise<void> {
    const cursors: Cursor[] = []
    for (const tp of partitions) {
      const c = this.cursors.get(tpKey(tp.topic, tp.partition))
      if (!c) continue
      c.revoked = true
      this.log.clock.clearTimeout(c.blocked)
      c.blocked = undefined
      cursors.push(c)
    }
    this.wakeup()
    const member = this.member
    try {
      if (this.runner) await this.runner.drain(cursors)
      // Removed meanwhile (a rebalance timeout): these offsets are no longer this member's to commit.
      if (member && this.member === member && this.autoCommit) await this.commitCursors(member, cursors, true).catch((error: unknown) => this.emit('commit.failed', { groupId: this.groupId!, memberId: member.memberId, error }))
    } finally {
      const gone = new Set(cursors)
      this.replaceCursors(this.order.filter((c) => !gone.has(c)))
    }
  }

  private applyAssignment(event: AssignedEvent): void {
    const coordinator = this.coordinator()
    this.generationNo = event.generation
    const cursors: Cursor[] = []
    for (const tp of event.assignment) {
      const key = tpKey(tp.topic, tp.partition)
      const existing = this.cursors.get(key)
      if (existing && !existing.revoked) {
        cursors.push(existing)
        continue
      }
      const part = this.log.requirePartition(tp.topic, tp.partition)
      const committed = coordinator.committed(event.groupId, part)?.offset
      const sought = this.pendingSeeks.get(key)
      this.pendingSeeks.delete(key)
      const position = sought ?? committed ?? (this.options.fromBeginning ? part.logStartOffset : this.end(part))
      cursors.push(this.newCursor(part, position, committed))
    }
    this.replaceCursors(cursors)
    this.hasAssignment = true
    this.assignCount++
    this.beat()
    const { assigned, revoked, ...join } = event
    this.emit('group.join', join)
    this.emit('group.rebalance', { groupId: event.groupId, memberId: event.memberId, generation: event.generation, revoked, assigned, assignment: event.assignment })
    const ready = this.assignWaiters.filter((w) => w.target <= this.assignCount)
    this.assignWaiters = this.assignWaiters.filter((w) => w.target > this.assignCount)
    for (const w of ready) w.resolve()
  }

  private removedFromGroup(reason: LeaveReason, error?: KafketteError): void {
    const member = this.member!
    this.member = undefined
    this.token = undefined
    this.log.clock.clearTimeout(this.autoCommitTimer)
    this.autoCommitTimer = undefined
    this.replaceCursors([])
    this.emit('group.leave', { groupId: member.groupId, memberId: member.memberId, reason })
    if (error) {
      this.subscription = undefined
      this.failWaiters(error)
      this.emit('crash', { error, restart: false, groupId: member.groupId })
      if (this.runner) void this.stop()
    } else if (this.assignWaiters.length > 0 && !this.closed) {
      void this.join().catch((err: unknown) => this.failWaiters(err))
    }
  }

  private waitForAssignment(target: number): Promise<void> {
    if (this.assignCount >= target) return Promise.resolve()
    return new Promise((resolve, reject) => this.assignWaiters.push({ target, resolve, reject }))
  }

  private failWaiters(err: unknown): void {
    for (const w of this.assignWaiters.splice(0)) w.reject(err)
  }

  // ── commits ─────────────────────────────────────────────────────────────────

  /** In poll and for await: records handed out are processed once the application asks for more (or commits, or closes). */
  private markDelivered(): void {
    if (this.runner) return
    for (const c of this.order) {
      if (c.processed !== c.delivered) {
        this.processedSinceCommit += Math.max(0, c.delivered - c.processed)
        c.processed = c.delivered
      }
    }
  }

  /** @internal Counts processed records toward autoCommitThreshold. */
  countProcessed(n: number): void {
    this.processedSinceCommit += n
  }

  /** @internal Commits processed offsets when autoCommit says it is time. */
  maybeAutoCommit(): Promise<void> | undefined {
    const member = this.member
    if (!this.autoCommit || !member) return undefined
    const due = this.log.clock.now() - this.lastCommitAt >= this.autoCommitIntervalMs || (this.autoCommitThreshold !== undefined && this.processedSinceCommit >= this.autoCommitThreshold)
    if (!due) return undefined
    return this.autoCommitNow(member)
  }

  /**
   * One automatic commit at a time: calls while one is under way are folded into a single
   * commit after it, so commits never pile up behind a slow write and none is lost.
   */
  private autoCommitNow(member: Member): Promise<void> {
    if (this.autoCommitting) {
      this.autoCommitAgain = true
      return this.autoCommitting
    }
    const run = async (): Promise<void> => {
      do {
        this.autoCommitAgain = false
        try {
          await this.commitCursors(member, this.order, true)
        } catch (error) {
          this.emit('commit.failed', { groupId: member.groupId, memberId: member.memberId, error })
        }
      } while (this.autoCommitAgain && this.member === member)
    }
    this.autoCommitting = run().finally(() => {
      this.autoCommitting = undefined
    })
    return this.autoCommitting
  }

  private armAutoCommit(): void {
    this.log.clock.clearTimeout(this.autoCommitTimer)
    this.autoCommitTimer = undefined
    if (!this.autoCommit || this.autoCommitIntervalMs === 0) return
    const tick = (): void => {
      this.autoCommitTimer = undefined
      const member = this.member
      if (!member || this.closed) return
      this.autoCommitTimer = this.log.clock.setTimeout(tick, this.autoCommitIntervalMs)
      if (this.log.clock.now() - this.lastCommitAt >= this.autoCommitIntervalMs) void this.autoCommitNow(member)
    }
    this.autoCommitTimer = this.log.clock.setTimeout(tick, this.autoCommitIntervalMs)
  }

  /** @internal The processed offsets not yet committed. */
  uncommitted(): TopicPartitionOffset[] {
    return this.order.filter((c) => c.processed !== c.committed).map((c) => ({ topic: c.topic, partition: c.partition, offset: c.processed }))
  }

  /** Commits each cursor's processed offset where it differs from what was committed. `auto` skips offsets the log no longer holds. */
  private commitCursors(member: Member, cursors: readonly Cursor[], auto: boolean): Promise<TopicPartitionOffset[]> {
    const entries = cursors
      .filter((c) => c.processed !== c.committed && !c.part.deleted && (!auto || (c.processed <= c.part.highWatermark && (this.commitUnprocessed || c.committed !== undefined || c.processed !== c.origin))))
      .map((c) => ({ topic: c.topic, partition: c.partition, offset: c.processed, c }))
    if (entries.length === 0) {
      this.lastCommitAt = this.log.clock.now()
      this.processedSinceCommit = 0
      return Promise.resolve([])
    }
    return this.enqueueCommit(member, entries)
  }

  /**
   * Commits in call order (one at a time per consumer), then records what each cursor has
   * committed. An entry with `before` is an explicit commit: it also becomes the cursor's
   * processed offset, unless the cursor moved on meanwhile.
   */
  private enqueueCommit(member: Member, entries: Array<OffsetCommit & { c: Cursor | undefined; before?: number | undefined }>): Promise<TopicPartitionOffset[]> {
    const run = this.commitChain.then(async () => {
      const done = await this.coordinator().commitMember(member, entries)
      for (const e of entries) {
        if (!e.c) continue
        if ('before' in e && e.c.processed === e.before) e.c.processed = e.offset
        e.c.committed = e.offset
      }
      this.lastCommitAt = this.log.clock.now()
      this.processedSinceCommit = 0
      this.emit('commit', { groupId: member.groupId, memberId: member.memberId, offsets: done })
      return done
    })
    this.commitChain = run.catch(() => undefined)
    return run
  }

  // ── stop and close ──────────────────────────────────────────────────────────

  /** Stops run() (waiting for the handlers in flight), commits what was processed, and leaves the group; subscribe() or run() again to rejoin. */
  async stop(): Promise<void> {
    if (this.closed) return
    await this.halt()
    this.emit('stop')
  }

  /** One halt at a time: a stop() and a close() that race (an abort, then the log's close) commit once, in order. */
  private halt(): Promise<void> {
    const run = this.halting.then(() => this.haltNow())
    this.halting = run.catch(() => undefined)
    return run
  }

  private async haltNow(): Promise<void> {
    const runner = this.runner
    this.runner = undefined
    if (runner) await runner.stop()
    if (this.joining) await this.joining.catch(() => undefined)
    const member = this.member
    if (member) {
      if (!runner) this.markDelivered()
      if (this.autoCommit) await this.commitCursors(member, this.order, true).catch((error: unknown) => this.emit('commit.failed', { groupId: member.groupId, memberId: member.memberId, error }))
      await this.commitChain
      this.member = undefined
      this.token = undefined
      this.coordinator().leave(member)
      this.emit('group.leave', { groupId: member.groupId, memberId: member.memberId, reason: 'leave' })
    }
    this.log.clock.clearTimeout(this.autoCommitTimer)
    this.autoCommitTimer = undefined
    if (this.groupId !== undefined) this.replaceCursors([])
    for (const c of this.order) {
      this.log.clock.clearTimeout(c.blocked)
      c.blocked = undefined
    }
  }

  /** Closes the consumer, as close() does: `await using consumer = log.consumer(...)`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  /** Stops run(), commits what was processed (with autoCommit), leaves the group, and ends every wait and iteration; later calls throw LOG_CLOSED. */
  async close(): Promise<void> {
    if (this.closing) return this.closing
    this.closing = (async () => {
      this.closed = true
      this.wakeup()
      try {
        await this.halt()
      } finally {
        this.failWaiters(new KafketteError('LOG_CLOSED', 'the consumer closed', { groupId: this.groupId }))
        this.log.untrack(this)
        this.emit('stop')
      }
    })()
    return this.closing
  }

  /** @internal */
  assertOpen(): void {
    if (this.closed) throw new KafketteError('LOG_CLOSED', `the consumer${this.groupId === undefined ? '' : ` of group ${this.groupId}`} of ${this.log.label} is closed`, { log: this.log.location, groupId: this.groupId })
    this.log.assertOpen()
  }

  private assertNotRunning(what: string): void {
    if (this.runner) throw new KafketteError('ILLEGAL_STATE', `${what} while run() is running`, { groupId: this.groupId })
  }
}

/**
 * How long a consumer reads a backlog before it lets timers and I/O run (poll loops, for
 * await, run). Each turn of the event loop also lets V8 run its pending garbage-collection
 * tasks, which costs a drain CPU: against not yielding at all, draining 1,000,000 records
 * in memory took about 10% more CPU time with 2 ms slices, 4–6% with 5 ms and 3–5% with
 * 8 ms (alternating runs on a shared machine); 5 ms keeps the longest timer gap, a slice
 * plus one fetch and a garbage collection, under 20 ms.
 */
const CONSUMER_SLICE_MS = 5

function assertSignal(signal: unknown, what: string): asserts signal is AbortSignal | undefined {
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError(`${what} must be an AbortSignal`)
}

function assertPositiveDuration(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new RangeError(`${what} must be a number of milliseconds > 0, got ${String(value)}`)
}
