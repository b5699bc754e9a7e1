// Killing the process while compaction and retention run leaves a log that reopens
// consistent: every acknowledged record that is the newest of its key is there, at its
// offset; offsets rise; and per key, what survives is a suffix of what was written (a
// record compaction removed never comes back while an older one of its key stays).
import { describe, expect, it } from 'vitest'
import { openLog } from '../../lib/index.js'
import { runThenKill } from '../helpers/child.js'
import { readPartition } from '../helpers/read.js'
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
      const present: Acked[] = (await readPartition(log, 'compacted', 0, 5000)).map((m) => ({ o: m.offset, k: m.key as string, v: m.value as number }))
      // Each check collects its violations, so a round costs time linear in the records.
      const unordered = present.filter((p, i) => i > 0 && p.o <= present[i - 1]!.o)
      expect(unordered).toEqual([])
      const at = new Map(present.map((p) => [p.o, p]))
      const newest = new Map<string, Acked>()
      for (const a of acked) newest.set(a.k, a)
      const lostNewest = [...newest.values()].filter((a) => at.get(a.o)?.k !== a.k || at.get(a.o)?.v !== a.v)
      expect(lostNewest).toEqual([])
      // The oldest surviving offset of each key: every acknowledged record of that key
      // after it must have survived too.
      const oldestPresent = new Map<string, number>()
      for (const p of present) if (!oldestPresent.has(p.k)) oldestPresent.set(p.k, p.o)
      const holes = acked.filter((a) => a.o > (oldestPresent.get(a.k) ?? Infinity) && !at.has(a.o))
      expect(holes).toEqual([])
      const lastAcked = acked.reduce((max, a) => Math.max(max, a.o), -1)
      expect((await log.describeTopic('compacted')).partitions[0]!.highWatermark).toBeGreaterThan(lastAcked)
      await log.close()
    }
    expect(acked.length).toBeGreaterThan(0)
  })
})
