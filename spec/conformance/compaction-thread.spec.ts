// Built, a log runs its compactions' rules in a worker thread (dist/.../compaction-worker.js);
// run from the TypeScript sources, in its own thread. Both must leave exactly the same
// records: random sends (keys, tombstones, byte keys, several sends a batch), clock
// advances and compactions, on both stores, through the built log and the sources side
// by side. The worker must not keep a process alive, and close() ends it.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ClassicLevel } from 'classic-level'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import * as source from '../../lib/index.js'
import { builtPath } from '../helpers/dist.js'
import { until } from '../helpers/groups.js'
import { readPartition } from '../helpers/read.js'
import { hasChrt, idleThreadCount, linux, schedOf } from '../helpers/sched.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const built = (await import(builtPath('esm/index.js'))) as typeof source
const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** Waits until no thread of the process runs under SCHED_IDLE: an ended thread may stay in /proc a moment after terminate() resolves. */
async function noIdleThreads(): Promise<void> {
  await until(() => idleThreadCount() === 0, 'no thread left under SCHED_IDLE')
}

type Op = { send: Array<{ key: string | number[]; value: number | null }> } | { advance: number } | { compact: true }

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc
      .array(fc.record({ key: fc.oneof(fc.constantFrom('a', 'b', 'c', 'd'), fc.constantFrom<number[]>([1], [2, 3])), value: fc.option(fc.integer(), { nil: null, freq: 5 }) }), { minLength: 1, maxLength: 6 })
      .map((send) => ({ send })),
    weight: 5,
  },
  { arbitrary: fc.integer({ min: 1, max: 800 }).map((advance) => ({ advance })), weight: 2 },
  { arbitrary: fc.constant({ compact: true as const }), weight: 2 },
)

async function play(mod: typeof source, memory: boolean, ops: Op[]): Promise<unknown[]> {
  const clock = new mod.ManualClock(1_000)
  let log: source.Log
  if (memory) log = await mod.openLog({ memory: true, clock, retentionCheckIntervalMs: 0 })
  else {
    const dir = mkdtempSync(join(tmpdir(), 'kafkette-thread-'))
    dirs.push(dir)
    log = await mod.openLog({ dir, clock, retentionCheckIntervalMs: 0 })
  }
  await log.createTopic('c', { config: { cleanupPolicy: 'compact', deleteRetentionMs: 1000, minCompactionLagMs: 100 } })
  const p = log.producer()
  const results: unknown[] = []
  for (const o of ops) {
    if ('send' in o) await Promise.all(o.send.map((m) => p.send('c', { key: typeof m.key === 'string' ? m.key : Uint8Array.from(m.key), value: m.value })))
    else if ('advance' in o) clock.advance(o.advance)
    else results.push((await log.compact('c')).map(({ removedRecords }) => removedRecords))
  }
  const left = (await readPartition(log, 'c', 0, 7)).map((m) => [m.offset, typeof m.key === 'string' ? m.key : Array.from(m.key as Uint8Array), m.value])
  await log.close()
  return [results, left]
}

