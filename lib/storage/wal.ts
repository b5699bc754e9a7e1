// Reads LevelDB's write-ahead log before the store opens, to say what the opening will
// drop. LevelDB replays it and silently discards a torn tail (a write cut off by a crash)
// and, without paranoid checks (classic-level does not expose them), blocks whose
// checksum fails; it logs the latter only in its LOG file. This scan finds both, so the
// log can report them. The format (LevelDB's doc/log_format.md): 32 KiB blocks of
// physical records, each a 7-byte header (masked CRC-32C u32 LE of type and payload,
// length u16 LE, type u8) and a payload; a block's last < 7 bytes are zero padding; a
// logical record (one write batch: sequence u64, count u32, then its ops) is one FULL
// record or FIRST, MIDDLE…, LAST fragments.
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { crc32c } from '../util/crc32c.js'

/** What opening a store dropped from its write-ahead log. */
export interface WalRecovery {
  /** The write-ahead log file, in the log directory. */
  file: string
  /** Its size before the store opened. */
  bytes: number
  /** Where the dropped part starts (a byte offset in the file). */
  fromByte: number
  /** The bytes dropped. */
  droppedBytes: number
  /** Store writes (acknowledged or not) whose bytes were dropped: each may hold several record batches. */
  droppedWrites: number
  /** Store operations of the dropped writes, where their headers could be read (else null). */
  droppedOps: number | null
  /** 'torn tail': the last write was cut off (a crash during a write); 'checksum mismatch' / 'bad record': damage inside the file. */
  reason: 'torn tail' | 'checksum mismatch' | 'bad record'
}

const BLOCK = 32 * 1024
const HEADER = 7
const FULL = 1
const FIRST = 2
const MIDDLE = 3
const LAST = 4
const MASK_DELTA = 0xa282ead8

function unmask(masked: number): number {
  const rot = (masked - MASK_DELTA) >>> 0
  return ((rot >>> 17) | (rot << 15)) >>> 0
}

/** The newest write-ahead log of a LevelDB directory (the one a crash can tear), or undefined. */
export async function newestWal(dir: string): Promise<string | undefined> {
  const logs = (await readdir(dir)).filter((n) => /^\d+\.log$/.test(n)).sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10))
  return logs.at(-1)
}

/** What LevelDB will drop when it replays `file` in `dir`: one entry per damaged stretch, empty when the file is whole. */
export async function scanWal(dir: string, file: string): Promise<WalRecovery[]> {
  const data = await readFile(join(dir, file))
  const out: WalRecovery[] = []
  let at = 0
  /** Where the logical record being assembled started, and its first bytes (for its header). */
  let recordStart = -1
  let head: Buffer | undefined
  const drop = (from: number, to: number, reason: WalRecovery['reason'], writes: number, ops: number | null) => {
    const last = out.at(-1)
    if (last && last.fromByte + last.droppedBytes === from && last.reason === reason) {
      last.droppedBytes += to - from
      last.droppedWrites += writes
      last.droppedOps = last.droppedOps === null || ops === null ? null : last.droppedOps + ops
    } else out.push({ file, bytes: data.length, fromByte: from, droppedBytes: to - from, droppedWrites: writes, droppedOps: ops, reason })
  }
  const opsOf = (b: Buffer | undefined) => (b && b.length >= 12 ? b.readUInt32LE(8) : null)
  while (at < data.length) {
    const inBlock = BLOCK - (at % BLOCK)
    if (inBlock < HEADER) {
      at += inBlock
      continue
    }
    if (data.length - at < HEADER) {
      // A header cut off: the writer died in it.
      drop(recordStart >= 0 ? recordStart : at, data.length, 'torn tail', 1, opsOf(head))
      return out
    }
    const length = data.readUInt16LE(at + 4)
    const type = data[at + 6]!
    if (type === 0 && length === 0) {
      // Preallocated zeros: LevelDB skips the rest of the block.
      at += inBlock
      continue
    }
    if (at + HEADER + length > data.length) {
      drop(recordStart >= 0 ? recordStart : at, data.length, 'torn tail', 1, opsOf(recordStart >= 0 ? head : data.subarray(at + HEADER)))
      return out
    }
    if (HEADER + length > inBlock) {
      // A length that runs past its block: LevelDB drops the rest of the block.
      drop(at, at + inBlock, 'bad record', 0, null)
      recordStart = -1
      head = undefined
      at += inBlock
      continue
    }
    const expected = unmask(data.readUInt32LE(at))
    const actual = crc32c(data.subarray(at + 6, at + HEADER + length))
    if (expected !== actual) {
      // LevelDB drops the rest of the block, since the length itself may be damaged.
      drop(at, at + inBlock, 'checksum mismatch', 1, null)
      recordStart = -1
      head = undefined
      at += inBlock
      continue
    }
    const payload = data.subarray(at + HEADER, at + HEADER + length)
    if (type === FULL) {
      recordStart = -1
      head = undefined
    } else if (type === FIRST) {
      recordStart = at
      head = payload
    } else if (type === MIDDLE || type === LAST) {
      if (recordStart < 0) drop(at, at + HEADER + length, 'bad record', 0, null)
      else if (type === LAST) {
        recordStart = -1
        head = undefined
      }
    } else drop(at, at + HEADER + length, 'bad record', 0, null)
    at += HEADER + length
  }
  // A write whose first fragments were written but not its last: LevelDB drops it.
  if (recordStart >= 0) drop(recordStart, data.length, 'torn tail', 1, opsOf(head))
  return out
}
