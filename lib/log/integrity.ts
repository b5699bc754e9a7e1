// Damage found in stored batches: the checks every reader of a batch makes (its
// CRC-32C), the LOG_CORRUPT error naming the topic, partition and offsets it hides, and
// log.verify()'s walk over a partition (checksums, offsets, time index).
import { KafketteError } from '../errors.js'
import { batchDamage, decodeBatch } from '../storage/batch-codec.js'
import { lastOffsetOf, parseTimeIndexKey, partitionRecordsRange, partitionTimeIndexRange, recordKey } from '../storage/keys.js'
import type { Store } from '../storage/store.js'
import { Slicer } from '../util/yield.js'
import type { Partition } from './partition.js'

/** A stretch of a partition that cannot be read as it was written. */
export interface DamagedRange {
  topic: string
  partition: number
  /** The first offset the damage may hide (one past the last sound batch before it). */
  fromOffset: number
  /** The last offset the damage may hide (the damaged batch's last offset, as its store key says). */
  toOffset: number
  /** What is wrong, in words. */
  reason: string
}

/** What log.verify() found in one partition. */
export interface PartitionVerification {
  topic: string
  partition: number
  logStartOffset: number
  highWatermark: number
  /** Batches read and checked. */
  batches: number
  /** Records in the sound batches. */
  records: number
  /** Sound batches that carry a CRC-32C (the others were written before batches had one). */
  checksummed: number
  /** The damaged stretches, in offset order; empty when the partition is sound. */
  damaged: DamagedRange[]
  /** The time index's problems (entries that do not rise, or lie at or above the high watermark); empty when sound. */
  timeIndex: string[]
}

/** log.verify()'s report: plain data, JSON-serialisable. */
export interface VerifyReport {
  /** True when no partition has damage. */
  ok: boolean
  /** The log's directory, or null in memory. */
  dir: string | null
  /** When the walk finished, on the log's clock (ms since the epoch). */
  checkedAt: number
  partitions: PartitionVerification[]
}

/**
 * Throws LOG_CORRUPT when the batch stored under `key` is damaged, naming its topic,
 * partition and the offsets it may hide; `previousLast` is the last offset of the batch
 * before it when the caller knows it (else the store is asked).
 */
export async function checkBatch(store: Store, part: Partition, key: Buffer, bytes: Uint8Array, previousLast?: number): Promise<void> {
  const reason = batchDamage(key, bytes)
  if (reason !== undefined) throw await corruptBatch(store, part, key, reason, previousLast)
}

/** The LOG_CORRUPT error for a damaged batch (or one that cannot be decoded) stored under `key`. */
export async function corruptBatch(store: Store, part: Partition, key: Buffer, reason: string, previousLast?: number, cause?: unknown): Promise<KafketteError> {
  const last = lastOffsetOf(key)
  let from = previousLast !== undefined ? previousLast + 1 : undefined
  if (from === undefined) {
    const before = await store
      .first({ gte: partitionRecordsRange(part.topicId, part.index).gte, lt: key, reverse: true })
      .catch(() => undefined)
    from = before ? lastOffsetOf(before[0]) + 1 : part.logStartOffset
  }
  from = Math.min(from, last)
  return new KafketteError(
    'LOG_CORRUPT',
    `${part.topic}/${part.index}: the record batch holding offsets ${from} to ${last} is damaged: ${reason}; log.verify() reports every damaged range and log.truncateDamaged() drops it and what follows`,
    { topic: part.topic, partition: part.index, offset: from, lastOffset: last },
    cause === undefined ? undefined : { cause },
  )
}

/**
 * Reads every batch of `part` below its high watermark: each checksum, each batch's
 * decoding, offsets dense within a batch (its record count fits between the batch before
 * and its last offset) and rising across batches, with no gap between batches unless
 * compaction made it, no batch missing below the high watermark, and the time index (rising, and below
 * the high watermark). It yields to the event loop between slices.
 */
