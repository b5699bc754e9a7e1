// The record-batch codec, the only importer of msgpackr. A batch (all records of one
// send to one partition) is packed once: a version byte, then msgpack of
//   [baseTimestamp, offsetDeltas | null, flat]
// where flat holds, per record, [timestampDelta, key, value, headers] in a row. The
// batch's key holds its last offset; while offsets are dense, record i of n has offset
// last - (n - 1 - i). Once compaction has removed records, offsetDeltas[i] gives
// last - offset of record i instead.
import { Packr } from 'msgpackr'
import { KafketteError } from '../errors.js'
import { BATCH_CODEC_VERSION } from './format.js'

/** A record as it is handed to the codec. */
export interface RecordInput {
  key: string | Uint8Array | null
  value: unknown
  headers: Record<string, string | Uint8Array> | null
  timestamp: number
}

/** A decoded batch: `count` records, read with the accessors below. */
export interface DecodedBatch {
  readonly baseTimestamp: number
  readonly offsetDeltas: number[] | null
  readonly flat: unknown[]
  readonly count: number
}

class UnencodableValue extends Error {}

const packr = new Packr({
  moreTypes: true,
  writeFunction: () => {
    throw new UnencodableValue('a function cannot be stored')
  },
})

function packOrThrow(value: unknown, what: string): Buffer {
  try {
    return packr.pack(value)
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err)
    throw new KafketteError('INVALID_RECORD', `${what} cannot be encoded (${reason}); values must be data msgpackr can store, not functions or symbols`, {}, { cause: err })
  }
}

/** Encodes records into one batch value. Throws INVALID_RECORD (writing nothing) for a value that cannot be stored. */
export function encodeBatch(records: readonly RecordInput[], offsetDeltas: number[] | null = null): { bytes: Buffer; maxTimestamp: number } {
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
  const body = packOrThrow([baseTimestamp, offsetDeltas, flat], 'a record value')
  const bytes = Buffer.allocUnsafe(body.length + 1)
  bytes[0] = BATCH_CODEC_VERSION
  body.copy(bytes, 1)
  return { bytes, maxTimestamp }
}

/** Decodes a batch value written by encodeBatch. Throws LOG_CORRUPT for bytes it cannot read. */
export function decodeBatch(bytes: Uint8Array): DecodedBatch {
  if (bytes[0] !== BATCH_CODEC_VERSION) {
    throw new KafketteError('LOG_CORRUPT', `a record batch has codec version ${String(bytes[0])}, expected ${BATCH_CODEC_VERSION}`)
  }
  let decoded: unknown
  try {
    decoded = packr.unpack(bytes.subarray(1))
  } catch (err) {
    throw new KafketteError('LOG_CORRUPT', 'a record batch cannot be decoded', {}, { cause: err })
  }
  if (!Array.isArray(decoded) || decoded.length !== 3 || !Array.isArray(decoded[2])) {
    throw new KafketteError('LOG_CORRUPT', 'a record batch has an unexpected shape')
  }
  const flat = decoded[2] as unknown[]
  return { baseTimestamp: decoded[0] as number, offsetDeltas: decoded[1] as number[] | null, flat, count: flat.length >> 2 }
}

/** Encodes a small structured value (topic metadata, partition state, committed offsets). */
export function encodeValue(value: unknown): Buffer {
  return packOrThrow(value, 'a value')
}

/** Decodes a value written by encodeValue. Throws LOG_CORRUPT for bytes it cannot read. */
export function decodeValue<T>(bytes: Uint8Array): T {
  try {
    return packr.unpack(bytes) as T
  } catch (err) {
    throw new KafketteError('LOG_CORRUPT', 'a stored value cannot be decoded', {}, { cause: err })
  }
}

/** Checks that `value` can be encoded, throwing INVALID_RECORD naming `what` if not. */
export function assertEncodable(value: unknown, what: string): void {
  packOrThrow(value, what)
}
