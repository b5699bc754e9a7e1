// Model-based test of consumer groups (fast-check fc.commands): random produce, members
// joining, closing and expiring (session timeout on a ManualClock), polls, commits, clock
// ticks (auto-commit) and close-and-reopen of the log. Invariants, checked after every
// command:
//   - at every stable generation the members' assignments are complete and disjoint, and
//     describeGroup agrees with what each consumer holds;
//   - no record is delivered to two members within one generation;
//   - committed ≤ high watermark, and every offset below a committed offset was delivered
//     (a commit only ever covers delivered records: at-least-once);
//   - after a reopen, new members start exactly at the committed offsets;
// and at the end, once the group has drained the topic, every produced record was
// delivered to the group at least once.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ManualClock, type Consumer, type Log, type Producer } from '../../lib/index.js'
import { ticks } from '../helpers/groups.js'
import { stores, type StoreKind } from '../helpers/stores.js'

const PARTITIONS = 3
const SESSION = 30_000

interface Model {
  /** Records produced per partition (their offsets are 0..n-1). */
  produced: number[]
}

interface Real {
  store: StoreKind
  clock: ManualClock
  log: Log
  producer: Producer
  members: Consumer[]
  names: Map<Consumer, string>
  /** Bumped at each reopen: generations count again from 1 in a reopened log. */
  epoch: number
  /** `${epoch}|${generation}|${partition}|${offset}` → the member it was delivered to. */
  owners: Map<string, string>
  /** `${partition}|${offset}` of every record delivered to some member. */
  delivered: Set<string>
  joined: number
}

function newMember(r: Real): Consumer {
  const c = r.log.consumer({ groupId: 'g', fromBeginning: true, sessionTimeoutMs: SESSION, autoCommitIntervalMs: 5_000, maxPollRecords: 4 })
  r.names.set(c, `m${r.joined++}`)
  return c
}

async function settle(r: Real): Promise<void> {
  await r.log.waitForGroup('g')
  await ticks(2)
  await r.log.waitForGroup('g')
}

async function check(m: Model, r: Real): Promise<void> {
  const d = await r.log.describeGroup('g')
  const inGroup = r.members.filter((c) => c.memberId !== undefined)
  expect(d.members.map((x) => x.memberId).sort()).toEqual(inGroup.map((c) => c.memberId!).sort())
  if (inGroup.length > 0) {
    expect(d.state).toBe('Stable')
    const all = inGroup.flatMap((c) => c.assignment().map((tp) => tp.partition))
    expect(all.sort()).toEqual(Array.from({ length: PARTITIONS }, (_, p) => p))
    for (const c of inGroup) {
      expect(d.members.find((x) => x.memberId === c.memberId)!.assignment).toEqual(c.assignment())
      expect(c.generation).toBe(d.generation)
    }
  }
  for (const c of r.members.filter((x) => x.memberId === undefined)) expect(c.assignment()).toEqual([])
  for (const o of await r.log.fetchOffsets('g')) {
    expect(o.offset).toBeLessThanOrEqual(m.produced[o.partition]!)
    for (let off = 0; off < o.offset; off++) expect(r.delivered.has(`${o.partition}|${off}`), `committed ${o.offset} on ${o.partition} but ${off} never delivered`).toBe(true)
  }
}

async function poll(r: Real, c: Consumer, max: number): Promise<number> {
  const wasMember = c.memberId !== undefined
  const before = c.generation
  const batch = await c.poll({ timeoutMs: 0, maxRecords: max })
  // Between commands the group is settled: only this poll's own rejoin can start a
  // generation, and then the records come from the new one.
  const generation = c.generation
  if (wasMember) expect(generation).toBe(before)
  const name = r.names.get(c)!
  for (const rec of batch) {
    const key = `${r.epoch}|${generation}|${rec.partition}|${rec.offset}`
    const owner = r.owners.get(key)
    expect(owner === undefined || owner === name, `record ${rec.partition}/${rec.offset} went to ${owner} and ${name} in generation ${generation}`).toBe(true)
    r.owners.set(key, name)
    r.delivered.add(`${rec.partition}|${rec.offset}`)
  }
  return batch.length
}

class Produce implements fc.AsyncCommand<Model, Real> {
  constructor(readonly partition: number, readonly n: number) {}
  check = () => true
  async run(m: Model, r: Real) {
    const meta = await r.producer.send('t', Array.from({ length: this.n }, (_, i) => ({ value: i, partition: this.partition })))
    expect(meta[0]!.offset).toBe(m.produced[this.partition])
    m.produced[this.partition]! += this.n
    await check(m, r)
  }
  toString = () => `produce(${this.partition}, ${this.n})`
}

class Join implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>) => true
  async run(m: Model, r: Real) {
    const c = newMember(r)
    r.members.push(c)
    await c.subscribe('t')
    await settle(r)
    await check(m, r)
  }
  toString = () => 'join()'
}

class Close implements fc.AsyncCommand<Model, Real> {
  constructor(readonly i: number) {}
  check = () => true
  async run(m: Model, r: Real) {
    if (r.members.length === 0) return
    const c = r.members.splice(this.i % r.members.length, 1)[0]!
    await c.close()
    await settle(r)
    await check(m, r)
  }
  toString = () => `close(${this.i})`
}

