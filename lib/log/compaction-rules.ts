// The rules of compaction, applied to stored batches one at a time, with no store and no
// event loop of their own: so they run the same in the log's thread or in a worker
// thread (compaction-worker.ts, compaction-requests.ts), which keeps decoding and
// re-encoding batches off the thread producers run on.
import { decodeBatch, encodeBatch, type DecodedBatch, type RecordInput } from '../storage/batch-codec.js'

/**
 * The key compaction compares: the bytes Kafka would see. A string key is its UTF-8 (as
 * the partitioner and a wire client see it), so 'a' and Buffer.from('a') are one key; the
 * bytes are held as a latin1 string (one character per byte), a cheap exact Map key.
 */
export function compactionKey(key: string | Uint8Array): string {
  if (typeof key === 'string') return ASCII.test(key) ? key : Buffer.from(key, 'utf8').toString('latin1')
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1')
}
/** An ASCII string is its own UTF-8 read as latin1: no bytes need making. */
const ASCII = /^[\x00-\x7f]*$/

/** The newest offset of each key, by its bytes (compactionKey). */
class NewestByKey {
  private readonly newest = new Map<string, number>()

  set(key: string | Uint8Array, offset: number): void {
    this.newest.set(compactionKey(key), offset)
  }

  get(key: string | Uint8Array): number | undefined {
    return this.newest.get(compactionKey(key))
  }
}

/** What compaction does to one batch: keep it whole, stop (the batch starts past what may be cleaned), or rewrite it. */
export type BatchRewrite =
  | { kind: 'keep' }
  | { kind: 'stop' }
  /** `last` is the offset of the last survivor (-1 when none survive); `bytes` their new batch (null when none). */
  | { kind: 'rewrite'; removed: number; last: number; bytes: Uint8Array | null }

/** When a compaction runs, what it may remove. */
export interface CompactionEdges {
  /** The high watermark when the run started: nothing at or above it is touched. */
  end: number
  /** Records with a timestamp above this are younger than minCompactionLagMs. */
  lagEdge: number
  /** Tombstones with a timestamp at or below this are older than deleteRetentionMs. */
  tombstoneEdge: number
}

/** The offset of record `i` of a batch whose last offset is `last`. */
function offsetAt(b: DecodedBatch, last: number, i: number): number {
  return b.offsetDeltas ? last - b.offsetDeltas[i]! : last - (b.count - 1 - i)
}

/**
 * One compaction of one partition, fed its batches in offset order: first every batch
 * to scan() (which finds the newest offset of each key, up to the first record younger
 * than the lag edge), then again to rewrite().
 */
export class CompactionRules {
  private readonly newest = new NewestByKey()
  /** The first offset compaction may not touch: the end, or the first record younger than the lag edge. */
  cleanableEnd: number

  constructor(private readonly edges: CompactionEdges) {
    this.cleanableEnd = edges.end
  }

  /** Takes in one batch of the first pass; false once the scan is over (a record younger than the lag edge). */
  scan(last: number, bytes: Uint8Array): boolean {
    const b = decodeBatch(bytes)
    const flat = b.flat
    for (let i = 0, j = 0; i < b.count; i++, j += 4) {
      const offset = offsetAt(b, last, i)
      if (b.baseTimestamp + (flat[j] as number) > this.edges.lagEdge) {
        this.cleanableEnd = offset
        return false
      }
      const key = flat[j + 1] as string | Uint8Array | null
      if (key !== null) this.newest.set(key, offset)
    }
    return true
  }

  /** What the second pass does to one batch. */
  rewrite(last: number, bytes: Uint8Array): BatchRewrite {
    const b = decodeBatch(bytes)
    if (offsetAt(b, last, 0) >= this.cleanableEnd) return { kind: 'stop' }
    const kept: number[] = []
    for (let i = 0; i < b.count; i++) if (this.keeps(b, last, i)) kept.push(i)
    if (kept.length === b.count) return { kind: 'keep' }
    if (kept.length === 0) return { kind: 'rewrite', removed: b.count, last: -1, bytes: null }
    const survivorsLast = offsetAt(b, last, kept[kept.length - 1]!)
    const survivors: RecordInput[] = []
    const deltas: number[] = []
    for (const i of kept) {
      survivors.push({
        timestamp: b.baseTimestamp + (b.flat[i * 4] as number),
        key: b.flat[i * 4 + 1] as RecordInput['key'],
        value: b.flat[i * 4 + 2],
        headers: b.flat[i * 4 + 3] as RecordInput['headers'],
      })
      deltas.push(survivorsLast - offsetAt(b, last, i))
    }
    return { kind: 'rewrite', removed: b.count - kept.length, last: survivorsLast, bytes: encodeBatch(survivors, deltas).bytes }
  }

  private keeps(b: DecodedBatch, last: number, i: number): boolean {
    const offset = offsetAt(b, last, i)
    const key = b.flat[i * 4 + 1] as string | Uint8Array | null
    if (offset >= this.cleanableEnd || key === null) return true
    if (this.newest.get(key) !== offset) return false
    return !(b.flat[i * 4 + 2] === null && b.baseTimestamp + (b.flat[i * 4] as number) <= this.edges.tombstoneEdge)
  }
}
