// A process whose only work is a kafkette consumer (run, for await, poll, or the KafkaJS
// facade's run), on disk or in memory, stays up once it has caught up instead of exiting,
// and SIGTERM shuts it down as the README's "Running a service" recipe says: the log
// closes, processed offsets are committed, the process exits by itself with status 0, and
// a restart reads nothing again.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openLog } from '../../lib/index.js'
import { fixture } from '../helpers/child.js'

const root = mkdtempSync(join(tmpdir(), 'kafkette-service-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

interface Line {
  event: string
  offset?: number
}

/**
 * Starts the service, waits until it has processed `records` records and says it caught
 * up, then sends SIGTERM and waits for it to exit. A service that exits by itself before
 * the signal shows as a 'before-exit' ahead of 'sigterm' (and, for for await or poll, as
 * status 13: a top-level await that never settled).
 */
async function serveThenTerminate(dir: string, mode: string, records: number) {
  const child = spawn(process.execPath, [fixture('service.mjs'), dir, mode], { stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: Line[] = []
  let stderr = ''
  let buffered = ''
  let signalled = false
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString()
    const parts = buffered.split('\n')
    buffered = parts.pop()!
    for (const part of parts) lines.push(JSON.parse(part) as Line)
    const seen = lines.filter((l) => l.event === 'record').length
    if (!signalled && seen === records && lines.at(-1)?.event === 'caught-up') {
      signalled = true
      child.kill('SIGTERM')
    }
  })
  const status = await exited
  return { status, events: lines.map((l) => l.event), records: lines.filter((l) => l.event === 'record').map((l) => l.offset), stderr }
}

async function prepare(dir: string) {
  const log = await openLog({ dir })
  await log.createTopic('t')
  await log.producer().send('t', [{ value: 'a' }, { value: 'b' }, { value: 'c' }])
  await log.close()
}

describe.each(['run', 'for-await', 'poll', 'kafkajs'])('a service consuming with %s', (mode) => {
  it('stays up on disk until SIGTERM, commits on shutdown, and reads nothing again after a restart', async () => {
    const dir = join(root, `disk-${mode}`)
    await prepare(dir)

    const first = await serveThenTerminate(dir, mode, 3)
    expect(first.stderr).toBe('')
    expect(first.status).toEqual({ code: 0, signal: null })
    expect(first.records).toEqual([0, 1, 2])
    expect(first.events.indexOf('sigterm')).toBeGreaterThan(-1)
    expect(first.events.slice(0, first.events.indexOf('sigterm'))).not.toContain('before-exit')
    expect(first.events).toContain('closed')

    const log = await openLog({ dir })
    expect(await log.fetchOffsets('svc')).toEqual([{ topic: 't', partition: 0, offset: 3, metadata: null }])
    await log.close()

    const again = await serveThenTerminate(dir, mode, 0)
    expect(again.status).toEqual({ code: 0, signal: null })
    expect(again.records).toEqual([])
  })

  it('stays up in memory until SIGTERM', async () => {
    const run = await serveThenTerminate('memory', mode, 3)
    expect(run.stderr).toBe('')
    expect(run.status).toEqual({ code: 0, signal: null })
    expect(run.records).toEqual([0, 1, 2])
    expect(run.events.indexOf('sigterm')).toBeGreaterThan(-1)
    expect(run.events.slice(0, run.events.indexOf('sigterm'))).not.toContain('before-exit')
  })
})