class Expire implements fc.AsyncCommand<Model, Real> {
  constructor(readonly i: number) {}
  check = () => true
  async run(m: Model, r: Real) {
    if (r.members.length === 0) return
    const victim = r.members[this.i % r.members.length]!
    const wasMember = victim.memberId !== undefined
    for (let step = 0; step < 4; step++) {
      for (const c of r.members) if (c !== victim && c.memberId !== undefined) c.heartbeat()
      r.clock.advance(SESSION / 3)
      await ticks(2)
    }
    await settle(r)
    if (wasMember) expect(victim.memberId).toBeUndefined()
    await check(m, r)
  }
  toString = () => `expire(${this.i})`
}

class Poll implements fc.AsyncCommand<Model, Real> {
  constructor(readonly i: number, readonly max: number) {}
  check = () => true
  async run(m: Model, r: Real) {
    if (r.members.length === 0) return
    await poll(r, r.members[this.i % r.members.length]!, this.max)
    await settle(r)
    await check(m, r)
  }
  toString = () => `poll(${this.i}, ${this.max})`
}

class Commit implements fc.AsyncCommand<Model, Real> {
  constructor(readonly i: number) {}
  check = () => true
  async run(m: Model, r: Real) {
    if (r.members.length === 0) return
    const c = r.members[this.i % r.members.length]!
    if (c.memberId === undefined) await expect(c.commit()).rejects.toMatchObject({ code: 'UNKNOWN_MEMBER_ID' })
    else await c.commit()
    await check(m, r)
  }
  toString = () => `commit(${this.i})`
}

class Tick implements fc.AsyncCommand<Model, Real> {
  check = () => true
  async run(m: Model, r: Real) {
    for (const c of r.members) if (c.memberId !== undefined) c.heartbeat()
    r.clock.advance(5_000)
    await ticks(5)
    await settle(r)
    await check(m, r)
  }
  toString = () => 'tick()'
}

class Reopen implements fc.AsyncCommand<Model, Real> {
  check = () => true
  async run(m: Model, r: Real) {
    if (!r.store.durable) return
    const count = Math.max(1, r.members.length)
    r.log = await r.store.reopen(r.log, { clock: r.clock })
    r.epoch++
    r.producer = r.log.producer()
    const committed = new Map((await r.log.fetchOffsets('g')).map((o) => [o.partition, o.offset]))
    r.members = []
    for (let k = 0; k < count; k++) {
      const c = newMember(r)
      r.members.push(c)
      await c.subscribe('t')
    }
    await settle(r)
    // every member starts exactly at the group's committed offsets (the earliest where none)
    for (const c of r.members) for (const tp of c.assignment()) expect(c.position(tp)).toBe(committed.get(tp.partition) ?? 0)
    await check(m, r)
  }
  toString = () => 'reopen()'
}

const commands = [
  fc.tuple(fc.integer({ min: 0, max: PARTITIONS - 1 }), fc.integer({ min: 1, max: 6 })).map(([p, n]) => new Produce(p, n)),
  fc.tuple(fc.integer({ min: 0, max: PARTITIONS - 1 }), fc.integer({ min: 1, max: 6 })).map(([p, n]) => new Produce(p, n)),
  fc.constant(new Join()),
  fc.nat(9).map((i) => new Close(i)),
  fc.nat(9).map((i) => new Expire(i)),
  fc.tuple(fc.nat(9), fc.integer({ min: 1, max: 7 })).map(([i, n]) => new Poll(i, n)),
  fc.tuple(fc.nat(9), fc.integer({ min: 1, max: 7 })).map(([i, n]) => new Poll(i, n)),
  fc.tuple(fc.nat(9), fc.integer({ min: 1, max: 7 })).map(([i, n]) => new Poll(i, n)),
  fc.nat(9).map((i) => new Commit(i)),
  fc.constant(new Tick()),
  fc.constant(new Reopen()),
]

let runs = 0
let deliveries = 0

describe.each(stores)('consumer groups against their model on $name', (store) => {
  it('keep assignments complete and disjoint, deliver at least once and resume at committed offsets', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 60, size: 'large' }), async (cmds) => {
        const clock = new ManualClock(1_000_000)
        const log = await store.makeLog({ clock })
        await log.createTopic('t', { partitions: PARTITIONS })
        const real: Real = { store, clock, log, producer: log.producer(), members: [], names: new Map(), owners: new Map(), delivered: new Set(), joined: 0, epoch: 0 }
        const model: Model = { produced: Array.from({ length: PARTITIONS }, () => 0) }
        try {
          await fc.asyncModelRun(() => ({ model, real }), cmds)
          // Drain: with at least one member, poll every member until a whole round brings nothing.
          if (real.members.length === 0) {
            const c = newMember(real)
            real.members.push(c)
            await c.subscribe('t')
          }
          for (let round = 0; round < 200; round++) {
            const generation = (await real.log.describeGroup('g')).generation
            let got = 0
            for (const c of real.members) {
              got += await poll(real, c, 50)
              await settle(real)
            }
            const settled = real.members.every((c) => c.memberId !== undefined) && (await real.log.describeGroup('g')).generation === generation
            if (got === 0 && settled) break
          }
          await check(model, real)
          for (let p = 0; p < PARTITIONS; p++) {
            for (let off = 0; off < model.produced[p]!; off++) expect(real.delivered.has(`${p}|${off}`), `${p}/${off} never delivered`).toBe(true)
          }
          runs++
          deliveries += real.delivered.size
        } finally {
          await real.log.close()
        }
      }),
      { numRuns: store.durable ? 40 : 100 },
    )
    // the generated runs must exercise groups, not only empty ones
    expect(runs).toBeGreaterThan(20)
    expect(deliveries).toBeGreaterThan(200)
    runs = 0
    deliveries = 0
  })
})
