// holdProcess(): counted holds on one ref'd timer; the process is held while any is taken,
// and a released hold (even released twice) gives its count back exactly once.
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { holdProcess, processHolds } from '../../../lib/util/keep-alive.js'
import { builtPath } from '../../helpers/dist.js'

describe('holdProcess', () => {
  it('counts holds, and a release counts once', () => {
    const before = processHolds()
    const a = holdProcess()
    const b = holdProcess()
    expect(processHolds()).toBe(before + 2)
    a()
    a()
    expect(processHolds()).toBe(before + 1)
    b()
    expect(processHolds()).toBe(before)
  })

  it('keeps a process alive while held, and lets it exit once released', () => {
    const keepAlive = builtPath('esm/util/keep-alive.js')
    // The child releases its hold from an unref'd timer: only the hold keeps it alive until then.
    const code = `
      const { holdProcess } = await import(${JSON.stringify(keepAlive)})
      const release = holdProcess()
      process.on('beforeExit', () => console.log('exit'))
      setTimeout(() => { console.log('released'); release() }, 50).unref()
    `
    expect(execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' })).toBe('released\nexit\n')
  })
})
