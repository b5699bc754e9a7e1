// CRC-32C: the catalogue's check value, the native and JavaScript implementations
// agreeing on any bytes, and a checksum continued over pieces equal to one over the whole.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { crc32c as publicCrc32c } from '../../../lib/index.js'
import { CRC32C_IMPLEMENTATION, crc32c, crc32cJs } from '../../../lib/util/crc32c.js'

const ascii = (s: string) => new TextEncoder().encode(s)

describe('crc32c', () => {
  it('gives the check values of the CRC catalogue and of RFC 3720 (iSCSI)', () => {
    for (const f of [crc32c, crc32cJs]) {
      expect(f(ascii('123456789'))).toBe(0xe3069283)
      expect(f(new Uint8Array(0))).toBe(0)
      expect(f(new Uint8Array(32))).toBe(0x8a9136aa)
      expect(f(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43)
      expect(f(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e)
    }
    expect(publicCrc32c).toBe(crc32c)
  })

  it('loads the native implementation on this machine (CI runs where the prebuilt binary exists)', () => {
    expect(CRC32C_IMPLEMENTATION).toBe('native')
  })

  it('native and JavaScript agree, and a checksum continues over pieces', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(), (bytes, cut) => {
        const at = bytes.length === 0 ? 0 : cut % bytes.length
        const whole = crc32cJs(bytes)
        expect(crc32c(bytes)).toBe(whole)
        expect(crc32cJs(bytes.subarray(at), crc32cJs(bytes.subarray(0, at)))).toBe(whole)
        expect(crc32c(bytes.subarray(at), crc32c(bytes.subarray(0, at)))).toBe(whole)
      }),
    )
  })
})
