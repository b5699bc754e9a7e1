// run(): hands the records of the consumer's engine to eachMessage or eachBatch. One worker
// per partition at a time (up to partitionsConsumedConcurrently partitions at once), so
// order within a partition holds; a failing handler is retried after a backoff on the log's
// clock, holding up only its own partition.
import { AsyncLocalStorage } from 'node:async_hooks'
import type { EventEmitter } from 'eventemitter3'
import type { OffsetCommit } from '../group/coordinator.js'
import type { CoreLog } from '../log/log.js'
import type { ConsumedMessage, TopicPartitionOffset } from '../types.js'
import { holdProcess } from '../util/keep-alive.js'
import type { Slicer } from '../util/yield.js'
import { assertOffset, assertPositiveInt, isPlainObject } from '../util/validate.js'
import type { Batch, BatchEvent, ConsumerEvents, Cursor, EachBatchPayload, RetryOptions, RunConfig } from './consumer-types.js'

/** @internal What the run() loop needs of its Consumer (consumer.ts passes itself). */
export interface RunnerHost {
  readonly log: CoreLog
  readonly closed: boolean
  readonly order: Cursor[]
  readonly cursors: Map<string, Cursor>
  readonly maxPollRecords: number
  readonly retry: Required<Omit<RetryOptions, 'restartOnFailure'>> & Pick<RetryOptions, 'restartOnFailure'>
  readonly groupId: string | undefined
  readonly memberId: string | undefined
  readonly slicer: Slicer
  handlersRunning: number
  takeFrom(c: Cursor, max: number): Promise<ConsumedMessage[]>
  hasData(c: Cursor): boolean
  waitForData(ms: number, cursors: readonly Cursor[]): Promise<void>
  wakeup(): void
  moveTo(c: Cursor, offset: number): void
  beat(): void
  heartbeat(): void
  groupStep(): Promise<void>
  maybeAutoCommit(): Promise<void> | undefined
  commit(offsets?: readonly OffsetCommit[]): Promise<TopicPartitionOffset[]>
  uncommitted(): TopicPartitionOffset[]
  countProcessed(n: number): void
  pause(targets: ReadonlyArray<{ topic: string; partitions?: number[] }>): void
  resume(targets: ReadonlyArray<{ topic: string; partitions?: number[] }>): void
  stop(): Promise<void>
  listenerCount(event: keyof ConsumerEvents): number
  emit: EventEmitter<ConsumerEvents>['emit']
}

const inHandler = new AsyncLocalStorage<Runner>()

/** @internal The run() loop of one consumer. */
export class Runner {
  private stopping = false
  private readonly workers = new Map<Cursor, Promise<void>>()
  private loop: Promise<void> | undefined
  private rr = 0
  private readonly concurrency: number
  private readonly autoResolve: boolean
  private readonly heartbeat: () => Promise<void>

  constructor(
    private readonly consumer: RunnerHost,
    private readonly config: RunConfig,
  ) {
    if (!isPlainObject(config)) throw new TypeError('run: expected { eachMessage } or { eachBatch }')
    const { eachMessage, eachBatch } = config
    if (eachMessage !== undefined && typeof eachMessage !== 'function') throw new TypeError('run: eachMessage must be a function')
    if (eachBatch !== undefined && typeof eachBatch !== 'function') throw new TypeError('run: eachBatch must be a function')
    if ((eachMessage === undefined) === (eachBatch === undefined)) throw new TypeError('run: give exactly one of eachMessage and eachBatch')
    if (config.partitionsConsumedConcurrently !== undefined) assertPositiveInt(config.partitionsConsumedConcurrently, 'run: partitionsConsumedConcurrently')
    if (config.eachBatchAutoResolve !== undefined && typeof config.eachBatchAutoResolve !== 'boolean') throw new TypeError('run: eachBatchAutoResolve must be a boolean')
    if (config.signal !== undefined && !(config.signal instanceof AbortSignal)) throw new TypeError('run: signal must be an AbortSignal')
    this.concurrency = config.partitionsConsumedConcurrently ?? 1
    this.autoResolve = config.eachBatchAutoResolve ?? true
    this.heartbeat = async () => consumer.heartbeat()
  }

  /**
   * Starts the loop. The process stays alive while it runs (a service whose only work is
   * this consumer does not exit when it has caught up); an abort of the run's signal stops
   * the consumer as stop() does.
   */
  start(): void {
    const release = holdProcess()
    const signal = this.config.signal
    const abort = (): void => void this.consumer.stop()
    signal?.addEventListener('abort', abort, { once: true })
    this.loop = this.main().finally(() => {
      signal?.removeEventListener('abort', abort)
      release()
    })
  }

