// The Log: topics and their partitions over one store. It owns every partition's
// offsets; appends go through one group-commit queue, so concurrent sends share one
// db.batch() and offsets stay dense and rising in acknowledgement order.
import { EventEmitter } from 'eventemitter3'
import { KafketteError } from '../errors.js'
import { batchDamage, concatBatches, decodeBatch, decodeValue, encodeMarker, encodeValue, sealBatch } from '../storage/batch-codec.js'
import { FORMAT_VERSION, READABLE_FORMATS } from '../storage/format.js'
import {
  lastOffsetOf,
  metaKey,
  partitionRecordsRange,
  partitionStateKey,
  partitionTimeIndexRange,
  parseTimeIndexKey,
  recordKey,
  spaceRange,
  SPACE_TOPICS,
  timeIndexKey,
  topicKey,
  topicRange,
  SPACE_RECORDS,
  SPACE_PARTITION_STATE,
  SPACE_TIME_INDEX,
  SPACE_ABORTED_TXNS,
  abortedTxnKey,
  prefixEnd,
} from '../storage/keys.js'
import { Store, type StoreOp } from '../storage/store.js'
import type { WalRecovery } from '../storage/wal.js'
import type { ConsumedMessage, Headers, Key, TopicDescription } from '../types.js'
import type { Clock, TimerHandle } from '../util/clock.js'
import type { ThreadPriority } from '../util/priority.js'
import { assertPartitionNumber, assertTopicName, checkOptions, isPlainObject, type OptionSchema } from '../util/validate.js'
import { yieldToEventLoop } from '../util/yield.js'
import { corruptBatch, verifyPartition, type DamagedRange, type PartitionVerification, type VerifyReport } from './integrity.js'
import { Partition, type AbortedTxn } from './partition.js'
import { ProducerStates, type ProducerBatch, type TxnEnd, type TxnState } from './transactions.js'
import { CompactionStarved, CompactionThread, compactionSteps, InThreadRules, type RulesRunner } from './compaction.js'
import { decodePartitionState, firstOffsetNotOlderThan, partitionStateOp, type LogStartTarget, offsetForTime, partitionSize, planLogStart } from './retention.js'
import { resolveTopicConfig, type TopicConfig } from './topic-config.js'

/** Options of openLog. Give `dir` (on disk) or `memory: true`. */
export interface OpenLogOptions {
  /** The LevelDB directory (created if missing). */
  dir?: string
  /** Keep the log in memory (memory-level): the same behaviour, nothing on disk. */
  memory?: boolean
  /** Create a topic on first send or subscribe (default false). */
  autoCreateTopics?: boolean
  /** Partitions of an auto-created topic (default 1). */
  defaultPartitions?: number
  /** The source of time (default: the wall clock). */
  clock?: Clock
  /** fsync every write (default false: an acknowledged write survives a killed process, not a power loss). */
  sync?: boolean
  /** How often retention runs in the background, on the log's clock (default 300000 = 5 minutes; 0 = never). */
  retentionCheckIntervalMs?: number
  /**
   * On disk, how many files LevelDB keeps open (74 to 50000, default 74). Its table
   * files are memory-mapped while open, so this bounds the file pages a reading process
   * holds: about 2 MB per file beyond 10.
   */
  maxOpenFiles?: number
  /**
   * The CPU priority of the thread compactions run in (default 'idle' on disk, 'normal' in
   * memory). 'idle': on Linux the thread runs under SCHED_IDLE, on cores no other thread
   * wants, and yields at once to any that wakes, so a producer's writes do not queue
   * behind it; a request it leaves unanswered for a second of the log's clock (every core
   * busy) ends it, and the run goes on at 'normal'. 'normal': the process's own priority.
   */
  compactionPriority?: ThreadPriority
}

/** A topic's in-memory state. */
export interface Topic {
  readonly name: string
  readonly id: number
  config: TopicConfig
  partitions: Partition[]
}

interface StoredTopic {
  id: number
  partitions: number
  config: TopicConfig
  /** The topic's name, as its key says it (format 2 on): a damaged key is then found. */
  name?: string
}

/** One encoded batch for one partition, queued for the next write. */
export interface AppendEntry {
  partition: Partition
  bytes: Buffer
  count: number
  maxTimestamp: number
  /** An idempotent (or transactional) batch: its sequence is checked, and a retry is answered with the original offsets. `bytes` carry the same fields. */
  producer?: ProducerBatch
}

interface PendingAppend {
  entries: AppendEntry[]
  sync: boolean
  resolve: (baseOffsets: number[]) => void
  reject: (err: unknown) => void
  /** A transaction's end: `entries` are its markers. */
  end?: TxnEnd
}

/** Which records a read returns: every one below the high watermark, or (Kafka's default for kafkette consumers) only committed ones below the last stable offset. */
export type IsolationLevel = 'read_committed' | 'read_uncommitted'

/** What one compaction removed from one partition. */
export interface CompactionResult {
  topic: string
  partition: number
  removedRecords: number
  /** The longest store write of the run, in milliseconds. */
  pauseMs: number
}

/** A partition whose log start offset moved, and what that freed. */
export interface LogStartMoved {
  topic: string
  partition: number
  logStartOffset: number
  removedBatches: number
  freedBytes: number
}

/** What truncateDamaged() did to a partition. */
export interface TruncateResult {
  topic: string
  partition: number
  /** False when the partition had no damage (nothing was changed). */
  truncated: boolean
  /** The high watermark after it: the first offset of the first damaged batch. */
  highWatermark: number
  /** Batches deleted: the damaged one and every one after it. */
  removedBatches: number
  /** The damage verify() found in the partition before it was truncated. */
  damaged: DamagedRange[]
}

/** Events a Log emits. */
export interface LogEvents {
  'topic.create': (topic: string) => void
  'topic.delete': (topic: string) => void
  'topic.partitions': (topic: string, partitions: number) => void
  /** Retention or deleteRecords moved a partition's log start offset. */
  'log.start': (event: LogStartMoved) => void
  /** A background run of retention (and of compaction, for compacted topics) finished; it runs again at the next interval. */
  'retention.run': (event: { durationMs: number }) => void
  /**
   * Opening the log dropped part of the store's write-ahead log: a write cut off by a
   * crash (never acknowledged unless it was the last before a power loss without `sync`),
   * or damaged blocks. Emitted once, on the turn after openLog resolves; `log.recovered`
   * keeps the same list.
   */
  'log.recovery': (dropped: WalRecovery[]) => void
  /** A background retention run failed (it runs again at the next interval). */
  'retention.error': (error: unknown) => void
  /** The log aborted a transaction: it outlived its transactionTimeoutMs, or a newer producer took its transactionalId. */
  'transaction.abort': (event: { transactionalId: string; producerId: number; reason: 'timeout' | 'fenced' }) => void
  /** Aborting a timed-out transaction failed; it is tried again after another timeout. */
  'transaction.error': (error: unknown) => void
  close: () => void
}

