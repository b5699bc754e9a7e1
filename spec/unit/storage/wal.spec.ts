// lib/storage/wal.ts: reading LevelDB's write-ahead log format. A log written here by the
// format's rules (32 KiB blocks, 7-byte headers, masked CRC-32C, FULL / FIRST-MIDDLE-LAST
// fragments) scans clean; cut anywhere inside a write it reports one torn write from that
// write's start; cut between writes it reports nothing; a flipped payload bit is a
// checksum mismatch.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { newestWal, scanWal } from '../../../lib/storage/wal.js'
import { crc32c } from '../../../lib/util/crc32c.js'
import { tempDir } from '../../helpers/stores.js'

const BLOCK = 32768

function mask(crc: number): number {
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0
}

/** Writes logical records (write batches) as LevelDB's log writer does; returns the file and where each write ends. */
function writeLog(records: Buffer[]): { file: Buffer; ends: number[] } {
  const parts: Buffer[] = []
  let at = 0
  const ends: number[] = []
  for (const record of records) {
    let left = record
    let first = true
    do {
      const room = BLOCK - (at % BLOCK)
      if (room < 7) {
        parts.push(Buffer.alloc(room))
        at += room
        continue
      }
      const length = Math.min(left.length, room - 7)
      const last = length === left.length
      const type = first && last ? 1 : first ? 2 : last ? 4 : 3
      const header = Buffer.alloc(7)
      header.writeUInt16LE(length, 4)
      header[6] = type
      const payload = left.subarray(0, length)
      header.writeUInt32LE(mask(crc32c(payload, crc32c(Buffer.of(type)))), 0)
      parts.push(header, payload)
      at += 7 + length
      left = left.subarray(length)
      first = false
    } while (left.length > 0)
    ends.push(at)
  }
  return { file: Buffer.concat(parts), ends }
}

/** A write batch's bytes: sequence u64, count u32, then filler for its ops. */
function writeBatch(count: number, size: number): Buffer {
  const b = Buffer.alloc(12 + size, 7)
  b.writeUInt32LE(count, 8)
  return b
}

function scan(file: Buffer) {
  const dir = tempDir()
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, '000007.log'), file)
  return scanWal(dir, '000007.log')
}

describe('scanWal', () => {
  const records = [writeBatch(1, 100), writeBatch(3, 40_000), writeBatch(2, 30), writeBatch(5, 70_000), writeBatch(1, 5)]
  const { file, ends } = writeLog(records)

  it('finds nothing to drop in a whole log, and names the newest log of a directory', async () => {
    expect(await scan(file)).toEqual([])
    const dir = tempDir()
    for (const name of ['000003.log', '000012.log', '000009.log', 'LOG', 'MANIFEST-000002']) writeFileSync(join(dir, name), '')
    expect(await newestWal(dir)).toBe('000012.log')
  })

  it('reports a cut inside a write as one torn write from its start, and a cut between writes as nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: file.length - 1 }), async (cut) => {
        const dropped = await scan(file.subarray(0, cut))
        const start = [0, ...ends].filter((e) => e <= cut).at(-1)!
        // The next write's first header: after the block's padding when fewer than 7 bytes are left in it.
        const room = BLOCK - (start % BLOCK)
        const header = room < 7 ? start + room : start
        if (cut <= header) expect(dropped).toEqual([])
        else {
          const index = ends.indexOf(start) + 1
          expect(dropped).toEqual([{ file: '000007.log', bytes: cut, fromByte: header, droppedBytes: cut - header, droppedWrites: 1, droppedOps: cut - header >= 7 + 12 ? records[index]!.readUInt32LE(8) : null, reason: 'torn tail' }])
        }
      }),
      { numRuns: 200 },
    )
  })

  it('reports a flipped bit in a payload as a checksum mismatch', async () => {
    const bad = Buffer.from(file)
    bad[ends[0]! + 7 + 100]! ^= 4
    const dropped = await scan(bad)
    expect(dropped[0]).toMatchObject({ reason: 'checksum mismatch', fromByte: ends[0] })
  })
})
