// ManualClock: time moves only when told; timers fire in due order as it passes them.
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../../../lib/util/clock.js'

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
