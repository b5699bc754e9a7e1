// Producer options and faults, on both stores: linger on the log clock, sync writes,
// flush/close, and a failed store write that acknowledges nothing and leaves offsets dense.
import { describe, expect, it, vi } from 'vitest'
import { ManualClock, isRetriable } from '../../lib/index.js'
import { failNextWrites, delayNextWrites } from '../../lib/testing/index.js'
import { stores } from '../helpers/stores.js'

describe.each(stores)('producer on $name', (store) => {
  it('lingers on the log clock and writes gathered sends as one batch per partition', async () => {
    const clock = new ManualClock(0)
    const log = await store.makeLog({ clock })
    await log.createTopic('t')
    const p = log.producer({ lingerMs: 50 })
    let done = 0
    const sends = [p.send('t', { value: 1 }), p.send('t', [{ value: 2 }, { value: 3 }])].map((s) => s.then((r) => (done++, r)))
    await new Promise((r) => setImmediate(r))
    expect(done).toBe(0)
    expect((await log.describeTopic('t')).partitions[0]!.highWatermark).toBe(0)
    clock.advance(50)
    const [a, b] = await Promise.all(sends)
    expect(a!.map((m) => m.offset)).toEqual([0])
    expect(b!.map((m) => m.offset)).toEqual([1, 2])
    await log.close()
  })

  it('flush writes lingering sends at once', async () => {
    const log = await store.makeLog({ clock: new ManualClock(0) })
    await log.createTopic('t')
    const p = log.producer({ lingerMs: 10_000 })
    const sent = p.send('t', { value: 'x' })
    await p.flush()
    expect((await sent)[0]!.offset).toBe(0)
    await p.close()
    await expect(p.send('t', { value: 1 })).rejects.toMatchObject({ code: 'LOG_CLOSED' })
    await log.close()
  })

  // The flag is observed where it leaves kafkette: the options of the store's batch call.
  it('writes with sync: true, and only where asked', async () => {
    const syncOf = async (openSync: boolean | undefined, producerSync: boolean | undefined) => {
      const log = await store.makeLog(openSync === undefined ? {} : { sync: openSync })
      await log.createTopic('t')
      const db = (log.store as unknown as { db: { _batch(ops: unknown[], options: { sync: boolean }): Promise<void> } }).db
      const batch = vi.spyOn(db, '_batch')
      const meta = await log.producer(producerSync === undefined ? {} : { sync: producerSync }).send('t', [{ value: 1 }, { value: 2 }])
      expect(meta.map((m) => m.offset)).toEqual([0, 1])
      expect(batch).toHaveBeenCalledTimes(1)
      await log.close()
      return batch.mock.calls[0]![1].sync
    }
    expect(await syncOf(undefined, true)).toBe(true)
    expect(await syncOf(true, undefined)).toBe(true)
    expect(await syncOf(undefined, undefined)).toBe(false)
    expect(await syncOf(true, false)).toBe(true) // the log's sync covers every write
  })

  it('a failed store write rejects every send in it, acknowledges nothing, and offsets stay dense', async () => {
    const log = await store.makeLog()
    await log.createTopic('t')
    const p = log.producer()
    failNextWrites(log, 1)
    const results = await Promise.allSettled([p.send('t', { value: 'a' }), p.send('t', { value: 'b' })])
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected'])
    const err = (results[0] as PromiseRejectedResult).reason
    expect(err.code).toBe('LOG_IO_ERROR')
    expect(isRetriable(err)).toBe(true)
    expect((await log.describeTopic('t')).partitions[0]!.highWatermark).toBe(0)
    expect((await p.send('t', { value: 'c' }))[0]!.offset).toBe(0)
    const c = log.consumer({ fromBeginning: true })
    c.assign([{ topic: 't', partition: 0 }])
    expect((await c.poll({ timeoutMs: 0 })).map((m) => m.value)).toEqual(['c'])
    await log.close()
  })

  it('a delayed store write holds its sends until the clock passes the delay', async () => {
    const clock = new ManualClock(0)
    const log = await store.makeLog({ clock })
    await log.createTopic('t')
    delayNextWrites(log, 1, 100)
    let acked = false
    const sent = log.producer().send('t', { value: 1 }).then((m) => ((acked = true), m))
    await new Promise((r) => setImmediate(r))
    expect(acked).toBe(false)
    clock.advance(100)
    expect((await sent)[0]!.offset).toBe(0)
    await log.close()
  })
})
