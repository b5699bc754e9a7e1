// Killing the process while compaction and retention run leaves a log that reopens
// consistent: every acknowledged record that is the newest of its key is there, at its
// offset; offsets rise; and per key, what survives is a suffix of what was written (a
// record compaction removed never comes back while an older one of its key stays).
import { describe, expect, it } from 'vitest'
import { openLog } from '../../lib/index.js'
import { runThenKill } from '../helpers/child.js'
import { tempDir } from '../helpers/stores.js'

const ROUNDS = Number(process.env.KAFKETTE_CRASH_ROUNDS ?? 3)

interface Acked {
  o: number
  k: string
  v: number
}

describe('a log killed while compacting', () => {
  it(`reopens consistent (${ROUNDS} rounds)`, async () => {
    const dir = tempDir()
    const acked: Acked[] = []
    for (let round = 0; round < ROUNDS; round++) {
      acked.push(...(await runThenKill<Acked>('compact-forever.mjs', [dir], 150 + Math.floor(Math.random() * 250))))
      const log = await openLog({ dir, retentionCheckIntervalMs: 0 })
      const c = log.consumer({ fromBeginning: true })
      c.assign([{ topic: 'compacted', partition: 0 }])
      const present: Acked[] = []
      for (;;) {
        const batch = await c.poll({ maxRecords: 5000, timeoutMs: 0 })
        if (batch.length === 0) break
        present.push(...batch.map((m) => ({ o: m.offset, k: m.key as string, v: m.value as number })))
      }
      for (let i = 1; i < present.length; i++) expect(present[i]!.o).toBeGreaterThan(present[i - 1]!.o)
      const at = new Map(present.map((p) => [p.o, p]))
      const newest = new Map<string, Acked>()
      for (const a of acked) newest.set(a.k, a)
      for (const a of newest.values()) expect(at.get(a.o)).toEqual(a)
      const byKey = new Map<string, number[]>()
      for (const a of acked) byKey.set(a.k, [...(byKey.get(a.k) ?? []), a.o])
      for (const p of present) {
        const written = byKey.get(p.k)
        if (!written) continue
        for (const later of written.filter((o) => o > p.o)) expect(at.has(later)).toBe(true)
      }
      expect((await log.describeTopic('compacted')).partitions[0]!.highWatermark).toBeGreaterThan(Math.max(-1, ...acked.map((a) => a.o)))
      await log.close()
    }
    expect(acked.length).toBeGreaterThan(0)
  })
})
