// Model-based test of the sequenced append path (what a wire client's Produce uses)
// against Kafka's rules, on both stores. Invariants: a batch that follows the producer's
// last sequence on a partition is written at the high watermark; a retry of one of its
// last five batches there is answered with that batch's offsets and writes nothing; any
// other sequence is OUT_OF_ORDER_SEQUENCE_NUMBER and writes nothing; a new epoch starts
// at 0 and the old one is then INVALID_PRODUCER_EPOCH; the partition holds exactly the
// accepted batches, in order; all of it holds across a reopen on disk.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Log } from '../../lib/index.js'
import { stores, type StoreKind } from '../helpers/stores.js'

interface Sent {
  epoch: number
  firstSeq: number
  count: number
  baseOffset: number
}
interface Model {
  /** Per partition: the records written, and the producer's batches there. */
  records: number[][]
  batches: Sent[][]
  epoch: number
  next: number
}
interface Real {
  log: Log
  store: StoreKind
  producerId: number
}

const PARTITIONS = 2

function nextSeq(m: Model, p: number): number {
  const mine = m.batches[p]!.filter((b) => b.epoch === m.epoch)
  const last = mine[mine.length - 1]
  return last ? last.firstSeq + last.count : 0
}

class Append implements fc.AsyncCommand<Model, Real> {
  /** kind: 'next' (the expected sequence), 'retry' (of the k-th newest batch), 'gap' (ahead by k). */
  constructor(readonly partition: number, readonly kind: 'next' | 'retry' | 'gap', readonly k: number, readonly count: number) {}
  check = () => true
  async run(m: Model, r: Real) {
    const p = this.partition
    const mine = m.batches[p]!.filter((b) => b.epoch === m.epoch)
    const send = (seq: number, count: number) => {
      const values = Array.from({ length: count }, () => m.next++)
      return { values, result: r.log.producer().sendSequenced('t', p, values.map((value) => ({ value })), { producerId: r.producerId, producerEpoch: m.epoch, baseSequence: seq, transactional: false }) }
    }
    if (this.kind === 'retry' && mine.length > 0) {
      const at = Math.max(0, mine.length - 1 - this.k)
      const b = mine[at]!
      const { result } = send(b.firstSeq, b.count)
      if (at >= mine.length - 5) {
        expect((await result).map((x) => x.offset)).toEqual(Array.from({ length: b.count }, (_, i) => b.baseOffset + i))
      } else {
        await expect(result).rejects.toMatchObject({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' })
      }
      return
    }
    const seq = nextSeq(m, p) + (this.kind === 'gap' ? 1 + this.k : 0)
    const { values, result } = send(seq, this.count)
    if (this.kind === 'gap') {
      await expect(result).rejects.toMatchObject({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' })
      return
    }
    const meta = await result
    const baseOffset = m.records[p]!.length
    expect(meta.map((x) => x.offset)).toEqual(values.map((_, i) => baseOffset + i))
    m.records[p]!.push(...values)
    m.batches[p]!.push({ epoch: m.epoch, firstSeq: seq, count: this.count, baseOffset })
  }
  toString = () => `append(p${this.partition}, ${this.kind}, ${this.k}, ${this.count})`
}

class NewEpoch implements fc.AsyncCommand<Model, Real> {
  check = () => true
  async run(m: Model, r: Real) {
    const old = m.epoch
    m.epoch++
    // the old epoch is refused once the new one wrote to the partition
    const p = 0
    const values = [m.next++]
    const meta = await r.log.producer().sendSequenced('t', p, values.map((value) => ({ value })), { producerId: r.producerId, producerEpoch: m.epoch, baseSequence: 0, transactional: false })
    m.batches[p]!.push({ epoch: m.epoch, firstSeq: 0, count: 1, baseOffset: meta[0]!.offset })
    m.records[p]!.push(...values)
    await expect(r.log.producer().sendSequenced('t', p, [{ value: -1 }], { producerId: r.producerId, producerEpoch: old, baseSequence: 0, transactional: false })).rejects.toMatchObject({ code: 'INVALID_PRODUCER_EPOCH' })
  }
  toString = () => 'newEpoch()'
}

class Reopen implements fc.AsyncCommand<Model, Real> {
  check = () => true
  async run(_m: Model, r: Real) {
    if (r.store.durable) r.log = await r.store.reopen(r.log, { retentionCheckIntervalMs: 0 })
  }
  toString = () => 'reopen()'
}

async function contents(log: Log, partition: number): Promise<number[]> {
  const c = log.consumer({ fromBeginning: true })
  c.assign([{ topic: 't', partition }])
  const out: number[] = []
  for (;;) {
    const batch = await c.poll({ maxRecords: 1000, timeoutMs: 0 })
    if (batch.length === 0) break
    out.push(...batch.map((x) => x.value as number))
  }
  await c.close()
  return out
}

const partition = fc.integer({ min: 0, max: PARTITIONS - 1 })
const commands = [
  fc.tuple(partition, fc.integer({ min: 1, max: 4 })).map(([p, n]) => new Append(p, 'next', 0, n)),
  fc.tuple(partition, fc.integer({ min: 1, max: 4 })).map(([p, n]) => new Append(p, 'next', 0, n)),
  fc.tuple(partition, fc.integer({ min: 0, max: 7 })).map(([p, k]) => new Append(p, 'retry', k, 1)),
  fc.tuple(partition, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 3 })).map(([p, k, n]) => new Append(p, 'gap', k, n)),
  fc.constant(new NewEpoch()),
  fc.constant(new Reopen()),
]

describe.each(stores)('the sequenced append path against Kafka\'s rules on $name', (store) => {
  it('writes each batch once, answers retries with their offsets, refuses gaps and old epochs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 40 }), async (cmds) => {
        const log = await store.makeLog({ retentionCheckIntervalMs: 0 })
        const real: Real = { log, store, producerId: 0 }
        try {
          await log.createTopic('t', { partitions: PARTITIONS })
          real.producerId = (await log.initProducerId()).producerId
          const model: Model = { records: [[], []], batches: [[], []], epoch: 0, next: 0 }
          await fc.asyncModelRun(() => ({ model, real }), cmds)
          for (let p = 0; p < PARTITIONS; p++) expect(await contents(real.log, p)).toEqual(model.records[p])
        } finally {
          await real.log.close()
        }
      }),
      { numRuns: store.durable ? 15 : 40 },
    )
  })
})
