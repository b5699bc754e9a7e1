// Consumer groups on both stores: joining and leaving rebalance the group; a partition is
// revoked (and its processed offsets committed) before another member gets it; session
// timeouts on the log's clock; committed offsets survive a restart and reading resumes
// exactly at them; where nothing is committed, fromBeginning picks earliest or latest.
import { describe, expect, it } from 'vitest'
import { KafketteError, ManualClock, type Consumer, type Log, type TopicPartition } from '../../lib/index.js'
import { next, ticks, until } from '../helpers/groups.js'
import { disk, stores } from '../helpers/stores.js'

const key = (tp: TopicPartition) => `${tp.topic}/${tp.partition}`

async function fill(log: Log, topic: string, partitions: number, perPartition: number) {
  const producer = log.producer()
  for (let p = 0; p < partitions; p++) await producer.send(topic, Array.from({ length: perPartition }, (_, i) => ({ value: `${p}:${i}`, partition: p })))
}

/** Polls until nothing is ready; returns what came. */
async function drain(c: Consumer, max = 1000): Promise<string[]> {
  const out: string[] = []
  for (;;) {
    const batch = await c.poll({ timeoutMs: 0, maxRecords: max })
    if (batch.length === 0) return out
    out.push(...batch.map((m) => m.value as string))
  }
}