const CREATE_TOPIC_OPTIONS: OptionSchema<{ partitions?: number; config?: Partial<TopicConfig> }> = { partitions: 'number', config: 'object' }

const NEXT_TOPIC_ID = metaKey('nextTopicId')
const NO_ENTRIES: AppendEntry[] = []
const FORMAT = metaKey('format')

/**
 * The core of a log: topics of partitions of record batches, appends and reads. The
 * public `Log` (client/log.ts) adds producers, consumers and groups on top.
 */
export class CoreLog extends EventEmitter<LogEvents> {
  /** @internal */ readonly store: Store
  /** The log's clock. */
  readonly clock: Clock
  /** @internal */ readonly topics = new Map<string, Topic>()
  /** @internal */ readonly options: Readonly<OpenLogOptions>
  private nextTopicId: number
  private format = FORMAT_VERSION
  private closed = false
  private closing: Promise<void> | undefined
  private queue: PendingAppend[] = []
  private writing: Promise<void> | undefined
  private adminChain: Promise<unknown> = Promise.resolve()
  /** Admin calls queued and not yet started (a background compaction gives way to them). */
  private adminWaiting = 0
  private readonly closers = new Set<{ close(): Promise<void> }>()
  private retentionTimer: TimerHandle | undefined
  /** Where compactions run their rules: a worker thread once built, else this thread (see compaction.ts); null until first used. */
  private compactionThread: CompactionThread | undefined | null = null
  /** @internal Producer ids, idempotence and transactions. */
  readonly producerStates: ProducerStates

  /** @internal Use openLog(). */
  constructor(store: Store, options: OpenLogOptions, clock: Clock) {
    super()
    this.store = store
    this.options = options
    this.clock = clock
    this.nextTopicId = 1
    this.producerStates = new ProducerStates(store, clock, (txn) => this.abortTimedOut(txn))
    store.afterReopen = () => this.dropUnacknowledged()
  }

  /**
   * After the store was reopened following a failed write: a failed write may still have
   * reached the write-ahead log, and LevelDB replays it. Its batches lie at or above their
   * partition's high watermark (never acknowledged, offsets not handed out): delete them,
   * so the next append's batches do not overlap them.
   */
  private async dropUnacknowledged(): Promise<void> {
    const ops: StoreOp[] = []
    for (const topic of this.topics.values()) {
      for (const part of topic.partitions) {
        const range = partitionRecordsRange(part.topicId, part.index)
        for (const key of await this.store.keys({ gte: recordKey(part.topicId, part.index, part.highWatermark), lt: range.lt })) ops.push({ type: 'del', key })
        // Index entries rise in both fields: those of unacknowledged batches are above the partition's max timestamp.
        const index = partitionTimeIndexRange(part.topicId, part.index)
        for (const key of await this.store.keys({ gte: timeIndexKey(part.topicId, part.index, part.maxTimestamp + 1, 0), lt: index.lt })) ops.push({ type: 'del', key })
        // So are the aborted transactions whose markers it carried.
        for (const key of await this.store.keys({ gte: abortedTxnKey(part.topicId, part.index, part.highWatermark), lt: prefixEnd(abortedTxnKey(part.topicId, part.index, 0).subarray(0, 9)) })) ops.push({ type: 'del', key })
      }
    }
    // And the producer state it carried: the stored state becomes the one this process holds.
    ops.push(...(await this.producerStates.resyncOps()))
    await this.store.write(ops, true)
  }

  /** What opening dropped from the store's write-ahead log (see the 'log.recovery' event); empty when nothing. */
  get recovered(): readonly WalRecovery[] {
    return this.store.recovery
  }

  /** @internal Reads the format, the topics and each partition's offsets: O(partitions) seeks. */
  async load(): Promise<void> {
    const store = this.store
    const format = await store.get(FORMAT)
    if (format === undefined) {
      const any = await store.first({})
      if (any !== undefined) throw new KafketteError('LOG_CORRUPT', 'the store holds data but no format version: it is not a kafkette log')
      await store.write([
        { type: 'put', key: FORMAT, value: encodeValue(FORMAT_VERSION) },
        { type: 'put', key: NEXT_TOPIC_ID, value: encodeValue(1) },
      ], true)
    } else {
      const version = decodeValue<number>(format)
      if (typeof version !== 'number') throw new KafketteError('LOG_CORRUPT', 'the format version is not a number')
      if (version > FORMAT_VERSION) {
        throw new KafketteError('LOG_FORMAT_TOO_NEW', `the log has format ${version}; this version of kafkette reads formats ${READABLE_FORMATS.join(', ')}`)
      }
      if (!READABLE_FORMATS.includes(version)) throw new KafketteError('LOG_CORRUPT', `unknown format version ${version}`)
      // New batches carry a checksum and may carry producer fields, which an older version cannot read: mark the log so that one refuses it (format.ts).
      if (version < FORMAT_VERSION) await store.write([{ type: 'put', key: FORMAT, value: encodeValue(FORMAT_VERSION) }], true)
      this.format = FORMAT_VERSION
    }
    const nextIdBytes = await store.get(NEXT_TOPIC_ID)
    if (nextIdBytes) this.nextTopicId = decodeValue<number>(nextIdBytes)
    const it = store.iterator(spaceRange(SPACE_TOPICS))
    try {
      for (;;) {
        const entries = await it.nextv(256)
        if (entries.length === 0) break
        for (const [key, value] of entries) {
          const name = Buffer.from(key.subarray(1)).toString('utf8')
          let stored: StoredTopic
          let config: TopicConfig
          try {
            stored = decodeValue<StoredTopic>(value)
            if (!stored || typeof stored.id !== 'number' || typeof stored.partitions !== 'number') throw new Error('its fields are missing')
            // Since format 2 the description holds the name too: a damaged key is then found.
            if (stored.name !== undefined && stored.name !== name) throw new Error(`it names topic ${JSON.stringify(stored.name)}`)
            assertTopicName(name)
            config = resolveTopicConfig(name, stored.config)
          } catch (err) {
            throw new KafketteError('LOG_CORRUPT', `topic ${JSON.stringify(name)} has an unreadable description (${err instanceof Error ? err.message : String(err)})`, { topic: name }, { cause: err })
          }
          const topic: Topic = { name, id: stored.id, config, partitions: [] }
          for (let p = 0; p < stored.partitions; p++) topic.partitions.push(await this.loadPartition(name, stored.id, p))
          this.topics.set(name, topic)
        }
      }
    } finally {
      await it.close()
    }
    const byId = new Map<number, Topic>()
    for (const t of this.topics.values()) byId.set(t.id, t)
    await this.producerStates.load((topicId, partition) => byId.get(topicId)?.partitions[partition])
    this.producerStates.armAll()
  }

