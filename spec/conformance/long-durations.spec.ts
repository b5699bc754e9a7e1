// Durations in Kafka's ranges (days, weeks) wait that long: a retention check every 30
// days, a poll that waits 30 days, a session timeout of a week. On the manual clock, and
// on the system clock with Node's timers faked (one Node timer overflows past 24.8 days).
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ManualClock, SystemClock, openLog, type Clock, type Log } from '../../lib/index.js'

const DAY = 24 * 60 * 60 * 1000

/** Moves time on: the manual clock, or Node's faked timers under the system clock. */
type Advance = (ms: number) => void

const clocks: Array<{ name: string; make: () => { clock: Clock; advance: Advance } }> = [
  {
    name: 'the manual clock',
    make: () => {
      const clock = new ManualClock(0)
      return { clock, advance: (ms) => clock.advance(ms) }
    },
  },
  {
    name: 'the system clock',
    make: () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
      return { clock: new SystemClock(), advance: (ms) => vi.advanceTimersByTime(ms) }
    },
  },
]

afterEach(() => {
  vi.useRealTimers()
})

/** Lets the log's promises and store callbacks run (memory-level answers on later turns). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
}

describe.each(clocks)('long durations on $name', ({ make }) => {
  it('runs retention every 30 days, not every millisecond', async () => {
    const { clock, advance } = make()
    const log: Log = await openLog({ memory: true, clock, retentionCheckIntervalMs: 30 * DAY })
    let runs = 0
    log.on('retention.run', () => runs++)
    advance(1)
    advance(29 * DAY)
    await settle()
    expect(runs).toBe(0)
    const ran = new Promise((resolve) => log.once('retention.run', resolve))
    advance(DAY)
    await ran
    expect(runs).toBe(1)
    advance(29 * DAY)
    await settle()
    expect(runs).toBe(1)
    await log.close()
  })

  it('a poll with timeoutMs of 30 days waits 30 days', async () => {
    const { clock, advance } = make()
    const log = await openLog({ memory: true, clock, retentionCheckIntervalMs: 0 })
    await log.createTopic('t')
    const c = log.consumer({})
    c.assign([{ topic: 't', partition: 0 }])
    let result: unknown
    const polling = c.poll({ timeoutMs: 30 * DAY }).then((r) => (result = r))
    await settle()
    advance(1)
    advance(25 * DAY)
    await settle()
    expect(result).toBeUndefined()
    advance(5 * DAY)
    await polling
    expect(result).toEqual([])
    await log.close()
  })

  it('a member with a session timeout of a week stays a week, and goes after it', async () => {
    const { clock, advance } = make()
    const log = await openLog({ memory: true, clock, retentionCheckIntervalMs: 0 })
    await log.createTopic('t')
    const c = log.consumer({ groupId: 'g', sessionTimeoutMs: 7 * DAY, rebalanceTimeoutMs: 7 * DAY, autoCommit: false })
    await c.subscribe(['t'])
    await c.poll({ timeoutMs: 0 })
    await log.waitForGroup('g')
    advance(6 * DAY)
    await settle()
    expect((await log.describeGroup('g')).members).toHaveLength(1)
    advance(DAY + 1)
    await settle()
    expect((await log.describeGroup('g')).members).toHaveLength(0)
    await log.close()
  })
})
