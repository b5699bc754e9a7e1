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

interface Stored {
  key: Buffer
  last: number
  bytes: number
  records: Array<RecordInput & { offset: number }>
}

/** What a compaction plan removes, and the ops that do it: each chunk is one store write. */
export interface CompactionPlan {
  chunks: StoreOp[][]
  removedRecords: number
  /** Stored bytes after minus before (≤ 0). */
  bytesDelta: number
}

function keyId(key: string | Uint8Array): string {
  return typeof key === 'string' ? `s${key}` : `b${Buffer.from(key).toString('base64')}`
}

/** Plans one compaction of `part` at time `now`. */
export async function planCompaction(store: Store, part: Partition, config: TopicConfig, now: number): Promise<CompactionPlan> {
  const end = part.highWatermark
  const batches: Stored[] = []
  const it = store.iterator({ gte: recordKey(part.topicId, part.index, part.logStartOffset), lt: recordKey(part.topicId, part.index, end) })
  try {
    for (;;) {
      const entries = await it.nextv(4)
      if (entries.length === 0) break
      await yieldToEventLoop()
      for (const [key, value] of entries) {
        const last = lastOffsetOf(key)
        const b = decodeBatch(value)
        const records: Stored['records'] = []
        for (let i = 0, j = 0; i < b.count; i++, j += 4) {
          records.push({
            offset: b.offsetDeltas ? last - b.offsetDeltas[i]! : last - (b.count - 1 - i),
            timestamp: b.baseTimestamp + (b.flat[j] as number),
            key: b.flat[j + 1] as RecordInput['key'],
            value: b.flat[j + 2],
            headers: b.flat[j + 3] as RecordInput['headers'],
          })
        }
        batches.push({ key, last, bytes: value.length, records })
      }
    }
  } finally {
    await it.close()
  }
  // The cleanable section ends at the first record younger than the compaction lag.
  const lagEdge = now - config.minCompactionLagMs
  let cleanableEnd = end
  search: for (const b of batches) {
    for (const r of b.records) {
      if (r.timestamp > lagEdge) {
        cleanableEnd = r.offset
        break search
      }
    }
  }
  const newest = new Map<string, number>()
  for (const b of batches) for (const r of b.records) if (r.offset < cleanableEnd && r.key !== null) newest.set(keyId(r.key), r.offset)
  const tombstoneEdge = now - config.deleteRetentionMs
  const keep = (r: Stored['records'][number]): boolean => {
    if (r.offset >= cleanableEnd || r.key === null) return true
    if (newest.get(keyId(r.key)) !== r.offset) return false
    return !(r.value === null && r.timestamp <= tombstoneEdge)
  }
  // Batches are rewritten in chunks, each one store write: every chunk on its own keeps
  // the newest record of each key (the newest are never removed), so a producer waits
  // for one chunk at most, never for the whole partition.
  const chunks: StoreOp[][] = []
  let ops: StoreOp[] = []
  let removedRecords = 0
  let bytesDelta = 0
  for (const b of batches) {
    if (ops.length >= CHUNK_OPS) {
      ops.push(partitionStateOp(part, part.logStartOffset, end))
      chunks.push(ops)
      ops = []
      await yieldToEventLoop()
    }
    const survivors = b.records.filter(keep)
    if (survivors.length === b.records.length) continue
    removedRecords += b.records.length - survivors.length
    bytesDelta -= b.bytes
    const last = survivors.length > 0 ? survivors[survivors.length - 1]!.offset : -1
    // A batch keeps its key while its last record survives.
    if (last !== b.last) ops.push({ type: 'del', key: b.key })
    if (survivors.length === 0) continue
    const { bytes } = encodeBatch(survivors, survivors.map((r) => last - r.offset))
    bytesDelta += bytes.length
    ops.push({ type: 'put', key: last === b.last ? b.key : recordKey(part.topicId, part.index, last), value: bytes })
  }
  if (ops.length > 0) {
    ops.push(partitionStateOp(part, part.logStartOffset, end))
    chunks.push(ops)
  }
  return { chunks, removedRecords, bytesDelta }
}

const CHUNK_OPS = 16

/** Lets appends and reads run between the steps of a long compaction. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
