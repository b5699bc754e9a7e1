// The wire primitives: what the Writer writes the Reader reads back, and a Reader never
// reads past its frame (a lying length is MalformedRequest, not a crash).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MalformedRequest, Reader, Writer } from '../../../lib/server/protocol.js'

describe('Reader and Writer', () => {
  it('round-trip every primitive (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -128, max: 127 }),
        fc.integer({ min: -32768, max: 32767 }),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.maxSafeInteger().map((n) => (n % 2 ? -n : n)),
        fc.option(fc.string({ maxLength: 40 })),
        fc.option(fc.uint8Array({ maxLength: 40 })),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.maxSafeInteger().map((n) => (n % 2 ? -n : n)),
        (i8, i16, i32, i64, s, b, vi, vl) => {
          const w = new Writer(1)
          w.int8(i8).int16(i16).int32(i32).int64(i64).string(s).bytes(b).varint(vi).varlong(vl)
          w.array([1, 2, 3], (w, v) => w.int32(v))
          const r = new Reader(Buffer.from(w.done()))
          expect(r.int8()).toBe(i8)
          expect(r.int16()).toBe(i16)
          expect(r.int32()).toBe(i32)
          expect(r.int64()).toBe(i64)
          expect(r.string()).toBe(s)
          const got = r.bytes()
          expect(got === null ? null : new Uint8Array(got)).toEqual(b)
          expect(r.varint()).toBe(vi)
          expect(r.varlong()).toBe(vl)
          expect(r.arr((r) => r.int32())).toEqual([1, 2, 3])
          expect(r.remaining).toBe(0)
        },
      ),
    )
  })

  it('refuses lengths that point past the frame', () => {
    const w = new Writer()
    w.int16(50).raw(Buffer.from('short'))
    expect(() => new Reader(Buffer.from(w.done())).string()).toThrow(MalformedRequest)
    expect(() => new Reader(Buffer.from([0x7f, 0xff, 0xff, 0xff])).arr((r) => r.int8())).toThrow(MalformedRequest)
    expect(() => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xfe])).bytes()).toThrow(MalformedRequest)
    expect(() => new Reader(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80])).varint()).toThrow(MalformedRequest)
    expect(() => new Reader(Buffer.alloc(3)).int32()).toThrow(MalformedRequest)
  })

  it('reads null strings, bytes and arrays as null', () => {
    const w = new Writer()
    w.string(null).bytes(null).array(null, () => undefined)
    const r = new Reader(Buffer.from(w.done()))
    expect([r.string(), r.bytes(), r.array((r) => r.int8())]).toEqual([null, null, null])
  })
})
