// The record-batch codec, the only importer of msgpackr. A batch (all records of one
// send to one partition) is packed once: a version byte, a CRC-32C (version 2, see
// format.ts), then msgpack of
//   [baseTimestamp, offsetDeltas | null, flat]
// where flat holds, per record, [timestampDelta, key, value, headers] in a row. Sends
// to one partition that share a store write are stored as one batch: their segments
// (each such an array) follow the version byte one after another. The
// batch's key holds its last offset; while offsets are dense, record i of n has offset
// last - (n - 1 - i). Once compaction has removed records, offsetDeltas[i] gives
// last - offset of record i instead.
//
// Since format 3 a segment may carry a fourth element, the producer attributes of Kafka's
// batch header: [producerId, producerEpoch, baseSequence, flags] (flags: 1 transactional,
// 2 control). A control segment holds one record, a transaction marker: key null, value
// Kafka's control type (0 abort, 1 commit). Segments without it are plain records.
import { Packr, RESERVE_START_SPACE } from 'msgpackr'
import { KafketteError } from '../errors.js'
import { crc32c } from '../util/crc32c.js'
import { BATCH_CODEC_VERSION, batchHeaderBytes } from './format.js'

/** A record as it is handed to the codec. */
export interface RecordInput {
  key: string | Uint8Array | null
  value: unknown
  headers: Record<string, string | Uint8Array | Array<string | Uint8Array>> | null
  timestamp: number
}

/** The producer fields of a segment, as in Kafka's record-batch header. */
export interface ProducerAttrs {
  producerId: number
  producerEpoch: number
  /** The sequence number of the segment's first record (-1 for a control segment). */
  baseSequence: number
  /** The records belong to a transaction. */
  transactional: boolean
  /** The segment is one transaction marker (a control record). */
  control: boolean
}

/** A run of records of a decoded batch that share producer attributes. */
export interface ProducerRun {
  /** The index of its first record in the batch. */
  readonly start: number
  readonly count: number
  /** null: plain records, written without a producer id. */
  readonly attrs: ProducerAttrs | null
}

/** Kafka's control record types (the value of a transaction marker). */
export const CONTROL_ABORT = 0
export const CONTROL_COMMIT = 1

/** A decoded batch: `count` records, read with the accessors below. */
export interface DecodedBatch {
  readonly baseTimestamp: number
  readonly offsetDeltas: number[] | null
  readonly flat: unknown[]
  readonly count: number
  /** The batch's runs of records by producer, or null when no record carries producer attributes (the common case). */
  readonly runs: ProducerRun[] | null
}

const FLAG_TRANSACTIONAL = 1
const FLAG_CONTROL = 2

function packAttrs(a: ProducerAttrs): number[] {
  return [a.producerId, a.producerEpoch, a.baseSequence, (a.transactional ? FLAG_TRANSACTIONAL : 0) | (a.control ? FLAG_CONTROL : 0)]
}

function unpackAttrs(v: unknown): ProducerAttrs | null {
  if (v === undefined) return null
  if (!Array.isArray(v) || v.length !== 4 || !v.every((x) => typeof x === 'number')) throw new KafketteError('LOG_CORRUPT', 'a record batch has unreadable producer attributes')
  const [producerId, producerEpoch, baseSequence, flags] = v as [number, number, number, number]
  return { producerId, producerEpoch, baseSequence, transactional: (flags & FLAG_TRANSACTIONAL) !== 0, control: (flags & FLAG_CONTROL) !== 0 }
}

class UnencodableValue extends Error {}

const packr = new Packr({
  moreTypes: true,
  writeFunction: () => {
    throw new UnencodableValue('a function cannot be stored')
  },
})

function packOrThrow(value: unknown, what: string, options?: number): Buffer {
  try {
    return packr.pack(value, options)
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    throw new KafketteError('INVALID_RECORD', `${what} cannot be encoded (${reason}); values must be data msgpackr can store, not functions or symbols`, {}, { cause: err })
  }
}

/** Encodes records into one batch value. Throws INVALID_RECORD (writing nothing) for a value that cannot be stored. */
export function encodeBatch(records: readonly RecordInput[], offsetDeltas: number[] | null = null, producer: ProducerAttrs | null = null): { bytes: Buffer; maxTimestamp: number } {
  const n = records.length
  const baseTimestamp = records[0]!.timestamp
  let maxTimestamp = baseTimestamp
  const flat = new Array<unknown>(n * 4)
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    const r = records[i]!
    if (r.timestamp > maxTimestamp) maxTimestamp = r.timestamp
    flat[j] = r.timestamp - baseTimestamp
    flat[j + 1] = r.key
    flat[j + 2] = r.value
    flat[j + 3] = r.headers
  }
  return { bytes: encodeFlat(baseTimestamp, flat, offsetDeltas, producer), maxTimestamp }
}

