// Kafka's framing: every request is an int32 size followed by that many bytes. The frame
// reader gathers socket chunks into whole frames and refuses a size over the limit.

/** A frame size below 0 or above the limit: the connection is closed. */
export class FrameTooLarge extends Error {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`frame of ${size} bytes (the limit is ${limit})`)
    this.name = 'FrameTooLarge'
  }
}

/** Splits a byte stream into frames. */
export class FrameReader {
  private chunks: Buffer[] = []
  private buffered = 0
  private need = -1

  constructor(private readonly maxFrameBytes: number) {}

  /** Bytes held for a frame not yet whole. */
  get pending(): number {
    return this.buffered
  }

  /** Takes a chunk; returns the frames it completes (each without its size prefix). Throws FrameTooLarge. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk)
    this.buffered += chunk.length
    const out: Buffer[] = []
    for (;;) {
      if (this.need < 0) {
        if (this.buffered < 4) break
        const head = this.take(4)
        const size = head.readInt32BE(0)
        if (size < 0 || size > this.maxFrameBytes) throw new FrameTooLarge(size, this.maxFrameBytes)
        this.need = size
      }
      if (this.buffered < this.need) break
      out.push(this.take(this.need))
      this.need = -1
    }
    return out
  }

  private take(n: number): Buffer {
    let out: Buffer
    const first = this.chunks[0]
    if (first && first.length >= n) {
      out = first.subarray(0, n)
      if (first.length === n) this.chunks.shift()
      else this.chunks[0] = first.subarray(n)
    } else {
      const all = Buffer.concat(this.chunks, this.buffered)
      out = all.subarray(0, n)
      this.chunks = all.length > n ? [all.subarray(n)] : []
    }
    this.buffered -= n
    return out
  }
}
