// One partition's in-memory state: its offsets, the newest batches (so tailing readers
// skip the store) and the readers waiting for its next append. The Log is its only writer.

/** A stored batch, as the recent-batch cache keeps it. */
export interface CachedBatch {
  readonly baseOffset: number
  readonly lastOffset: number
  readonly bytes: Buffer
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
