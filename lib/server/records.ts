// Kafka's record batch v2 at the wire boundary: decoding what producers send (with every
// codec Kafka defines) into kafkette messages, and encoding stored messages into one
// uncompressed batch per partition for fetch, with its CRC-32C.
import { gunzip } from 'node:zlib'
import { promisify } from 'node:util'
import { createRequire } from 'node:module'
import type { ConsumedMessage, Headers } from '../index.js'
import { crc32c, toBuffer } from '../internal.js'
import { MalformedRequest, Reader, Writer } from './protocol.js'

/** A record as a producer sent it (keys, values and header values are views of the request: they are stored, then dropped). */
export interface WireRecord {
  key: Buffer | null
  value: Buffer | null
  headers: Array<[string, Buffer | null]>
  timestamp: number
}

/** A decoded batch: its records, and what a broker checks about it. */
export interface DecodedBatch {
  records: WireRecord[]
  /** -1 unless an idempotent producer wrote it; then also its epoch and the first record's sequence number. */
  producerId: number
  producerEpoch: number
  baseSequence: number
  transactional: boolean
  control: boolean
}

/** A batch Kafka would refuse: the produce is answered with the error code, nothing is written. */
export class InvalidBatch extends Error {
  constructor(
    readonly errorCode: number,
    detail: string,
  ) {
    super(detail)
    this.name = 'InvalidBatch'
  }
}

/** Kafka's CORRUPT_MESSAGE. */
const CORRUPT_MESSAGE = 2
/** Kafka's UNSUPPORTED_COMPRESSION_TYPE. */
const UNSUPPORTED_COMPRESSION_TYPE = 76
/** Kafka's UNSUPPORTED_FOR_MESSAGE_FORMAT. */
const UNSUPPORTED_FOR_MESSAGE_FORMAT = 43

const gunzipAsync = promisify(gunzip)
// ES modules have import.meta.url; the CommonJS build (dist/cjs) leaves it undefined and has __filename.
let requireCodec: NodeJS.Require | undefined
function load<T>(name: string): T {
  requireCodec ??= createRequire((import.meta.url as string | undefined) ?? __filename)
  return requireCodec(name) as T
}
// The native codecs load on first use, so a log that never meets a compressed batch never loads them.
let snappy: { uncompress(b: Buffer): Promise<Buffer | string> } | undefined
let lz4: { decompressFrame(b: Buffer): Promise<Buffer> } | undefined
let zstd: { decompress(b: Buffer): Promise<Buffer> } | undefined

const XERIAL = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00])

async function unsnappy(data: Buffer): Promise<Buffer> {
  snappy ??= load<NonNullable<typeof snappy>>('snappy')
  // kafka-python (and the Java client) frame snappy the xerial way: a 16-byte header, then
  // [int32 length, raw snappy block]…; librdkafka sends one raw block.
  if (data.length >= 16 && data.subarray(0, 8).equals(XERIAL)) {
    const parts: Buffer[] = []
    const r = new Reader(data, 16)
    while (r.remaining > 0) parts.push(Buffer.from((await snappy!.uncompress(r.raw(r.int32()))) as Buffer))
    return Buffer.concat(parts)
  }
  return Buffer.from((await snappy!.uncompress(data)) as Buffer)
}

async function decompress(codec: number, data: Buffer): Promise<Buffer> {
  try {
    switch (codec) {
      case 1:
        return await gunzipAsync(data)
      case 2:
        return await unsnappy(data)
      case 3:
        lz4 ??= load<NonNullable<typeof lz4>>('lz4-napi')
        return await lz4!.decompressFrame(data)
      case 4:
        zstd ??= load<NonNullable<typeof zstd>>('@mongodb-js/zstd')
        return await zstd!.decompress(data)
    }
  } catch (err) {
    if (err instanceof MalformedRequest) throw new InvalidBatch(CORRUPT_MESSAGE, `compressed records do not decode: ${err.message}`)
    throw new InvalidBatch(CORRUPT_MESSAGE, `compressed records (codec ${codec}) do not decode: ${err instanceof Error ? err.message : String(err)}`)
  }
  throw new InvalidBatch(UNSUPPORTED_COMPRESSION_TYPE, `unknown compression codec ${codec}`)
}