describe.each(stores)('consumer groups on $name', (store) => {
  async function setup(partitions = 4, options: { autoCreateTopics?: boolean } = {}) {
    const clock = new ManualClock(1_000_000)
    const log = await store.makeLog({ clock, ...options })
    await log.createTopic('t', { partitions })
    return { log, clock, producer: log.producer() }
  }

  it('shares a topic’s partitions among members, complete and disjoint, and rebalances as members come and go', async () => {
    const { log } = await setup(6)
    const a = log.consumer({ groupId: 'g' })
    await a.subscribe('t')
    expect(a.assignment()).toHaveLength(6)
    expect(a.generation).toBe(1)
    const b = log.consumer({ groupId: 'g' })
    await b.subscribe(['t'])
    const c = log.consumer({ groupId: 'g' })
    await c.subscribe('t')
    await log.waitForGroup('g')
    const all = [a, b, c].flatMap((x) => x.assignment().map(key))
    expect(new Set(all).size).toBe(6)
    expect(all).toHaveLength(6)
    for (const x of [a, b, c]) expect(x.assignment()).toHaveLength(2)
    expect(new Set([a, b, c].map((x) => x.generation))).toEqual(new Set([3]))
    const d = await log.describeGroup('g')
    expect(d).toMatchObject({ groupId: 'g', state: 'Stable', generation: 3, protocol: 'roundRobin', protocolType: 'consumer', leaderId: a.memberId })
    expect(d.members.map((m) => m.memberId)).toEqual([a.memberId, b.memberId, c.memberId])
    expect(d.members.find((m) => m.memberId === b.memberId)!.assignment).toEqual(b.assignment())
    await b.close()
    await log.waitForGroup('g')
    expect(a.assignment().length + c.assignment().length).toBe(6)
    expect(a.assignment()).toHaveLength(3)
    expect((await log.describeGroup('g')).members).toHaveLength(2)
    await a.close()
    await c.close()
    await log.waitForGroup('g')
    expect((await log.describeGroup('g')).state).toBe('Empty')
    await log.close()
  })

  it('balances N members over 12 partitions (max − min ≤ 1)', async () => {
    const { log } = await setup(12)
    const members: Consumer[] = []
    for (let n = 1; n <= 7; n++) {
      const m = log.consumer({ groupId: 'g' })
      await m.subscribe('t')
      members.push(m)
      await log.waitForGroup('g')
      const counts = members.map((x) => x.assignment().length)
      expect(counts.reduce((s, x) => s + x, 0)).toBe(12)
      expect(Math.max(...counts) - Math.min(...counts), `${n} members: ${counts.join(',')}`).toBeLessThanOrEqual(1)
    }
    await log.close()
  })

  it('starts at the earliest offset with fromBeginning and at the high watermark without, where nothing is committed', async () => {
    const { log, producer } = await setup(1)
    await producer.send('t', [{ value: 'old' }])
    const early = log.consumer({ groupId: 'early', fromBeginning: true })
    const late = log.consumer({ groupId: 'late' })
    await early.subscribe('t')
    await late.subscribe('t')
    await producer.send('t', [{ value: 'new' }])
    expect(await drain(early)).toEqual(['old', 'new'])
    expect(await drain(late)).toEqual(['new'])
    await log.close()
  })

  it('commits a late-starting member’s position, so a message sent before any read is not lost when the partition moves', async () => {
    const { log, producer } = await setup(1)
    const a = log.consumer({ groupId: 'g' })
    await a.subscribe('t')
    await producer.send('t', [{ value: 'x' }])
    await a.close()
    const b = log.consumer({ groupId: 'g' })
    await b.subscribe('t')
    expect(await drain(b)).toEqual(['x'])
    await log.close()
  })

  it('commits processed offsets on revoke before the partition moves; the new owner starts exactly there', async () => {
    const { log } = await setup(2)
    await fill(log, 't', 2, 10)
    const a = log.consumer({ groupId: 'g', fromBeginning: true, autoCommitIntervalMs: 60_000 })
    await a.subscribe('t')
    const first = await a.poll({ maxRecords: 6, timeoutMs: 0 })
    expect(first).toHaveLength(6)
    // calling poll again says the first 6 are processed; the next 3 are only handed out
    const second = await a.poll({ maxRecords: 3, timeoutMs: 0 })
    const handedOut = [...first, ...second]
    const commits: unknown[] = []
    a.on('commit', (e) => commits.push(e.offsets))
    const b = log.consumer({ groupId: 'g', fromBeginning: true })
    await b.subscribe('t')
    await log.waitForGroup('g')
    expect(commits.length).toBeGreaterThan(0)
    const processed = new Map<number, number>()
    for (const m of first) processed.set(m.partition, m.offset + 1)
    const offsets = await log.fetchOffsets('g')
    for (const o of offsets) expect(o.offset).toBe(processed.get(o.partition) ?? 0)
    // b reads its partition from the committed offset: the 3 handed-out records come again
    const moved = b.assignment()[0]!
    const got = await b.poll({ timeoutMs: 0, maxRecords: 100 })
    expect(got[0]!.offset).toBe(processed.get(moved.partition) ?? 0)
    const redelivered = handedOut.filter((m) => m.partition === moved.partition && m.offset >= (processed.get(moved.partition) ?? 0))
    for (const m of redelivered) expect(got.some((g) => g.offset === m.offset)).toBe(true)
    await log.close()
  })

  it('removes a member after sessionTimeoutMs without a poll or heartbeat, on the log’s clock, and gives its partitions to the others', async () => {
    const { log, clock } = await setup(4)
    const a = log.consumer({ groupId: 'g', sessionTimeoutMs: 10_000 })
    const b = log.consumer({ groupId: 'g', sessionTimeoutMs: 10_000 })
    await a.subscribe('t')
    await b.subscribe('t')
    await log.waitForGroup('g')
    const left = next(b, 'group.leave')
    clock.advance(6_000)
    a.heartbeat()
    clock.advance(3_999)
    await ticks()
    expect((await log.describeGroup('g')).members).toHaveLength(2)
    clock.advance(1)
    expect(await left).toMatchObject({ reason: 'session-timeout', groupId: 'g' })
    await log.waitForGroup('g')
    expect(a.assignment()).toHaveLength(4)
    expect(b.assignment()).toEqual([])
    expect(b.memberId).toBeUndefined()
    expect(() => b.heartbeat()).toThrow(/UNKNOWN_MEMBER_ID/)
    await expect(b.commit()).rejects.toMatchObject({ code: 'UNKNOWN_MEMBER_ID' })
    // b's next poll rejoins the group with a new member id
    await b.poll({ timeoutMs: 0 })
    await log.waitForGroup('g')
    expect(b.assignment()).toHaveLength(2)
    expect((await log.describeGroup('g')).members).toHaveLength(2)
    await log.close()
  })

  it('keeps a member that waits in poll alive, however long it waits', async () => {
    const { log, clock, producer } = await setup(1)
    const a = log.consumer({ groupId: 'g', sessionTimeoutMs: 1_000 })
    await a.subscribe('t')
    const waiting = a.poll({ timeoutMs: Infinity })
    await ticks()
    clock.advance(10_000)
    await ticks()
    expect(a.memberId).toBeDefined()
    await producer.send('t', { value: 'late' })
    expect((await waiting).map((m) => m.value)).toEqual(['late'])
    await log.close()
  })

  it('picks up topics created later when subscribed with a RegExp', async () => {
    const { log, producer } = await setup(1)
    const c = log.consumer({ groupId: 'g', fromBeginning: true })
    const seen: number[] = []
    c.on('group.rebalance', (e) => seen.push(e.generation))
    await c.subscribe(/^orders\./)
    expect(c.assignment()).toEqual([])
    await log.createTopic('orders.eu', { partitions: 2 })
    await log.waitForGroup('g')
    expect(c.assignment().map(key)).toEqual(['orders.eu/0', 'orders.eu/1'])
    await producer.send('orders.eu', { value: 'o1', partition: 1 })
    await log.createTopic('other', { partitions: 1 })
    await log.waitForGroup('g')
    expect(c.assignment()).toHaveLength(2)
    expect(await drain(c)).toEqual(['o1'])
    expect(seen).toEqual([1, 2])
    await log.close()
  })

  it('leaves a deleted topic’s partitions out of the next generation', async () => {
    const { log } = await setup(2)
    await log.createTopic('u', { partitions: 1 })
    const c = log.consumer({ groupId: 'g' })
    await c.subscribe(['t', 'u'])
    expect(c.assignment()).toHaveLength(3)
    await log.deleteTopic('u')
    await log.waitForGroup('g')
    expect(c.assignment().map(key)).toEqual(['t/0', 't/1'])
    await log.close()
  })

  it('commits what poll handed out on close, and log.close() closes group members cleanly', async () => {
    const { log } = await setup(1)
    await fill(log, 't', 1, 5)
    const a = log.consumer({ groupId: 'g', fromBeginning: true })
    await a.subscribe('t')
    expect(await a.poll({ timeoutMs: 0, maxRecords: 3 })).toHaveLength(3)
    const stopped = next(a, 'stop')
    if (store.durable) {
      const reopened = await store.reopen(log)
      await stopped
      expect(await reopened.fetchOffsets('g')).toEqual([{ topic: 't', partition: 0, offset: 3, metadata: null }])
      await reopened.close()
    } else {
      await a.close()
      await stopped
      expect(await log.fetchOffsets('g')).toEqual([{ topic: 't', partition: 0, offset: 3, metadata: null }])
      await log.close()
    }
    await expect(a.poll()).rejects.toMatchObject({ code: 'LOG_CLOSED' })
    await expect(a.commit()).rejects.toMatchObject({ code: 'LOG_CLOSED' })
    await expect(a.subscribe('t')).rejects.toMatchObject({ code: 'LOG_CLOSED' })
  })

  it('with for await: a record counts as processed once the loop asks for the next; close commits', async () => {
    const { log } = await setup(1)
    await fill(log, 't', 1, 6)
    const a = log.consumer({ groupId: 'g', fromBeginning: true })
    await a.subscribe('t')
    const seen: string[] = []
    for await (const m of a) {
      seen.push(m.value as string)
      if (seen.length === 2) {
        await a.commit()
        expect(await a.committed()).toEqual([{ topic: 't', partition: 0, offset: 2, metadata: null }])
      }
      if (seen.length === 4) break
    }
    // the records taken but not yielded go back: poll sees them next
    expect((await a.poll({ timeoutMs: 0 })).map((m) => m.offset)).toEqual([4, 5])
    await a.close()
    expect(await log.fetchOffsets('g')).toEqual([{ topic: 't', partition: 0, offset: 6, metadata: null }])
    await log.close()
  })

  it('auto-commits processed offsets on interval, on the log’s clock', async () => {
    const { log, clock } = await setup(1)
    await fill(log, 't', 1, 4)
    const a = log.consumer({ groupId: 'g', fromBeginning: true, autoCommitIntervalMs: 5_000 })
    await a.subscribe('t')
    await a.poll({ timeoutMs: 0 })
    await a.poll({ timeoutMs: 0 })
    expect(await log.fetchOffsets('g')).toEqual([])
    const committed = next(a, 'commit')
    clock.advance(5_000)
    expect(await committed).toMatchObject({ groupId: 'g', offsets: [{ topic: 't', partition: 0, offset: 4 }] })
    expect(await log.fetchOffsets('g')).toEqual([{ topic: 't', partition: 0, offset: 4, metadata: null }])
    await log.close()
  })

  it('with autoCommit: false commits only when told', async () => {
    const { log } = await setup(1)
    await fill(log, 't', 1, 4)
    const a = log.consumer({ groupId: 'g', fromBeginning: true, autoCommit: false })
    await a.subscribe('t')
    await drain(a)
    await a.close()
    expect(await log.fetchOffsets('g')).toEqual([])
    const b = log.consumer({ groupId: 'g', fromBeginning: true, autoCommit: false })
    await b.subscribe('t')
    expect(await drain(b)).toHaveLength(4)
    expect(await b.commit([{ topic: 't', partition: 0, offset: 3, metadata: 'm' }])).toEqual([{ topic: 't', partition: 0, offset: 3 }])
    expect(await b.committed([{ topic: 't', partition: 0 }])).toEqual([{ topic: 't', partition: 0, offset: 3, metadata: 'm' }])
    await log.close()
  })

  it('resets a committed offset below the log start as autoOffsetReset says', async () => {
    const { log } = await setup(1)
    await fill(log, 't', 1, 10)
    await log.commitOffsets('g', [{ topic: 't', partition: 0, offset: 2 }])
    // the log start moves past the committed offset (as retention does)
    await log.deleteRecords('t', [{ partition: 0, offset: 5 }])
    const a = log.consumer({ groupId: 'g', autoOffsetReset: 'earliest' })
    const resets: unknown[] = []
    a.on('offset.reset', (e) => resets.push(e))
    await a.subscribe('t')
    expect((await a.poll({ timeoutMs: 0 }))[0]!.offset).toBe(5)
    expect(resets).toEqual([{ topic: 't', partition: 0, from: 2, to: 5 }])
    await a.close()
    const b = log.consumer({ groupId: 'h', autoOffsetReset: 'none' })
    await log.commitOffsets('h', [{ topic: 't', partition: 0, offset: 1 }])
    await b.subscribe('t')
    await expect(b.poll({ timeoutMs: 0 })).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' })
    await log.close()
  })

  it('seeks inside a group: an assigned partition at once, one not yet assigned when it is', async () => {
    const { log } = await setup(2)
    await fill(log, 't', 2, 10)
    const a = log.consumer({ groupId: 'g', fromBeginning: true, autoCommit: false })
    await a.subscribe('t')
    a.seek({ topic: 't', partition: 0, offset: 7 })
    const got = await a.poll({ timeoutMs: 0 })
    expect(got.filter((m) => m.partition === 0).map((m) => m.offset)).toEqual([7, 8, 9])
    const b = log.consumer({ groupId: 'g2', fromBeginning: true })
    await b.subscribe(/^nothing$/)
    b.seek({ topic: 't', partition: 1, offset: 8 })
    await b.subscribe('t')
    expect(b.position({ topic: 't', partition: 1 })).toBe(8)
    expect(b.position({ topic: 't', partition: 0 })).toBe(0)
    expect(() => b.seek({ topic: 't', partition: 9, offset: 0 })).toThrow(/UNKNOWN_TOPIC_OR_PARTITION/)
    await log.close()
  })

  it('keeps paused partitions paused across a rebalance', async () => {
    const { log } = await setup(2)
    await fill(log, 't', 2, 3)
    const a = log.consumer({ groupId: 'g', fromBeginning: true })
    await a.subscribe('t')
    a.pause([{ topic: 't', partitions: [0] }])
    const b = log.consumer({ groupId: 'g2', fromBeginning: true })
    await b.subscribe('t')
    await a.subscribe('t')
    expect(a.paused()).toEqual([{ topic: 't', partition: 0 }])
    expect(new Set((await drain(a)).map((v) => v.split(':')[0]))).toEqual(new Set(['1']))
    a.resume([{ topic: 't' }])
    expect(await drain(a)).toHaveLength(3)
    await log.close()
  })

  it('refuses bad input with typed errors', async () => {
    const { log } = await setup(1)
    expect(() => log.consumer({ groupId: '' })).toThrow(KafketteError)
    expect(() => log.consumer({ groupId: '' })).toThrow(/INVALID_GROUP_ID/)
    expect(() => log.consumer({ groupId: 'x'.repeat(256) })).toThrow(/INVALID_GROUP_ID/)
    expect(() => log.consumer({ groupId: 7 as never })).toThrow(TypeError)
    expect(() => log.consumer({ autoCommit: false })).toThrow(TypeError)
    expect(() => log.consumer({ groupId: 'g', sessionTimeoutMs: 0 })).toThrow(RangeError)
    expect(() => log.consumer({ groupId: 'g', assignor: 'sticky' as never })).toThrow(TypeError)
    expect(() => log.consumer({ groupId: 'g', retry: { retries: -1 } })).toThrow(RangeError)
    const c = log.consumer({ groupId: 'g' })
    await expect(c.subscribe('missing')).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' })
    await expect(c.subscribe('bad name!')).rejects.toMatchObject({ code: 'INVALID_TOPIC' })
    await expect(c.subscribe([])).rejects.toBeInstanceOf(TypeError)
    await expect(c.commit()).rejects.toMatchObject({ code: 'ILLEGAL_STATE' })
    expect(() => c.assign([{ topic: 't', partition: 0 }])).toThrow(/ILLEGAL_STATE/)
    await expect(c.run({ eachMessage: async () => {} })).rejects.toMatchObject({ code: 'ILLEGAL_STATE' })
    await c.subscribe('t')
    await expect(c.commit([{ topic: 't', partition: 0, offset: 1 }])).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE', context: { groupId: 'g', topic: 't', partition: 0, offset: 1 } })
    await expect(c.commit([{ topic: 't', partition: 0, offset: -1 }])).rejects.toBeInstanceOf(RangeError)
    await expect(c.commit([{ topic: 't', partition: 5, offset: 0 }])).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' })
    const plain = log.consumer()
    await expect(plain.subscribe('t')).rejects.toMatchObject({ code: 'INVALID_GROUP_ID' })
    await expect(plain.commit()).rejects.toMatchObject({ code: 'INVALID_GROUP_ID' })
    await log.close()
  })

  it('refuses a commit for a partition the member does not own (REBALANCE_IN_PROGRESS)', async () => {
    const { log, producer } = await setup(2)
    await producer.send('t', [{ value: 1, partition: 0 }, { value: 2, partition: 1 }])
    const a = log.consumer({ groupId: 'g' })
    const b = log.consumer({ groupId: 'g' })
    await a.subscribe('t')
    await b.subscribe('t')
    await log.waitForGroup('g')
    const notMine = b.assignment()[0]!
    await expect(a.commit([{ ...notMine, offset: 1 }])).rejects.toMatchObject({ code: 'REBALANCE_IN_PROGRESS', retriable: true })
    await log.close()
  })

  it('subscribes a topic the log auto-creates', async () => {
    const { log } = await setup(1, { autoCreateTopics: true })
    const c = log.consumer({ groupId: 'g' })
    await c.subscribe('fresh')
    expect(log.hasTopic('fresh')).toBe(true)
    expect(c.assignment()).toEqual([{ topic: 'fresh', partition: 0 }])
    await log.close()
  })

  it('refuses a member whose assignor differs from the group’s (INCONSISTENT_GROUP_PROTOCOL)', async () => {
    const { log } = await setup(1)
    const a = log.consumer({ groupId: 'g', assignor: 'range' })
    await a.subscribe('t')
    const b = log.consumer({ groupId: 'g', assignor: 'roundRobin' })
    await expect(b.subscribe('t')).rejects.toMatchObject({ code: 'INCONSISTENT_GROUP_PROTOCOL' })
    await log.close()
  })

  it('with cooperativeSticky, a joining member takes only what must move; the others keep reading the rest', async () => {
    const { log } = await setup(6)
    const a = log.consumer({ groupId: 'g', assignor: 'cooperativeSticky' })
    await a.subscribe('t')
    const before = a.assignment().map(key)
    const events: Array<{ revoked: TopicPartition[]; assigned: TopicPartition[] }> = []
    a.on('group.rebalance', (e) => events.push(e))
    const b = log.consumer({ groupId: 'g', assignor: 'cooperativeSticky' })
    await b.subscribe('t')
    await log.waitForGroup('g')
    expect(events).toHaveLength(1)
    expect(events[0]!.revoked).toHaveLength(3)
    expect(events[0]!.assigned).toEqual([])
    expect(a.assignment().every((tp) => before.includes(key(tp)))).toBe(true)
    expect(b.assignment().map(key).sort()).toEqual(events[0]!.revoked.map(key).sort())
    expect((await log.describeGroup('g')).protocol).toBe('cooperativeSticky')
    await log.close()
  })

  it('a custom assignor function decides; an invalid answer removes the members with a crash', async () => {
    const { log } = await setup(2)
    const everythingToFirst = ({ members, partitions }: { members: Array<{ memberId: string }>; partitions: Record<string, number> }) => ({
      [members[0]!.memberId]: Array.from({ length: partitions.t! }, (_, partition) => ({ topic: 't', partition })),
    })
    const a = log.consumer({ groupId: 'g', assignor: everythingToFirst })
    const b = log.consumer({ groupId: 'g', assignor: everythingToFirst })
    await a.subscribe('t')
    await b.subscribe('t')
    expect(a.assignment()).toHaveLength(2)
    expect(b.assignment()).toEqual([])
    expect((await log.describeGroup('g')).protocol).toBe('everythingToFirst')
    const broken = log.consumer({ groupId: 'h', assignor: { name: 'broken', protocol: 'eager', assign: () => ({}) } })
    const crashed = next(broken, 'crash')
    await expect(broken.subscribe('t')).rejects.toMatchObject({ code: 'ILLEGAL_STATE' })
    expect(await crashed).toMatchObject({ restart: false, groupId: 'h' })
    expect((await log.describeGroup('h')).members).toEqual([])
    await log.close()
  })

  it('never hands one partition to two members at once while a handler is in flight', async () => {
    const { log, producer } = await setup(1)
    await producer.send('t', [{ value: 0 }, { value: 1 }])
    const a = log.consumer({ groupId: 'g', fromBeginning: true })
    let release!: () => void
    const inFlight = new Promise<void>((r) => (release = r))
    let started = false
    const done: Array<[number, number]> = []
    await a.subscribe('t')
    await a.run({
      eachMessage: async ({ message }) => {
        started = true
        const generation = a.generation
        if (message.offset === 0) await inFlight
        done.push([message.offset, generation])
      },
    })
    await until(() => started, 'handler started')
    const b = log.consumer({ groupId: 'g', fromBeginning: true, assignor: 'roundRobin' })
    const joined = b.subscribe('t')
    await until(async () => (await log.describeGroup('g')).state === 'PreparingRebalance', 'the rebalance began')
    await ticks(20)
    // b cannot own the partition while a's handler holds offset 0
    expect(b.assignment()).toEqual([])
    expect((await log.describeGroup('g')).state).toBe('PreparingRebalance')
    release()
    await joined
    await log.waitForGroup('g')
    // a finished offset 0 in generation 1 and took nothing more of it in that generation
    expect(done[0]).toEqual([0, 1])
    expect(done.slice(1).every(([, generation]) => generation === 2)).toBe(true)
    expect((await log.fetchOffsets('g'))[0]!.offset).toBeGreaterThanOrEqual(1)
    const owner = a.assignment().length === 1 ? a : b
    expect(owner.assignment()).toEqual([{ topic: 't', partition: 0 }])
    await log.close()
  })
})

