// Record batch v2 at the wire boundary: what encodeBatch writes, decodeBatches reads back
// (keys, values, headers, timestamps, offsets); a batch with a bad CRC, magic or length is
// refused with Kafka's error code; compressed batches decode with every codec.
import { gzipSync } from 'node:zlib'
import { createRequire } from 'node:module'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { ConsumedMessage } from '../../../lib/index.js'
import { crc32c } from '../../../lib/util/crc32c.js'
import { Writer } from '../../../lib/server/protocol.js'
import { decodeBatches, encodeBatch, encodeSkip, InvalidBatch, toHeaders } from '../../../lib/server/records.js'

const require = createRequire(import.meta.url)

function message(offset: number, key: string | null, value: unknown, headers: ConsumedMessage['headers'], timestamp: number): ConsumedMessage {
  return { topic: 't', partition: 0, offset, key, value, headers, timestamp }
}

function encode(messages: ConsumedMessage[]): Buffer {
  const w = new Writer()
  encodeBatch(w, messages)
  return Buffer.from(w.done())
}

/** Replaces a batch's records with `codec`-compressed ones and fixes its length and CRC. */
function recompress(batch: Buffer, codec: number, compress: (b: Buffer) => Buffer): Buffer {
  const body = compress(batch.subarray(61))
  const out = Buffer.concat([batch.subarray(0, 61), body])
  out.writeInt32BE(out.length - 12, 8)
  out.writeInt16BE(codec, 21)
  out.writeUInt32BE(crc32c(out.subarray(21)), 17)
  return out
}

describe('record batch v2', () => {
  it('decodes what it encodes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            key: fc.option(fc.string({ maxLength: 10 })),
            value: fc.option(fc.uint8Array({ maxLength: 30 })),
            header: fc.option(fc.string({ maxLength: 5 })),
            gap: fc.integer({ min: 1, max: 3 }),
            ts: fc.integer({ min: 0, max: 2 ** 42 }),
          }),
          { minLength: 1, maxLength: 20 },
        ),
        async (specs) => {
          let offset = 5
          const messages = specs.map((s) => message((offset += s.gap), s.key, s.value === null ? null : Buffer.from(s.value), s.header === null ? {} : { h: s.header }, s.ts))
          const [batch] = await decodeBatches(encode(messages))
          expect(batch!.records).toHaveLength(messages.length)
          batch!.records.forEach((r, i) => {
            const m = messages[i]!
            expect(r.key === null ? null : r.key.toString()).toBe(m.key)
            expect(r.value === null ? null : new Uint8Array(r.value)).toEqual(m.value === null ? null : new Uint8Array(m.value as Buffer))
            expect(r.timestamp).toBe(m.timestamp)
            expect(toHeaders(r.headers)).toEqual(Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, Buffer.from(v as string)])))
          })
        },
      ),
    )
  })

  it('writes offsets as deltas from the first message, and a CRC-32C over bytes 21..end', () => {
    const bytes = encode([message(10, 'a', 'x', {}, 1000), message(12, 'b', { n: 1 }, {}, 999)])
    expect(bytes.readBigInt64BE(0)).toBe(10n)
    expect(bytes.readInt32BE(8)).toBe(bytes.length - 12)
    expect(bytes.readInt8(16)).toBe(2)
    expect(bytes.readInt32BE(23)).toBe(2)
    expect(bytes.readBigInt64BE(35)).toBe(1000n)
    expect(bytes.readUInt32BE(17)).toBe(crc32c(bytes.subarray(21)))
  })

  it('encodes a skip as a control batch holding one commit marker at the offset', async () => {
    const w = new Writer()
    encodeSkip(w, 41, 5000)
    const bytes = Buffer.from(w.done())
    expect(bytes.readBigInt64BE(0)).toBe(41n)
    expect(bytes.readUInt32BE(17)).toBe(crc32c(bytes.subarray(21)))
    const [batch] = await decodeBatches(bytes)
    expect(batch).toMatchObject({ control: true, transactional: true, producerId: -1 })
    // The control record's key: version 0, type 1 (commit).
    expect(batch!.records).toEqual([expect.objectContaining({ key: Buffer.from([0, 0, 0, 1]), timestamp: 5000 })])
  })

  it('refuses a wrong CRC, a magic below 2 and a length that lies, with Kafka codes', async () => {
    const good = encode([message(0, 'k', 'v', {}, 1)])
    const badCrc = Buffer.from(good)
    badCrc[good.length - 1]! ^= 0xff
    await expect(decodeBatches(badCrc)).rejects.toMatchObject({ errorCode: 2 })
    const magic1 = Buffer.from(good)
    magic1.writeInt8(1, 16)
    await expect(decodeBatches(magic1)).rejects.toMatchObject({ errorCode: 43 })
    const lying = Buffer.from(good)
    lying.writeInt32BE(good.length * 2, 8)
    await expect(decodeBatches(lying)).rejects.toBeInstanceOf(InvalidBatch)
    await expect(decodeBatches(good.subarray(0, 40))).rejects.toBeInstanceOf(InvalidBatch)
  })

  it('decodes gzip, snappy (raw and xerial-framed), lz4 (frame) and zstd batches', async () => {
    const plain = encode([message(0, 'k', 'hello hello hello', { h: 'v' }, 7)])
    const snappy = require('snappy') as { compressSync(b: Buffer): Buffer }
    const lz4 = require('lz4-napi') as { compressFrameSync(b: Buffer): Buffer }
    const zstd = require('@mongodb-js/zstd') as { compress(b: Buffer): Promise<Buffer> }
    const xerial = (b: Buffer): Buffer => {
      const block = snappy.compressSync(b)
      const head = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1])
      const len = Buffer.alloc(4)
      len.writeInt32BE(block.length)
      return Buffer.concat([head, len, block])
    }
    const zbody = await zstd.compress(plain.subarray(61))
    const variants = [
      recompress(plain, 1, (b) => gzipSync(b)),
      recompress(plain, 2, (b) => snappy.compressSync(b)),
      recompress(plain, 2, xerial),
      recompress(plain, 3, (b) => lz4.compressFrameSync(b)),
      recompress(plain, 4, () => zbody),
    ]
    for (const v of variants) {
      const [batch] = await decodeBatches(v)
      expect(batch!.records.map((r) => [r.key?.toString(), r.value?.toString(), r.timestamp])).toEqual([['k', 'hello hello hello', 7]])
    }
    await expect(decodeBatches(recompress(plain, 1, (b) => b))).rejects.toMatchObject({ errorCode: 2 })
    await expect(decodeBatches(recompress(plain, 5, (b) => b))).rejects.toMatchObject({ errorCode: 76 })
  })

  it('shows in-process values as bytes by the facade rule: bytes as they are, strings as UTF-8, data as JSON', async () => {
    const [batch] = await decodeBatches(encode([message(0, null, { amount: 5 }, { dept: 'HR' }, 1), message(1, null, 'text', {}, 1), message(2, null, null, {}, 1)]))
    expect(batch!.records.map((r) => (r.value === null ? null : r.value.toString()))).toEqual(['{"amount":5}', 'text', null])
  })
})
