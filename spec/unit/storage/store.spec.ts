// lib/storage/store.ts: iterators closed before their end. On disk the store moves such an
// iterator past its range and reads once more before closing it, so classic-level frees
// the chunk it last read at once instead of when the iterator object is collected.
import { Buffer } from 'node:buffer'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Store, pastEnd } from '../../../lib/storage/store.js'
import { SystemClock } from '../../../lib/util/clock.js'
import { tempDir } from '../../helpers/stores.js'

const key = (...bytes: number[]) => Buffer.from(bytes)

describe('pastEnd', () => {
  it('sorts after every key of the range and is not in it', () => {
    // Invariant: for a forward range, the seek target is outside the range and after all
    // of its keys, so the read that follows it returns nothing.
    const bytes = fc.uint8Array({ minLength: 1, maxLength: 6 }).map((a) => Buffer.from(a))
    fc.assert(
      fc.property(bytes, bytes, fc.constantFrom('lt', 'lte', 'none'), (k, bound, kind) => {
        const range = kind === 'lt' ? { lt: bound } : kind === 'lte' ? { lte: bound } : {}
        const target = pastEnd(range)
        const inRange = kind === 'lt' ? Buffer.compare(k, bound) < 0 : kind === 'lte' ? Buffer.compare(k, bound) <= 0 : k[0]! <= 0x06
        if (inRange) expect(Buffer.compare(target, k)).toBeGreaterThan(0)
        if (kind === 'lt') expect(Buffer.compare(target, bound)).toBeGreaterThanOrEqual(0)
        if (kind === 'lte') expect(Buffer.compare(target, bound)).toBeGreaterThan(0)
      }),
    )
  })
})

describe.each(['disk', 'memory'] as const)('Store iterators closed early (%s)', (kind) => {
  it('close cleanly whatever their bounds, and the store reads on', async () => {
    const store = await Store.open(kind === 'disk' ? tempDir() : undefined, new SystemClock())
    try {
      const value = Buffer.alloc(64 * 1024, 7)
      await store.write(Array.from({ length: 8 }, (_, i) => ({ type: 'put' as const, key: key(2, i), value })))
      for (const range of [{ gte: key(2, 0), lt: key(2, 8) }, { gte: key(2, 0), lte: key(2, 7) }, { gte: key(2, 0) }, { gte: key(2, 0), highWaterMarkBytes: 1 << 20 }]) {
        const it = store.iterator(range)
        const first = await it.nextv(2)
        expect(first.length).toBeGreaterThan(0)
        expect(first[0]![0]).toEqual(key(2, 0))
        await it.close()
      }
      const again = store.iterator({ gte: key(2, 0), lt: key(2, 8), highWaterMarkBytes: 1 << 20 })
      const all = await again.nextv(100)
      await again.close()
      expect(all.map(([k]) => k[1])).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    } finally {
      await store.close()
    }
  })
})
