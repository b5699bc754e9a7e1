// lib/cli/progress.ts: a bar on a terminal only, after a delay, at most ten times a second, cleared at the end.
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { Progress } from '../../../lib/cli/progress.js'

function stream(isTTY: boolean): Writable & { isTTY: boolean; columns: number; text: string } {
  const s = new Writable({
    write(chunk: Buffer, _enc, cb) {
      s.text += chunk.toString()
      cb()
    },
  }) as Writable & { isTTY: boolean; columns: number; text: string }
  s.isTTY = isTTY
  s.columns = 80
  s.text = ''
  return s
}

describe('Progress', () => {
  it('draws nothing where stderr is not a terminal', () => {
    const err = stream(false)
    let now = 0
    const p = new Progress(err, 'consuming t', 100, () => now)
    now = 10_000
    p.tick(50)
    p.finish()
    expect(p.active).toBe(false)
    expect(err.text).toBe('')
  })

  it('waits for its delay, redraws at most every 100 ms, and clears its line when done', () => {
    const err = stream(true)
    let now = 0
    const p = new Progress(err, 'consuming t', 200, () => now, 500)
    p.tick(10)
    now = 499
    p.tick(10)
    expect(err.text).toBe('')
    now = 500
    p.tick(80)
    expect(err.text).toBe(`\r${p.render()}\x1b[K`)
    expect(p.render()).toMatch(/^consuming t \[#{20}-{19}\]  50% 100\/200$/)
    now = 550
    p.tick(100)
    expect(err.text.split('\r')).toHaveLength(2)
    p.finish()
    expect(err.text.endsWith('\r\x1b[K')).toBe(true)
  })
})
