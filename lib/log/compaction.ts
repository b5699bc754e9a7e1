// Compaction of a partition: for each key only the newest record survives, up to the
// high watermark captured when the run starts and short of records younger than
// minCompactionLagMs; a newest record with a null value (a tombstone) is removed once
// it is older than deleteRetentionMs. Survivors keep their offsets, so batches get gaps
// (offsetDeltas in the codec). The plan is one store write, touching only batches below
// the captured high watermark, so appends go on while it is read and built.
import { decodeBatch, encodeBatch, type RecordInput } from '../storage/batch-codec.js'
import { lastOffsetOf, recordKey } from '../storage/keys.js'
import type { Store, StoreOp } from '../storage/store.js'
import type { Partition } from './partition.js'
import { partitionStateOp } from './retention.js'
import type { TopicConfig } from './topic-config.js'

type Rec = RecordInput & { offset: number }

/** What one step of a compaction writes, and what it removes. */
export interface CompactionStep {
  ops: StoreOp[]
  removedRecords: number
  /** Stored bytes after minus before (≤ 0). */
  bytesDelta: number
}

function keyId(key: string | Uint8Array): string {
  return typeof key === 'string' ? `s${key}` : `b${Buffer.from(key).toString('base64')}`
}

/** Reads the batches of `part` in [from, end), a few at a time, yielding to the event loop between reads. */
async function* batchesOf(store: Store, part: Partition, from: number, end: number): AsyncGenerator<{ key: Buffer; last: number; bytes: number; records: Rec[] }> {
  const it = store.iterator({ gte: recordKey(part.topicId, part.index, from), lt: recordKey(part.topicId, part.index, end) })
  try {
    for (;;) {
      const entries = await it.nextv(4)
      if (entries.length === 0) return
      for (const [key, value] of entries) {
        const last = lastOffsetOf(key)
        const b = decodeBatch(value)
        const records: Rec[] = []
        for (let i = 0, j = 0; i < b.count; i++, j += 4) {
          records.push({
            offset: b.offsetDeltas ? last - b.offsetDeltas[i]! : last - (b.count - 1 - i),
            timestamp: b.baseTimestamp + (b.flat[j] as number),
            key: b.flat[j + 1] as RecordInput['key'],
            value: b.flat[j + 2],
            headers: b.flat[j + 3] as RecordInput['headers'],
          })
        }
        yield { key, last, bytes: value.length, records }
      }
      await yieldToEventLoop()
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
  const newest = new Map<string, number>()
  scan: for await (const b of batchesOf(store, part, start, end)) {
    for (const r of b.records) {
      if (r.timestamp > lagEdge) {
        cleanableEnd = r.offset
        break scan
      }
      if (r.key !== null) newest.set(keyId(r.key), r.offset)
    }
  }
  const tombstoneEdge = now - config.deleteRetentionMs
  const keep = (r: Rec): boolean => {
    if (r.offset >= cleanableEnd || r.key === null) return true
    if (newest.get(keyId(r.key)) !== r.offset) return false
    return !(r.value === null && r.timestamp <= tombstoneEdge)
  }
  let step: CompactionStep = { ops: [], removedRecords: 0, bytesDelta: 0 }
  for await (const b of batchesOf(store, part, start, Math.min(end, cleanableEnd + 1))) {
    if (b.records[0]!.offset >= cleanableEnd) break
    const survivors = b.records.filter(keep)
    if (survivors.length === b.records.length) continue
    step.removedRecords += b.records.length - survivors.length
    step.bytesDelta -= b.bytes
    const last = survivors.length > 0 ? survivors[survivors.length - 1]!.offset : -1
    // A batch keeps its key while its last record survives.
    if (last !== b.last) step.ops.push({ type: 'del', key: b.key })
    if (survivors.length > 0) {
      const { bytes } = encodeBatch(survivors, survivors.map((r) => last - r.offset))
      step.bytesDelta += bytes.length
      step.ops.push({ type: 'put', key: last === b.last ? b.key : recordKey(part.topicId, part.index, last), value: bytes })
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

/** Lets appends and reads run between the steps of a long compaction. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
