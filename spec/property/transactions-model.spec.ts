// Model-based test of transactions against a plain model of each partition. Invariants,
// checked after every step: the read_committed view equals the model's committed (and
// plain) records below the last stable offset; the last stable offset is the first
// offset of the oldest open transaction (never past one) and the high watermark counts
// one marker per partition per ended transaction; the group's committed offsets are
// those of committed transactions only. Steps: begin, send to several partitions, plain
// sends between, sendOffsets, commit, abort, the timeout on the manual clock, a second
// producer with the same transactionalId, and close-and-reopen on disk (a transaction
// left open stays open until the next producer of its id aborts it). Closing writes
// nothing of a transaction, so the reopened store is what a crash at that step leaves;
// spec/crash/eos-kill.spec.ts kills a real process.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ManualClock, type Log, type Producer } from '../../lib/index.js'
import type { Transaction } from '../../lib/client/transaction.js'
import { stores, type StoreKind } from '../helpers/stores.js'

const TIMEOUT = 10_000
const IDS = ['A', 'B'] as const
type Id = (typeof IDS)[number]
const PARTS: Array<[string, number]> = [['x', 0], ['x', 1], ['y', 0]]
const tp = (t: string, p: number) => `${t}/${p}`

interface Rec {
  offset: number
  value: number
  /** null: a plain record. */
  txn: Id | null
  state: 'open' | 'committed' | 'aborted'
}
interface TxModel {
  /** Partitions the open transaction wrote to (its first offset on each). */
  parts: Map<string, number>
  /** sendOffsets given to it, by input partition. */
  offsets: Map<number, number>
  /** Started on the log (sent or sendOffsets): it has a timeout, and ends with a write. */
  started: boolean
}
interface Model {
  parts: Map<string, Rec[]>
  hw: Map<string, number>
  /** The open transaction of each id, as the log sees it (also one left by a closed producer). */
  open: Map<Id, TxModel>
  /** The id's producer has an active Transaction object. */
  active: Set<Id>
  committedOffsets: Map<number, number>
  next: number
}
interface Real {
  log: Log
  clock: ManualClock
  store: StoreKind
  plain: Producer
  producers: Map<Id, Producer>
  txs: Map<Id, Transaction>
}

function endTxn(m: Model, id: Id, commit: boolean): void {
  const t = m.open.get(id)
  if (!t) return
  for (const recs of m.parts.values()) for (const r of recs) if (r.txn === id && r.state === 'open') r.state = commit ? 'committed' : 'aborted'
  for (const key of t.parts.keys()) m.hw.set(key, m.hw.get(key)! + 1) // the marker
  if (commit) for (const [p, o] of t.offsets) m.committedOffsets.set(p, o)
  m.open.delete(id)
}

function lso(m: Model, key: string): number {
  let out = m.hw.get(key)!
  for (const t of m.open.values()) {
    const first = t.parts.get(key)
    if (first !== undefined && first < out) out = first
  }
  return out
}

async function check(m: Model, r: Real): Promise<void> {
  for (const [topic, partition] of PARTS) {
    const key = tp(topic, partition)
    const d = (await r.log.describeTopic(topic)).partitions[partition]!
    expect([d.highWatermark, d.lastStableOffset]).toEqual([m.hw.get(key), lso(m, key)])
    const c = r.log.consumer({ fromBeginning: true })
    c.assign([{ topic, partition }])
    const got: number[] = []
    for (;;) {
      const batch = await c.poll({ maxRecords: 500, timeoutMs: 0 })
      if (batch.length === 0) break
      got.push(...batch.map((x) => x.value as number))
    }
    await c.close()
    const stable = lso(m, key)
    expect(got).toEqual(m.parts.get(key)!.filter((x) => x.offset < stable && x.state === 'committed').map((x) => x.value))
  }
  const committed = await r.log.fetchOffsets('g')
  expect(committed.map((o) => [o.partition, o.offset])).toEqual([...m.committedOffsets].sort((a, b) => a[0] - b[0]))
}

function producerOf(r: Real, id: Id): Producer {
  let p = r.producers.get(id)
  if (!p) r.producers.set(id, (p = r.log.producer({ transactionalId: `tx-${id}`, transactionTimeoutMs: TIMEOUT })))
  return p
}