  /** The on-disk format version of this log (storage/format.ts says what each one means). */
  get formatVersion(): number {
    return this.format
  }

  private async loadPartition(topic: string, topicId: number, index: number): Promise<Partition> {
    const [last, state, index_] = await Promise.all([
      this.store.first({ ...partitionRecordsRange(topicId, index), reverse: true }),
      this.store.get(partitionStateKey(topicId, index)),
      this.store.first({ ...partitionTimeIndexRange(topicId, index), reverse: true }),
    ])
    const stored = decodePartitionState(state)
    const logStartOffset = stored.logStartOffset
    const highWatermark = Math.max(last ? lastOffsetOf(last[0]) + 1 : 0, logStartOffset, stored.highWatermark)
    const maxTimestamp = index_ ? parseTimeIndexKey(index_[0]).maxTimestamp : -1
    const part = new Partition(topic, topicId, index, logStartOffset, highWatermark, maxTimestamp)
    part.compacted = stored.compacted
    return part
  }

  // ── topics ──────────────────────────────────────────────────────────────────

  /** Creates a topic. Throws TOPIC_ALREADY_EXISTS, INVALID_TOPIC, INVALID_PARTITIONS or INVALID_CONFIG. */
  async createTopic(name: string, options: { partitions?: number; config?: Partial<TopicConfig> } = {}): Promise<void> {
    this.assertOpen()
    assertTopicName(name)
    if (!isPlainObject(options)) throw new TypeError('createTopic: options must be an object')
    checkOptions('createTopic', options, CREATE_TOPIC_OPTIONS)
    const partitions = options.partitions ?? this.options.defaultPartitions ?? 1
    if (typeof partitions !== 'number' || !Number.isSafeInteger(partitions) || partitions < 1 || partitions > 100_000) {
      throw new KafketteError('INVALID_PARTITIONS', `partitions must be an integer from 1 to 100000, got ${String(partitions)}`, { topic: name })
    }
    const config = resolveTopicConfig(name, options.config)
    await this.admin(async () => {
      if (this.topics.has(name)) throw new KafketteError('TOPIC_ALREADY_EXISTS', `topic ${name} already exists`, { topic: name })
      const id = this.nextTopicId
      await this.store.write([
        { type: 'put', key: topicKey(name), value: encodeValue({ id, partitions, config, name } satisfies StoredTopic) },
        { type: 'put', key: NEXT_TOPIC_ID, value: encodeValue(id + 1) },
      ], this.options.sync ?? false)
      this.nextTopicId = id + 1
      const topic: Topic = { name, id, config, partitions: [] }
      for (let p = 0; p < partitions; p++) topic.partitions.push(new Partition(name, id, p, 0, 0, -1))
      this.topics.set(name, topic)
    })
    this.emit('topic.create', name)
  }

  /** Deletes a topic and its records. Throws UNKNOWN_TOPIC_OR_PARTITION. */
  async deleteTopic(name: string): Promise<void> {
    this.assertOpen()
    assertTopicName(name)
    await this.admin(async () => {
      const topic = this.requireTopic(name)
      await this.drain()
      await this.store.write([{ type: 'del', key: topicKey(name) }], this.options.sync ?? false)
      this.topics.delete(name)
      for (const p of topic.partitions) {
        p.deleted = true
        p.dropCache()
        p.wake()
      }
      // The topic id is never reused, so what follows is space reclamation, not correctness.
      this.producerStates.dropTopic(topic.id)
      for (const space of [SPACE_RECORDS, SPACE_PARTITION_STATE, SPACE_TIME_INDEX, SPACE_ABORTED_TXNS]) {
        const range = topicRange(space, topic.id)
        await this.store.clear(range)
        await this.store.compactRange(range.gte, range.lt)
      }
    })
    this.emit('topic.delete', name)
  }

  /** Raises a topic's partition count to `count` (Kafka never lowers it). */
  async createPartitions(name: string, count: number): Promise<void> {
    this.assertOpen()
    assertTopicName(name)
    await this.admin(async () => {
      const topic = this.requireTopic(name)
      if (typeof count !== 'number' || !Number.isSafeInteger(count) || count <= topic.partitions.length || count > 100_000) {
        throw new KafketteError('INVALID_PARTITIONS', `the new partition count must be an integer above ${topic.partitions.length}, got ${String(count)}`, { topic: name })
      }
      await this.store.write([
        { type: 'put', key: topicKey(name), value: encodeValue({ id: topic.id, partitions: count, config: topic.config, name } satisfies StoredTopic) },
      ], this.options.sync ?? false)
      for (let p = topic.partitions.length; p < count; p++) topic.partitions.push(new Partition(name, topic.id, p, 0, 0, -1))
    })
    this.emit('topic.partitions', name, count)
  }

  /** Changes some of a topic's config keys; the others keep their values. */
  async alterTopicConfig(name: string, changes: Partial<TopicConfig>): Promise<TopicConfig> {
    this.assertOpen()
    assertTopicName(name)
    return this.admin(async () => {
      const topic = this.requireTopic(name)
      const config = resolveTopicConfig(name, changes, topic.config)
      await this.store.write([
        { type: 'put', key: topicKey(name), value: encodeValue({ id: topic.id, partitions: topic.partitions.length, config, name } satisfies StoredTopic) },
      ], this.options.sync ?? false)
      topic.config = config
      return { ...config }
    })
  }

  /** Every topic name, sorted. */
  async listTopics(): Promise<string[]> {
    this.assertOpen()
    return [...this.topics.keys()].sort()
  }

  /** A topic's config and, per partition, its log start offset and high watermark. */
  async describeTopic(name: string): Promise<TopicDescription<TopicConfig>> {
    this.assertOpen()
    assertTopicName(name)
    const topic = this.requireTopic(name)
    return {
      name,
      config: { ...topic.config },
      partitions: await Promise.all(
        topic.partitions.map(async (p) => ({
          partition: p.index,
          logStartOffset: p.logStartOffset,
          highWatermark: p.highWatermark,
          lastStableOffset: p.lastStableOffset,
          sizeBytes: await partitionSize(this.store, p),
        })),
      ),
    }
  }

  // ── retention, deleteRecords, time ──────────────────────────────────────────