function readRecords(r: Reader, count: number, baseTimestamp: number): WireRecord[] {
  const out: WireRecord[] = []
  for (let i = 0; i < count; i++) {
    const length = r.varint()
    const end = r.offset + length
    if (length < 0 || end > r.buf.length) throw new MalformedRequest(`record length ${length}`)
    r.int8()
    const timestamp = baseTimestamp + r.varlong()
    r.varint()
    const keyLen = r.varint()
    const key = keyLen < 0 ? null : r.raw(keyLen)
    const valueLen = r.varint()
    const value = valueLen < 0 ? null : r.raw(valueLen)
    const headerCount = r.varint()
    if (headerCount < 0 || headerCount > r.remaining) throw new MalformedRequest(`header count ${headerCount}`)
    const headers: Array<[string, Buffer | null]> = []
    for (let h = 0; h < headerCount; h++) {
      const kl = r.varint()
      if (kl < 0) throw new MalformedRequest('null header key')
      const hk = r.raw(kl).toString('utf8')
      const vl = r.varint()
      headers.push([hk, vl < 0 ? null : r.raw(vl)])
    }
    if (r.offset !== end) throw new MalformedRequest(`record ${i} is ${length} bytes but its fields take ${length + r.offset - end}`)
    out.push({ key, value, headers, timestamp })
  }
  return out
}

/**
 * Decodes the record batches of one partition of a Produce request. Checks what Kafka's
 * broker checks: magic 2, the batch length, the CRC-32C, the record count; throws
 * InvalidBatch with Kafka's error code otherwise.
 */
export async function decodeBatches(bytes: Buffer): Promise<DecodedBatch[]> {
  const out: DecodedBatch[] = []
  let at = 0
  while (at < bytes.length) {
    if (bytes.length - at < 61) throw new InvalidBatch(CORRUPT_MESSAGE, `a record batch needs 61 header bytes, ${bytes.length - at} left`)
    const batchLength = bytes.readInt32BE(at + 8)
    const end = at + 12 + batchLength
    if (batchLength < 49 || end > bytes.length) throw new InvalidBatch(CORRUPT_MESSAGE, `batch length ${batchLength} does not fit ${bytes.length - at} bytes`)
    const magic = bytes.readInt8(at + 16)
    if (magic !== 2) throw new InvalidBatch(UNSUPPORTED_FOR_MESSAGE_FORMAT, `record batch magic ${magic}: only v2 is accepted`)
    const crc = bytes.readUInt32BE(at + 17)
    if (crc32c(bytes.subarray(at + 21, end)) !== crc) throw new InvalidBatch(CORRUPT_MESSAGE, 'record batch CRC-32C mismatch')
    const attributes = bytes.readInt16BE(at + 21)
    const baseTimestamp = Number(bytes.readBigInt64BE(at + 27))
    const producerId = Number(bytes.readBigInt64BE(at + 43))
    const producerEpoch = bytes.readInt16BE(at + 51)
    const baseSequence = bytes.readInt32BE(at + 53)
    const count = bytes.readInt32BE(at + 57)
    if (count < 0 || count > batchLength) throw new InvalidBatch(CORRUPT_MESSAGE, `record count ${count}`)
    const codec = attributes & 0x07
    let body = bytes.subarray(at + 61, end)
    if (codec !== 0) body = await decompress(codec, body)
    let records: WireRecord[]
    try {
      const r = new Reader(body)
      records = readRecords(r, count, baseTimestamp)
      if (r.remaining !== 0) throw new MalformedRequest(`${r.remaining} bytes after ${count} records`)
    } catch (err) {
      if (err instanceof MalformedRequest) throw new InvalidBatch(CORRUPT_MESSAGE, err.message)
      throw err
    }
    out.push({ records, producerId, producerEpoch, baseSequence, transactional: (attributes & 0x10) !== 0, control: (attributes & 0x20) !== 0 })
    at = end
  }
  return out
}

