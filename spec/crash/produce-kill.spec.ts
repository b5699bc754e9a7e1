// Killing the process never loses an acknowledged message: a child produces in a loop
// and is killed with SIGKILL at a random moment; reopened, the log holds every offset
// the child printed as acknowledged, with the value sent there, and each partition's
// offsets are dense from 0.
import { describe, expect, it } from 'vitest'
import { openLog } from '../../lib/index.js'
import { runThenKill } from '../helpers/child.js'
import { tempDir } from '../helpers/stores.js'

const ROUNDS = Number(process.env.KAFKETTE_CRASH_ROUNDS ?? 4)

describe('a producer killed with SIGKILL', () => {
  it(`loses no acknowledged message (${ROUNDS} rounds)`, async () => {
    const dir = tempDir()
    let total = 0
    for (let round = 0; round < ROUNDS; round++) {
      // Real time is the point here: the kill must land at an arbitrary moment.
      const acked = await runThenKill<{ p: number; o: number; n: number }>('produce-forever.mjs', [dir], 80 + Math.floor(Math.random() * 250))
      total += acked.length
      const sentAt = new Map(acked.map(({ p, o, n }) => [`${p}:${o}`, n]))
      const log = await openLog({ dir })
      const d = await log.describeTopic('crash')
      for (const { p, o } of acked) expect(o).toBeLessThan(d.partitions[p]!.highWatermark)
      for (const part of d.partitions) {
        const c = log.consumer({ fromBeginning: true })
        c.assign([{ topic: 'crash', partition: part.partition }])
        let expected = 0
        for (;;) {
          const batch = await c.poll({ maxRecords: 5000, timeoutMs: 0 })
          if (batch.length === 0) break
          for (const m of batch) {
            expect(m.offset).toBe(expected++)
            const n = sentAt.get(`${part.partition}:${m.offset}`)
            if (n !== undefined) expect((m.value as { n: number }).n).toBe(n)
            sentAt.delete(`${part.partition}:${m.offset}`)
          }
        }
        expect(expected).toBe(part.highWatermark)
      }
      expect([...sentAt.keys()]).toEqual([]) // every acknowledged offset was read back
      await log.close()
    }
    expect(total).toBeGreaterThan(0)
  })
})