/**
 * Encodes records already laid out as `flat` ([timestampDelta, key, value, headers] per
 * record, deltas from `baseTimestamp`): the producer builds this layout as it validates,
 * so no per-record object stands between a message and its bytes. Throws INVALID_RECORD
 * (writing nothing) for a value that cannot be stored.
 */
export function encodeFlat(baseTimestamp: number, flat: unknown[], offsetDeltas: number[] | null = null, producer: ProducerAttrs | null = null): Buffer {
  const segment = producer === null ? [baseTimestamp, offsetDeltas, flat] : [baseTimestamp, offsetDeltas, flat, packAttrs(producer)]
  // msgpackr leaves the header's bytes free (version and checksum), so the batch is never copied.
  const bytes = packOrThrow(segment, 'a record value', RESERVE_START_SPACE | HEADER)
  bytes[0] = BATCH_CODEC_VERSION
  bytes.writeUInt32BE(0, 1)
  return bytes
}

/** The header this version writes: the version byte and the CRC-32C. */
const HEADER = batchHeaderBytes(BATCH_CODEC_VERSION)

/** A transaction marker of one control record (Kafka's control batch), at `timestamp`. */
export function encodeMarker(commit: boolean, timestamp: number, producerId: number, producerEpoch: number): Buffer {
  return encodeFlat(timestamp, [0, null, commit ? CONTROL_COMMIT : CONTROL_ABORT, null], null, { producerId, producerEpoch, baseSequence: -1, transactional: true, control: true })
}

/**
 * Encodes segments into one batch value: compaction's survivors, one segment per run of
 * records that share producer attributes. `offsetDeltas` (one per record, from the
 * batch's last offset) are split among the segments.
 */
export function encodeRuns(records: readonly RecordInput[], offsetDeltas: readonly number[], runs: readonly { count: number; attrs: ProducerAttrs | null }[]): Buffer {
  const parts: Buffer[] = []
  let at = 0
  for (const run of runs) {
    parts.push(encodeBatch(records.slice(at, at + run.count), offsetDeltas.slice(at, at + run.count), run.attrs).bytes)
    at += run.count
  }
  return parts.length === 1 ? parts[0]! : concatBatches(parts)
}

/** Joins batches encoded by encodeBatch (dense offsets, in offset order) into one stored batch (not yet sealed). */
export function concatBatches(batches: readonly Buffer[]): Buffer {
  let length = HEADER
  for (const b of batches) length += b.length - HEADER
  const out = Buffer.allocUnsafe(length)
  out[0] = BATCH_CODEC_VERSION
  out.writeUInt32BE(0, 1)
  let at = HEADER
  for (const b of batches) at += b.copy(out, at, HEADER)
  return out
}

/**
 * Writes the checksum of a batch about to be stored under `key`: the CRC-32C of the key
 * (so a batch read under another key, another partition or offset, fails too) followed
 * by the batch after its header. Call it last, once the key is known; returns `bytes`.
 */
export function sealBatch(key: Uint8Array, bytes: Buffer): Buffer {
  bytes.writeUInt32BE(crc32c(bytes.subarray(HEADER), crc32c(key)), 1)
  return bytes
}

/**
 * Why a stored batch read under `key` is damaged (a checksum that does not match, an
 * unknown version), or undefined when it is sound. A version-1 batch, written before
 * batches carried a checksum, has nothing to check.
 */