  /** True until stop() (or the consumer closes). */
  get isRunning(): boolean {
    return !this.stopping && !this.consumer.closed
  }

  /** Ends the loop: waits for the handlers in flight (unless called from one of them). */
  async stop(): Promise<void> {
    this.stopping = true
    const clock = this.consumer.log.clock
    for (const c of this.consumer.order) {
      clock.clearTimeout(c.blocked)
      c.blocked = undefined
    }
    this.consumer.wakeup()
    if (inHandler.getStore() === this) return
    await this.loop
  }

  /** Resolves once no worker holds these cursors (they were marked revoked, so workers stop after the record in hand). */
  async drain(cursors: readonly Cursor[]): Promise<void> {
    if (inHandler.getStore() === this) return
    const busy = cursors.map((c) => this.workers.get(c)).filter((p) => p !== undefined)
    if (busy.length > 0) await Promise.all(busy)
  }

  private async main(): Promise<void> {
    const c = this.consumer
    while (!this.stopping && !c.closed) {
      // However many records are ready or redelivered, timers and I/O get their turn.
      if (c.slicer.expired()) await c.slicer.next()
      if (this.stopping || c.closed) break
      try {
        // A member removed from its group rejoins once none of its handlers is in flight.
        if (this.workers.size === 0 || c.memberId !== undefined) await c.groupStep()
      } catch (error) {
        if (!this.stopping && !c.closed) this.crash(error)
        break
      }
      if (this.stopping || c.closed) break
      this.dispatch()
      const free = this.workers.size >= this.concurrency ? [] : c.order.filter((x) => !this.workers.has(x) && !x.blocked && !x.revoked && !x.paused)
      if (free.some((x) => c.hasData(x))) continue
      await c.waitForData(Infinity, free)
    }
    await Promise.all(this.workers.values())
  }

  private dispatch(): void {
    const c = this.consumer
    const order = c.order
    const n = order.length
    for (let k = 0; k < n && this.workers.size < this.concurrency; k++) {
      const x = order[(this.rr + k) % n]!
      if (this.workers.has(x) || x.paused || x.revoked || x.blocked || !c.hasData(x)) continue
      const work = inHandler
        .run(this, () => this.work(x))
        .catch((error: unknown) => this.crash(error))
        .finally(() => {
          this.workers.delete(x)
          c.wakeup()
        })
      this.workers.set(x, work)
    }
    if (n > 0) this.rr = (this.rr + 1) % n
  }

  private async work(x: Cursor): Promise<void> {
    const c = this.consumer
    const clock = c.log.clock
    const seq = x.seq
    const fetchStart = clock.now()
    let records: ConsumedMessage[]
    try {
      records = await c.takeFrom(x, c.maxPollRecords)
    } catch (error) {
      await this.failed(x, x.position, error)
      return
    }
    if (records.length === 0 || x.revoked || x.seq !== seq) return
    c.beat()
    const highWatermark = x.part.highWatermark
    const first = records[0]!.offset
    const last = records[records.length - 1]!.offset
    c.emit('fetch', { topic: x.topic, partition: x.partition, numberOfMessages: records.length, durationMs: clock.now() - fetchStart })
    let event: BatchEvent | undefined
    if (c.listenerCount('batch.start') > 0 || c.listenerCount('batch.end') > 0) {
      event = { topic: x.topic, partition: x.partition, highWatermark, offsetLag: highWatermark - 1 - last, offsetLagLow: highWatermark - 1 - first, batchSize: records.length, firstOffset: first, lastOffset: last }
      c.emit('batch.start', event)
    }
    const started = clock.now()
    if (this.config.eachBatch) await this.eachBatch(x, seq, records, highWatermark)
    else await this.eachMessage(x, seq, records)
    if (event) c.emit('batch.end', { ...event, durationMs: clock.now() - started })
    // Commits run beside processing; one at a time, and a revoke or stop waits for them.
    void c.maybeAutoCommit()
  }

  private async eachMessage(x: Cursor, seq: number, records: ConsumedMessage[]): Promise<void> {
    const c = this.consumer
    const handler = this.config.eachMessage!
    const pause = (): (() => void) => this.pause(x)
    for (let i = 0; i < records.length; i++) {
      const message = records[i]!
      if (i > 0 && c.slicer.expired()) await c.slicer.next()
      if (this.stopping || c.closed || x.revoked || x.seq !== seq || x.paused) {
        this.rewind(x, seq, message.offset)
        return
      }
      c.handlersRunning++
      try {
        await handler({ topic: x.topic, partition: x.partition, message, heartbeat: this.heartbeat, pause })
      } catch (error) {
        c.handlersRunning--
        this.rewind(x, seq, message.offset)
        await this.failed(x, message.offset, error)
        return
      }
      c.handlersRunning--
      if (x.seq === seq) {
        x.processed = message.offset + 1
        x.attempts = 0
      }
      c.countProcessed(1)
      c.beat()
    }
  }

