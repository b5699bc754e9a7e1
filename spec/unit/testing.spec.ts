// kafkette/testing: a memory log on a manual clock, waits that never sleep, fault hooks.
import { describe, expect, it } from 'vitest'
import { createTestLog, failNextWrites, clearFaults, waitForCaughtUp, waitForGroupStable, ManualClock } from '../../lib/testing/index.js'

describe('kafkette/testing', () => {
  it('createTestLog gives a memory log on a ManualClock', async () => {
    const log = await createTestLog({ startMs: 5000 })
    expect(log.clock).toBeInstanceOf(ManualClock)
    expect(log.clock.now()).toBe(5000)
    await log.createTopic('t')
    const meta = await log.producer().send('t', { value: 1 })
    expect(meta[0]!.timestamp).toBe(5000)
    await log.close()
  })

  it('waits for a group to be stable and a consumer to be caught up', async () => {
    const log = await createTestLog()
    await log.createTopic('t', { partitions: 4 })
    await log.producer().send('t', Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: i })))
    const seen: number[] = []
    const consumers = [0, 1].map(() => log.consumer({ groupId: 'g', fromBeginning: true }))
    for (const c of consumers) {
      await c.subscribe('t')
      await c.run({ eachMessage: async ({ message }) => void seen.push(message.value as number) })
    }
    await waitForGroupStable(log, 'g')
    expect((await log.describeGroup('g')).state).toBe('Stable')
    await Promise.all(consumers.map((c) => waitForCaughtUp(c)))
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i))
    await log.close()
  })

  it('fails the next writes on demand, and clears the faults', async () => {
    const log = await createTestLog()
    await log.createTopic('t')
    const p = log.producer()
    failNextWrites(log, 2)
    await expect(p.send('t', { value: 1 })).rejects.toMatchObject({ code: 'LOG_IO_ERROR', retriable: true })
    clearFaults(log)
    expect((await p.send('t', { value: 2 }))[0]!.offset).toBe(0)
    await log.close()
  })
})