  /**
   * Per partition, the first offset whose record has a timestamp ≥ `timestamp` (with
   * that record's timestamp), or null where there is none. Uses the time index.
   */
  async offsetsForTimes(name: string, timestamp: number): Promise<Array<{ partition: number; offset: number | null; timestamp: number | null }>> {
    this.assertOpen()
    assertTopicName(name)
    if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) throw new RangeError(`offsetsForTimes: timestamp must be a number of milliseconds, got ${String(timestamp)}`)
    const topic = this.requireTopic(name)
    return Promise.all(
      topic.partitions.map(async (p) => {
        const found = await offsetForTime(this.store, p, timestamp)
        return { partition: p.index, offset: found?.offset ?? null, timestamp: found?.timestamp ?? null }
      }),
    )
  }

  /**
   * Moves each given partition's log start offset to `offset` (-1: the high watermark),
   * deleting the batches wholly below it. Each store write deletes a chunk of batches
   * together with the log start it reaches, so every step is consistent. An offset above the high
   * watermark throws OFFSET_OUT_OF_RANGE and nothing is deleted; one at or below the log
   * start changes nothing. Resolves with each partition's new log start offset.
   */
  async deleteRecords(name: string, targets: ReadonlyArray<{ partition: number; offset: number }>): Promise<Array<{ partition: number; logStartOffset: number }>> {
    this.assertOpen()
    assertTopicName(name)
    if (!Array.isArray(targets)) throw new TypeError('deleteRecords: expected an array of { partition, offset }')
    return this.admin(async () => {
      const topic = this.requireTopic(name)
      const moves = targets.map((t, i) => {
        if (!isPlainObject(t)) throw new TypeError(`deleteRecords: entry ${i} must be { partition, offset }`)
        const part = this.requirePartition(name, t.partition)
        if (t.offset !== -1 && (typeof t.offset !== 'number' || !Number.isSafeInteger(t.offset) || t.offset < 0)) {
          throw new RangeError(`deleteRecords: entry ${i} offset must be -1 or a safe integer ≥ 0, got ${String(t.offset)}`)
        }
        const offset = t.offset === -1 ? part.highWatermark : t.offset
        if (offset > part.highWatermark) {
          throw new KafketteError('OFFSET_OUT_OF_RANGE', `deleteRecords: offset ${offset} is above the high watermark ${part.highWatermark} of ${name}/${part.index}`, { topic: name, partition: part.index, offset })
        }
        return { part, offset }
      })
      await this.moveLogStarts(moves.filter((m) => m.offset > m.part.logStartOffset).map(({ part, offset }) => ({ part, target: { offset } })))
      return moves.map(({ part }) => ({ partition: part.index, logStartOffset: part.logStartOffset }))
    })
  }

  /**
   * Applies every topic's retention now: removes whole batches from the front of each
   * partition whose newest timestamp is older than retentionMs, and the oldest while the
   * partition holds more than retentionBytes. Resolves with the partitions it moved.
   */
  async enforceRetention(): Promise<LogStartMoved[]> {
    this.assertOpen()
    return this.admin(async () => {
      const now = this.clock.now()
      const moves: Array<{ part: Partition; target: LogStartTarget }> = []
      for (const topic of this.topics.values()) {
        const { retentionMs, retentionBytes, cleanupPolicy } = topic.config
        if (!cleanupPolicy.includes('delete')) continue
        for (const part of topic.partitions) {
          let offset = part.logStartOffset
          if (retentionMs !== -1) offset = Math.max(offset, await firstOffsetNotOlderThan(this.store, part, now - retentionMs))
          const tooBig = retentionBytes !== -1 && (await partitionSize(this.store, part)) > retentionBytes
          if (offset > part.logStartOffset || tooBig) moves.push({ part, target: tooBig ? { offset, maxBytes: retentionBytes } : { offset } })
        }
      }
      return this.moveLogStarts(moves)
    })
  }

  /**
   * Compacts every partition of `name` (or of every topic whose cleanupPolicy includes
   * compact): only the newest record of each key survives, offsets unchanged. Resolves
   * with the records removed per partition.
   */
  async compact(name?: string): Promise<CompactionResult[]> {
    this.assertOpen()
    if (name !== undefined) assertTopicName(name)
    return this.admin(async () => {
      const out: CompactionResult[] = []
      try {
        for (const part of this.compactable(name)) {
          const { result } = await this.compactPartition(part)
          if (result) out.push(result)
        }
      } finally {
        await this.compactionThread?.settle()
      }
      return out
    })
  }

  /**
   * The compaction the retention timer runs. It gives way to admin calls (createTopic,
   * deleteRecords, compact…) queued behind it: after the step in hand it stops, lets them
   * run and goes on behind them, so none waits for more than one partition's scan and one
   * step (the compaction thread may run slowly on a busy machine: see compactionPriority).
   */
  private async compactInBackground(): Promise<void> {
    const finished = new Set<Partition>()
    for (;;) {
      const interrupted = await this.admin(async () => {
        try {
          for (const part of this.compactable(undefined)) {
            if (finished.has(part)) continue
            if ((await this.compactPartition(part, () => this.adminWaiting > 0)).stopped) return true
            finished.add(part)
          }
          return false
        } finally {
          await this.compactionThread?.settle()
        }
      })
      if (!interrupted) return
    }
  }

  /**
   * The partitions of `name`, or of every topic whose cleanupPolicy includes compact. A
   * named topic whose cleanupPolicy lacks compact is refused (INVALID_CONFIG): as in
   * Kafka, only a compacted topic's records may be removed by key.
   */
  private compactable(name: string | undefined): Partition[] {
    if (name !== undefined) {
      const topic = this.requireTopic(name)
      if (!topic.config.cleanupPolicy.includes('compact')) {
        throw new KafketteError('INVALID_CONFIG', `compact: topic ${name} has cleanupPolicy '${topic.config.cleanupPolicy}'; only a topic whose cleanupPolicy includes 'compact' is compacted (alterTopicConfig can change it)`, { topic: name })
      }
    }
    const topics = name !== undefined ? [this.requireTopic(name)] : [...this.topics.values()].filter((t) => t.config.cleanupPolicy.includes('compact'))
    return topics.flatMap((t) => t.partitions)
  }

  /**
   * One compaction of `part`: what it removed (no result when nothing), and whether it
   * stopped early, after a step once `giveWay()` was true.
   */
  private async compactPartition(part: Partition, giveWay?: () => boolean): Promise<{ result?: CompactionResult; stopped: boolean }> {
    const topic = this.requireTopic(part.topic)
    let pauseMs = 0
    let removedRecords = 0
    let bytesDelta = 0
    let stopped = false
    // A thread that starved at idle priority is replaced by one at normal priority (see
    // CompactionThread): the steps written stand, and the compaction starts again once.
    for (let attempt = 0; ; attempt++) {
      try {
        for await (const step of compactionSteps(this.store, part, topic.config, this.clock.now(), this.compactionRules())) {
          const started = performance.now()
          await this.store.write(step.ops, this.options.sync ?? false)
          pauseMs = Math.max(pauseMs, performance.now() - started)
          part.dropCache()
          removedRecords += step.removedRecords
          bytesDelta += step.bytesDelta
          if (part.sizeBytes !== undefined) part.sizeBytes += step.bytesDelta
          if (giveWay?.()) {
            stopped = true
            break
          }
        }
        break
      } catch (err) {
        if (!(err instanceof CompactionStarved) || attempt > 0) throw err
      }
    }
    if (removedRecords === 0) return { stopped }
    const before = (part.sizeBytes ?? 0) - bytesDelta
    if (-bytesDelta * 4 >= before) {
      const range = partitionRecordsRange(part.topicId, part.index)
      await this.store.compactRange(range.gte, range.lt)
    }
    return { result: { topic: topic.name, partition: part.index, removedRecords, pauseMs }, stopped }
  }

  private compactionRules(): RulesRunner {
    if (this.compactionThread === null) this.compactionThread = CompactionThread.create(this.options.compactionPriority ?? (this.store.kind === 'disk' ? 'idle' : 'normal'), this.clock)
    return this.compactionThread ?? new InThreadRules()
  }

  private async moveLogStarts(moves: ReadonlyArray<{ part: Partition; target: LogStartTarget }>): Promise<LogStartMoved[]> {
    const out: LogStartMoved[] = []
    for (const { part, target } of moves) {
      const before = await partitionSize(this.store, part)
      const plan = await planLogStart(this.store, part, target)
      const offset = plan.logStartOffset
      if (offset <= part.logStartOffset) continue
      for (const step of plan.steps) {
        await this.store.write(step.ops, this.options.sync ?? false)
        part.logStartOffset = Math.max(part.logStartOffset, step.logStartOffset)
        await yieldToEventLoop()
      }
      if (part.sizeBytes !== undefined) part.sizeBytes = Math.max(0, part.sizeBytes - plan.freed)
      if (part.aborted.length > 0 && part.aborted[0]!.lastOffset < offset) {
        // Aborted transactions wholly below the log start are no longer read (space, not correctness).
        part.trimAborted()
        await this.store.clear({ gte: abortedTxnKey(part.topicId, part.index, 0), lt: abortedTxnKey(part.topicId, part.index, offset) })
      }
      const event = { topic: part.topic, partition: part.index, logStartOffset: offset, removedBatches: plan.batches, freedBytes: plan.freed }
      out.push(event)
      this.emit('log.start', event)
      // Reclaim the space once a large share of the partition went.
      if (plan.freed > 0 && plan.freed * 4 >= before) {
        const range = partitionRecordsRange(part.topicId, part.index)
        await this.store.compactRange(range.gte, recordKey(part.topicId, part.index, offset))
      }
    }
    return out
  }

  /** @internal Starts the background retention timer (after load). */
  armRetention(): void {
    const every = this.options.retentionCheckIntervalMs ?? 300_000
    if (every <= 0 || this.closed) return
    this.retentionTimer = this.clock.setTimeout(() => {
      this.retentionTimer = undefined
      if (this.closed) return
      const started = this.clock.now()
      this.enforceRetention().then(() => this.compactInBackground()).then(
        () => {
          if (this.closed) return
          this.emit('retention.run', { durationMs: this.clock.now() - started })
          this.armRetention()
        },
        (err: unknown) => {
          if (this.closed) return
          this.emit('retention.error', err)
          this.armRetention()
        },
      )
    }, every)
  }

  /** True when the topic exists. */
  hasTopic(name: string): boolean {
    this.assertOpen()
    return this.topics.has(name)
  }

  /** @internal The topic, or UNKNOWN_TOPIC_OR_PARTITION. */
  requireTopic(name: string): Topic {
    const topic = this.topics.get(name)
    if (!topic) throw new KafketteError('UNKNOWN_TOPIC_OR_PARTITION', `unknown topic ${name}`, { topic: name })
    return topic
  }

  /** @internal A partition, or UNKNOWN_TOPIC_OR_PARTITION. */
  requirePartition(name: string, partition: number): Partition {
    const p = this.requireTopic(name).partitions[partition]
    if (!p) throw new KafketteError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${name} has no partition ${partition}`, { topic: name, partition })
    return p
  }

  /** @internal The topic, created first when the log auto-creates topics. */
  async ensureTopic(name: string): Promise<Topic> {
    const topic = this.topics.get(name)
    if (topic) return topic
    assertTopicName(name)
    if (!this.options.autoCreateTopics) throw new KafketteError('UNKNOWN_TOPIC_OR_PARTITION', `unknown topic ${name} (the log does not auto-create topics)`, { topic: name })
    try {
      await this.createTopic(name)
    } catch (err) {
      if (!(err instanceof KafketteError && err.code === 'TOPIC_ALREADY_EXISTS')) throw err
    }
    return this.requireTopic(name)
  }

  // ── append ──────────────────────────────────────────────────────────────────

  /**
   * @internal Queues encoded batches (one per partition) for the next write; resolves
   * with each batch's base offset once it is in the store. Concurrent calls share one
   * db.batch(); a failed write rejects every call in it and assigns no offset.
   */
  append(entries: AppendEntry[], sync: boolean): Promise<number[]> {
    this.assertOpen()
    return new Promise((resolve, reject) => {
      this.queue.push({ entries, sync, resolve, reject })
      if (!this.writing) this.writing = Promise.resolve().then(() => this.writeQueued())
    })
  }

  private async writeQueued(): Promise<void> {
    while (this.queue.length > 0) {
      const pending = this.queue
      this.queue = []
      // Offsets are assigned here, in queue order; sends to one partition that share
      // this write become one stored batch. Idempotent batches are checked against a
      // draft of the producer state first: a refused one rejects its own append only,
      // and a retried one is answered with its original offsets and not written again.
      const byPartition = new Map<Partition, { base: number; entries: AppendEntry[]; count: number; maxTimestamp: number }>()
      let sync = this.options.sync ?? false
      const kept: Array<{ p: PendingAppend; bases: number[] }> = []
      const draft = this.producerStates.draft()
      for (const p of pending) {
        let bases: number[]
        try {
          bases = this.place(p, byPartition, draft)
        } catch (err) {
          p.reject(err)
          continue
        }
        if (p.sync) sync = true
        kept.push({ p, bases })
      }
      const ops: StoreOp[] = []
      const written: Array<{ part: Partition; base: number; last: number; bytes: Buffer; count: number }> = []
      for (const [part, run] of byPartition) {
        const last = run.base + run.count - 1
        const key = recordKey(part.topicId, part.index, last)
        const bytes = sealBatch(key, run.entries.length === 1 ? run.entries[0]!.bytes : concatBatches(run.entries.map((e) => e.bytes)))
        ops.push({ type: 'put', key, value: bytes })
        if (run.maxTimestamp > part.maxTimestamp) {
          ops.push({ type: 'put', key: timeIndexKey(part.topicId, part.index, run.maxTimestamp, last), value: EMPTY })
        }
        written.push({ part, base: run.base, last, bytes, count: run.count })
      }
      if (!draft.empty) ops.push(...draft.ops())
      if (ops.length > 0) {
        try {
          await this.store.write(ops, sync)
        } catch (err) {
          for (const k of kept) k.p.reject(err)
          continue
        }
      }
      draft.apply()
      for (const w of written) {
        const run = byPartition.get(w.part)!
        if (run.maxTimestamp > w.part.maxTimestamp) w.part.maxTimestamp = run.maxTimestamp
        w.part.appended(w.base, w.last, w.bytes)
        w.part.wake()
      }
      for (const k of kept) k.p.resolve(k.bases)
    }
    this.writing = undefined
  }

  /**
   * Gives one pending append its offsets in `byPartition`, and checks its idempotent
   * batches and transaction end in a fork of `draft`. Throws (placing nothing) when the
   * producer state refuses it.
   */
  private place(p: PendingAppend, byPartition: Map<Partition, { base: number; entries: AppendEntry[]; count: number; maxTimestamp: number }>, draft: ReturnType<ProducerStates['draft']>): number[] {
    const bases = new Array<number>(p.entries.length)
    const fresh: boolean[] = new Array<boolean>(p.entries.length).fill(true)
    const fork = p.end !== undefined || p.entries.some((e) => e.producer !== undefined) ? draft.fork() : undefined
    const local = new Map<Partition, number>()
    for (let i = 0; i < p.entries.length; i++) {
      const entry = p.entries[i]!
      const part = entry.partition
      if (part.deleted) throw new KafketteError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${part.topic} was deleted`, { topic: part.topic, partition: part.index })
      const run = byPartition.get(part)
      const base = (local.get(part) ?? (run ? run.base + run.count : part.highWatermark))
      if (entry.producer !== undefined) {
        const verdict = fork!.check(entry.producer, part, entry.count, base)
        if (verdict.duplicate) {
          bases[i] = verdict.baseOffset
          fresh[i] = false
          continue
        }
      }
      bases[i] = base
      local.set(part, base + entry.count)
    }
    if (p.end !== undefined) {
      const markers = new Map<Partition, number>()
      p.entries.forEach((e, i) => markers.set(e.partition, bases[i]!))
      fork!.end(p.end, markers)
    }
    fork?.merge()
    for (let i = 0; i < p.entries.length; i++) {
      if (!fresh[i]) continue
      const entry = p.entries[i]!
      const part = entry.partition
      let run = byPartition.get(part)
      if (!run) byPartition.set(part, (run = { base: part.highWatermark, entries: [], count: 0, maxTimestamp: -1 }))
      run.entries.push(entry)
      run.count += entry.count
      if (entry.maxTimestamp > run.maxTimestamp) run.maxTimestamp = entry.maxTimestamp
    }
    return bases
  }

  // ── producers and transactions ──────────────────────────────────────────────

  /** @internal A new producer id (epoch 0) for an idempotent producer; never given again. */
  async initProducerId(): Promise<{ producerId: number; producerEpoch: number }> {
    this.assertOpen()
    return this.producerStates.newProducerId(this.options.sync ?? false)
  }

  /**
   * @internal Takes `transactionalId` for `owner` (KIP-98's InitProducerId): a new producer
   * id, or the next epoch of the one it has. A transaction left open by the previous
   * holder (this process or one that crashed) is aborted in the same store write, and the
   * previous holder is fenced. Resolves with the producer id and epoch to send with.
   */
  initTransactions(transactionalId: string, timeoutMs: number, owner: object): Promise<{ producerId: number; producerEpoch: number }> {
    this.assertOpen()
    const existing = this.producerStates.txn(transactionalId)
    const run = async (): Promise<{ producerId: number; producerEpoch: number }> => {
      this.assertOpen()
      const got = await this.producerStates.registerTxn(transactionalId, timeoutMs, this.options.sync ?? false)
      if (!('existing' in got)) {
        got.owner = owner
        return { producerId: got.producerId, producerEpoch: got.epoch }
      }
      const txn = got.existing
      const hadOpen = txn.open !== null && txn.open.partitions.size > 0
      const producerId = txn.producerId
      txn.timeoutMs = timeoutMs
      await this.endTransaction({ txn, epoch: txn.epoch, commit: false, newEpoch: got.newEpoch, newProducerId: got.newProducerId })
      txn.owner = owner
      if (hadOpen) this.emit('transaction.abort', { transactionalId, producerId, reason: 'fenced' })
      return { producerId: txn.producerId, producerEpoch: txn.epoch }
    }
    if (!existing) return run()
    return this.serialTxn(existing, run)
  }

  /** @internal Runs `fn` after the calls queued on this transactional id. */
  serialTxn<T>(txn: TxnState, fn: () => Promise<T>): Promise<T> {
    const result = txn.chain.then(fn)
    txn.chain = result.catch(() => undefined)
    return result
  }

  /**
   * @internal Writes a transaction's end: a commit or abort marker in each partition it
   * wrote to, the transactional id's new state (and `extra`, a commit's group offsets),
   * as one store write. INVALID_PRODUCER_EPOCH when `epoch` is no longer the id's.
   */
  endTransaction(end: TxnEnd): Promise<void> {
    this.assertOpen()
    const { txn } = end
    if (txn.ending) return Promise.reject(new KafketteError('INVALID_TXN_STATE', `the transaction of ${txn.transactionalId} is already ending`, { transactionalId: txn.transactionalId }))
    const now = this.clock.now()
    const entries: AppendEntry[] = []
    for (const part of txn.open?.partitions.keys() ?? []) {
      if (part.deleted) continue
      entries.push({ partition: part, bytes: encodeMarker(end.commit, now, txn.producerId, end.commit ? txn.epoch : end.newEpoch), count: 1, maxTimestamp: now })
    }
    txn.ending = true
    return new Promise<number[]>((resolve, reject) => {
      this.queue.push({ entries: entries.length > 0 ? entries : NO_ENTRIES, sync: false, resolve, reject, end })
      if (!this.writing) this.writing = Promise.resolve().then(() => this.writeQueued())
    }).then(
      () => {
        txn.ending = false
      },
      (err: unknown) => {
        txn.ending = false
        throw err
      },
    )
  }

  /** Aborts a transaction that outlived its timeout, bumping the epoch so its producer can neither send in it nor commit it. */
  private abortTimedOut(txn: TxnState): void {
    if (this.closed) return
    const open = txn.open
    void this.serialTxn(txn, async () => {
      if (this.closed || txn.open !== open || open === null) return
      const producerId = txn.producerId
      const next = this.producerStates.nextEpoch(txn)
      await this.endTransaction({ txn, epoch: txn.epoch, commit: false, newEpoch: next.epoch, newProducerId: next.producerId })
      this.emit('transaction.abort', { transactionalId: txn.transactionalId, producerId, reason: 'timeout' })
    }).catch((err: unknown) => {
      if (this.closed) return
      this.emit('transaction.error', err)
      if (txn.open === open && open !== null) this.producerStates.arm(txn)
    })
  }

  /** Resolves once every queued append is written (or failed). */
  async drain(): Promise<void> {
    while (this.writing) await this.writing
  }

  // ── read ────────────────────────────────────────────────────────────────────

  /**
   * @internal Reads whole batches of a partition from `offset` until at least
   * `maxRecords` records (or the end), reading at least `minBytes` of batches from the
   * store when there is that much. The end is the high watermark, or with `readCommitted`
   * the last stable offset, and then aborted records are left out; transaction markers
   * are never returned. Throws OFFSET_OUT_OF_RANGE for an offset below the log start or
   * above the high watermark.
   */
  async fetch(part: Partition, offset: number, maxRecords: number, minBytes = FETCH_BYTES, readCommitted = false): Promise<ConsumedMessage[]> {
    if (part.deleted) throw new KafketteError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${part.topic} was deleted`, { topic: part.topic, partition: part.index })
    if (offset < part.logStartOffset || offset > part.highWatermark) {
      throw new KafketteError('OFFSET_OUT_OF_RANGE', `offset ${offset} is outside [${part.logStartOffset}, ${part.highWatermark}] of ${part.topic}/${part.index}`, { topic: part.topic, partition: part.index, offset })
    }
    const out: ConsumedMessage[] = []
    // Where this read stops: the last stable offset for read_committed, else the high watermark.
    const upTo = readCommitted ? part.lastStableOffset : part.highWatermark
    if (offset >= upTo) return out
    let i = part.cachedBatchFor(offset)
    if (i >= 0) {
      const recent = part.recent
      for (; i < recent.length && out.length < maxRecords; i++) {
        const b = recent[i]!
        pushRecords(out, part, b.lastOffset, b.bytes, offset, upTo, readCommitted)
        if (b.lastOffset + 1 >= upTo) break
      }
      return out
    }
    // Every batch read is returned (the caller buffers what is beyond maxRecords), so no
    // read is wasted. A read gathers at least minBytes (or what there is below the high
    // watermark): opening a store iterator costs as much as reading a few batches, so one
    // iterator per batch would halve a catching-up reader's throughput. Each chunk asks for
    // as many batches as the ones read so far suggest.
    // The iterator reads a snapshot: nothing at or above `end` is in it.
    const end = part.highWatermark
    // Without compaction a partition's batches follow one another with no gap: one the
    // reader does not find (a damaged store can lose an entry and say nothing) is damage.
    const dense = !part.compacted
    const it = this.store.iterator({
      gte: recordKey(part.topicId, part.index, offset),
      lt: recordKey(part.topicId, part.index, end),
      highWaterMarkBytes: Math.max(minBytes, 16 * 1024),
    })
    try {
      let wanted = 1
      let batches = 0
      let bytes = 0
      let previousLast: number | undefined
      while (out.length < maxRecords || bytes < minBytes) {
        let entries: Array<[Buffer, Buffer]>
        try {
          entries = await it.nextv(wanted)
        } catch (err) {
          if (err instanceof KafketteError && err.code === 'LOG_CORRUPT') throw unreadable(part, (previousLast ?? offset - 1) + 1, err)
          throw err
        }
        if (entries.length === 0) {
          if (dense && (previousLast ?? offset - 1) < end - 1 && !part.deleted) throw missingBatches(part, (previousLast ?? offset - 1) + 1, end - 1)
          break
        }
        for (const [key, value] of entries) {
          const last = lastOffsetOf(key)
          if (last >= end) return out
          const damage = batchDamage(key, value)
          if (damage !== undefined) throw await corruptBatch(this.store, part, key, damage, previousLast)
          let first: number
          try {
            first = pushRecords(out, part, last, value, offset, upTo, readCommitted)
          } catch (err) {
            if (err instanceof KafketteError && err.code === 'LOG_CORRUPT') throw await corruptBatch(this.store, part, key, err.message, previousLast, err)
            throw err
          }
          if (dense && (previousLast === undefined ? first > offset : first !== previousLast + 1) && first > part.logStartOffset) {
            throw missingBatches(part, previousLast === undefined ? offset : previousLast + 1, first - 1)
          }
          previousLast = last
          if (last + 1 >= upTo) return out
          bytes += value.length
        }
        batches += entries.length
        const forRecords = out.length < maxRecords ? Math.ceil(((maxRecords - out.length) * batches) / Math.max(1, out.length)) : 0
        const forBytes = bytes < minBytes ? Math.ceil(((minBytes - bytes) * batches) / bytes) : 0
        wanted = Math.min(256, Math.max(1, forRecords, forBytes))
      }
    } finally {
      await it.close()
    }
    return out
  }

  // ── integrity ───────────────────────────────────────────────────────────────

  /**
   * Reads every batch of every partition (or of `topic`) and checks it: its CRC-32C, its
   * decoding, offsets dense within it and rising across batches, and the time index.
   * Resolves with a plain, JSON-serialisable report (see README, "Verifying a log");
   * repairs nothing.
   */
  async verify(topic?: string): Promise<VerifyReport> {
    this.assertOpen()
    if (topic !== undefined) assertTopicName(topic)
    const topics = topic !== undefined ? [this.requireTopic(topic)] : [...this.topics.values()].sort((a, b) => (a.name < b.name ? -1 : 1))
    const partitions: PartitionVerification[] = []
    for (const t of topics) for (const p of t.partitions) if (!p.deleted) partitions.push(await verifyPartition(this.store, p))
    return {
      ok: partitions.every((p) => p.damaged.length === 0 && p.timeIndex.length === 0),
      dir: this.options.dir ?? null,
      checkedAt: this.clock.now(),
      partitions,
    }
  }

  /**
   * Truncates a damaged partition to its last sound batch, as Kafka's log recovery does:
   * the first damaged batch and every batch after it are deleted, with their time-index
   * entries, and the high watermark moves back to the first offset they held (those
   * offsets are handed out again; a committed offset above it is then out of range).
   * Resolves with what it did; a sound partition is left as it is (`truncated: false`).
   */
  async truncateDamaged(name: string, partition: number): Promise<TruncateResult> {
    this.assertOpen()
    assertTopicName(name)
    assertPartitionNumber(partition)
    return this.admin(() =>
      this.exclusive(async () => {
        const part = this.requirePartition(name, partition)
        const report = await verifyPartition(this.store, part)
        const first = report.damaged[0]
        if (!first) return { topic: name, partition, truncated: false, highWatermark: part.highWatermark, removedBatches: 0, damaged: [] }
        const from = first.fromOffset
        const range = partitionRecordsRange(part.topicId, part.index)
        const doomed = await this.store.keys({ gte: recordKey(part.topicId, part.index, from), lt: range.lt })
        const index = await this.store.keys(partitionTimeIndexRange(part.topicId, part.index))
        const ops: StoreOp[] = doomed.map((key) => ({ type: 'del', key }))
        let maxTimestamp = -1
        for (const key of index) {
          const entry = parseTimeIndexKey(key)
          if (entry.lastOffset >= from) ops.push({ type: 'del', key })
          else maxTimestamp = Math.max(maxTimestamp, entry.maxTimestamp)
        }
        const logStartOffset = Math.min(part.logStartOffset, from)
        ops.push(partitionStateOp(part, logStartOffset, from))
        await this.store.write(ops, true)
        part.logStartOffset = logStartOffset
        part.highWatermark = from
        part.maxTimestamp = maxTimestamp
        part.sizeBytes = undefined
        part.dropCache()
        part.wake()
        return { topic: name, partition, truncated: true, highWatermark: from, removedBatches: doomed.length, damaged: report.damaged }
      }),
    )
  }

  /** Runs `fn` with no append in flight and none starting until it ends. */
  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    while (this.writing) await this.writing
    const run = fn()
    this.writing = run.then(
      () => this.writeQueued(),
      () => this.writeQueued(),
    )
    return run
  }

  // ── lifecycle ───────────────────────────────────────────────────────────────

  /** @internal Registers a producer or consumer to close with the log. */
  track(closer: { close(): Promise<void> }): void {
    this.closers.add(closer)
  }

  /** @internal */
  untrack(closer: { close(): Promise<void> }): void {
    this.closers.delete(closer)
  }

  /** True once close() was called. */
  get isClosed(): boolean {
    return this.closed
  }

  /** Where the log lives: its directory, or 'memory'. */
  get location(): string {
    return this.options.dir ?? 'memory'
  }

  /** @internal The log as messages name it: 'the log in <dir>' or 'the log in memory'. */
  get label(): string {
    return `the log in ${this.location}`
  }

  /** @internal Throws LOG_CLOSED, naming the log, after close(). */
  assertOpen(): void {
    if (this.closed) throw new KafketteError('LOG_CLOSED', `${this.label} is closed`, { log: this.location })
  }

  /** Closes every producer and consumer, writes what is queued, and closes the store. */
  async close(): Promise<void> {
    if (this.closing) return this.closing
    this.closing = (async () => {
      // All at once: a consumer stops handing out records the moment close() is called,
      // rather than after every producer before it has flushed.
      await Promise.all([...this.closers].map((c) => c.close().catch(() => undefined)))
      this.closed = true
      this.clock.clearTimeout(this.retentionTimer)
      this.producerStates.close()
      await this.drain()
      await this.adminChain.catch(() => undefined)
      await this.compactionThread?.close()
      for (const topic of this.topics.values()) for (const p of topic.partitions) p.wake()
      await this.store.close()
      this.emit('close')
    })()
    return this.closing
  }

  /** Runs admin operations one at a time. */
  private admin<T>(fn: () => Promise<T>): Promise<T> {
    this.adminWaiting++
    const run = this.adminChain.then(() => {
      this.adminWaiting--
      this.assertOpen()
      return fn()
    })
    this.adminChain = run.catch(() => undefined)
    return run
  }
}

const EMPTY = Buffer.alloc(0)

/**
 * The least a reader's fetches from the store read together, in bytes of batches (when
 * there is that much): a consumer divides it among the partitions it reads, since all it
 * fetched waits decoded in memory, and a young generation full of waiting records makes
 * every garbage collection slow.
 */
export const FETCH_BYTES = 256 * 1024

/** LOG_CORRUPT for a partition the store cannot read on from `from` (a damaged table block). */
function unreadable(part: Partition, from: number, cause: KafketteError): KafketteError {
  return new KafketteError(
    'LOG_CORRUPT',
    `${part.topic}/${part.index}: the store cannot read the records from offset ${from} on (${cause.message}); log.verify() reports every damaged range and log.truncateDamaged() drops it and what follows`,
    { topic: part.topic, partition: part.index, offset: from },
    { cause },
  )
}

/** LOG_CORRUPT for offsets of a partition that never was compacted, missing from the store. */
function missingBatches(part: Partition, from: number, to: number): KafketteError {
  return new KafketteError(
    'LOG_CORRUPT',
    `${part.topic}/${part.index}: the records at offsets ${from} to ${to} are missing from the store, below the high watermark ${part.highWatermark}; log.verify() reports every damaged range and log.truncateDamaged() drops it and what follows`,
    { topic: part.topic, partition: part.index, offset: from, lastOffset: to },
  )
}

/**
 * Appends the records of one stored batch at or after `from` and below `upTo` to `out`,
 * leaving out transaction markers and, with `readCommitted`, aborted records; returns the
 * offset of the batch's first record.
 */
function pushRecords(out: ConsumedMessage[], part: Partition, lastOffset: number, bytes: Buffer, from: number, upTo: number, readCommitted: boolean): number {
  const batch = decodeBatch(bytes)
  const { flat, count, offsetDeltas, baseTimestamp, runs } = batch
  const topic = part.topic
  const partition = part.index
  // Records written without a producer id (runs === null) need no look at transactions.
  let runAt = 0
  let runEnd = runs === null ? count : 0
  let skip = false
  let aborted: AbortedTxn[] = NO_ABORTED
  for (let i = 0, j = 0; i < count; i++, j += 4) {
    const offset = offsetDeltas ? lastOffset - offsetDeltas[i]! : lastOffset - (count - 1 - i)
    if (offset >= upTo) break
    if (i >= runEnd) {
      const run = runs![runAt++]!
      runEnd = run.start + run.count
      const attrs = run.attrs
      skip = attrs !== null && attrs.control
      aborted = !skip && readCommitted && attrs !== null && attrs.transactional ? part.abortedOf(attrs.producerId, offset, lastOffset) : NO_ABORTED
    }
    if (offset < from || skip) continue
    if (aborted.length > 0 && aborted.some((t) => t.firstOffset <= offset && offset <= t.lastOffset)) continue
    const headers = flat[j + 3] as Headers | null
    out.push({
      topic,
      partition,
      offset,
      key: flat[j + 1] as Key | null,
      value: flat[j + 2],
      headers: headers ?? {},
      timestamp: baseTimestamp + (flat[j] as number),
    })
  }
  return offsetDeltas ? lastOffset - offsetDeltas[0]! : lastOffset - (count - 1)
}

const NO_ABORTED: AbortedTxn[] = []
