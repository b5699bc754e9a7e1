// A consumer without a group, on both stores: assign, seek, poll, for-await, position,
// pause/resume, out-of-range offsets, waking on append, close.
import { describe, expect, it } from 'vitest'
import { KafketteError, ManualClock, type ConsumedMessage } from '../../lib/index.js'
import { stores } from '../helpers/stores.js'

describe.each(stores)('consumer on $name', (store) => {
  async function setup(partitions = 1) {
    const clock = new ManualClock(1_000)
    const log = await store.makeLog({ clock })
    await log.createTopic('t', { partitions })
    return { log, clock, producer: log.producer() }
  }

  it('starts at the high watermark by default and at the log start with fromBeginning', async () => {
    const { log, producer } = await setup()
    await producer.send('t', [{ value: 'old' }])
    const latest = log.consumer()
    latest.assign([{ topic: 't', partition: 0 }])
    const earliest = log.consumer({ fromBeginning: true })
    earliest.assign([{ topic: 't', partition: 0 }])
    expect(latest.position({ topic: 't', partition: 0 })).toBe(1)
    expect(earliest.position({ topic: 't', partition: 0 })).toBe(0)
    await producer.send('t', [{ value: 'new' }])
    expect((await latest.poll({ timeoutMs: 0 })).map((m) => m.value)).toEqual(['new'])
    expect((await earliest.poll({ timeoutMs: 0 })).map((m) => m.value)).toEqual(['old', 'new'])
    expect(earliest.position()).toEqual([{ topic: 't', partition: 0, offset: 2 }])
    await log.close()
  })

  it('reads what was appended, in order, across many batches and maxRecords', async () => {
    const { log, producer } = await setup()
    for (let b = 0; b < 20; b++) await producer.send('t', Array.from({ length: 37 }, (_, i) => ({ value: b * 37 + i })))
    const c = log.consumer({ fromBeginning: true })
    c.assign([{ topic: 't', partition: 0 }])
    const got: number[] = []
    for (;;) {
      const batch = await c.poll({ maxRecords: 50, timeoutMs: 0 })
      expect(batch.length).toBeLessThanOrEqual(50)
      if (batch.length === 0) break
      got.push(...batch.map((m) => m.value as number))
    }
    expect(got).toEqual(Array.from({ length: 740 }, (_, i) => i))
    await log.close()
  })

  it('reads past the recent-batch cache from the store, with read-ahead, and seeks mid-way', async () => {
    const { log, producer } = await setup()
    for (let b = 0; b < 200; b++) await producer.send('t', Array.from({ length: 5 }, (_, i) => ({ value: b * 5 + i })))
    const c = log.consumer({ fromBeginning: true })
    c.assign([{ topic: 't', partition: 0 }])
    const first = await c.poll({ maxRecords: 7, timeoutMs: 0 })
    expect(first.map((m) => m.value)).toEqual([0, 1, 2, 3, 4, 5, 6])
    // a read-ahead is under way from offset 10; seeking must discard it
    c.seek({ topic: 't', partition: 0, offset: 500 })
    expect((await c.poll({ maxRecords: 3, timeoutMs: 0 })).map((m) => m.offset)).toEqual([500, 501, 502])
    c.seek({ topic: 't', partition: 0, offset: 8 })
    const rest: number[] = []
    for (;;) {
      const batch = await c.poll({ maxRecords: 13, timeoutMs: 0 })
      if (batch.length === 0) break
      rest.push(...batch.map((m) => m.offset))
    }
    expect(rest).toEqual(Array.from({ length: 992 }, (_, i) => i + 8))
    await log.close()
  })

  it('seeks inside a batch and re-reads from there', async () => {
    const { log, producer } = await setup()
    await producer.send('t', Array.from({ length: 10 }, (_, i) => ({ value: i })))
    const c = log.consumer({ fromBeginning: true })
    c.assign([{ topic: 't', partition: 0 }])
    await c.poll({ maxRecords: 3, timeoutMs: 0 })
    c.seek({ topic: 't', partition: 0, offset: 7 })
    expect((await c.poll({ timeoutMs: 0 })).map((m) => m.offset)).toEqual([7, 8, 9])
    c.seek({ topic: 't', partition: 0, offset: 2 })
    expect((await c.poll({ maxRecords: 2, timeoutMs: 0 })).map((m) => m.offset)).toEqual([2, 3])
    expect(() => c.seek({ topic: 't', partition: 0, offset: -1 })).toThrow(RangeError)
    expect(() => c.seek({ topic: 't', partition: 0, offset: 1.5 })).toThrow(RangeError)
    expect(() => c.seek({ topic: 't', partition: 3, offset: 0 })).toThrow(KafketteError)
    await log.close()
  })

  it('reports an offset above the high watermark as OFFSET_OUT_OF_RANGE, or resets as configured', async () => {
    const { log, producer } = await setup()
    await producer.send('t', [{ value: 0 }, { value: 1 }])
    const strict = log.consumer({ autoOffsetReset: 'none' })
    strict.assign([{ topic: 't', partition: 0 }])
    strict.seek({ topic: 't', partition: 0, offset: 5 })
    const err = await strict.poll({ timeoutMs: 0 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(KafketteError)
    expect((err as KafketteError).code).toBe('OFFSET_OUT_OF_RANGE')
    expect((err as KafketteError).context).toMatchObject({ topic: 't', partition: 0, offset: 5 })
    const resetting = log.consumer({ autoOffsetReset: 'earliest' })
    resetting.assign([{ topic: 't', partition: 0 }])
    resetting.seek({ topic: 't', partition: 0, offset: 5 })
    const resets: unknown[] = []
    resetting.on('offset.reset', (e) => resets.push(e))
    expect((await resetting.poll({ timeoutMs: 0 })).map((m) => m.value)).toEqual([0, 1])
    expect(resets).toEqual([{ topic: 't', partition: 0, from: 5, to: 0 }])
    await log.close()
  })

  it('refuses to assign unknown topics and partitions', async () => {
    const { log } = await setup(2)
    const c = log.consumer()
    expect(() => c.assign([{ topic: 'nope', partition: 0 }])).toThrow(/UNKNOWN_TOPIC_OR_PARTITION/)
    expect(() => c.assign([{ topic: 't', partition: 2 }])).toThrow(/UNKNOWN_TOPIC_OR_PARTITION/)
    expect(() => c.assign([{ topic: 't', partition: -1 }])).toThrow(RangeError)
    expect(() => c.assign('t' as never)).toThrow(TypeError)
    expect(c.assignment()).toEqual([])
    await log.close()
  })

  it('wakes a waiting poll on append, without the clock moving', async () => {
    const { log, clock, producer } = await setup()
    const c = log.consumer()
    c.assign([{ topic: 't', partition: 0 }])
    const waiting = c.poll({ timeoutMs: 60_000 })
    await new Promise((r) => setImmediate(r))
    const before = clock.now()
    await producer.send('t', { value: 'wake' })
    expect((await waiting).map((m) => m.value)).toEqual(['wake'])
    expect(clock.now()).toBe(before)
    await log.close()
  })

  it('times out a poll on the log clock', async () => {
    const { log, clock } = await setup()
    const c = log.consumer()
    c.assign([{ topic: 't', partition: 0 }])
    let done = false
    const waiting = c.poll({ timeoutMs: 500 }).then((r) => {
      done = true
      return r
    })
    await new Promise((r) => setImmediate(r))
    clock.advance(499)
    await new Promise((r) => setImmediate(r))
    expect(done).toBe(false)
    clock.advance(1)
    expect(await waiting).toEqual([])
    await log.close()
  })

  it('iterates with for await, round-robin over partitions, until closed', async () => {
    const { log, producer } = await setup(3)
    await producer.send('t', [0, 1, 2].flatMap((partition) => [{ value: `${partition}a`, partition }, { value: `${partition}b`, partition }]))
    const c = log.consumer({ fromBeginning: true })
    c.assign([0, 1, 2].map((partition) => ({ topic: 't', partition })))
    const seen: ConsumedMessage[] = []
    for await (const m of c) {
      seen.push(m)
      if (seen.length === 6) await c.close()
    }
    expect(seen.map((m) => m.value).sort()).toEqual(['0a', '0b', '1a', '1b', '2a', '2b'])
    for (const p of [0, 1, 2]) {
      expect(seen.filter((m) => m.partition === p).map((m) => m.value)).toEqual([`${p}a`, `${p}b`])
    }
    await log.close()
  })

  it('serves next() calls made before records arrive in order, and ends on return()', async () => {
    const { log, producer } = await setup(1)
    const c = log.consumer()
    c.assign([{ topic: 't', partition: 0 }])
    const it = c[Symbol.asyncIterator]()
    const first = it.next()
    const second = it.next()
    await producer.send('t', [{ value: 'a' }, { value: 'b' }, { value: 'c' }])
    expect((await first).value?.value).toBe('a')
    expect((await second).value?.value).toBe('b')
    expect(await it.return!()).toEqual({ value: undefined, done: true })
    expect(await it.next()).toEqual({ value: undefined, done: true })
    // 'c' was taken with the others but never handed out: the next read starts at it
    expect((await c.poll({ timeoutMs: 0 })).map((m) => m.value)).toEqual(['c'])
    await expect(c[Symbol.asyncIterator]().throw!(new Error('stop'))).rejects.toThrow('stop')
    await log.close()
  })

  it('pauses and resumes partitions', async () => {
    const { log, producer } = await setup(2)
    await producer.send('t', [{ value: 'p0', partition: 0 }, { value: 'p1', partition: 1 }])
    const c = log.consumer({ fromBeginning: true })
    c.assign([{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }])
    c.pause([{ topic: 't', partitions: [1] }])
    expect(c.paused()).toEqual([{ topic: 't', partition: 1 }])
    expect((await c.poll({ timeoutMs: 0 })).map((m) => m.value)).toEqual(['p0'])
    c.resume([{ topic: 't' }])
    expect(c.paused()).toEqual([])
    expect((await c.poll({ timeoutMs: 0 })).map((m) => m.value)).toEqual(['p1'])
    await log.close()
  })

  it('reports lag per partition', async () => {
    const { log, producer } = await setup()
    await producer.send('t', Array.from({ length: 5 }, (_, i) => ({ value: i })))
    const c = log.consumer({ fromBeginning: true })
    c.assign([{ topic: 't', partition: 0 }])
    await c.poll({ maxRecords: 2, timeoutMs: 0 })
    expect(c.lag()).toEqual([{ topic: 't', partition: 0, offset: 2, highWatermark: 5, lastStableOffset: 5, lag: 3 }])
    await log.close()
  })

  it('ends a waiting poll with [] when closed, and refuses calls after', async () => {
    const { log } = await setup()
    const c = log.consumer()
    c.assign([{ topic: 't', partition: 0 }])
    const waiting = c.poll({ timeoutMs: Infinity })
    await c.close()
    expect(await waiting).toEqual([])
    await expect(c.poll()).rejects.toMatchObject({ code: 'LOG_CLOSED' })
    expect(() => c.seek({ topic: 't', partition: 0, offset: 0 })).toThrow(/LOG_CLOSED/)
    await log.close()
  })

  it('closing the log ends consumers waiting on it', async () => {
    const { log } = await setup()
    const c = log.consumer()
    c.assign([{ topic: 't', partition: 0 }])
    const waiting = c.poll({ timeoutMs: Infinity })
    await log.close()
    expect(await waiting).toEqual([])
  })

  it('reports a deleted topic to its consumers', async () => {
    const { log, producer } = await setup()
    await producer.send('t', { value: 1 })
    const c = log.consumer({ fromBeginning: true })
    c.assign([{ topic: 't', partition: 0 }])
    await log.deleteTopic('t')
    await expect(c.poll({ timeoutMs: 0 })).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' })
    await log.close()
  })
})
