// Keys sort in the order they are read: batches of a partition by last offset, every
// partition's range disjoint from its neighbours'.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  groupOffsetKey,
  groupOffsetsRange,
  lastOffsetOf,
  parseGroupOffsetKey,
  parseTimeIndexKey,
  partitionRecordsRange,
  prefixEnd,
  recordKey,
  timeIndexKey,
} from '../../../lib/storage/keys.js'

const offset = fc.maxSafeInteger().filter((n) => n >= 0)

describe('storage keys', () => {
  it('record keys sort by (topic id, partition, last offset) and round-trip the offset', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(64), offset, fc.nat(1000), fc.nat(64), offset, (t1, p1, o1, t2, p2, o2) => {
        const a = recordKey(t1, p1, o1)
        const b = recordKey(t2, p2, o2)
        const expected = t1 !== t2 ? Math.sign(t1 - t2) : p1 !== p2 ? Math.sign(p1 - p2) : Math.sign(o1 - o2)
        expect(Math.sign(Buffer.compare(a, b))).toBe(expected)
        expect(lastOffsetOf(a)).toBe(o1)
      }),
    )
  })

  it("a partition's range holds exactly its own record keys", () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(64), fc.nat(1000), fc.nat(64), offset, (t, p, t2, p2, o) => {
        const { gte, lt } = partitionRecordsRange(t, p)
        const k = recordKey(t2, p2, o)
        const inside = Buffer.compare(k, gte) >= 0 && Buffer.compare(k, lt) < 0
        expect(inside).toBe(t === t2 && p === p2)
      }),
    )
  })

  it('time-index keys sort by max timestamp then last offset and round-trip', () => {
    const a = timeIndexKey(1, 0, 1000, 7)
    const b = timeIndexKey(1, 0, 1000, 9)
    const c = timeIndexKey(1, 0, 2000, 8)
    expect(Buffer.compare(a, b)).toBe(-1)
    expect(Buffer.compare(b, c)).toBe(-1)
    expect(parseTimeIndexKey(c)).toEqual({ maxTimestamp: 2000, lastOffset: 8 })
  })

  it('group offset keys round-trip and a group range excludes groups sharing a prefix', () => {
    const k = groupOffsetKey('payroll', 3, 2)
    expect(parseGroupOffsetKey(k)).toEqual({ groupId: 'payroll', topicId: 3, partition: 2 })
    const { gte, lt } = groupOffsetsRange('payroll')
    const other = groupOffsetKey('payroll-2', 3, 2)
    expect(Buffer.compare(k, gte) >= 0 && Buffer.compare(k, lt) < 0).toBe(true)
    expect(Buffer.compare(other, gte) >= 0 && Buffer.compare(other, lt) < 0).toBe(false)
  })

  it('prefixEnd is the least key above every key with the prefix', () => {
    expect([...prefixEnd(Buffer.of(1, 2, 3))]).toEqual([1, 2, 4])
    expect([...prefixEnd(Buffer.of(1, 0xff, 0xff))]).toEqual([2])
  })
})