abstract class Step implements fc.AsyncCommand<Model, Real> {
  check = () => true
  abstract step(m: Model, r: Real): Promise<void>
  async run(m: Model, r: Real) {
    steps++
    await bounded(this.step(m, r), this.toString())
    await bounded(check(m, r), `the check after ${this.toString()}`)
  }
  abstract toString(): string
}

class Begin extends Step {
  constructor(readonly id: Id) {
    super()
  }
  async step(m: Model, r: Real) {
    const p = producerOf(r, this.id)
    if (m.active.has(this.id)) {
      await expect(p.transaction()).rejects.toMatchObject({ code: 'INVALID_TXN_STATE' })
      return
    }
    // A producer's first transaction takes the id: what a previous holder left open is aborted.
    if (!r.txs.has(this.id) && m.open.has(this.id)) endTxn(m, this.id, false)
    r.txs.set(this.id, await p.transaction())
    m.active.add(this.id)
  }
  toString = () => `begin(${this.id})`
}

class TxSend extends Step {
  constructor(readonly id: Id, readonly targets: number[]) {
    super()
  }
  async step(m: Model, r: Real) {
    const tx = r.txs.get(this.id)
    if (!tx || !m.active.has(this.id)) return
    for (const i of new Set(this.targets)) {
      const [topic, partition] = PARTS[i]!
      const key = tp(topic, partition)
      const value = m.next++
      const meta = await tx.send(topic, { value, partition })
      expect(meta[0]!.offset).toBe(m.hw.get(key))
      let t = m.open.get(this.id)
      if (!t) m.open.set(this.id, (t = { parts: new Map(), offsets: new Map(), started: true }))
      t.started = true
      if (!t.parts.has(key)) t.parts.set(key, m.hw.get(key)!)
      m.parts.get(key)!.push({ offset: m.hw.get(key)!, value, txn: this.id, state: 'open' })
      m.hw.set(key, m.hw.get(key)! + 1)
    }
  }
  toString = () => `txSend(${this.id}, ${JSON.stringify(this.targets)})`
}

class PlainSend extends Step {
  constructor(readonly target: number) {
    super()
  }
  async step(m: Model, r: Real) {
    const [topic, partition] = PARTS[this.target]!
    const key = tp(topic, partition)
    const value = m.next++
    const meta = await r.plain.send(topic, { value, partition })
    expect(meta[0]!.offset).toBe(m.hw.get(key))
    m.parts.get(key)!.push({ offset: m.hw.get(key)!, value, txn: null, state: 'committed' })
    m.hw.set(key, m.hw.get(key)! + 1)
  }
  toString = () => `plainSend(${this.target})`
}

class SendOffsets extends Step {
  constructor(readonly id: Id, readonly partition: number, readonly offset: number) {
    super()
  }
  async step(m: Model, r: Real) {
    const tx = r.txs.get(this.id)
    if (!tx || !m.active.has(this.id)) return
    await tx.sendOffsets({ groupId: 'g', offsets: [{ topic: 'in', partition: this.partition, offset: this.offset }] })
    let t = m.open.get(this.id)
    if (!t) m.open.set(this.id, (t = { parts: new Map(), offsets: new Map(), started: true }))
    t.started = true
    t.offsets.set(this.partition, this.offset)
  }
  toString = () => `sendOffsets(${this.id}, in/${this.partition}, ${this.offset})`
}

class End extends Step {
  constructor(readonly id: Id, readonly commit: boolean) {
    super()
  }
  async step(m: Model, r: Real) {
    const tx = r.txs.get(this.id)
    if (!tx || !m.active.has(this.id)) return
    await (this.commit ? tx.commit() : tx.abort())
    m.active.delete(this.id)
    r.txs.delete(this.id)
    if (m.open.get(this.id)?.started) endTxn(m, this.id, this.commit)
    else m.open.delete(this.id)
  }
  toString = () => `${this.commit ? 'commit' : 'abort'}(${this.id})`
}

class Timeout extends Step {
  async step(m: Model, r: Real) {
    const expiring = [...m.open].filter(([, t]) => t.started).map(([id]) => id)
    const seen: string[] = []
    const done = new Promise<void>((resolve) => {
      const on = (e: { transactionalId: string }) => {
        seen.push(e.transactionalId)
        if (seen.length === expiring.length) {
          r.log.off('transaction.abort', on)
          resolve()
        }
      }
      if (expiring.length === 0) resolve()
      else r.log.on('transaction.abort', on)
    })
    r.clock.advance(TIMEOUT)
    await bounded(done, 'the timed-out transactions to be aborted')
    for (const id of expiring) {
      endTxn(m, id, false)
      const tx = r.txs.get(id)
      if (tx) {
        await expect(tx.send('x', { value: -1, partition: 0 })).rejects.toMatchObject({ code: 'INVALID_PRODUCER_EPOCH' })
        await tx.abort()
        r.txs.delete(id)
        m.active.delete(id)
      }
    }
  }
  toString = () => 'timeout()'
}

