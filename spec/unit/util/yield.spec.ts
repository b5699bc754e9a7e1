import { describe, expect, it } from 'vitest'
import { Slicer, yieldToEventLoop } from '../../../lib/util/yield.js'

describe('Slicer', () => {
  it('runs on without yielding while its slice lasts', async () => {
    const slicer = new Slicer(Number.POSITIVE_INFINITY)
    let other = false
    setImmediate(() => (other = true))
    for (let i = 0; i < 100; i++) await slicer.next()
    expect(other).toBe(false)
    await yieldToEventLoop()
    expect(other).toBe(true)
  })

  it('lets other work run once its slice is used up', async () => {
    const slicer = new Slicer(0)
    let other = false
    setImmediate(() => (other = true))
    await slicer.next()
    expect(other).toBe(true)
  })

  it('says when its slice is used up, and starts a new one once it yields', async () => {
    expect(new Slicer(Number.POSITIVE_INFINITY).expired()).toBe(false)
    const slicer = new Slicer(0)
    expect(slicer.expired()).toBe(true)
    await slicer.next()
    const long = new Slicer(60_000)
    expect(long.expired()).toBe(false)
  })
})