export async function verifyPartition(store: Store, part: Partition): Promise<PartitionVerification> {
  const out: PartitionVerification = {
    topic: part.topic,
    partition: part.index,
    logStartOffset: part.logStartOffset,
    highWatermark: part.highWatermark,
    batches: 0,
    records: 0,
    checksummed: 0,
    damaged: [],
    timeIndex: [],
  }
  const slicer = new Slicer()
  const dense = !part.compacted
  let previousLast = -1
  const damage = (from: number, to: number, reason: string): void => {
    out.damaged.push({ topic: part.topic, partition: part.index, fromOffset: from, toOffset: to, reason })
  }
  const range = partitionRecordsRange(part.topicId, part.index)
  const it = store.iterator({ gte: recordKey(part.topicId, part.index, 0), lt: range.lt })
  try {
    for (;;) {
      let entries: Array<[Buffer, Buffer]>
      try {
        entries = await it.nextv(64)
      } catch (err) {
        if (!(err instanceof KafketteError && err.code === 'LOG_CORRUPT')) throw err
        // The store cannot read on from here (a damaged table block): all after it is in doubt.
        const from = Math.max(part.logStartOffset, previousLast + 1)
        damage(from, Math.max(from, part.highWatermark - 1), `the store cannot read on past offset ${previousLast}: ${err.message}`)
        return out
      }
      if (entries.length === 0) break
      await slicer.next()
      for (const [key, value] of entries) {
        const last = lastOffsetOf(key)
        // Batches wholly below the log start wait for retention's next step to delete them.
        if (last < part.logStartOffset) {
          previousLast = last
          continue
        }
        out.batches++
        const from = previousLast + 1
        // Compared with the high watermark as it is when the batch is read: an append that
        // landed after the walk began has moved it past the batches it wrote.
        if (last >= part.highWatermark) {
          damage(from, last, `a batch ends at offset ${last}, at or above the high watermark ${part.highWatermark}`)
          previousLast = last
          continue
        }
        const reason = batchDamage(key, value)
        if (reason !== undefined) {
          damage(from, last, reason)
          previousLast = last
          continue
        }
        let count: number
        let offsets: number[]
        try {
          const b = decodeBatch(value)
          count = b.count
          offsets = Array.from({ length: count }, (_, i) => (b.offsetDeltas ? last - b.offsetDeltas[i]! : last - (count - 1 - i)))
        } catch (err) {
          damage(from, last, `the record batch cannot be decoded (${err instanceof Error ? err.message : String(err)})`)
          previousLast = last
          continue
        }
        const rising = offsets.every((o, i) => i === 0 || o > offsets[i - 1]!)
        if (count === 0 || !rising || offsets[0]! <= previousLast || offsets[count - 1] !== last) {
          damage(from, last, `the batch's ${count} records do not fit at offsets ${from} to ${last}`)
        } else {
          // Without compaction batches follow one another: a gap is batches the store lost.
          const expected = previousLast < 0 ? part.logStartOffset : previousLast + 1
          if (dense && offsets[0]! > expected) damage(expected, offsets[0]! - 1, `no batch holds offsets ${expected} to ${offsets[0]! - 1}`)
          out.records += offsets.filter((o) => o >= part.logStartOffset).length
          if (value[0] !== 1) out.checksummed++
        }
        previousLast = last
      }
    }
  } finally {
    await it.close()
  }
  const end = Math.max(part.logStartOffset, previousLast + 1)
  if (dense && end < part.highWatermark) damage(end, part.highWatermark - 1, `no batch holds offsets ${end} to ${part.highWatermark - 1}, below the high watermark`)
  const index = store.keyIterator(partitionTimeIndexRange(part.topicId, part.index))
  try {
    let prev: { maxTimestamp: number; lastOffset: number } | undefined
    for (;;) {
      let keys: Buffer[]
      try {
        keys = await index.nextv(256)
      } catch (err) {
        if (!(err instanceof KafketteError && err.code === 'LOG_CORRUPT')) throw err
        out.timeIndex.push(`the store cannot read the time index on: ${err.message}`)
        break
      }
      if (keys.length === 0) break
      await slicer.next()
      for (const key of keys) {
        const entry = parseTimeIndexKey(key)
        if (prev && entry.lastOffset <= prev.lastOffset) out.timeIndex.push(`entry (${entry.maxTimestamp}, ${entry.lastOffset}) does not rise after (${prev.maxTimestamp}, ${prev.lastOffset})`)
        // Compaction may remove the batch an entry names: the entry still bounds the records before it, so it is not checked against the batches.
        if (entry.lastOffset >= part.highWatermark) out.timeIndex.push(`entry (${entry.maxTimestamp}, ${entry.lastOffset}) is at or above the high watermark ${part.highWatermark}`)
        prev = entry
      }
    }
  } finally {
    await index.close()
  }
  return out
}
