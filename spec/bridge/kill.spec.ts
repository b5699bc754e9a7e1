// The bridge process is SIGKILLed at random moments while the application writes to its
// log; after a last run that drains, every local record is on the cluster (at-least-once:
// none missing). With exactlyOnce the same holds; "none twice, read read_committed" cannot
// be checked against librdkafka 2.0.2's mock cluster, which accepts transactions but writes
// no markers, keeps no last stable offset and drops TxnOffsetCommit (see the README).
import { type ChildProcess } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { openLog } from '../../lib/index.js'
import { spawnFixture } from '../helpers/child.js'
import { kafkaFor, readCluster, startMockCluster } from '../helpers/cluster.js'
import { readPartition } from '../helpers/read.js'
import { tempDir } from '../helpers/stores.js'

const KILLS = 6

function waitFor(child: ChildProcess, line: string, ms = 60_000): Promise<void> {
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

async function killRuns(dir: string, bootstrap: string, mode: string): Promise<void> {
  for (let i = 0; i < KILLS; i++) {
    const child = spawnFixture('bridge-forever.mjs', [dir, bootstrap, 'write', mode])
    const exited = new Promise<void>((r) => child.on('exit', () => r()))
    // Killed once the bridge forwards, at a random moment of the next half second.
    await waitFor(child, 'forwarding')
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 480))
    child.kill('SIGKILL')
    await exited
  }
  const drain = spawnFixture('bridge-forever.mjs', [dir, bootstrap, 'drain', mode])
  await waitFor(drain, 'drained', 120_000)
}

describe('bridge kill', () => {
  it.each(['alo', 'eos'])('%s: every local record is on the cluster after kills at random moments', async (mode) => {
    const cluster = await startMockCluster({ brokers: 3, topics: [{ name: 'orders', partitions: 3 }, { name: 'kill-test.kafkette-progress', partitions: 1 }] })
    try {
      const dir = tempDir()
      await killRuns(dir, cluster.bootstrap, mode)
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
