// The Kafka wire protocol's primitive types (big-endian integers, strings, bytes, arrays,
// zigzag varints): a bounds-checked Reader over one request, and a growable Writer.

/** A request that does not parse: the connection that sent it is closed. */
export class MalformedRequest extends Error {
  constructor(detail: string) {
    super(`malformed request: ${detail}`)
    this.name = 'MalformedRequest'
  }
}

/** Reads Kafka's primitive types from one frame; any read past the end throws MalformedRequest. */
export class Reader {
  offset: number

  constructor(
    readonly buf: Buffer,
    offset = 0,
  ) {
    this.offset = offset
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.buf.length - this.offset
  }

  private need(n: number): number {
    if (n < 0 || this.offset + n > this.buf.length) throw new MalformedRequest(`needs ${n} bytes at ${this.offset}, frame has ${this.buf.length}`)
    const at = this.offset
    this.offset += n
    return at
  }

  int8(): number {
    return this.buf.readInt8(this.need(1))
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2))
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4))
  }
  uint32(): number {
    return this.buf.readUInt32BE(this.need(4))
  }
  /** An int64 as a number; beyond the safe integers it is clamped to what Kafka's sentinels mean (-1 stays -1). */
  int64(): number {
    const v = this.buf.readBigInt64BE(this.need(8))
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER
    if (v < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER
    return Number(v)
  }
  bool(): boolean {
    return this.int8() !== 0
  }
  /** A nullable string (int16 length, -1 = null). */
  string(): string | null {
    const n = this.int16()
    if (n < -1) throw new MalformedRequest(`string length ${n}`)
    if (n === -1) return null
    const at = this.need(n)
    return this.buf.toString('utf8', at, at + n)
  }
  /** A string that must not be null. */
  str(): string {
    const s = this.string()
    if (s === null) throw new MalformedRequest('null where a string is required')
    return s
  }
  /** Nullable bytes (int32 length, -1 = null). */
  bytes(): Buffer | null {
    const n = this.int32()
    if (n < -1) throw new MalformedRequest(`bytes length ${n}`)
    if (n === -1) return null
    const at = this.need(n)
    return this.buf.subarray(at, at + n)
  }
  /** Raw bytes of a given length. */
  raw(n: number): Buffer {
    const at = this.need(n)
    return this.buf.subarray(at, at + n)
  }
  /** An array (int32 count, -1 = null); each element needs at least one byte, so a lying count fails fast. */
  array<T>(item: (r: Reader) => T): T[] | null {
    const n = this.int32()
    if (n < -1) throw new MalformedRequest(`array length ${n}`)
    if (n === -1) return null
    if (n > this.remaining) throw new MalformedRequest(`array of ${n} in ${this.remaining} bytes`)
    const out = new Array<T>(n)
    for (let i = 0; i < n; i++) out[i] = item(this)
    return out
  }
  /** An array that must not be null. */
  arr<T>(item: (r: Reader) => T): T[] {
    return this.array(item) ?? []
  }
  /** A zigzag varint (int32 range). */
  varint(): number {
    let result = 0
    let shift = 0
    for (;;) {
      if (shift > 28) throw new MalformedRequest('varint too long')
      const b = this.buf[this.need(1)]!
      result |= (b & 0x7f) << shift
      if ((b & 0x80) === 0) break
      shift += 7
    }
    return (result >>> 1) ^ -(result & 1)
  }
  /** A zigzag varlong, as a safe-integer number. Up to 7 bytes (|v| < 2^48) with numbers; longer ones with BigInt. */
  varlong(): number {
    const start = this.offset
    let z = 0
    let scale = 1
    for (let i = 0; i < 7; i++) {
      const b = this.buf[this.need(1)]!
      z += (b & 0x7f) * scale
      if ((b & 0x80) === 0) return z % 2 === 0 ? z / 2 : -(z + 1) / 2
      scale *= 128
    }
    this.offset = start
    let big = 0n
    let shift = 0n
    for (;;) {
      if (shift > 63n) throw new MalformedRequest('varlong too long')
      const b = this.buf[this.need(1)]!
      big |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) break
      shift += 7n
    }
    const n = Number((big >> 1n) ^ -(big & 1n))
    if (!Number.isSafeInteger(n)) throw new MalformedRequest('varlong out of range')
    return n
  }
}