class Fence extends Step {
  constructor(readonly id: Id) {
    super()
  }
  async step(m: Model, r: Real) {
    const old = r.producers.get(this.id)
    const oldTx = r.txs.get(this.id)
    const p = r.log.producer({ transactionalId: `tx-${this.id}`, transactionTimeoutMs: TIMEOUT })
    r.producers.set(this.id, p)
    if (m.open.get(this.id)?.started) endTxn(m, this.id, false)
    m.open.delete(this.id)
    r.txs.set(this.id, await p.transaction())
    m.active.add(this.id)
    if (oldTx) await expect(oldTx.send('x', { value: -1, partition: 0 })).rejects.toMatchObject({ code: 'PRODUCER_FENCED' })
    if (old) await expect(old.transaction()).rejects.toMatchObject({ code: 'PRODUCER_FENCED' })
  }
  toString = () => `fence(${this.id})`
}

class Reopen extends Step {
  async step(m: Model, r: Real) {
    if (!r.store.durable) return
    r.clock = new ManualClock(r.clock.now())
    r.log = await r.store.reopen(r.log, { clock: r.clock, retentionCheckIntervalMs: 0 })
    r.plain = r.log.producer()
    r.producers.clear()
    r.txs.clear()
    m.active.clear()
    // What was open stays open; a begun transaction that wrote nothing is gone.
    for (const [id, t] of m.open) if (!t.started || t.parts.size === 0) m.open.delete(id)
  }
  toString = () => 'reopen()'
}

async function bounded<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 10_000)))])
  } finally {
    clearTimeout(timer)
  }
}

const id = fc.constantFrom(...IDS)
const commands = [
  id.map((i) => new Begin(i)),
  id.map((i) => new Begin(i)),
  fc.tuple(id, fc.array(fc.integer({ min: 0, max: PARTS.length - 1 }), { minLength: 1, maxLength: 3 })).map(([i, t]) => new TxSend(i, t)),
  fc.tuple(id, fc.array(fc.integer({ min: 0, max: PARTS.length - 1 }), { minLength: 1, maxLength: 3 })).map(([i, t]) => new TxSend(i, t)),
  fc.integer({ min: 0, max: PARTS.length - 1 }).map((t) => new PlainSend(t)),
  fc.tuple(id, fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 5 })).map(([i, p, o]) => new SendOffsets(i, p, o)),
  id.map((i) => new End(i, true)),
  id.map((i) => new End(i, true)),
  id.map((i) => new End(i, false)),
  fc.constant(new Timeout()),
  id.map((i) => new Fence(i)),
  fc.constant(new Reopen()),
]

let steps = 0

describe.each(stores)('transactions against their model on $name', (store) => {
  it('read_committed equals the committed records, the LSO never passes an open transaction, group offsets come from commits only', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 40, size: 'medium' }), async (cmds) => {
        const clock = new ManualClock(0)
        const log = await store.makeLog({ clock, retentionCheckIntervalMs: 0 })
        const real: Real = { log, clock, store, plain: log.producer(), producers: new Map(), txs: new Map() }
        try {
          await log.createTopic('x', { partitions: 2 })
          await log.createTopic('y')
          await log.createTopic('in', { partitions: 2 })
          await real.plain.send('in', Array.from({ length: 10 }, (_, i) => ({ value: i, partition: i % 2 })))
          const model: Model = { parts: new Map(PARTS.map(([t, p]) => [tp(t, p), []])), hw: new Map(PARTS.map(([t, p]) => [tp(t, p), 0])), open: new Map(), active: new Set(), committedOffsets: new Map(), next: 0 }
          await fc.asyncModelRun(() => ({ model, real }), cmds)
        } finally {
          await real.log.close()
        }
      }),
      { numRuns: Number(process.env.TXN_RUNS ?? (store.durable ? 20 : 50)) },
    )
    expect(steps).toBeGreaterThan(200)
    steps = 0
  })
})