describe('consumer groups on disk', () => {
  const store = disk

  it('two services share a topic through their groups, stop with the log, and carry on after a restart without losing or repeating a record', async () => {
    const clock = new ManualClock(1_000_000)
    let log = await store.makeLog({ clock })
    await log.createTopic('orders', { partitions: 4 })
    const seen = { billing: [] as string[], audit: [] as string[] }
    const start = async (l: Log) => {
      const members: Consumer[] = []
      for (const [service, count] of [['billing', 2], ['audit', 1]] as const) {
        for (let i = 0; i < count; i++) {
          const c = l.consumer({ groupId: service, fromBeginning: true })
          await c.subscribe('orders')
          await c.run({ partitionsConsumedConcurrently: 2, eachMessage: async ({ message }) => void seen[service].push(message.value as string) })
          members.push(c)
        }
      }
      return members
    }
    const send = async (l: Log, from: number, n: number) => {
      const producer = l.producer()
      await producer.send('orders', Array.from({ length: n }, (_, i) => ({ key: `k${(from + i) % 7}`, value: `o${from + i}` })))
    }
    await start(log)
    await send(log, 0, 50)
    await until(() => seen.billing.length === 50 && seen.audit.length === 50, 'first 50 read by both services')
    await send(log, 50, 30)
    log = await store.reopen(log, { clock })
    await send(log, 80, 20)
    const members = await start(log)
    await until(() => new Set(seen.billing).size === 100 && new Set(seen.audit).size === 100, 'all 100 read by both services')
    await ticks(10)
    const all = Array.from({ length: 100 }, (_, i) => `o${i}`).sort()
    expect([...seen.billing].sort()).toEqual(all)
    expect([...seen.audit].sort()).toEqual(all)
    for (const c of members) await c.close()
    for (const service of ['billing', 'audit']) expect((await log.fetchOffsets(service)).reduce((sum, o) => sum + o.offset, 0)).toBe(100)
    await log.close()
  })

  it('stops at committed offsets and resumes exactly there after a restart from disk', async () => {
    const clock = new ManualClock(1_000_000)
    const log = await store.makeLog({ clock })
    await log.createTopic('t', { partitions: 3 })
    await fill(log, 't', 3, 20)
    const a = log.consumer({ groupId: 'svc', fromBeginning: true })
    await a.subscribe('t')
    const got = await a.poll({ maxRecords: 25, timeoutMs: 0 })
    await a.commit()
    const committed = await log.fetchOffsets('svc')
    const expected = new Map<number, number>()
    for (const m of got) expected.set(m.partition, m.offset + 1)
    for (const o of committed) expect(o.offset).toBe(expected.get(o.partition) ?? 0)
    const reopened = await store.reopen(log, { clock: new ManualClock(2_000_000) })
    expect(await reopened.fetchOffsets('svc')).toEqual(committed)
    expect((await reopened.listGroups()).map((g) => g.groupId)).toEqual(['svc'])
    const b = reopened.consumer({ groupId: 'svc', fromBeginning: true })
    await b.subscribe('t')
    for (const o of committed) expect(b.position({ topic: 't', partition: o.partition })).toBe(o.offset)
    const rest = await drain(b)
    expect(rest).toHaveLength(60 - got.length)
    const seen = new Set([...got.map((m) => m.value as string), ...rest])
    expect(seen.size).toBe(60)
    await reopened.close()
  })
})