describe('compaction in a worker thread (the built log) and in the log thread (the sources)', () => {
  for (const memory of [true, false]) {
    it(`leave the same records, ${memory ? 'in memory' : 'on disk'}`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
          expect(await play(built, memory, ops)).toEqual(await play(source, memory, ops))
        }),
        { numRuns: memory ? 40 : 15 },
      )
    })
  }

  // Thousands of one-record batches span several chunks (a chunk holds up to 1,024
  // batches), and batches of a few hundred KiB span several on their own (a chunk holds
  // about 256 KiB); large values read from disk move to the worker as they are, small
  // ones are packed into one buffer per chunk.
  for (const memory of [true, false]) {
    it(`leave the newest record of each key across chunks of small and large batches, ${memory ? 'in memory' : 'on disk'}`, async () => {
      const big = 'x'.repeat(2_000)
      const sends: Array<Array<{ key: string; value: string }>> = []
      for (let i = 0; i < 3_000; i++) {
        if (i % 700 === 350) sends.push(Array.from({ length: 150 }, (_, j) => ({ key: `k${(i + j) % 97}`, value: `${i}.${j}.${big}` })))
        sends.push([{ key: `k${i % 97}`, value: `${i}` }])
      }
      const newest = new Map<string, { offset: number; value: string }>()
      let offset = 0
      for (const send of sends) for (const m of send) newest.set(m.key, { offset: offset++, value: m.value })
      const expected = [...newest.values()].sort((a, b) => a.offset - b.offset).map(({ offset, value }) => [offset, value])
      for (const mod of [built, source]) {
        const dir = mkdtempSync(join(tmpdir(), 'kafkette-thread-'))
        dirs.push(dir)
        const log = await mod.openLog(memory ? { memory: true, retentionCheckIntervalMs: 0 } : { dir, retentionCheckIntervalMs: 0 })
        await log.createTopic('c', { config: { cleanupPolicy: 'compact' } })
        const p = log.producer()
        for (const send of sends) await p.send('c', send)
        const [r] = await log.compact('c')
        expect(r!.removedRecords).toBe(offset - newest.size)
        expect((await readPartition(log, 'c')).map((m) => [m.offset, m.value])).toEqual(expected)
        await log.close()
      }
    })
  }

  // The worker lowers itself (util/priority.ts) unless the log is opened with
  // compactionPriority: 'normal'; the log's own thread is never lowered.
  it('runs its compactions under SCHED_IDLE on Linux by default on disk, at the process priority in memory or with normal', async () => {
    const disk = () => {
      const dir = mkdtempSync(join(tmpdir(), 'kafkette-thread-'))
      dirs.push(dir)
      return { dir }
    }
    const idleThreads = async (options: source.OpenLogOptions) => {
      await noIdleThreads()
      const log = await built.openLog({ retentionCheckIntervalMs: 0, ...options })
      await log.createTopic('c', { config: { cleanupPolicy: 'compact' } })
      await log.producer().send('c', [{ key: 'k', value: 1 }, { key: 'k', value: 2 }])
      expect((await log.compact('c'))[0]!.removedRecords).toBe(1)
      const running = idleThreadCount()
      await log.close()
      return running
    }
    expect(await idleThreads(disk())).toBe(hasChrt ? 1 : 0)
    expect(await idleThreads({ memory: true })).toBe(0)
    expect(await idleThreads({ memory: true, compactionPriority: 'idle' })).toBe(hasChrt ? 1 : 0)
    expect(await idleThreads({ ...disk(), compactionPriority: 'normal' })).toBe(0)
    if (linux) expect(schedOf('/proc/self/stat').policy).toBe(0) // the log's own thread
  })

  // A request a lowered thread leaves unanswered for a second of the log's clock ends that
  // thread; the compaction starts again on one at the process's priority, which ends with
  // the run, so the next run starts lowered again.
  it('replaces a starved idle thread by a normal one for the rest of the run', async () => {
    await noIdleThreads()
    const clock = new built.ManualClock(0)
    const log = await built.openLog({ memory: true, clock, retentionCheckIntervalMs: 0, compactionPriority: 'idle' })
    await log.createTopic('c', { config: { cleanupPolicy: 'compact' } })
    const p = log.producer()
    for (let i = 0; i < 2_000; i++) await p.send('c', { key: `k${i % 97}`, value: i })
    const running = log.compact('c')
    await until(() => clock.pendingTimers() > 0, 'a request waiting on the lowered thread')
    expect(clock.pendingTimers()).toBe(1) // a request waits on the lowered thread
    clock.advance(1_000)
    const [r] = await running
    expect(r!.removedRecords).toBe(2_000 - 97)
    expect((await readPartition(log, 'c')).map((m) => m.value)).toEqual(Array.from({ length: 97 }, (_, j) => 2_000 - 97 + j))
    await noIdleThreads() // the lowered thread was ended, and the raised one with the run
    await p.send('c', { key: 'k0', value: 'again' })
    expect((await log.compact('c'))[0]!.removedRecords).toBe(1)
    if (hasChrt) expect(idleThreadCount()).toBe(1) // the next run starts lowered
    await log.close()
  })

  it('rejects a compactionPriority other than idle or normal, before opening anything', async () => {
    await expect(built.openLog({ memory: true, compactionPriority: 'low' as never })).rejects.toThrow(/compactionPriority must be 'idle' or 'normal', got "low"/)
    await expect(built.openLog({ memory: true, compactionPriority: 0 as never })).rejects.toThrow(TypeError)
  })

  it('a compacting process exits without closing its log', () => {
    const script = `
      import { openLog } from ${JSON.stringify(join(root, 'dist/esm/index.js'))}
      const log = await openLog({ memory: true, retentionCheckIntervalMs: 0 })
      await log.createTopic('c', { config: { cleanupPolicy: 'compact' } })
      await log.producer().send('c', [{ key: 'k', value: 1 }, { key: 'k', value: 2 }])
      const [r] = await log.compact('c')
      console.log(r.removedRecords)
    `
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 })
    expect(out.trim()).toBe('1')
  })

  it('runs from the CommonJS build too', () => {
    const script = `
      const { openLog } = require(${JSON.stringify(join(root, 'dist/cjs/index.js'))})
      ;(async () => {
        const log = await openLog({ memory: true, retentionCheckIntervalMs: 0 })
        await log.createTopic('c', { config: { cleanupPolicy: 'compact' } })
        await log.producer().send('c', [{ key: 'k', value: 1 }, { key: 'j', value: 1 }, { key: 'k', value: 2 }])
        const [r] = await log.compact('c')
        console.log(r.removedRecords)
        await log.close()
      })()
    `
    expect(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 }).trim()).toBe('1')
  })

  it('reports a batch the worker cannot decode as LOG_CORRUPT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafkette-thread-'))
    dirs.push(dir)
    let log = await built.openLog({ dir, retentionCheckIntervalMs: 0 })
    await log.createTopic('c', { config: { cleanupPolicy: 'compact' } })
    await log.producer().send('c', [{ key: 'k', value: 1 }, { key: 'k', value: 2 }])
    await log.close()
    const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' })
    for await (const key of db.keys({ gte: Buffer.of(2), lt: Buffer.of(3) })) await db.put(key, Buffer.from([1, 0xc1, 0xc1]))
    await db.close()
    log = await built.openLog({ dir, retentionCheckIntervalMs: 0 })
    await expect(log.compact('c')).rejects.toMatchObject({ name: 'KafketteError', code: 'LOG_CORRUPT' })
    await log.close()
  })
})
