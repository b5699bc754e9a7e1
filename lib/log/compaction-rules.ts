// The rules of compaction, applied to stored batches one at a time, with no store and no
// event loop of their own: so they run the same in the log's thread or in a worker
// thread (compaction-worker.ts, compaction-requests.ts), which keeps decoding and
// re-encoding batches off the thread producers run on.
import { decodeBatch, encodeBatch, encodeRuns, type DecodedBatch, type ProducerAttrs, type RecordInput } from '../storage/batch-codec.js'

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
  /** Tombstones with a timestamp at or below this are older than deleteRetentionMs (and transaction markers, as Kafka's cleaner removes them). */
  tombstoneEdge: number
  /** The partition's aborted transactions below `end`: [producerId, firstOffset, markerOffset]. Their records are removed, and never hide a committed record of the same key. */
  aborted?: Array<[number, number, number]>
}

/** What a record is to compaction: data, a transaction marker, or a record of an aborted transaction. */
const DATA = 0
const MARKER = 1
const ABORTED = 2

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
    const kinds = this.kinds(b, last)
    for (let i = 0, j = 0; i < b.count; i++, j += 4) {
      const offset = offsetAt(b, last, i)
      if (b.baseTimestamp + (flat[j] as number) > this.edges.lagEdge) {
        this.cleanableEnd = offset
        return false
      }
      if (kinds !== null && kinds[i] !== DATA) continue
      const key = flat[j + 1] as string | Uint8Array | null
      if (key !== null) this.newest.set(key, offset)
    }
    return true
  }

  /** Each record's kind, or null when the batch has no producer fields (all data). */
  private kinds(b: DecodedBatch, last: number): Uint8Array | null {
    if (b.runs === null) return null
    const out = new Uint8Array(b.count)
    for (const run of b.runs) {
      const a = run.attrs
      if (a === null) continue
      for (let i = run.start; i < run.start + run.count; i++) {
        if (a.control) out[i] = MARKER
        else if (a.transactional && this.isAborted(a.producerId, offsetAt(b, last, i))) out[i] = ABORTED
      }
    }
    return out
  }

  private isAborted(producerId: number, offset: number): boolean {
    const aborted = this.edges.aborted
    if (!aborted) return false
    for (const [pid, first, marker] of aborted) if (pid === producerId && first <= offset && offset <= marker) return true
    return false
  }

  /** What the second pass does to one batch. */
  rewrite(last: number, bytes: Uint8Array): BatchRewrite {
    const b = decodeBatch(bytes)
    if (offsetAt(b, last, 0) >= this.cleanableEnd) return { kind: 'stop' }
    const kinds = this.kinds(b, last)
    const kept: number[] = []
    for (let i = 0; i < b.count; i++) if (this.keeps(b, last, i, kinds === null ? DATA : kinds[i]!)) kept.push(i)
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
    if (b.runs === null) return { kind: 'rewrite', removed: b.count - kept.length, last: survivorsLast, bytes: encodeBatch(survivors, deltas).bytes }
    // Survivors keep their producer fields: one segment per run of records that share them.
    const runs: Array<{ count: number; attrs: ProducerAttrs | null }> = []
    let r = 0
    for (const i of kept) {
      while (i >= b.runs[r]!.start + b.runs[r]!.count) r++
      const attrs = b.runs[r]!.attrs
      const tail = runs[runs.length - 1]
      if (tail && tail.attrs === attrs) tail.count++
      else runs.push({ count: 1, attrs })
    }
    return { kind: 'rewrite', removed: b.count - kept.length, last: survivorsLast, bytes: encodeRuns(survivors, deltas, runs) }
  }

  private keeps(b: DecodedBatch, last: number, i: number, kind: number): boolean {
    const offset = offsetAt(b, last, i)
    const key = b.flat[i * 4 + 1] as string | Uint8Array | null
    if (offset >= this.cleanableEnd) return true
    if (kind === ABORTED) return false
    if (kind === MARKER) return b.baseTimestamp + (b.flat[i * 4] as number) > this.edges.tombstoneEdge
    if (key === null) return true
    if (this.newest.get(key) !== offset) return false
    return !(b.flat[i * 4 + 2] === null && b.baseTimestamp + (b.flat[i * 4] as number) <= this.edges.tombstoneEdge)
  }
}
