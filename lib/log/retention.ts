// Moving a partition's log start offset forward (retention by time and by size,
// deleteRecords), and finding offsets by time through the time index. Each step is one
// store write: the deleted batches, their time-index entries and the new log start.
//
// The time index holds an entry (maxTimestamp, lastOffset) only where a partition's
// running maximum timestamp rose, so its entries rise in both fields. Every record up to
// an entry's lastOffset has a timestamp ≤ its maxTimestamp; the first record with a
// timestamp ≥ T therefore lies after the last entry below T and at or before the first
// entry at or above T.
import { decodeBatch, decodeValue, encodeValue } from '../storage/batch-codec.js'
import {
  lastOffsetOf,
  parseTimeIndexKey,
  partitionRecordsRange,
  partitionStateKey,
  partitionTimeIndexRange,
  recordKey,
  timeIndexKey,
} from '../storage/keys.js'
import type { Store, StoreIterator, StoreOp } from '../storage/store.js'
import { checkBatch } from './integrity.js'
import type { Partition } from './partition.js'
import { Slicer } from '../util/yield.js'

/**
 * A partition's state, as stored in the partition-state space. The high watermark is
 * kept because retention and compaction may remove the newest stored batch, and an
 * offset must never be handed out twice.
 */
export interface PartitionState {
  logStartOffset: number
  highWatermark?: number
  /** Set once compaction has removed records: gaps between batches are then expected, and readers do not count them as damage. */
  compacted?: boolean
}

/** Reads a partition's stored state. */
export function decodePartitionState(bytes: Buffer | undefined): Required<PartitionState> {
  const state = bytes ? decodeValue<PartitionState>(bytes) : { logStartOffset: 0 }
  return { logStartOffset: state.logStartOffset, highWatermark: state.highWatermark ?? 0, compacted: state.compacted === true }
}

/** The op that stores a partition's state. */
export function partitionStateOp(part: Partition, logStartOffset: number, highWatermark: number): StoreOp {
  const state: PartitionState = part.compacted ? { logStartOffset, highWatermark, compacted: true } : { logStartOffset, highWatermark }
  return { type: 'put', key: partitionStateKey(part.topicId, part.index), value: encodeValue(state) }
}

/** The bytes a partition's batches take in the store (values), counted once and kept up to date after. */
export async function partitionSize(store: Store, part: Partition): Promise<number> {
  if (part.sizeBytes !== undefined) return part.sizeBytes
  const it = store.iterator(partitionRecordsRange(part.topicId, part.index))
  let size = 0
  try {
    for (;;) {
      const entries = await it.nextv(256)
      if (entries.length === 0) break
      for (const [, value] of entries) size += value.length
    }
  } finally {
    await it.close()
  }
  // Appends while this ran have already added their bytes to a known size; keep the larger.
  part.sizeBytes ??= size
  return part.sizeBytes
}

/** Where a partition's log start must move: at least to `offset`, and on while it holds more than `maxBytes`. */
export interface LogStartTarget {
  offset: number
  maxBytes?: number
}

/** The store writes that move a log start, oldest first, and what they free. */
export interface LogStartPlan {
  steps: Array<{ ops: StoreOp[]; logStartOffset: number }>
  /** The log start the last step stores. */
  logStartOffset: number
  freed: number
  batches: number
}

/**
 * The store writes that move `part`'s log start to `target.offset` (≥ the current one,
 * ≤ the high watermark) and then on, batch by batch, while the partition holds more than
 * `target.maxBytes`: one pass over the batches from the log start, which stops at the
 * first batch kept. Each write deletes up to CHUNK batches and stores the log start it
 * reaches (one past its last deleted batch; the target for the last write), so every
 * step is consistent on its own and a producer waits for one step at most. The
 * time-index entries below the log start go with the steps (see IndexPruner).
 *
 * The pass reads each batch's size until the partition is small enough; when more bytes
 * are to go than to stay, it first reads back from the end what stays (keptTail), and
 * then the pass over what goes reads keys only.
 */
export async function planLogStart(store: Store, part: Partition, target: LogStartTarget): Promise<LogStartPlan> {
  const steps: LogStartPlan['steps'] = []
  let ops: StoreOp[] = []
  let freed = 0
  let batches = 0
  let size = target.maxBytes === undefined ? 0 : await partitionSize(store, part)
  // `size` counts the batches below the high watermark as it is now.
  const end = part.highWatermark
  const tail = target.maxBytes !== undefined && size - target.maxBytes > target.maxBytes ? await keptTail(store, part, end, target.maxBytes) : undefined
  /** With the tail known, every batch ending below this goes. */
  const below = tail ? Math.max(target.offset, tail.from) : 0
  /** One past the last batch deleted so far. */
  let reached = part.logStartOffset
  const index = new IndexPruner(store, part)
  const range = { gte: recordKey(part.topicId, part.index, part.logStartOffset), lt: recordKey(part.topicId, part.index, end) }
  const it: StoreIterator<[Buffer, Buffer] | Buffer> = tail ? store.keyIterator(range) : store.iterator(range)
  const slicer = new Slicer()
  try {
    scan: for (;;) {
      const entries = await it.nextv(tail ? READ_KEYS : READ_BATCHES)
      if (entries.length === 0) break
      await slicer.next()
      for (const entry of entries) {
        const key = Array.isArray(entry) ? entry[0] : entry
        const last = lastOffsetOf(key)
        if (tail ? last >= below : last >= target.offset && (target.maxBytes === undefined || size <= target.maxBytes)) break scan
        if (batches > 0 && batches % CHUNK === 0) {
          await index.prune(reached, ops)
          ops.push(partitionStateOp(part, reached, part.highWatermark))
          steps.push({ ops, logStartOffset: reached })
          ops = []
        }
        ops.push({ type: 'del', key })
        if (Array.isArray(entry)) {
          freed += entry[1].length
          size -= entry[1].length
        }
        batches++
        reached = last + 1
      }
    }
    // What stays of the tail is what the batches at and above the log start hold.
    if (tail) freed = size - tail.sizes.reduce((sum, b) => (b.last >= reached ? sum + b.size : sum), 0)
    const logStartOffset = Math.min(Math.max(target.offset, reached), part.highWatermark)
    await index.prune(logStartOffset, ops)
    ops.push(partitionStateOp(part, logStartOffset, part.highWatermark))
    steps.push({ ops, logStartOffset })
    return { steps, logStartOffset, freed, batches }
  } finally {
    await Promise.all([it.close(), index.close()])
  }
}

