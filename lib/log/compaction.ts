// Compaction of a partition: for each key only the newest record survives, up to the
// high watermark captured when the run starts and short of records younger than
// minCompactionLagMs; a newest record with a null value (a tombstone) is removed once
// it is older than deleteRetentionMs. Survivors keep their offsets, so batches get gaps
// (offsetDeltas in the codec). The plan is one store write, touching only batches below
// the captured high watermark, so appends go on while it is read and built.
import { decodeBatch, encodeBatch, type DecodedBatch, type RecordInput } from '../storage/batch-codec.js'
import { lastOffsetOf, recordKey } from '../storage/keys.js'
import type { Store, StoreOp } from '../storage/store.js'
import type { Partition } from './partition.js'
import { partitionStateOp } from './retention.js'
import type { TopicConfig } from './topic-config.js'
import { Slicer } from '../util/yield.js'

type Rec = RecordInput & { offset: number }

/** What one step of a compaction writes, and what it removes. */
export interface CompactionStep {
  ops: StoreOp[]
  removedRecords: number
  /** Stored bytes after minus before (≤ 0). */
  bytesDelta: number
}

/** The newest offset of each key: string keys as they are, byte keys by their base64. */
class NewestByKey {
  private readonly strings = new Map<string, number>()
  private readonly bytes = new Map<string, number>()

  set(key: string | Uint8Array, offset: number): void {
    if (typeof key === 'string') this.strings.set(key, offset)
    else this.bytes.set(Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('base64'), offset)
  }

  get(key: string | Uint8Array): number | undefined {
    return typeof key === 'string' ? this.strings.get(key) : this.bytes.get(Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('base64'))
  }
}

interface StoredBatch {
  key: Buffer
  last: number
  bytes: number
  batch: DecodedBatch
}

/** The offset of record `i` of a batch whose last offset is `last`. */
function offsetAt(b: DecodedBatch, last: number, i: number): number {
  return b.offsetDeltas ? last - b.offsetDeltas[i]! : last - (b.count - 1 - i)
}

/**
 * Reads and decodes the batches of `part` in [from, end), in slices of the event loop
 * (see Slicer): decoding a batch of a thousand records takes a few hundred
 * microseconds, and a producer should wait for no more than about that.
 */
async function* batchesOf(store: Store, part: Partition, from: number, end: number): AsyncGenerator<StoredBatch> {
  const it = store.iterator({ gte: recordKey(part.topicId, part.index, from), lt: recordKey(part.topicId, part.index, end) })
  const slicer = new Slicer()
  try {
    for (;;) {
      const entries = await it.nextv(4)
      if (entries.length === 0) return
      for (const [key, value] of entries) {
        await slicer.next()
        yield { key, last: lastOffsetOf(key), bytes: value.length, batch: decodeBatch(value) }
      }
    }
  } finally {
    await it.close()
  }
}

/**
 * Compacts `part` at time `now`, as a series of store writes the caller makes in turn.
 * Two passes over the partition, neither holding it in memory: the first finds the newest
 * offset of each key (up to the first record younger than minCompactionLagMs), the second
 * rewrites the batches that lose records, a few at a time. Every step on its own keeps the
 * newest record of each key, so a producer waits for one step at most.
 */
export async function* compactionSteps(store: Store, part: Partition, config: TopicConfig, now: number): AsyncGenerator<CompactionStep> {
  const end = part.highWatermark
  const start = part.logStartOffset
  const lagEdge = now - config.minCompactionLagMs
  let cleanableEnd = end
  const newest = new NewestByKey()
  scan: for await (const { last, batch: b } of batchesOf(store, part, start, end)) {
    const flat = b.flat
    for (let i = 0, j = 0; i < b.count; i++, j += 4) {
      const offset = offsetAt(b, last, i)
      if (b.baseTimestamp + (flat[j] as number) > lagEdge) {
        cleanableEnd = offset
        break scan
      }
      const key = flat[j + 1] as string | Uint8Array | null
      if (key !== null) newest.set(key, offset)
    }
  }
  const tombstoneEdge = now - config.deleteRetentionMs
  const keeps = (b: DecodedBatch, last: number, i: number): boolean => {
    const offset = offsetAt(b, last, i)
    const key = b.flat[i * 4 + 1] as string | Uint8Array | null
    if (offset >= cleanableEnd || key === null) return true
    if (newest.get(key) !== offset) return false
    return !(b.flat[i * 4 + 2] === null && b.baseTimestamp + (b.flat[i * 4] as number) <= tombstoneEdge)
  }
  let step: CompactionStep = { ops: [], removedRecords: 0, bytesDelta: 0 }
  for await (const { key: batchKey, last: batchLast, bytes, batch: b } of batchesOf(store, part, start, Math.min(end, cleanableEnd + 1))) {
    if (offsetAt(b, batchLast, 0) >= cleanableEnd) break
    const kept: number[] = []
    for (let i = 0; i < b.count; i++) if (keeps(b, batchLast, i)) kept.push(i)
    if (kept.length === b.count) continue
    step.removedRecords += b.count - kept.length
    step.bytesDelta -= bytes
    const last = kept.length > 0 ? offsetAt(b, batchLast, kept[kept.length - 1]!) : -1
    // A batch keeps its key while its last record survives.
    if (last !== batchLast) step.ops.push({ type: 'del', key: batchKey })
    if (kept.length > 0) {
      const survivors: Rec[] = kept.map((i) => ({
        offset: offsetAt(b, batchLast, i),
        timestamp: b.baseTimestamp + (b.flat[i * 4] as number),
        key: b.flat[i * 4 + 1] as RecordInput['key'],
        value: b.flat[i * 4 + 2],
        headers: b.flat[i * 4 + 3] as RecordInput['headers'],
      }))
      const encoded = encodeBatch(survivors, survivors.map((r) => last - r.offset))
      step.bytesDelta += encoded.bytes.length
      step.ops.push({ type: 'put', key: last === batchLast ? batchKey : recordKey(part.topicId, part.index, last), value: encoded.bytes })
    }
    if (step.ops.length >= STEP_OPS) {
      step.ops.push(partitionStateOp(part, part.logStartOffset, end))
      yield step
      step = { ops: [], removedRecords: 0, bytesDelta: 0 }
    }
  }
  if (step.ops.length > 0) {
    step.ops.push(partitionStateOp(part, part.logStartOffset, end))
    yield step
  }
}

const STEP_OPS = 16
