// Model-based test of run() in a group (fast-check fc.commands): members run eachMessage
// handlers that the test holds open, releases or fails, while members join and close,
// records arrive and the manual clock moves (retries, session timeouts, rebalance
// timeouts). Invariants:
//   - no record is handed to two members within one generation, and no two members of one
//     generation have a handler in flight on the same partition (revoke waits for it);
//   - within a member's generation, a partition's records start in offset order;
//   - a committed offset only ever covers records whose handler succeeded;
//   - once everything is released and drained, every record was processed at least once
//     and, after every member closed, the committed offsets are the high watermarks.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ManualClock, type Consumer, type Log, type Producer } from '../../lib/index.js'
import { ticks, until } from '../helpers/groups.js'
import { stores, type StoreKind } from '../helpers/stores.js'

const PARTITIONS = 3

interface Model {
  produced: number[]
}

interface Pending {
  member: string
  partition: number
  offset: number
  settle: (ok: boolean) => void
}

interface Real {
  store: StoreKind
  clock: ManualClock
  log: Log
  producer: Producer
  assignor: 'roundRobin' | 'cooperativeSticky'
  members: Array<{ c: Consumer; name: string; started: Promise<void> }>
  pending: Pending[]
  /** `${generation}|${partition}|${offset}` → member. */
  owners: Map<string, string>
  /** `${generation}|${partition}` → member with a handler in flight. */
  inFlight: Map<string, string>
  /** `${name}|${generation}|${partition}` → the last offset started. */
  lastStarted: Map<string, number>
  /** `${partition}|${offset}` whose handler succeeded at least once. */
  processed: Set<string>
  joined: number
  failures: string[]
}

function startMember(r: Real): void {
  const name = `m${r.joined++}`
  const c = r.log.consumer({ groupId: 'g', fromBeginning: true, assignor: r.assignor, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 15_000, autoCommitIntervalMs: 1_000, maxPollRecords: 3, retry: { retries: 1, initialRetryTimeMs: 100, multiplier: 1 } })
  const fail = (why: string) => r.failures.push(why)
  const started = c
    .subscribe('t')
    .then(() =>
      c.run({
        partitionsConsumedConcurrently: 2,
        eachMessage: ({ partition, message }) => {
          const generation = c.generation
          const key = `${generation}|${partition}|${message.offset}`
          const owner = r.owners.get(key)
          if (owner !== undefined && owner !== name) fail(`${partition}/${message.offset} went to ${owner} and ${name} in generation ${generation}`)
          r.owners.set(key, name)
          const slot = `${generation}|${partition}`
          const busy = r.inFlight.get(slot)
          if (busy !== undefined && busy !== name) fail(`${busy} and ${name} both process ${partition} in generation ${generation}`)
          r.inFlight.set(slot, name)
          const order = `${name}|${generation}|${partition}`
          const last = r.lastStarted.get(order)
          if (last !== undefined && message.offset < last) fail(`${name} went back from ${last} to ${message.offset} on ${partition} in generation ${generation}`)
          r.lastStarted.set(order, message.offset)
          return new Promise<void>((resolve, reject) => {
            r.pending.push({
              member: name,
              partition,
              offset: message.offset,
              settle: (ok) => {
                if (r.inFlight.get(slot) === name) r.inFlight.delete(slot)
                if (ok) {
                  r.processed.add(`${partition}|${message.offset}`)
                  resolve()
                } else reject(new Error('handler failed'))
              },
            })
          })
        },
      }),
    )
    .catch(() => undefined)
  r.members.push({ c, name, started })
}

async function checkCommitted(m: Model, r: Real): Promise<void> {
  for (const o of await r.log.fetchOffsets('g')) {
    expect(o.offset).toBeLessThanOrEqual(m.produced[o.partition]!)
    for (let off = 0; off < o.offset; off++) expect(r.processed.has(`${o.partition}|${off}`), `committed ${o.offset} on ${o.partition} before ${off} was processed`).toBe(true)
  }
  expect(r.failures).toEqual([])
}

class Produce implements fc.AsyncCommand<Model, Real> {
  constructor(readonly partition: number, readonly n: number) {}
  check = () => true
  async run(m: Model, r: Real) {
    await r.producer.send('t', Array.from({ length: this.n }, (_, i) => ({ value: i, partition: this.partition })))
    m.produced[this.partition]! += this.n
    await ticks(2)
    await checkCommitted(m, r)
  }
  toString = () => `produce(${this.partition}, ${this.n})`
}

class Join implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>) => true
  async run(m: Model, r: Real) {
    startMember(r)
    await ticks(3)
    await checkCommitted(m, r)
  }
  toString = () => 'join()'
}

