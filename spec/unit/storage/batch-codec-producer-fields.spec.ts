// The batch codec's producer fields (format 2): segments that carry Kafka's producer id,
// epoch, base sequence and transactional/control flags round-trip per run of records,
// joined batches keep each send's fields, compaction's runs (segments with offset deltas)
// decode whole, and a format-1 batch (no fields) still reads as plain records.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { concatBatches, CONTROL_ABORT, CONTROL_COMMIT, decodeBatch, encodeBatch, encodeMarker, encodeRuns, type ProducerAttrs, type RecordInput } from '../../../lib/storage/batch-codec.js'

const rec = (n: number): RecordInput => ({ key: `k${n}`, value: n, headers: null, timestamp: 1000 + n })
const attrs = fc.record({
  producerId: fc.integer({ min: 0, max: 2 ** 40 }),
  producerEpoch: fc.integer({ min: 0, max: 32_767 }),
  baseSequence: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  transactional: fc.boolean(),
  control: fc.constant(false),
})

describe('producer fields in the batch codec', () => {
  it('a plain batch has no runs (the fast path of readers)', () => {
    expect(decodeBatch(encodeBatch([rec(1), rec(2)]).bytes).runs).toBeNull()
  })

  it('joined sends keep their own producer fields, plain ones none', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.option(attrs, { nil: null }), fc.integer({ min: 1, max: 4 })), { minLength: 1, maxLength: 6 }), (sends) => {
        let n = 0
        const parts = sends.map(([a, count]) => encodeBatch(Array.from({ length: count }, () => rec(n++)), null, a as ProducerAttrs | null).bytes)
        const b = decodeBatch(parts.length === 1 ? parts[0]! : concatBatches(parts))
        expect(b.count).toBe(n)
        if (sends.every(([a]) => a === null)) {
          expect(b.runs).toBeNull()
          return
        }
        let start = 0
        expect(b.runs).toEqual(sends.map(([a, count]) => ({ start: (start += count) - count, count, attrs: a })))
        expect(b.flat.filter((_, i) => i % 4 === 2)).toEqual(Array.from({ length: n }, (_, i) => i))
      }),
    )
  })

  it('a marker is one control record: key null, value the control type', () => {
    for (const [commit, type] of [[true, CONTROL_COMMIT], [false, CONTROL_ABORT]] as const) {
      const b = decodeBatch(encodeMarker(commit, 5000, 7, 3))
      expect(b.count).toBe(1)
      expect(b.flat.slice(1, 3)).toEqual([null, type])
      expect(b.runs).toEqual([{ start: 0, count: 1, attrs: { producerId: 7, producerEpoch: 3, baseSequence: -1, transactional: true, control: true } }])
    }
  })

  it("compaction's survivors, one segment per run, decode with their offsets and fields", () => {
    const a: ProducerAttrs = { producerId: 1, producerEpoch: 0, baseSequence: 0, transactional: true, control: false }
    const records = [rec(0), rec(1), rec(2), rec(3)]
    const deltas = [9, 7, 3, 0]
    const b = decodeBatch(encodeRuns(records, deltas, [{ count: 1, attrs: null }, { count: 2, attrs: a }, { count: 1, attrs: null }]))
    expect(b.offsetDeltas).toEqual(deltas)
    expect(b.runs).toEqual([{ start: 0, count: 1, attrs: null }, { start: 1, count: 2, attrs: a }, { start: 3, count: 1, attrs: null }])
    expect(b.flat.filter((_, i) => i % 4 === 2)).toEqual([0, 1, 2, 3])
  })

  it('refuses unreadable producer fields as LOG_CORRUPT', () => {
    const bytes = encodeBatch([rec(1)], null, { producerId: 1, producerEpoch: 0, baseSequence: 0, transactional: false, control: false }).bytes
    // The fields are the segment's last element: damage their last byte (the flags) into a string marker.
    const bad = Buffer.from(bytes)
    bad[bad.length - 5] = 0xa1
    expect(() => decodeBatch(bad)).toThrow(/LOG_CORRUPT/)
  })
})
