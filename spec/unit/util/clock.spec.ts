// ManualClock: time moves only when told; timers fire in due order as it passes them.
// SystemClock: waits of any length (days, weeks), past what one Node timer takes.
import { describe, expect, it, vi } from 'vitest'
import { MAX_TIMER_MS, ManualClock, SystemClock } from '../../../lib/util/clock.js'

describe('ManualClock', () => {
  it('fires timers in due order, with now() at each due time', () => {
    const clock = new ManualClock(100)
    const fired: Array<[string, number]> = []
    clock.setTimeout(() => fired.push(['b', clock.now()]), 20)
    clock.setTimeout(() => fired.push(['a', clock.now()]), 10)
    clock.setTimeout(() => fired.push(['c', clock.now()]), 20)
    const cancelled = clock.setTimeout(() => fired.push(['x', clock.now()]), 5)
    clock.clearTimeout(cancelled)
    clock.advance(15)
    expect(fired).toEqual([['a', 110]])
    expect(clock.now()).toBe(115)
    clock.advance(100)
    expect(fired).toEqual([['a', 110], ['b', 120], ['c', 120]])
    expect(clock.now()).toBe(215)
    expect(clock.pendingTimers()).toBe(0)
  })

  it('fires a timer scheduled by a timer within the same advance', () => {
    const clock = new ManualClock()
    const fired: number[] = []
    clock.setTimeout(() => {
      fired.push(clock.now())
      clock.setTimeout(() => fired.push(clock.now()), 10)
    }, 10)
    clock.advance(25)
    expect(fired).toEqual([10, 20])
  })

  it('refuses to go backwards or take bad input', () => {
    const clock = new ManualClock(5)
    expect(() => clock.advance(-1)).toThrow(RangeError)
    expect(() => new ManualClock(Number.NaN)).toThrow(RangeError)
    clock.set(3)
    expect(clock.now()).toBe(5)
  })
})

// Node's own timers overflow past 2^31 − 1 ms (they fire after 1 ms): the system clock
// chains them. Node's timers are faked here, so days pass at once.
describe('SystemClock', () => {
  const DAY = 24 * 60 * 60 * 1000

  it('waits 30 days, not 1 ms, and fires once', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    try {
      const clock = new SystemClock()
      const start = clock.now()
      const fired: number[] = []
      clock.setTimeout(() => fired.push(clock.now() - start), 30 * DAY)
      vi.advanceTimersByTime(1)
      expect(fired).toEqual([])
      vi.advanceTimersByTime(MAX_TIMER_MS)
      expect(fired).toEqual([])
      vi.advanceTimersByTime(30 * DAY - MAX_TIMER_MS - 2)
      expect(fired).toEqual([])
      vi.advanceTimersByTime(1)
      expect(fired).toEqual([30 * DAY])
      vi.advanceTimersByTime(100 * DAY)
      expect(fired).toEqual([30 * DAY])
    } finally {
      vi.useRealTimers()
    }
  })

  it('cancels a chained timer in any of its links, and never fires Infinity', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    try {
      const clock = new SystemClock()
      let fired = 0
      const long = clock.setTimeout(() => fired++, 60 * DAY)
      clock.setTimeout(() => fired++, Infinity)
      vi.advanceTimersByTime(40 * DAY)
      clock.clearTimeout(long)
      vi.advanceTimersByTime(400 * DAY)
      expect(fired).toBe(0)
      expect(vi.getTimerCount()).toBe(1) // the Infinity timer's current link
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('ManualClock with long waits', () => {
  it('fires a timer of weeks at its due time', () => {
    const clock = new ManualClock(0)
    const fired: number[] = []
    clock.setTimeout(() => fired.push(clock.now()), 3 * 7 * 24 * 3600_000)
    clock.advance(3 * 7 * 24 * 3600_000 - 1)
    expect(fired).toEqual([])
    clock.advance(1)
    expect(fired).toEqual([3 * 7 * 24 * 3600_000])
  })
})
