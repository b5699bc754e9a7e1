// The partitioner must place a key exactly where Kafka's Java client does.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { murmur2, partitionForKey } from '../../../lib/util/murmur2.js'
import { murmur2Partition } from '../../../lib/client/partitioners.js'

const enc = new TextEncoder()

describe('murmur2', () => {
  // Apache Kafka's published vectors (UtilsTest.testMurmur2).
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('hashes %j as the Java client does', (input, expected) => {
    expect(murmur2(enc.encode(input))).toBe(expected)
  })

  it('partitions as toPositive(murmur2) % partitions', () => {
    // -790332482 & 0x7fffffff = 1357151166; 1357151166 % 50 = 16.
    expect(partitionForKey(enc.encode('foobar'), 50)).toBe(16)
    expect(murmur2Partition('foobar', 50)).toBe(16)
    expect(murmur2Partition(enc.encode('foobar'), 50)).toBe(16)
  })

  it('always lands in range, and a string key hashes as its UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.integer({ min: 1, max: 1000 }), (key, partitions) => {
        const p = murmur2Partition(key, partitions)
        expect(p).toBeGreaterThanOrEqual(0)
        expect(p).toBeLessThan(partitions)
        expect(p).toBe(murmur2Partition(Buffer.from(key, 'utf8'), partitions))
      }),
    )
  })

  it('hashes ASCII keys of any length, and keys mixing ASCII with other characters, as their UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 700 }), fc.string({ maxLength: 3 }), fc.integer({ min: 1, max: 1000 }), (ascii, tail, partitions) => {
        for (const key of [ascii, ascii + tail, tail + ascii]) {
          expect(murmur2Partition(key, partitions)).toBe(partitionForKey(Buffer.from(key, 'utf8'), partitions))
        }
      }),
    )
  })
})
