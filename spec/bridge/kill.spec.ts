// The bridge process is SIGKILLed at random moments while the application writes to its
// log; after a last run that drains, every local record is on the cluster (at-least-once:
// none missing). With exactlyOnce the same holds; "none twice, read read_committed" cannot
// be checked against librdkafka 2.0.2's mock cluster, which accepts transactions but writes
// no markers, keeps no last stable offset and drops TxnOffsetCommit (see the README).
import { describe, expect, it } from 'vitest'
import { openLog } from '../../lib/index.js'
import { killRuns } from '../helpers/bridge-kill.js'
import { kafkaFor, readCluster, startMockCluster } from '../helpers/cluster.js'
import { readPartition } from '../helpers/read.js'
import { tempDir } from '../helpers/stores.js'

const KILLS = 6

describe('bridge kill', () => {
  it.each(['alo', 'eos'] as const)('%s: every local record is on the cluster after kills at random moments', async (mode) => {
    const cluster = await startMockCluster({ brokers: 3, topics: [{ name: 'orders', partitions: 3 }, { name: 'kill-test.kafkette-progress', partitions: 1 }] })
    try {
      const dir = tempDir()
      await killRuns(dir, cluster.bootstrap, mode, KILLS)
      const log = await openLog({ dir })
      const local: string[] = []
      for (const p of [0, 1, 2]) for (const m of await readPartition(log, 'orders', p)) local.push(`${p}:${String(m.value)}`)
      const committed = await log.fetchOffsets('kill-test', ['orders'])
      await log.close()
      expect(local.length).toBeGreaterThan(0)
      const remote = await readCluster(kafkaFor(cluster), 'orders')
      const onCluster = new Set(remote.map((r) => `${r.partition}:${r.message.value!.toString()}`))
      const missing = local.filter((v) => !onCluster.has(v))
      expect(missing).toEqual([])
      // Nothing reaches the cluster that the log does not hold.
      expect(remote.length).toBeGreaterThanOrEqual(local.length)
      expect(new Set(local).size).toBe(local.length)
      if (mode === 'alo') expect(committed.map((c) => c.offset)).toEqual([0, 1, 2].map((p) => local.filter((v) => v.startsWith(`${p}:`)).length))
    } finally {
      await cluster.stop()
    }
  }, 300_000)
})
