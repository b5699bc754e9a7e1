// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum Kafka's record
// batches and LevelDB's write-ahead log carry. One place for every layer that needs it
// (stored batches, the recovery scan of the write-ahead log, the wire listener).
import { createRequire } from 'node:module'

/** A CRC-32C function: `crc32c(bytes, previous)` continues a checksum over more bytes. */
export type Crc32c = (bytes: Uint8Array, previous?: number) => number

const POLY = 0x82f63b78

/**
 * Eight tables for slicing-by-8: TABLES[k][b] is the CRC of byte b followed by k zero
 * bytes, so eight input bytes fold in with eight lookups and no per-bit work.
 */
const TABLES: Int32Array[] = (() => {
  const tables = Array.from({ length: 8 }, () => new Int32Array(256))
  const t0 = tables[0]!
  for (let b = 0; b < 256; b++) {
    let c = b
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1
    t0[b] = c
  }
  for (let b = 0; b < 256; b++) {
    for (let k = 1; k < 8; k++) tables[k]![b] = (tables[k - 1]![b]! >>> 8) ^ t0[tables[k - 1]![b]! & 0xff]!
  }
  return tables
})()

/** CRC-32C in JavaScript (slicing-by-8): the fallback where the native one does not load. */
export function crc32cJs(bytes: Uint8Array, previous = 0): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array]
  let c = ~previous
  let i = 0
  const n = bytes.length
  const end8 = n - (n & 7)
  for (; i < end8; i += 8) {
    const a = c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))
    c =
      t7[a & 0xff]! ^
      t6[(a >>> 8) & 0xff]! ^
      t5[(a >>> 16) & 0xff]! ^
      t4[a >>> 24]! ^
      t3[bytes[i + 4]!]! ^
      t2[bytes[i + 5]!]! ^
      t1[bytes[i + 6]!]! ^
      t0[bytes[i + 7]!]!
  }
  for (; i < n; i++) c = (c >>> 8) ^ t0[(c ^ bytes[i]!) & 0xff]!
  return ~c >>> 0
}

/**
 * The native CRC-32C of `@node-rs/crc32` (SSE 4.2 / ARMv8 instructions: more than ten
 * times the JavaScript one), or undefined where its prebuilt binary does not load.
 */
function loadNative(): Crc32c | undefined {
  try {
    // CommonJS (dist/cjs) has require; ES modules make one from import.meta.url.
    const req = typeof require === 'function' ? require : createRequire(import.meta.url)
    const mod = req('@node-rs/crc32') as { crc32c(input: Uint8Array, initial?: number): number }
    const native: Crc32c = (bytes, previous = 0) => mod.crc32c(bytes, previous) >>> 0
    // Trust it only once it agrees with the reference on a known vector.
    return native(CHECK_INPUT) === CHECK_VALUE ? native : undefined
  } catch {
    return undefined
  }
}

/** "123456789" and its CRC-32C, the check value every CRC catalogue gives. */
const CHECK_INPUT = new TextEncoder().encode('123456789')
const CHECK_VALUE = 0xe3069283

const native = loadNative()

/** Which implementation `crc32c` is: 'native' (@node-rs/crc32) or 'js'. */
export const CRC32C_IMPLEMENTATION: 'native' | 'js' = native ? 'native' : 'js'

/** CRC-32C of `bytes`, continuing from `previous` (the CRC of what came before; 0 to start). */
export const crc32c: Crc32c = native ?? crc32cJs
