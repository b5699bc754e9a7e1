// Model-based test of retention, compaction, deleteRecords and the time index. The model
// is the list of records each rule keeps. Invariants: the surviving records are exactly
// those the rules keep, each at its original offset; the log start offset only grows;
// offsetsForTimes equals a scan of the model; all of it survives a reopen on disk.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ManualClock, type Log } from '../../lib/index.js'
import { readPartition } from '../helpers/read.js'
import { stores, type StoreKind } from '../helpers/stores.js'

interface Rec {
  offset: number
  key: string
  value: number | null
  timestamp: number
  batch: number
}
interface Model {
  records: Rec[]
  hw: number
  logStart: number
  batches: number
  maxTimestamp: number
  index: Array<{ max: number; last: number }>
}
interface Real {
  log: Log
  clock: ManualClock
  store: StoreKind
}

const RETENTION_MS = 10_000
const DELETE_RETENTION_MS = 3_000
const options = (clock: ManualClock) => ({ clock, retentionCheckIntervalMs: 0 })

async function check(m: Model, r: Real): Promise<void> {
  const got = (await readPartition(r.log, 't', 0, 7)).map((x) => [x.offset, x.key, x.value])
  expect(got).toEqual(m.records.map((x) => [x.offset, x.key, x.value]))
  const d = (await r.log.describeTopic('t')).partitions[0]!
  expect(d.highWatermark).toBe(m.hw)
  expect(d.logStartOffset).toBe(m.logStart)
}

class Send implements fc.AsyncCommand<Model, Real> {
  constructor(readonly records: Array<{ key: string; value: number | null; age: number }>) {}
  check = () => true
  async run(m: Model, r: Real) {
    const now = r.clock.now()
    const meta = await r.log.producer().send('t', this.records.map((x) => ({ key: x.key, value: x.value, timestamp: Math.max(0, now - x.age) })))
    const batch = m.batches++
    meta.forEach((md, i) => {
      expect(md.offset).toBe(m.hw + i)
      m.records.push({ offset: md.offset, key: this.records[i]!.key, value: this.records[i]!.value, timestamp: md.timestamp, batch })
    })
    m.hw += meta.length
    const max = Math.max(...meta.map((x) => x.timestamp))
    if (max > m.maxTimestamp) {
      m.maxTimestamp = max
      m.index.push({ max, last: m.hw - 1 })
    }
  }
  toString = () => `send(${JSON.stringify(this.records)})`
}

class Advance implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true
  async run(_m: Model, r: Real) {
    r.clock.advance(this.ms)
  }
  toString = () => `advance(${this.ms})`
}

class Retention implements fc.AsyncCommand<Model, Real> {
  check = () => true
  async run(m: Model, r: Real) {
    await r.log.enforceRetention()
    // The time index holds (running max timestamp, last offset) where the running max
    // rose. Retention moves the log start past the last entry older than the cutoff,
    // provided some entry reaches it; when none does, every batch goes.
    const cutoff = r.clock.now() - RETENTION_MS
    if (m.index.some((e) => e.max >= cutoff)) {
      const older = m.index.filter((e) => e.max < cutoff)
      if (older.length > 0) m.logStart = Math.max(m.logStart, older[older.length - 1]!.last + 1)
    } else {
      m.logStart = m.hw
    }
    m.records = m.records.filter((x) => x.offset >= m.logStart)
    await check(m, r)
    if (m.logStart > 0) moved++
  }
  toString = () => 'enforceRetention()'
}

class Compact implements fc.AsyncCommand<Model, Real> {
  check = () => true
  async run(m: Model, r: Real) {
    const before = (await r.log.describeTopic('t')).partitions[0]!.logStartOffset
    await r.log.compact('t')
    expect((await r.log.describeTopic('t')).partitions[0]!.logStartOffset).toBe(before)
    const newest = new Map<string, number>()
    for (const x of m.records) newest.set(x.key, x.offset)
    const edge = r.clock.now() - DELETE_RETENTION_MS
    m.records = m.records.filter((x) => newest.get(x.key) === x.offset && !(x.value === null && x.timestamp <= edge))
  }
  toString = () => 'compact()'
}

class DeleteRecords implements fc.AsyncCommand<Model, Real> {
  constructor(readonly fraction: number) {}
  check = () => true
  async run(m: Model, r: Real) {
    const offset = m.logStart + Math.floor((m.hw - m.logStart) * this.fraction)
    await r.log.deleteRecords('t', [{ partition: 0, offset }])
    m.logStart = Math.max(m.logStart, offset)
    m.records = m.records.filter((x) => x.offset >= m.logStart)
  }
  toString = () => `deleteRecords(${this.fraction})`
}

class OffsetsForTimes implements fc.AsyncCommand<Model, Real> {
  constructor(readonly back: number) {}
  check = () => true
  async run(m: Model, r: Real) {
    const t = r.clock.now() - this.back
    await check(m, r)
    const first = m.records.find((x) => x.timestamp >= t)
    expect((await r.log.offsetsForTimes('t', t))[0]).toEqual({ partition: 0, offset: first?.offset ?? null, timestamp: first?.timestamp ?? null })
  }
  toString = () => `offsetsForTimes(now - ${this.back})`
}

class Reopen implements fc.AsyncCommand<Model, Real> {
  check = () => true
  async run(m: Model, r: Real) {
    if (r.store.durable) r.log = await r.store.reopen(r.log, options(r.clock))
    await check(m, r)
  }
  toString = () => 'reopen()'
}

const send = fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd'), value: fc.option(fc.integer({ min: 0, max: 99 }), { nil: null, freq: 5 }), age: fc.integer({ min: 0, max: 8000 }) }), { minLength: 1, maxLength: 5 }).map((rs) => new Send(rs))
const commands = [
  send,
  send,
  send,
  fc.integer({ min: 0, max: 6000 }).map((ms) => new Advance(ms)),
  fc.integer({ min: 0, max: 6000 }).map((ms) => new Advance(ms)),
  fc.constant(new Retention()),
  fc.constant(new Compact()),
  fc.double({ min: 0, max: 1, noNaN: true }).map((f) => new DeleteRecords(f)),
  fc.integer({ min: 0, max: 20_000 }).map((b) => new OffsetsForTimes(b)),
  fc.constant(new Reopen()),
]

let moved = 0

describe.each(stores)('retention and compaction against their model on $name', (store) => {
  it('keeps exactly what the rules keep, at the same offsets', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 60, size: 'medium' }), async (cmds) => {
        const clock = new ManualClock(100_000)
        const log = await store.makeLog(options(clock))
        await log.createTopic('t', { config: { cleanupPolicy: 'compact,delete', retentionMs: RETENTION_MS, deleteRetentionMs: DELETE_RETENTION_MS } })
        const real: Real = { log, clock, store }
        try {
          const model: Model = { records: [], hw: 0, logStart: 0, batches: 0, maxTimestamp: -1, index: [] }
          await fc.asyncModelRun(() => ({ model, real }), cmds)
          await check(model, real)
        } finally {
          await real.log.close()
        }
      }),
      { numRuns: store.durable ? 20 : 50 },
    )
    // the runs must have made retention move log starts, not only left them alone (a
    // floor that random command lists clear with room to spare: 20 runs on disk have
    // come out with as few as 10 such steps)
    expect(moved).toBeGreaterThanOrEqual(3)
    moved = 0
  })
})