const EMPTY = Buffer.alloc(0)

/** Writes Kafka's primitive types into a growing buffer. */
export class Writer {
  private buf: Buffer
  length = 0

  constructor(size = 256) {
    this.buf = Buffer.allocUnsafe(size)
  }

  private room(n: number): number {
    if (this.length + n > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n))
      this.buf.copy(next, 0, 0, this.length)
      this.buf = next
    }
    const at = this.length
    this.length += n
    return at
  }

  int8(v: number): this {
    const at = this.room(1)
    this.buf.writeInt8(v, at)
    return this
  }
  int16(v: number): this {
    const at = this.room(2)
    this.buf.writeInt16BE(v, at)
    return this
  }
  int32(v: number): this {
    const at = this.room(4)
    this.buf.writeInt32BE(v, at)
    return this
  }
  uint32(v: number): this {
    const at = this.room(4)
    this.buf.writeUInt32BE(v >>> 0, at)
    return this
  }
  int64(v: number | bigint): this {
    const at = this.room(8)
    this.buf.writeBigInt64BE(BigInt(v), at)
    return this
  }
  bool(v: boolean): this {
    return this.int8(v ? 1 : 0)
  }
  /** A nullable string (int16 length). */
  string(s: string | null): this {
    if (s === null) return this.int16(-1)
    const n = Buffer.byteLength(s)
    this.int16(n)
    const at = this.room(n)
    this.buf.write(s, at, 'utf8')
    return this
  }
  /** Nullable bytes (int32 length). */
  bytes(b: Uint8Array | null): this {
    if (b === null) return this.int32(-1)
    this.int32(b.length)
    return this.raw(b)
  }
  raw(b: Uint8Array): this {
    const at = this.room(b.length)
    this.buf.set(b, at)
    return this
  }
  /** An array (int32 count, null = -1). */
  array<T>(items: readonly T[] | null, item: (w: Writer, v: T) => void): this {
    if (items === null) return this.int32(-1)
    this.int32(items.length)
    for (const v of items) item(this, v)
    return this
  }
  private byte(b: number): void {
    const at = this.room(1)
    this.buf[at] = b
  }
  /** A zigzag varint. */
  varint(v: number): this {
    let z = ((v << 1) ^ (v >> 31)) >>> 0
    while (z >= 0x80) {
      this.byte((z & 0x7f) | 0x80)
      z >>>= 7
    }
    this.byte(z)
    return this
  }
  /** A zigzag varlong. */
  varlong(v: number): this {
    if (v >= -0x40000000 && v < 0x40000000) return this.varint(v)
    const b = BigInt(v)
    let z = (b << 1n) ^ (b >> 63n)
    while (z >= 0x80n) {
      this.byte(Number(z & 0x7fn) | 0x80)
      z >>= 7n
    }
    this.byte(Number(z))
    return this
  }
  /** The bytes written so far (a view: do not write after taking it). */
  done(): Buffer {
    return this.length === 0 ? EMPTY : this.buf.subarray(0, this.length)
  }
  /** Overwrites an int32 at a position written earlier (a length prefix). */
  patchInt32(at: number, v: number): void {
    this.buf.writeInt32BE(v, at)
  }
  patchUint32(at: number, v: number): void {
    this.buf.writeUInt32BE(v >>> 0, at)
  }
  /** A view of bytes written from `from` on. */
  slice(from: number): Buffer {
    return this.buf.subarray(from, this.length)
  }
}
