// The producer state's rules (lib/log/transactions.ts), as Kafka's partition leader
// applies them: a batch follows the producer's last sequence on the partition, a retry
// of one of its last five batches is a duplicate answered with the original offsets, an
// older one is out of order, a new epoch starts at 0, sequences wrap at 2^31; and a
// partition's last stable offset and aborted transactions.
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../../lib/index.js'
import { Partition } from '../../../lib/log/partition.js'
import { ProducerStates, type ProducerBatch } from '../../../lib/log/transactions.js'
import { Store } from '../../../lib/storage/store.js'

async function states() {
  const clock = new ManualClock(0)
  const store = await Store.open(undefined, clock)
  const s = new ProducerStates(store, clock, () => undefined)
  const { producerId } = await s.newProducerId(false)
  return { s, producerId, store }
}

const batch = (producerId: number, baseSequence: number, producerEpoch = 0): ProducerBatch => ({ producerId, producerEpoch, baseSequence, transactional: false })

describe('producer state', () => {
  it('accepts sequences in order and answers a retry of any of the last five batches with its offsets', async () => {
    const { s, producerId, store } = await states()
    const part = new Partition('t', 1, 0, 0, 0, -1)
    let offset = 0
    for (let seq = 0; seq < 14; seq += 2) {
      const d = s.draft()
      expect(d.check(batch(producerId, seq), part, 2, offset)).toEqual({ duplicate: false })
      d.apply()
      offset += 2
    }
    // batches start at sequences 0, 2, …, 12: the last five are 4 … 12
    for (const seq of [4, 6, 8, 10, 12]) expect(s.draft().check(batch(producerId, seq), part, 2, 99)).toEqual({ duplicate: true, baseOffset: seq })
    expect(() => s.draft().check(batch(producerId, 2), part, 2, 99)).toThrow(/OUT_OF_ORDER_SEQUENCE_NUMBER/)
    expect(() => s.draft().check(batch(producerId, 15), part, 1, 99)).toThrow(/OUT_OF_ORDER_SEQUENCE_NUMBER/)
    // a retry that does not cover the same records is no duplicate
    expect(() => s.draft().check(batch(producerId, 12), part, 1, 99)).toThrow(/OUT_OF_ORDER_SEQUENCE_NUMBER/)
    await store.close()
  })

  it('a draft sees its own earlier batches; a refused fork leaves it unchanged', async () => {
    const { s, producerId, store } = await states()
    const part = new Partition('t', 1, 0, 0, 0, -1)
    const d = s.draft()
    const a = d.fork()
    a.check(batch(producerId, 0), part, 3, 0)
    a.merge()
    const b = d.fork()
    expect(() => b.check(batch(producerId, 5), part, 1, 3)).toThrow(/OUT_OF_ORDER/)
    const c = d.fork()
    expect(c.check(batch(producerId, 3), part, 1, 3)).toEqual({ duplicate: false })
    c.merge()
    expect(d.ops()).toHaveLength(1) // one producer-state put per producer and partition
    d.apply()
    expect(s.draft().check(batch(producerId, 4), part, 1, 4)).toEqual({ duplicate: false })
    await store.close()
  })

  it('a new epoch starts at sequence 0; an older epoch is refused; an id never given is unknown; sequences wrap at 2^31', async () => {
    const { s, producerId, store } = await states()
    const part = new Partition('t', 1, 0, 0, 0, -1)
    let d = s.draft()
    d.check(batch(producerId, 0), part, 1, 0)
    d.apply()
    expect(() => s.draft().check(batch(producerId, 1, 1), part, 1, 1)).toThrow(/OUT_OF_ORDER/)
    d = s.draft()
    d.check(batch(producerId, 0, 1), part, 1, 1)
    d.apply()
    expect(() => s.draft().check(batch(producerId, 1, 0), part, 1, 2)).toThrow(/INVALID_PRODUCER_EPOCH/)
    expect(() => s.draft().check(batch(producerId + 1, 0), part, 1, 2)).toThrow(/UNKNOWN_PRODUCER_ID/)
    const other = new Partition('t', 1, 1, 0, 0, -1)
    d = s.draft()
    expect(() => d.check(batch(producerId, 2 ** 31 - 2, 1), other, 1, 0)).toThrow(/OUT_OF_ORDER/)
    await store.close()
  })

  it('the last stable offset is the first offset of the oldest open transaction, never below the log start', () => {
    const part = new Partition('t', 1, 0, 0, 10, -1)
    expect(part.lastStableOffset).toBe(10)
    part.openTxns.set(7, 6)
    part.openTxns.set(8, 4)
    expect(part.lastStableOffset).toBe(4)
    part.logStartOffset = 5
    expect(part.lastStableOffset).toBe(5)
    part.openTxns.clear()
    expect(part.lastStableOffset).toBe(10)
  })

  it('finds the aborted transactions of a producer that overlap a range', () => {
    const part = new Partition('t', 1, 0, 0, 100, -1)
    // by marker offset, as the log appends them
    part.aborted = [
      { producerId: 1, firstOffset: 0, lastOffset: 4 },
      { producerId: 1, firstOffset: 10, lastOffset: 12 },
      { producerId: 2, firstOffset: 2, lastOffset: 30 },
      { producerId: 1, firstOffset: 40, lastOffset: 50 },
    ]
    expect(part.abortedOf(1, 5, 20)).toEqual([{ producerId: 1, firstOffset: 10, lastOffset: 12 }])
    expect(part.abortedOf(2, 25, 28)).toEqual([{ producerId: 2, firstOffset: 2, lastOffset: 30 }])
    expect(part.abortedOf(1, 51, 99)).toEqual([])
    part.logStartOffset = 11
    part.trimAborted()
    expect(part.aborted.map((t) => t.lastOffset)).toEqual([12, 30, 50])
  })
})