/** Releases handlers (successfully) as they come until `done` settles: closing waits for the handlers in flight. */
async function releaseWhile(r: Real, done: Promise<unknown>): Promise<void> {
  let finished = false
  void done.finally(() => (finished = true))
  await until(() => {
    for (const p of r.pending.splice(0)) p.settle(true)
    return finished
  }, 'the handlers in flight released until done settles')
  await done
}

class Close implements fc.AsyncCommand<Model, Real> {
  constructor(readonly i: number) {}
  check = () => true
  async run(m: Model, r: Real) {
    if (r.members.length === 0) return
    const { c } = r.members.splice(this.i % r.members.length, 1)[0]!
    await releaseWhile(r, c.close())
    await checkCommitted(m, r)
  }
  toString = () => `close(${this.i})`
}

class Release implements fc.AsyncCommand<Model, Real> {
  constructor(readonly k: number, readonly ok: boolean) {}
  check = () => true
  async run(m: Model, r: Real) {
    if (r.pending.length > 0) r.pending.splice(this.k % r.pending.length, 1)[0]!.settle(this.ok)
    await ticks(3)
    await checkCommitted(m, r)
  }
  toString = () => `release(${this.k}, ${this.ok ? 'ok' : 'fail'})`
}

class Tick implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true
  async run(m: Model, r: Real) {
    r.clock.advance(this.ms)
    await ticks(3)
    await checkCommitted(m, r)
  }
  toString = () => `tick(${this.ms})`
}

/** Releases every handler (successfully) and moves the clock until the group has read everything. */
async function drain(m: Model, r: Real): Promise<void> {
  for (let round = 0; round < 3000; round++) {
    for (const p of r.pending.splice(0)) p.settle(true)
    r.clock.advance(100)
    await ticks(3)
    if (r.pending.length > 0) continue
    // Caught up: every partition is owned by a member whose position is at the high watermark.
    const d = await r.log.describeGroup('g')
    if (d.state !== 'Stable') continue
    const owners = r.members.filter((x) => x.c.memberId !== undefined)
    const owned = owners.flatMap((x) => x.c.lag())
    if (owned.length === m.produced.length && owned.every((l) => l.lag === 0)) return
  }
}

const commands = [
  fc.tuple(fc.integer({ min: 0, max: PARTITIONS - 1 }), fc.integer({ min: 1, max: 5 })).map(([p, n]) => new Produce(p, n)),
  fc.tuple(fc.integer({ min: 0, max: PARTITIONS - 1 }), fc.integer({ min: 1, max: 5 })).map(([p, n]) => new Produce(p, n)),
  fc.constant(new Join()),
  fc.nat(9).map((i) => new Close(i)),
  fc.tuple(fc.nat(20), fc.boolean()).map(([k, ok]) => new Release(k, ok)),
  fc.tuple(fc.nat(20), fc.constant(true)).map(([k, ok]) => new Release(k, ok)),
  fc.tuple(fc.nat(20), fc.constant(true)).map(([k, ok]) => new Release(k, ok)),
  fc.constantFrom(100, 1_000, 6_000, 16_000).map((ms) => new Tick(ms)),
]

let processedTotal = 0

describe.each(stores)('run() in a group against its model on $name', (store) => {
  it('one owner per record and partition per generation, commits only after success, everything processed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<'roundRobin' | 'cooperativeSticky'>('roundRobin', 'cooperativeSticky'), fc.commands(commands, { maxCommands: 40, size: 'large' }), async (assignor, cmds) => {
        const clock = new ManualClock(1_000_000)
        const log = await store.makeLog({ clock })
        await log.createTopic('t', { partitions: PARTITIONS })
        const real: Real = { store, clock, log, producer: log.producer(), assignor, members: [], pending: [], owners: new Map(), inFlight: new Map(), lastStarted: new Map(), processed: new Set(), joined: 0, failures: [] }
        const model: Model = { produced: Array.from({ length: PARTITIONS }, () => 0) }
        startMember(real)
        try {
          await fc.asyncModelRun(() => ({ model, real }), cmds)
          if (real.members.length === 0) startMember(real)
          await drain(model, real)
          for (let p = 0; p < PARTITIONS; p++) {
            for (let off = 0; off < model.produced[p]!; off++) expect(real.processed.has(`${p}|${off}`), `${p}/${off} never processed`).toBe(true)
          }
          await checkCommitted(model, real)
          for (const { c } of real.members.splice(0)) await releaseWhile(real, c.close())
          const committed = new Map((await real.log.fetchOffsets('g')).map((o) => [o.partition, o.offset]))
          expect(model.produced.map((_, p) => committed.get(p) ?? 0)).toEqual(model.produced)
          expect(real.failures).toEqual([])
          processedTotal += real.processed.size
        } finally {
          await releaseWhile(real, real.log.close())
        }
      }),
      { numRuns: store.durable ? 40 : 100 },
    )
    expect(processedTotal).toBeGreaterThan(100)
    processedTotal = 0
  })
})
