// lowerThisThread() lowers only the thread that calls it: each case runs in a worker
// thread of its own (so the test's thread keeps its priority) and reports what it got
// and what the kernel says of it and of the thread that started it.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'

const built = join(fileURLToPath(new URL('../../..', import.meta.url)), 'dist/esm/util/priority.js')
const linux = process.platform === 'linux'
const hasChrt = linux && ['/usr/bin/chrt', '/bin/chrt'].some((f) => spawnSync(f, ['--version']).status === 0)

/** A thread's scheduling policy (0 normal, 5 SCHED_IDLE) and nice value, from /proc. */
function schedOf(path: string): { policy: number; nice: number } {
  // Fields after "(comm) ": state is field 3, nice field 19, policy field 41.
  const rest = readFileSync(path, 'utf8').split(') ')[1]!.split(' ')
  return { nice: Number(rest[16]), policy: Number(rest[38]) }
}

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
    const r = await inWorker(`const got = lowerThisThread(() => { throw new Error('spawn chrt ENOENT') })`)
    if (!linux) expect(r.got).toBe('unchanged')
    else {
      expect(r.got).toBe('nice')
      expect(r.self).toEqual({ policy: schedOf('/proc/thread-self/stat').policy, nice: 19 })
    }
  })

  it('takes nice 19 where chrt is not installed, running nothing', async () => {
    const r = await inWorker(`
      let ran = false
      const got = lowerThisThread(() => { ran = true }, null)
      if (ran) throw new Error('ran a program with no chrt installed')
    `)
    if (!linux) expect(r.got).toBe('unchanged')
    else {
      expect(r.got).toBe('nice')
      expect(r.self).toEqual({ policy: schedOf('/proc/thread-self/stat').policy, nice: 19 })
    }
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
