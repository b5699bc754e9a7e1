// lowerThisThread() lowers only the thread that calls it: each case runs in a worker
// thread of its own (so the test's thread keeps its priority) and reports what it got
// and what the kernel says of it and of the thread that started it.
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { builtPath } from '../../helpers/dist.js'
import { hasChrt, linux, schedOf } from '../../helpers/sched.js'

const built = builtPath('esm/util/priority.js')

interface Report {
  got: string
  self?: { policy: number; nice: number }
}

function inWorker(body: string): Promise<Report> {
  const code = `
    const { parentPort } = require('node:worker_threads')
    const { readFileSync } = require('node:fs')
    import(${JSON.stringify(built)}).then(({ lowerThisThread }) => {
      ${body}
      const self = process.platform === 'linux' ? (() => {
        const rest = readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' ')
        return { nice: Number(rest[16]), policy: Number(rest[38]) }
      })() : undefined
      parentPort.postMessage({ got, self })
    })
  `
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true })
    w.once('message', (r: Report) => {
      resolve(r)
      void w.terminate()
    })
    w.once('error', reject)
  })
}

/** Lowered to nice 19 with the policy of the thread that started it (left as it was off Linux). */
function expectNice19(r: Report): void {
  if (!linux) expect(r.got).toBe('unchanged')
  else {
    expect(r.got).toBe('nice')
    expect(r.self).toEqual({ policy: schedOf('/proc/thread-self/stat').policy, nice: 19 })
  }
}

describe('lowerThisThread', () => {
  it('puts the calling thread under SCHED_IDLE (nice 19 without chrt), and no other thread', async () => {
    const before = linux ? schedOf('/proc/thread-self/stat') : undefined
    const r = await inWorker('const got = lowerThisThread()')
    if (!linux) expect(r.got).toBe('unchanged')
    else if (hasChrt) {
      expect(r.got).toBe('idle')
      expect(r.self!.policy).toBe(5)
    } else {
      expect(r.got).toBe('nice')
      expect(r.self!.nice).toBe(19)
    }
    if (before) expect(schedOf('/proc/thread-self/stat')).toEqual(before)
  })

  it('falls back to nice 19 when chrt cannot be run', async () => {
    expectNice19(await inWorker(`const got = lowerThisThread(() => { throw new Error('spawn chrt ENOENT') })`))
  })

  it('takes nice 19 where chrt is not installed, running nothing', async () => {
    const r = await inWorker(`
      let ran = false
      const got = lowerThisThread(() => { ran = true }, null)
      if (ran) throw new Error('ran a program with no chrt installed')
    `)
    expectNice19(r)
  })

  it('leaves the thread as it is where threads cannot be lowered one by one', async () => {
    const r = await inWorker(`
      Object.defineProperty(process, 'platform', { value: 'darwin' })
      let ran = false
      const got = lowerThisThread(() => { ran = true })
      if (ran) throw new Error('ran chrt off Linux')
      Object.defineProperty(process, 'platform', { value: ${JSON.stringify(process.platform)} })
    `)
    expect(r.got).toBe('unchanged')
    // A new thread starts as the thread that made it.
    if (linux) expect(r.self).toEqual(schedOf('/proc/thread-self/stat'))
  })
})
