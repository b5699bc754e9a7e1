// CRC-32C: the standard check value, and agreement with a bit-at-a-time reference.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { crc32c } from '../../../lib/server/crc32c.js'

function reference(buf: Uint8Array): number {
  let crc = 0xffffffff
  for (const b of buf) {
    crc ^= b
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0x82f63b78 ^ (crc >>> 1) : crc >>> 1
  }
  return (crc ^ 0xffffffff) >>> 0
}

describe('crc32c', () => {
  it('gives the Castagnoli check value for "123456789"', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283)
    expect(crc32c(new Uint8Array(0))).toBe(0)
  })

  it('agrees with the bitwise definition (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        expect(crc32c(b)).toBe(reference(b))
      }),
    )
  })
})
