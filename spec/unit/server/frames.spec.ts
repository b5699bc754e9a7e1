// The frame reader: however the stream is cut into chunks, the same frames come out; a
// size over the limit (or negative) throws FrameTooLarge.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FrameReader, FrameTooLarge } from '../../../lib/server/frames.js'

function framed(frames: Uint8Array[]): Buffer {
  return Buffer.concat(
    frames.map((f) => {
      const head = Buffer.alloc(4)
      head.writeInt32BE(f.length)
      return Buffer.concat([head, f])
    }),
  )
}

describe('FrameReader', () => {
  it('gives the same frames whatever the chunking (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 10 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1 }), (frames, cuts) => {
        const stream = framed(frames)
        const reader = new FrameReader(1024)
        const out: Buffer[] = []
        let at = 0
        for (let i = 0; at < stream.length; i++) {
          const n = cuts[i % cuts.length]!
          out.push(...reader.push(stream.subarray(at, at + n)))
          at += n
        }
        expect(out.map((b) => new Uint8Array(b))).toEqual(frames.map((f) => new Uint8Array(f)))
        expect(reader.pending).toBe(0)
      }),
    )
  })

  it('throws FrameTooLarge on a size over the limit or below zero, whatever else the stream holds (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 101, max: 2 ** 31 - 1 }), fc.integer({ min: -(2 ** 31), max: -1 })), fc.uint8Array({ maxLength: 20 }), (size, rest) => {
        const head = Buffer.alloc(4)
        head.writeInt32BE(size)
        expect(() => new FrameReader(100).push(Buffer.concat([head, rest]))).toThrow(FrameTooLarge)
      }),
    )
  })

  it('never throws anything but FrameTooLarge on random bytes (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }), (chunks) => {
        const reader = new FrameReader(64)
        try {
          for (const c of chunks) reader.push(Buffer.from(c))
        } catch (err) {
          expect(err).toBeInstanceOf(FrameTooLarge)
        }
      }),
    )
  })
})