  private async eachBatch(x: Cursor, seq: number, records: ConsumedMessage[], highWatermark: number): Promise<void> {
    const c = this.consumer
    const first = records[0]!.offset
    const last = records[records.length - 1]!.offset
    const batch: Batch = {
      topic: x.topic,
      partition: x.partition,
      highWatermark,
      messages: records,
      isEmpty: () => records.length === 0,
      firstOffset: () => first,
      lastOffset: () => last,
      offsetLag: () => highWatermark - 1 - last,
      offsetLagLow: () => highWatermark - 1 - first,
    }
    const resolve = (offset: number): void => {
      if (x.seq !== seq || offset + 1 <= x.processed) return
      c.countProcessed(offset + 1 - Math.max(x.processed, first))
      x.processed = offset + 1
    }
    const payload: EachBatchPayload = {
      batch,
      resolveOffset: (offset) => {
        assertOffset(offset, 'resolveOffset: offset')
        resolve(offset)
      },
      heartbeat: this.heartbeat,
      commitOffsetsIfNecessary: async (offsets) => {
        if (offsets !== undefined) await c.commit(offsets)
        else await c.maybeAutoCommit()
      },
      uncommittedOffsets: () => c.uncommitted(),
      isRunning: () => this.isRunning,
      isStale: () => x.revoked || x.seq !== seq || c.cursors.get(x.key) !== x,
      pause: () => this.pause(x),
    }
    c.handlersRunning++
    try {
      await this.config.eachBatch!(payload)
    } catch (error) {
      c.handlersRunning--
      const from = x.processed >= first && x.processed <= last ? x.processed : first
      this.rewind(x, seq, from)
      await this.failed(x, from, error)
      return
    }
    c.handlersRunning--
    if (x.seq !== seq) return
    x.attempts = 0
    // A batch that went stale (its partition revoked) resolves only what resolveOffset marked:
    // the handler may have given up on the rest when it saw isStale().
    if (this.autoResolve && !x.revoked) resolve(last)
    // What was not resolved is read again.
    else if (x.processed >= first && x.processed <= last) this.rewind(x, seq, x.processed)
    else if (x.processed < first) this.rewind(x, seq, first)
  }

  private pause(x: Cursor): () => void {
    const target = [{ topic: x.topic, partitions: [x.partition] }]
    this.consumer.pause(target)
    return () => this.consumer.resume(target)
  }

  /** Puts a cursor back at `offset` unless it was revoked or sought meanwhile. */
  private rewind(x: Cursor, seq: number, offset: number): void {
    if (x.seq === seq && !x.revoked && this.consumer.cursors.get(x.key) === x) this.consumer.moveTo(x, offset)
  }

  /** A handler (or a fetch) failed at `offset`: back off and redeliver, or crash once the retries are spent. */
  private async failed(x: Cursor, offset: number, error: unknown): Promise<void> {
    const c = this.consumer
    if (x.revoked || this.stopping || c.closed) return
    const retry = c.retry
    x.attempts++
    if (x.attempts <= retry.retries) {
      this.block(x, Math.min(retry.maxRetryTimeMs, retry.initialRetryTimeMs * retry.multiplier ** (x.attempts - 1)))
      return
    }
    x.attempts = 0
    let restart = true
    if (retry.restartOnFailure) {
      try {
        restart = Boolean(await retry.restartOnFailure(error))
      } catch {
        restart = false
      }
    }
    c.emit('crash', { error, restart, groupId: c.groupId, topic: x.topic, partition: x.partition, offset })
    if (restart) this.block(x, retry.initialRetryTimeMs)
    else if (!this.stopping) void c.stop()
  }

  private block(x: Cursor, ms: number): void {
    if (ms <= 0 || x.revoked) return
    const clock = this.consumer.log.clock
    clock.clearTimeout(x.blocked)
    x.blocked = clock.setTimeout(() => {
      x.blocked = undefined
      this.consumer.wakeup()
    }, ms)
  }

  private crash(error: unknown): void {
    const c = this.consumer
    c.emit('crash', { error, restart: false, groupId: c.groupId })
    if (!this.stopping) void c.stop()
  }
}