/**
 * The newest batches below `end` that together hold at most `maxBytes`, read from the end
 * back: `from` is one past the batch before them (the log start that keeps just them),
 * and `sizes` their last offsets and sizes.
 */
async function keptTail(store: Store, part: Partition, end: number, maxBytes: number): Promise<{ from: number; sizes: Array<{ last: number; size: number }> }> {
  const sizes: Array<{ last: number; size: number }> = []
  let kept = 0
  const it = store.iterator({ gte: recordKey(part.topicId, part.index, part.logStartOffset), lt: recordKey(part.topicId, part.index, end), reverse: true })
  try {
    for (;;) {
      const entries = await it.nextv(READ_BATCHES)
      if (entries.length === 0) return { from: part.logStartOffset, sizes }
      for (const [key, value] of entries) {
        const last = lastOffsetOf(key)
        if (kept + value.length > maxBytes) return { from: last + 1, sizes }
        kept += value.length
        sizes.push({ last, size: value.length })
      }
    }
  } finally {
    await it.close()
  }
}

/**
 * Walks a partition's time index from its oldest entry, alongside the batches a log
 * start move deletes: each step deletes the entries below the log start it reaches but
 * the newest of them, which still bounds the records after it (and goes in a later step
 * once a newer one is below). So no write carries more than its share of the index.
 */
class IndexPruner {
  private readonly it: StoreIterator
  private entries: Array<[Buffer, Buffer]> = []
  private at = 0
  private done = false
  private held: Buffer | undefined

  constructor(store: Store, part: Partition) {
    this.it = store.iterator(partitionTimeIndexRange(part.topicId, part.index))
  }

  /** Adds to `ops` the deletion of every entry below `offset` but the newest one. */
  async prune(offset: number, ops: StoreOp[]): Promise<void> {
    for (;;) {
      if (this.at === this.entries.length) {
        if (this.done) return
        this.entries = await this.it.nextv(64)
        this.at = 0
        if (this.entries.length === 0) {
          this.done = true
          return
        }
      }
      const key = this.entries[this.at]![0]
      if (parseTimeIndexKey(key).lastOffset >= offset) return
      this.at++
      if (this.held) ops.push({ type: 'del', key: this.held })
      this.held = key
    }
  }

  close(): Promise<void> {
    return this.it.close()
  }
}

/** Batches read from the store at a time, between which other work runs. */
const READ_BATCHES = 8
/** Keys read at a time when no value is needed. */
const READ_KEYS = 256
const CHUNK = 32

/**
 * A log start that removes only batches older than `cutoff`: one past the last
 * time-index entry below it (every record up to there is older), or the high watermark
 * when no entry reaches the cutoff.
 */
export async function firstOffsetNotOlderThan(store: Store, part: Partition, cutoff: number): Promise<number> {
  const range = partitionTimeIndexRange(part.topicId, part.index)
  const at = timeIndexKey(part.topicId, part.index, Math.max(0, cutoff), 0)
  const upper = await store.first({ gte: at, lt: range.lt })
  if (!upper) return part.highWatermark
  const lower = await store.first({ gte: range.gte, lt: at, reverse: true })
  return Math.max(part.logStartOffset, lower ? parseTimeIndexKey(lower[0]).lastOffset + 1 : 0)
}

/**
 * The first offset at or after the log start whose record has a timestamp ≥ `timestamp`,
 * with that timestamp, or null. Two index seeks, then a scan bounded by two neighbouring
 * index entries (one batch, while timestamps rise).
 */
export async function offsetForTime(store: Store, part: Partition, timestamp: number): Promise<{ offset: number; timestamp: number } | null> {
  const range = partitionTimeIndexRange(part.topicId, part.index)
  const at = timeIndexKey(part.topicId, part.index, Math.max(0, timestamp), 0)
  const upper = await store.first({ gte: at, lt: range.lt })
  if (!upper) return null
  const lower = await store.first({ gte: range.gte, lt: at, reverse: true })
  const from = Math.max(part.logStartOffset, lower ? parseTimeIndexKey(lower[0]).lastOffset + 1 : 0)
  const records = partitionRecordsRange(part.topicId, part.index)
  const it = store.iterator({ gte: recordKey(part.topicId, part.index, from), lt: records.lt })
  try {
    for (;;) {
      const entries = await it.nextv(16)
      if (entries.length === 0) return null
      for (const [key, value] of entries) {
        const last = lastOffsetOf(key)
        if (last >= part.highWatermark) return null
        await checkBatch(store, part, key, value)
        const b = decodeBatch(value)
        for (let i = 0, j = 0; i < b.count; i++, j += 4) {
          const offset = b.offsetDeltas ? last - b.offsetDeltas[i]! : last - (b.count - 1 - i)
          const ts = b.baseTimestamp + (b.flat[j] as number)
          if (offset >= from && ts >= timestamp) return { offset, timestamp: ts }
        }
      }
    }
  } finally {
    await it.close()
  }
}
