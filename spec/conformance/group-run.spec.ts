// run() on both stores: eachMessage and eachBatch over the one fetch engine, commits only
// after processing, redelivery after a backoff on the log's clock when a handler throws, a
// crash event once retries are spent, order within a partition under concurrency, and the
// instrumentation events.
import { describe, expect, it } from 'vitest'
import { ManualClock, type ConsumedMessage, type Consumer, type EachBatchPayload, type Log } from '../../lib/index.js'
import { next, ticks, until } from '../helpers/groups.js'
import { stores } from '../helpers/stores.js'

describe.each(stores)('run() on $name', (store) => {
  async function setup(partitions = 2) {
    const clock = new ManualClock(1_000_000)
    const log = await store.makeLog({ clock })
    await log.createTopic('t', { partitions })
    return { log, clock, producer: log.producer() }
  }

  async function fill(log: Log, partitions: number, perPartition: number) {
    const producer = log.producer()
    for (let p = 0; p < partitions; p++) await producer.send('t', Array.from({ length: perPartition }, (_, i) => ({ value: i, partition: p })))
  }

  function byPartition(ms: ConsumedMessage[]): Map<number, number[]> {
    const out = new Map<number, number[]>()
    for (const m of ms) out.set(m.partition, [...(out.get(m.partition) ?? []), m.offset])
    return out
  }

  it('resolves once the first assignment is known, then delivers every record in partition order and commits after processing', async () => {
    const { log } = await setup(3)
    await fill(log, 3, 30)
    const c = log.consumer({ groupId: 'g', fromBeginning: true, autoCommitIntervalMs: 0, maxPollRecords: 7 })
    await c.subscribe('t')
    const got: ConsumedMessage[] = []
    const commits: number[] = []
    c.on('commit', (e) => commits.push(e.offsets.length))
    await c.run({ eachMessage: async ({ message }) => void got.push(message) })
    expect(c.assignment()).toHaveLength(3)
    expect(c.running).toBe(true)
    await until(() => got.length === 90, '90 records')
    for (const offsets of byPartition(got).values()) expect(offsets).toEqual(Array.from({ length: 30 }, (_, i) => i))
    await until(() => commits.length > 0)
    await c.stop()
    expect(c.running).toBe(false)
    expect((await log.fetchOffsets('g')).map((o) => o.offset)).toEqual([30, 30, 30])
    await log.close()
  })

  it('resolves run() only once the assignment is known, even when subscribe() was not awaited', async () => {
    const { log, producer } = await setup(2)
    await producer.send('t', [{ value: 0, partition: 0 }, { value: 0, partition: 1 }])
    // a holds a record, so the rebalance that c's join starts waits for it
    const a = log.consumer({ groupId: 'g', fromBeginning: true })
    await a.subscribe('t')
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    let entered = false
    await a.run({
      eachMessage: async () => {
        entered = true
        await gate
      },
    })
    await until(() => entered)
    const c = log.consumer({ groupId: 'g' })
    void c.subscribe('t')
    await until(() => c.memberId !== undefined, 'c joined')
    let resolved = false
    const running = c.run({ eachMessage: async () => {} }).then(() => (resolved = true))
    await ticks(10)
    expect(resolved).toBe(false)
    release()
    await running
    expect(c.assignment()).toHaveLength(1)
    await log.close()
  })

  it('refuses run twice, and poll or for await while running', async () => {
    const { log } = await setup(1)
    const c = log.consumer({ groupId: 'g' })
    await c.subscribe('t')
    await c.run({ eachMessage: async () => {} })
    await expect(c.run({ eachMessage: async () => {} })).rejects.toMatchObject({ code: 'ILLEGAL_STATE' })
    await expect(c.poll()).rejects.toMatchObject({ code: 'ILLEGAL_STATE' })
    await expect(c[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 'ILLEGAL_STATE' })
    await expect(log.consumer().run({} as never)).rejects.toBeInstanceOf(TypeError)
    await expect(log.consumer().run({ eachMessage: async () => {}, eachBatch: async () => {} })).rejects.toBeInstanceOf(TypeError)
    await c.close()
    await expect(c.run({ eachMessage: async () => {} })).rejects.toMatchObject({ code: 'LOG_CLOSED' })
    await log.close()
  })

  it('redelivers a record whose handler threw after a backoff on the log’s clock, without committing it; crashes once retries are spent', async () => {
    const { log, clock, producer } = await setup(1)
    await producer.send('t', [{ value: 'a' }, { value: 'b' }])
    const c = log.consumer({ groupId: 'g', fromBeginning: true, autoCommitIntervalMs: 0, retry: { retries: 2, initialRetryTimeMs: 100, multiplier: 2 } })
    await c.subscribe('t')
    const attempts: string[] = []
    let failB = 4
    const crashes: unknown[] = []
    c.on('crash', (e) => crashes.push(e))
    await c.run({
      eachMessage: async ({ message }) => {
        attempts.push(message.value as string)
        if (message.value === 'b' && failB-- > 0) throw new Error('boom')
      },
    })
    const committed: number[] = []
    c.on('commit', (e) => committed.push(...e.offsets.map((o) => o.offset)))
    await until(() => attempts.length === 2 && committed.includes(1))
    await ticks(10)
    expect(attempts).toEqual(['a', 'b'])
    expect(await log.fetchOffsets('g')).toEqual([{ topic: 't', partition: 0, offset: 1, metadata: null }])
    clock.advance(99)
    await ticks(10)
    expect(attempts).toHaveLength(2)
    clock.advance(1) // first retry after 100 ms
    await until(() => attempts.length === 3)
    clock.advance(200) // second retry after 200 ms
    await until(() => attempts.length === 4)
    await until(() => crashes.length === 1)
    expect(crashes[0]).toMatchObject({ restart: true, groupId: 'g', topic: 't', partition: 0, offset: 1 })
    expect((crashes[0] as { error: Error }).error.message).toBe('boom')
    expect(await log.fetchOffsets('g')).toEqual([{ topic: 't', partition: 0, offset: 1, metadata: null }])
    clock.advance(100) // after the crash, the partition restarts after initialRetryTimeMs
    await until(() => attempts.length === 5)
    clock.advance(100)
    await until(() => attempts.length === 6)
    await c.close()
    expect(attempts).toEqual(['a', 'b', 'b', 'b', 'b', 'b'])
    expect(await log.fetchOffsets('g')).toEqual([{ topic: 't', partition: 0, offset: 2, metadata: null }])
    await log.close()
  })

  it('stops the consumer when restartOnFailure says no', async () => {
    const { log, producer } = await setup(1)
    await producer.send('t', [{ value: 'x' }])
    const c = log.consumer({ groupId: 'g', fromBeginning: true, retry: { retries: 0, restartOnFailure: async () => false } })
    await c.subscribe('t')
    const crashed = next(c, 'crash')
    const stopped = next(c, 'stop')
    await c.run({ eachMessage: async () => { throw new Error('fatal') } })
    expect(await crashed).toMatchObject({ restart: false })
    await stopped
    expect(c.running).toBe(false)
    await until(() => c.memberId === undefined)
    expect((await log.describeGroup('g')).members).toEqual([])
    await log.close()
  })

  it('one member’s throwing handler does not stall the other members, nor its own other partitions', async () => {
    const { log } = await setup(4)
    await fill(log, 4, 5)
    const good: ConsumedMessage[] = []
    const bad: ConsumedMessage[] = []
    const a = log.consumer({ groupId: 'g', fromBeginning: true, retry: { retries: 1000, initialRetryTimeMs: 1000 } })
    const b = log.consumer({ groupId: 'g', fromBeginning: true })
    await a.subscribe('t')
    await b.subscribe('t')
    await log.waitForGroup('g')
    const poisoned = a.assignment()[0]!.partition
    await a.run({
      eachMessage: async ({ message }) => {
        if (message.partition === poisoned) throw new Error('poison')
        bad.push(message)
      },
    })
    await b.run({ eachMessage: async ({ message }) => void good.push(message) })
    await until(() => good.length === 10 && bad.length === 5, 'the other partitions all processed')
    expect(new Set(bad.map((m) => m.partition)).has(poisoned)).toBe(false)
    await log.close()
  })

  it('processes up to partitionsConsumedConcurrently partitions at once, each in order', async () => {
    const { log, clock } = await setup(4)
    await fill(log, 4, 6)
    const c = log.consumer({ groupId: 'g', fromBeginning: true, maxPollRecords: 2 })
    await c.subscribe('t')
    let inFlight = 0
    let most = 0
    const got: ConsumedMessage[] = []
    await c.run({
      partitionsConsumedConcurrently: 3,
      eachMessage: async ({ message }) => {
        inFlight++
        most = Math.max(most, inFlight)
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 10))
        got.push(message)
        inFlight--
      },
    })
    // Each round, every partition with records left to process has a handler in flight, up
    // to three; then the clock lets those handlers finish.
    const withRecordsLeft = () => [0, 1, 2, 3].filter((p) => got.filter((m) => m.partition === p).length < 6).length
    while (got.length < 24) {
      await until(() => inFlight === Math.min(3, withRecordsLeft()), `handlers in flight after ${got.length} records`)
      const before = got.length
      clock.advance(10)
      await until(() => got.length > before, 'the handlers to finish')
    }
    expect(got).toHaveLength(24)
    expect(most).toBe(3)
    for (const offsets of byPartition(got).values()) expect(offsets).toEqual([0, 1, 2, 3, 4, 5])
    await log.close()
  })

  it('eachBatch: a partition’s batch with its shape; resolved offsets are committed, unresolved ones come again', async () => {
    const { log, clock, producer } = await setup(1)
    await producer.send('t', Array.from({ length: 10 }, (_, i) => ({ value: i })))
    const c = log.consumer({ groupId: 'g', fromBeginning: true, maxPollRecords: 4, autoCommitIntervalMs: 0, retry: { initialRetryTimeMs: 50 } })
    await c.subscribe('t')
    const batches: Array<{ first: number | null; last: number; hw: number; lag: number; low: number; n: number }> = []
    let thrown = false
    await c.run({
      eachBatch: async ({ batch, resolveOffset, uncommittedOffsets, isRunning, isStale }: EachBatchPayload) => {
        batches.push({ first: batch.firstOffset(), last: batch.lastOffset(), hw: batch.highWatermark, lag: batch.offsetLag(), low: batch.offsetLagLow(), n: batch.messages.length })
        expect(isRunning()).toBe(true)
        expect(isStale()).toBe(false)
        if (batch.firstOffset() === 4 && !thrown) {
          thrown = true
          resolveOffset(5)
          expect(uncommittedOffsets()).toEqual([{ topic: 't', partition: 0, offset: 6 }])
          throw new Error('half done')
        }
      },
    })
    await until(() => batches.length === 2)
    expect(batches[0]).toEqual({ first: 0, last: 3, hw: 10, lag: 6, low: 9, n: 4 })
    await until(() => thrown)
    clock.advance(50)
    await until(() => batches.length >= 3)
    expect(batches[2]!.first).toBe(6)
    await until(() => batches.some((b) => b.last === 9))
    await c.stop()
    expect(await log.fetchOffsets('g')).toEqual([{ topic: 't', partition: 0, offset: 10, metadata: null }])
    await log.close()
  })

  it('eachBatch with eachBatchAutoResolve: false reads unresolved records again', async () => {
    const { log, producer } = await setup(1)
    await producer.send('t', Array.from({ length: 6 }, (_, i) => ({ value: i })))
    const c = log.consumer({ groupId: 'g', fromBeginning: true, maxPollRecords: 6 })
    await c.subscribe('t')
    const firsts: number[] = []
    await c.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset }) => {
        firsts.push(batch.firstOffset()!)
        // resolve only the first half of each batch
        resolveOffset(batch.messages[Math.floor((batch.messages.length - 1) / 2)]!.offset)
      },
    })
    await until(() => firsts.includes(5))
    expect(firsts.slice(0, 3)).toEqual([0, 3, 5])
    await c.close()
    expect((await log.fetchOffsets('g'))[0]!.offset).toBeGreaterThanOrEqual(5)
    await log.close()
  })

  it('eachBatch sees isStale() once its partition is revoked, and the rebalance waits for it', async () => {
    const { log, producer } = await setup(1)
    await producer.send('t', Array.from({ length: 4 }, (_, i) => ({ value: i })))
    const a = log.consumer({ groupId: 'g', fromBeginning: true })
    await a.subscribe('t')
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    let stale: boolean | undefined
    let entered = false
    await a.run({
      eachBatch: async ({ batch, isStale, resolveOffset }) => {
        entered = true
        resolveOffset(batch.firstOffset()!)
        await gate
        stale = isStale()
      },
    })
    await until(() => entered)
    const b = log.consumer({ groupId: 'g', fromBeginning: true })
    const joined = b.subscribe('t')
    await ticks(10)
    release()
    await joined
    expect(stale).toBe(true)
    // eager revoke: a committed only what it resolved (offset 0), so the next owner reads from 1
    expect(await log.fetchOffsets('g')).toEqual([{ topic: 't', partition: 0, offset: 1, metadata: null }])
    await log.close()
  })

  it('emits fetch, batch.start, batch.end, commit, group.join, heartbeat and stop', async () => {
    const { log, producer } = await setup(1)
    await producer.send('t', [{ value: 1 }, { value: 2 }])
    const c = log.consumer({ groupId: 'g', fromBeginning: true, autoCommitIntervalMs: 0, clientId: 'svc' })
    const events: string[] = []
    for (const e of ['fetch', 'batch.start', 'batch.end', 'commit', 'group.join', 'group.rebalance', 'heartbeat', 'stop', 'group.leave'] as const) c.on(e, () => events.push(e))
    const joins: unknown[] = []
    c.on('group.join', (e) => joins.push(e))
    const ends: unknown[] = []
    c.on('batch.end', (e) => ends.push(e))
    await c.subscribe('t')
    await c.run({ eachMessage: async () => {} })
    await until(() => events.includes('commit'))
    await c.stop()
    expect(joins[0]).toMatchObject({ groupId: 'g', generation: 1, isLeader: true, assignor: 'roundRobin', protocol: 'eager', assignment: [{ topic: 't', partition: 0 }] })
    expect(String((joins[0] as { memberId: string }).memberId)).toMatch(/^svc-/)
    expect(ends[0]).toMatchObject({ topic: 't', partition: 0, firstOffset: 0, lastOffset: 1, batchSize: 2, highWatermark: 2, offsetLag: 0, durationMs: 0 })
    for (const e of ['fetch', 'batch.start', 'batch.end', 'commit', 'group.join', 'group.rebalance', 'heartbeat', 'stop', 'group.leave']) expect(events).toContain(e)
    expect(events.indexOf('batch.start')).toBeLessThan(events.indexOf('batch.end'))
    expect(events.indexOf('batch.end')).toBeLessThan(events.lastIndexOf('commit'))
    await log.close()
  })

  it('stop() inside a handler does not wait for itself; run() again resumes at the committed offset', async () => {
    const { log, producer } = await setup(1)
    await producer.send('t', Array.from({ length: 5 }, (_, i) => ({ value: i })))
    const c = log.consumer({ groupId: 'g', fromBeginning: true })
    await c.subscribe('t')
    const seen: number[] = []
    await c.run({
      eachMessage: async ({ message }) => {
        seen.push(message.offset)
        if (message.offset === 2) await c.stop()
      },
    })
    await until(() => !c.running)
    await until(() => c.memberId === undefined)
    // offset 2's handler had not finished when stop committed: it comes again
    expect(await log.fetchOffsets('g')).toEqual([{ topic: 't', partition: 0, offset: 2, metadata: null }])
    const again: number[] = []
    await c.run({ eachMessage: async ({ message }) => void again.push(message.offset) })
    await until(() => again.length === 3)
    expect(again).toEqual([2, 3, 4])
    expect(seen).toEqual([0, 1, 2])
    await log.close()
  })

  it('pause() from a handler holds the partition’s remaining records until resumed', async () => {
    const { log, producer } = await setup(2)
    await producer.send('t', [0, 1, 2].map((i) => ({ value: i, partition: 0 })).concat([{ value: 9, partition: 1 }]))
    const c = log.consumer({ groupId: 'g', fromBeginning: true })
    await c.subscribe('t')
    const got: Array<[number, number]> = []
    let resume: (() => void) | undefined
    await c.run({
      partitionsConsumedConcurrently: 2,
      eachMessage: async ({ message, pause }) => {
        got.push([message.partition, message.offset])
        if (message.partition === 0 && message.offset === 0 && !resume) resume = pause()
      },
    })
    await until(() => got.some(([p]) => p === 1))
    await ticks(10)
    expect(got.filter(([p]) => p === 0)).toEqual([[0, 0]])
    expect(c.paused()).toEqual([{ topic: 't', partition: 0 }])
    resume!()
    await until(() => got.filter(([p]) => p === 0).length === 3)
    expect(got.filter(([p]) => p === 0)).toEqual([[0, 0], [0, 1], [0, 2]])
    await log.close()
  })

  it('seek() while running skips the rest of the batch and goes on from the target', async () => {
    const { log, producer } = await setup(1)
    await producer.send('t', Array.from({ length: 10 }, (_, i) => ({ value: i })))
    const c = log.consumer({ groupId: 'g', fromBeginning: true })
    await c.subscribe('t')
    const got: number[] = []
    await c.run({
      eachMessage: async ({ message }) => {
        got.push(message.offset)
        if (message.offset === 1) c.seek({ topic: 't', partition: 0, offset: 7 })
      },
    })
    await until(() => got.includes(9))
    expect(got).toEqual([0, 1, 7, 8, 9])
    await log.close()
  })

  it('a handler stuck past sessionTimeoutMs loses its member; heartbeat() keeps a long handler in', async () => {
    const { log, clock, producer } = await setup(1)
    await producer.send('t', [{ value: 0 }, { value: 1 }])
    const a = log.consumer({ groupId: 'g', fromBeginning: true, sessionTimeoutMs: 1_000 })
    await a.subscribe('t')
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    let beating = true
    let entered = false
    await a.run({
      eachMessage: async ({ heartbeat }) => {
        entered = true
        while (beating) {
          await heartbeat()
          await Promise.race([gate, new Promise<void>((r) => clock.setTimeout(r, 500))])
        }
        await gate
      },
    })
    await until(() => entered)
    for (let i = 0; i < 10; i++) {
      clock.advance(500)
      await ticks(3)
    }
    expect(a.memberId).toBeDefined()
    beating = false
    await ticks(3)
    const left = next(a, 'group.leave')
    clock.advance(500)
    clock.advance(1_000)
    expect(await left).toMatchObject({ reason: 'session-timeout' })
    expect((await log.describeGroup('g')).members).toEqual([])
    release()
    await until(() => a.memberId !== undefined, 'rejoined after the handler returned')
    await log.close()
  })

  it('removes a member that holds a revoked partition past rebalanceTimeoutMs; its late handler commits nothing', async () => {
    const { log, clock, producer } = await setup(1)
    await producer.send('t', [{ value: 0 }, { value: 1 }])
    const a = log.consumer({ groupId: 'g', fromBeginning: true, sessionTimeoutMs: 60_000, rebalanceTimeoutMs: 10_000 })
    await a.subscribe('t')
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    let entered = false
    await a.run({
      eachMessage: async ({ message }) => {
        entered = true
        if (message.offset === 0) await gate
      },
    })
    await until(() => entered)
    const b = log.consumer({ groupId: 'g', fromBeginning: true })
    const got: number[] = []
    const left = next(a, 'group.leave')
    const joined = b.subscribe('t')
    await ticks(10)
    expect(b.assignment()).toEqual([])
    clock.advance(10_000)
    expect(await left).toMatchObject({ reason: 'rebalance-timeout' })
    await joined
    expect(b.assignment()).toEqual([{ topic: 't', partition: 0 }])
    await b.run({ eachMessage: async ({ message }) => void got.push(message.offset) })
    await until(() => got.length === 2)
    expect(got).toEqual([0, 1])
    await b.close()
    release()
    await ticks(20)
    // a's late handler commits nothing: what b committed stays
    expect(await log.fetchOffsets('g')).toEqual([{ topic: 't', partition: 0, offset: 2, metadata: null }])
    await log.close()
  })

  it('log.close() stops running consumers and commits what they processed', async () => {
    const { log, producer } = await setup(1)
    await producer.send('t', Array.from({ length: 3 }, (_, i) => ({ value: i })))
    const c = log.consumer({ groupId: 'g', fromBeginning: true })
    await c.subscribe('t')
    let n = 0
    await c.run({ eachMessage: async () => void n++ })
    await until(() => n === 3)
    if (store.durable) {
      const reopened = await store.reopen(log)
      expect(await reopened.fetchOffsets('g')).toEqual([{ topic: 't', partition: 0, offset: 3, metadata: null }])
      await reopened.close()
    } else {
      const stopped = next(c, 'stop')
      await log.close()
      await stopped
    }
    expect(c.running).toBe(false)
  })

  it('runs over hand-assigned partitions without a group', async () => {
    const { log, producer } = await setup(2)
    await producer.send('t', [{ value: 'a', partition: 0 }, { value: 'b', partition: 1 }])
    const c: Consumer = log.consumer({ fromBeginning: true })
    c.assign([{ topic: 't', partition: 1 }])
    const got: unknown[] = []
    await c.run({ eachMessage: async ({ message }) => void got.push(message.value) })
    await until(() => got.length === 1)
    await ticks(5)
    expect(got).toEqual(['b'])
    await expect(c.commit()).rejects.toMatchObject({ code: 'INVALID_GROUP_ID' })
    await log.close()
  })
})