export function batchDamage(key: Uint8Array, bytes: Uint8Array): string | undefined {
  const version = bytes[0]
  if (bytes.length === 0) return 'the record batch is empty'
  const header = batchHeaderBytes(version!)
  if (header === 0) return `the record batch has an unknown codec version ${String(version)}`
  if (bytes.length <= header) return 'the record batch is shorter than its header'
  if (header === 1) return undefined
  const stored = ((bytes[1]! << 24) | (bytes[2]! << 16) | (bytes[3]! << 8) | bytes[4]!) >>> 0
  const actual = crc32c(bytes.subarray(header), crc32c(key))
  return stored === actual ? undefined : `the record batch fails its CRC-32C check (stored ${hex(stored)}, computed ${hex(actual)})`
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`
}

/**
 * Decodes a batch value written by encodeBatch or concatBatches (any readable codec
 * version). It does not check the checksum: bytes read from the store go through
 * batchDamage first. Throws LOG_CORRUPT for bytes it cannot read.
 */
export function decodeBatch(bytes: Uint8Array): DecodedBatch {
  const header = batchHeaderBytes(bytes[0]!)
  if (header === 0) {
    throw new KafketteError('LOG_CORRUPT', `a record batch has codec version ${String(bytes[0])}, expected ${BATCH_CODEC_VERSION}`)
  }
  let segments: unknown[]
  try {
    segments = packr.unpackMultiple(bytes.subarray(header)) as unknown[]
  } catch (err) {
    throw new KafketteError('LOG_CORRUPT', 'a record batch cannot be decoded', {}, { cause: err })
  }
  // Segments after the first are sends that shared a store write (offsets dense: no
  // deltas) or compaction's runs of survivors by producer (every segment has deltas).
  const withDeltas = segments.length > 0 && Array.isArray((segments[0] as unknown[])[1])
  let anyAttrs = false
  for (const seg of segments) {
    if (!Array.isArray(seg) || (seg.length !== 3 && seg.length !== 4) || typeof seg[0] !== 'number' || !Array.isArray(seg[2]) || (segments.length > 1 && Array.isArray(seg[1]) !== withDeltas) || (seg[1] !== null && !Array.isArray(seg[1]))) {
      throw new KafketteError('LOG_CORRUPT', 'a record batch has an unexpected shape')
    }
    if (seg.length === 4) anyAttrs = true
  }
  if (segments.length === 1) {
    const seg = segments[0] as [number, number[] | null, unknown[], unknown?]
    const count = seg[2].length >> 2
    return { baseTimestamp: seg[0], offsetDeltas: seg[1], flat: seg[2], count, runs: anyAttrs ? [{ start: 0, count, attrs: unpackAttrs(seg[3]) }] : null }
  }
  if (segments.length === 0) throw new KafketteError('LOG_CORRUPT', 'a record batch is empty')
  const baseTimestamp = (segments[0] as [number])[0]
  const flat: unknown[] = []
  const offsetDeltas: number[] | null = withDeltas ? [] : null
  const runs: ProducerRun[] | null = anyAttrs ? [] : null
  for (const seg of segments as Array<[number, number[] | null, unknown[], unknown?]>) {
    const shift = seg[0] - baseTimestamp
    const part = seg[2]
    if (runs !== null) runs.push({ start: flat.length >> 2, count: part.length >> 2, attrs: unpackAttrs(seg[3]) })
    if (offsetDeltas !== null) for (const d of seg[1]!) offsetDeltas.push(d)
    for (let j = 0; j < part.length; j += 4) flat.push((part[j] as number) + shift, part[j + 1], part[j + 2], part[j + 3])
  }
  if (offsetDeltas !== null && offsetDeltas.length !== flat.length >> 2) throw new KafketteError('LOG_CORRUPT', 'a record batch has offset deltas that do not match its records')
  return { baseTimestamp, offsetDeltas, flat, count: flat.length >> 2, runs }
}

/**
 * Opens a small value that carries a checksum (format 2): 0xc1, a byte msgpack never
 * uses, so a value written before (plain msgpack) is told apart by its first byte.
 */
const CHECKED_VALUE = 0xc1

/**
 * Encodes a small structured value (topic metadata, partition state, committed offsets):
 * 0xc1, the CRC-32C of what follows (u32 BE), then msgpack.
 */
export function encodeValue(value: unknown): Buffer {
  const bytes = packOrThrow(value, 'a value', RESERVE_START_SPACE | 5)
  bytes[0] = CHECKED_VALUE
  bytes.writeUInt32BE(crc32c(bytes.subarray(5)), 1)
  return bytes
}

/** Decodes a value written by encodeValue (or, without a checksum, before format 2). Throws LOG_CORRUPT for bytes it cannot read or whose checksum fails. */
export function decodeValue<T>(bytes: Uint8Array): T {
  let body = bytes
  if (bytes[0] === CHECKED_VALUE) {
    const stored = bytes.length >= 5 ? ((bytes[1]! << 24) | (bytes[2]! << 16) | (bytes[3]! << 8) | bytes[4]!) >>> 0 : -1
    body = bytes.subarray(5)
    if (stored !== crc32c(body)) throw new KafketteError('LOG_CORRUPT', 'a stored value fails its CRC-32C check')
  }
  try {
    return packr.unpack(body) as T
  } catch (err) {
    throw new KafketteError('LOG_CORRUPT', 'a stored value cannot be decoded', {}, { cause: err })
  }
}

/** Checks that `value` can be encoded, throwing INVALID_RECORD naming `what` if not. */
export function assertEncodable(value: unknown, what: string): void {
  packOrThrow(value, what)
}
