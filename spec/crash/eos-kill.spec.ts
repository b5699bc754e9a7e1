// Exactly-once across SIGKILL: a consume-transform-produce loop (eos-loop.mjs) runs in a
// child killed at arbitrary moments and restarted, then a last run finishes the input.
// The output topic, read read_committed, holds each input exactly once: what a killed
// process sent in an unfinished transaction never becomes visible (its successor aborts
// it), and the group's offsets moved only with the commits.
import { describe, expect, it } from 'vitest'
import { openLog } from '../../lib/index.js'
import { runFixture, runThenKill, spawnFixture } from '../helpers/child.js'
import { tempDir } from '../helpers/stores.js'

const ROUNDS = Number(process.env.KAFKETTE_CRASH_ROUNDS ?? 6)
const INPUTS = 20_000

describe('a consume-transform-produce loop killed with SIGKILL', () => {
  it(`delivers each input exactly once to read_committed readers (${ROUNDS} kills)`, async () => {
    const dir = tempDir()
    const setup = await openLog({ dir })
    await setup.createTopic('in', { partitions: 2 })
    await setup.createTopic('out', { partitions: 3 })
    const p = setup.producer()
    for (let i = 0; i < INPUTS; i += 1000) await p.send('in', Array.from({ length: 1000 }, (_, j) => ({ value: { n: i + j }, partition: (i + j) % 2 })))
    await setup.close()
    // One death is certain to land inside a transaction whose records were written.
    const suicide = spawnFixture('eos-loop.mjs', [dir, 'die-mid-tx'])
    expect(await new Promise((resolve) => suicide.on('exit', (_code, signal) => resolve(signal)))).toBe('SIGKILL')
    for (let round = 0; round < ROUNDS; round++) {
      // Real time is the point here: the kill must land at an arbitrary moment.
      await runThenKill('eos-loop.mjs', [dir], 60 + Math.floor(Math.random() * 200))
    }
    expect(await runFixture('eos-loop.mjs', [dir, 'finish'])).toContain('done')
    const log = await openLog({ dir })
    const seen = new Map<number, number>()
    let uncommitted = 0
    for (const isolationLevel of ['read_committed', 'read_uncommitted'] as const) {
      const c = log.consumer({ fromBeginning: true, isolationLevel })
      c.assign([0, 1, 2].map((partition) => ({ topic: 'out', partition })))
      for (;;) {
        const batch = await c.poll({ maxRecords: 5000, timeoutMs: 0 })
        if (batch.length === 0) break
        for (const m of batch) {
          const n = (m.value as { n: number }).n
          if (isolationLevel === 'read_committed') seen.set(n, (seen.get(n) ?? 0) + 1)
          else uncommitted++
        }
      }
      await c.close()
    }
    const twice = [...seen].filter(([, k]) => k > 1).map(([n]) => n)
    expect(twice).toEqual([])
    expect(seen.size).toBe(INPUTS)
    // the aborted records are there for read_uncommitted readers
    expect(uncommitted).toBeGreaterThan(INPUTS)
    expect((await log.fetchOffsets('eos')).map((o) => o.offset)).toEqual([INPUTS / 2, INPUTS / 2])
    const d = await log.describeTopic('out')
    for (const part of d.partitions) expect(part.lastStableOffset).toBe(part.highWatermark)
    await log.close()
  })
})