/** Kafka's headers as kafkette's: a header that repeats becomes an array; a null value becomes empty bytes. */
export function toHeaders(pairs: ReadonlyArray<[string, Buffer | null]>): Headers {
  const out: Headers = {}
  for (const [k, v] of pairs) {
    const value = v ?? Buffer.alloc(0)
    const prev = out[k]
    if (prev === undefined) out[k] = value
    else if (Array.isArray(prev)) prev.push(value)
    else out[k] = [prev, value]
  }
  return out
}

const utf8 = new TextEncoder()

function keyBytes(key: ConsumedMessage['key']): Uint8Array | null {
  if (key === null || key === undefined) return null
  return typeof key === 'string' ? utf8.encode(key) : key
}

/**
 * Encodes messages of one partition (rising offsets, gaps allowed after compaction) as one
 * uncompressed record batch v2 with baseOffset = the first message's offset.
 */
export function encodeBatch(w: Writer, messages: readonly ConsumedMessage[]): void {
  const first = messages[0]!
  const last = messages[messages.length - 1]!
  let maxTimestamp = first.timestamp
  for (const m of messages) if (m.timestamp > maxTimestamp) maxTimestamp = m.timestamp
  const start = w.length
  w.int64(first.offset).int32(0).int32(0).int8(2).uint32(0)
  const crcFrom = w.length
  w.int16(0)
    .int32(last.offset - first.offset)
    .int64(first.timestamp)
    .int64(maxTimestamp)
    .int64(-1)
    .int16(-1)
    .int32(-1)
    .int32(messages.length)
  const rec = new Writer(256)
  for (const m of messages) {
    rec.length = 0
    rec.int8(0).varlong(m.timestamp - first.timestamp).varint(m.offset - first.offset)
    const key = keyBytes(m.key)
    if (key === null) rec.varint(-1)
    else rec.varint(key.length).raw(key)
    const value = toBuffer(m.value)
    if (value === null) rec.varint(-1)
    else rec.varint(value.length).raw(value)
    const entries = Object.entries(m.headers)
    let n = 0
    for (const [, v] of entries) n += Array.isArray(v) ? v.length : 1
    rec.varint(n)
    for (const [k, v] of entries) {
      for (const one of Array.isArray(v) ? v : [v]) {
        const kb = utf8.encode(k)
        const vb = toBuffer(one)!
        rec.varint(kb.length).raw(kb).varint(vb.length).raw(vb)
      }
    }
    const body = rec.done()
    w.varint(body.length).raw(body)
  }
  w.patchInt32(start + 8, w.length - start - 12)
  w.patchUint32(start + 17, crc32c(w.slice(crcFrom)))
}

/**
 * Encodes one control batch holding a commit marker at `offset`. Fetch answers with it where
 * everything from the offset asked up to its end was left out (transaction markers, and for
 * read_committed aborted records): clients skip control records and move past the batch, as
 * they do past Kafka's own markers, instead of asking for the same offset again.
 */
export function encodeSkip(w: Writer, offset: number, timestamp: number): void {
  const start = w.length
  w.int64(offset).int32(0).int32(0).int8(2).uint32(0)
  const crcFrom = w.length
  // Attributes: transactional (bit 4) and control (bit 5); no producer.
  w.int16(0x30).int32(0).int64(timestamp).int64(timestamp).int64(-1).int16(-1).int32(-1).int32(1)
  // The control record: key = version 0, type 1 (commit); value = version 0, coordinator epoch 0.
  const rec = new Writer(32)
  rec.int8(0).varlong(0).varint(0).varint(4).int16(0).int16(1).varint(6).int16(0).int32(0).varint(0)
  const body = rec.done()
  w.varint(body.length).raw(body)
  w.patchInt32(start + 8, w.length - start - 12)
  w.patchUint32(start + 17, crc32c(w.slice(crcFrom)))
}
