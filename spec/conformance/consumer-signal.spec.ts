// An AbortSignal ends consumption as close() does, without closing: poll returns [],
// messages() ends its loop (records taken but not yielded are read again), run() stops.
import { describe, expect, it } from 'vitest'
import { ManualClock, type ConsumedMessage } from '../../lib/index.js'
import { stores } from '../helpers/stores.js'

describe.each(stores)('consumer signals on $name', (store) => {
  async function setup() {
    const log = await store.makeLog({ clock: new ManualClock(0) })
    await log.createTopic('t')
    return log
  }

  it('ends a waiting poll with [] when its signal aborts, and returns [] at once for an aborted one', async () => {
    const log = await setup()
    const consumer = log.consumer({ fromBeginning: true })
    consumer.assign([{ topic: 't', partition: 0 }])
    const stop = new AbortController()
    const waiting = consumer.poll({ timeoutMs: Infinity, signal: stop.signal })
    stop.abort()
    expect(await waiting).toEqual([])
    await log.producer().send('t', [{ value: 'a' }])
    expect(await consumer.poll({ timeoutMs: 0, signal: stop.signal })).toEqual([])
    expect((await consumer.poll({ timeoutMs: 0 })).map((m) => m.value)).toEqual(['a'])
    await expect(consumer.poll({ signal: 'no' as never })).rejects.toThrow(TypeError)
    await log.close()
  })

  it('ends a messages() loop when its signal aborts; what it did not yield is read again', async () => {
    const log = await setup()
    await log.producer().send('t', [{ value: 0 }, { value: 1 }, { value: 2 }])
    const consumer = log.consumer({ fromBeginning: true })
    consumer.assign([{ topic: 't', partition: 0 }])
    const stop = new AbortController()
    const seen: ConsumedMessage[] = []
    for await (const m of consumer.messages({ signal: stop.signal })) {
      seen.push(m)
      if (m.offset === 1) stop.abort()
    }
    expect(seen.map((m) => m.offset)).toEqual([0, 1])
    expect((await consumer.poll({ timeoutMs: 0 })).map((m) => m.offset)).toEqual([2])
    // a loop waiting for records ends too
    const idle = new AbortController()
    const loop = (async () => {
      for await (const _ of consumer.messages({ signal: idle.signal })) expect.unreachable()
      return 'ended'
    })()
    idle.abort()
    expect(await loop).toBe('ended')
    expect(() => consumer.messages({ signal: {} as never })).toThrow(TypeError)
    await log.close()
  })

  it('puts back, when a loop ends early, the records of every partition taken but not yielded', async () => {
    const log = await store.makeLog({ clock: new ManualClock(0) })
    await log.createTopic('t', { partitions: 2 })
    await log.producer().send('t', [{ value: 'a0', partition: 0 }, { value: 'a1', partition: 0 }, { value: 'b0', partition: 1 }, { value: 'b1', partition: 1 }])
    const consumer = log.consumer({ fromBeginning: true })
    consumer.assign([{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }])
    const first: unknown[] = []
    for await (const m of consumer) {
      first.push(m.value)
      break
    }
    const rest: unknown[] = []
    for (let batch = await consumer.poll({ timeoutMs: 0 }); batch.length > 0; batch = await consumer.poll({ timeoutMs: 0 })) rest.push(...batch.map((m) => m.value))
    expect([...first, ...rest].sort()).toEqual(['a0', 'a1', 'b0', 'b1'])
    await log.close()
  })

  it('stops run() when its signal aborts, committing what was processed', async () => {
    const log = await setup()
    await log.producer().send('t', [{ value: 0 }, { value: 1 }])
    const consumer = log.consumer({ groupId: 'g', fromBeginning: true })
    await consumer.subscribe('t')
    const stop = new AbortController()
    const stopped = new Promise<void>((resolve) => consumer.once('stop', () => resolve()))
    await consumer.run({
      signal: stop.signal,
      eachMessage: async ({ message }) => {
        if (message.offset === 1) stop.abort()
      },
    })
    await stopped
    expect(consumer.running).toBe(false)
    expect(await log.fetchOffsets('g')).toEqual([{ topic: 't', partition: 0, offset: 2, metadata: null }])
    // an aborted signal: run() does not start
    await consumer.subscribe('t')
    await consumer.run({ signal: stop.signal, eachMessage: async () => expect.unreachable() })
    expect(consumer.running).toBe(false)
    await log.close()
  })
})
