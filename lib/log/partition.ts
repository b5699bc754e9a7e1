// One partition's in-memory state: its offsets, the newest batches (so tailing readers
// skip the store), the readers waiting for its next append, and its transactions (the
// open ones, which hold back the last stable offset, and the aborted ones read_committed
// readers skip). The Log is its only writer.

/** A stored batch, as the recent-batch cache keeps it. */
export interface CachedBatch {
  readonly baseOffset: number
  readonly lastOffset: number
  readonly bytes: Buffer
}

/** An aborted transaction of a partition: a producer's records from firstOffset to the abort marker at lastOffset (Kafka's transaction index entry). */
export interface AbortedTxn {
  readonly producerId: number
  readonly firstOffset: number
  readonly lastOffset: number
}

const CACHE_MAX_BATCHES = 64
const CACHE_MAX_BYTES = 4 * 1024 * 1024

/** A partition of a topic. */
export class Partition {
  /** The first offset still readable. */
  logStartOffset: number
  /** One past the last offset acknowledged. */
  highWatermark: number
  /** The largest timestamp appended so far (the time index keeps it rising). */
  maxTimestamp: number
  /** The bytes of its stored batches, once counted (see retention.ts partitionSize). */
  sizeBytes: number | undefined
  /** Set once compaction has removed records (stored with the partition's state): its batches may then have gaps between them. */
  compacted = false
  /** Set once the topic is deleted. */
  deleted = false
  /** The newest batches, oldest first, contiguous up to the high watermark. */
  recent: CachedBatch[] = []
  /** The first offset of each open transaction on this partition, by producer id. */
  readonly openTxns = new Map<number, number>()
  /** Aborted transactions not yet behind the log start offset, by marker offset. */
  aborted: AbortedTxn[] = []
  private recentBytes = 0
  private waiters: Array<() => void> = []

  constructor(
    readonly topic: string,
    readonly topicId: number,
    readonly index: number,
    logStartOffset: number,
    highWatermark: number,
    maxTimestamp: number,
  ) {
    this.logStartOffset = logStartOffset
    this.highWatermark = highWatermark
    this.maxTimestamp = maxTimestamp
    this.sizeBytes = highWatermark === logStartOffset ? 0 : undefined
  }

  /**
   * The last stable offset: the first offset of the oldest open transaction, or the high
   * watermark when none is open. read_committed readers read below it.
   */
  get lastStableOffset(): number {
    if (this.openTxns.size === 0) return this.highWatermark
    let lso = this.highWatermark
    for (const first of this.openTxns.values()) if (first < lso) lso = first
    return Math.max(lso, this.logStartOffset)
  }

  /**
   * The aborted transactions of `producerId` that overlap [from, to], oldest first; empty
   * (and cheap) when the partition has none there.
   */
  abortedOf(producerId: number, from: number, to: number): AbortedTxn[] {
    const a = this.aborted
    if (a.length === 0 || a[a.length - 1]!.lastOffset < from) return NONE
    let lo = 0
    let hi = a.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (a[mid]!.lastOffset < from) lo = mid + 1
      else hi = mid
    }
    let out: AbortedTxn[] | undefined
    for (let i = lo; i < a.length; i++) {
      const t = a[i]!
      if (t.firstOffset > to) continue
      if (t.producerId === producerId) (out ??= []).push(t)
    }
    return out ?? NONE
  }

  /** Records an acknowledged batch: moves the high watermark, caches it, wakes readers. */
  appended(baseOffset: number, lastOffset: number, bytes: Buffer): void {
    this.highWatermark = lastOffset + 1
    if (this.sizeBytes !== undefined) this.sizeBytes += bytes.length
    this.recent.push({ baseOffset, lastOffset, bytes })
    this.recentBytes += bytes.length
    while (this.recent.length > CACHE_MAX_BATCHES || (this.recentBytes > CACHE_MAX_BYTES && this.recent.length > 1)) {
      this.recentBytes -= this.recent.shift()!.bytes.length
    }
  }

  /** Forgets aborted transactions wholly below the log start offset. */
  trimAborted(): void {
    if (this.aborted.length > 0 && this.aborted[0]!.lastOffset < this.logStartOffset) this.aborted = this.aborted.filter((t) => t.lastOffset >= this.logStartOffset)
  }

  /** Drops cached batches (after compaction rewrote them, or retention removed them). */
  dropCache(): void {
    this.recent = []
    this.recentBytes = 0
  }

  /** The index in `recent` of the batch holding `offset`, or -1 when the cache does not reach it. */
  cachedBatchFor(offset: number): number {
    const r = this.recent
    if (r.length === 0 || offset < r[0]!.baseOffset || offset > r[r.length - 1]!.lastOffset) return -1
    let lo = 0
    let hi = r.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (r[mid]!.lastOffset < offset) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Calls `fn` once, at the next append (or deletion); returns a function that cancels it. */
  onNextAppend(fn: () => void): () => void {
    this.waiters.push(fn)
    return () => {
      const i = this.waiters.indexOf(fn)
      if (i >= 0) this.waiters.splice(i, 1)
    }
  }

  /** Wakes every reader waiting on this partition. */
  wake(): void {
    if (this.waiters.length === 0) return
    const waiting = this.waiters
    this.waiters = []
    for (const fn of waiting) fn()
  }
}

const NONE: AbortedTxn[] = []
