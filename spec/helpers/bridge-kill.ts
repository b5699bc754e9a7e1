// The bridge kill test's driver, shared by every cluster it runs against: the bridge
// process (spec/fixtures/bridge-forever.mjs) SIGKILLed at random moments while it writes
// locally, then a last run that drains.
import type { ChildProcess } from 'node:child_process'
import { spawnFixture } from './child.js'

/** Resolves once the child printed the line `line`; rejects when it exits first or after `ms`. */
export function waitForLine(child: ChildProcess, line: string, ms = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    const timer = setTimeout(() => reject(new Error(`no '${line}' from the bridge in ${ms} ms; stderr: ${err}`)), ms)
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.split('\n').includes(line)) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (!out.split('\n').includes(line)) reject(new Error(`the bridge exited (${signal ?? code}) before '${line}': ${err}`))
    })
  })
}

/**
 * Runs the bridge process on the log in `dir` against `bootstrap` `kills` times, each
 * SIGKILLed at a random moment once it forwards, then once more to drain what is left.
 */
export async function killRuns(dir: string, bootstrap: string, mode: 'alo' | 'eos', kills: number): Promise<void> {
  for (let i = 0; i < kills; i++) {
    const child = spawnFixture('bridge-forever.mjs', [dir, bootstrap, 'write', mode])
    const exited = new Promise<void>((r) => child.on('exit', () => r()))
    // Killed once the bridge forwards, at a random moment of the next half second.
    await waitForLine(child, 'forwarding')
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 480))
    child.kill('SIGKILL')
    await exited
  }
  const drain = spawnFixture('bridge-forever.mjs', [dir, bootstrap, 'drain', mode])
  await waitForLine(drain, 'drained', 120_000)
}
