// What checking each batch's CRC-32C costs a consumer: poll over the same records from a
// log whose batches carry a checksum and from a copy rewritten without (codec version 1),
// in alternating rounds (15 by default), disk and memory, 100 B and 1 KB values. Prints
// the medians and checked ÷ unchecked, per second of wall time and per second of this
// process's CPU time. Usage: npm run build && node bench/checksum-ab.mjs [rounds]
import { openLog } from '../dist/esm/index.js'
import { sends } from './lib/data.mjs'
import { count, now, race, secondsSince, tmp } from './lib/harness.mjs'

const rounds = Number(process.argv[2] ?? 15)

async function filled(kind, list, n) {
  const log = await openLog(kind === 'disk' ? { dir: tmp(), retentionCheckIntervalMs: 0 } : { memory: true, retentionCheckIntervalMs: 0 })
  await log.createTopic('t', { config: { retentionMs: -1 } })
  const p = log.producer()
  for (let s = 0; s < n / 1000; s++) await p.send('t', list[s % list.length])
  return log
}

/** Rewrites every batch, as codec version 1 (no checksum) or as it is, through the log's store (internal). */
async function rewrite(log, asV1) {
  const it = log.store.iterator({ gte: Buffer.of(2), lt: Buffer.of(3) })
  for (;;) {
    const entries = await it.nextv(1000)
    if (entries.length === 0) break
    await log.store.write(entries.map(([key, value]) => ({ type: 'put', key, value: asV1 ? Buffer.concat([Buffer.of(1), value.subarray(5)]) : Buffer.from(value) })))
  }
  await it.close()
  for (const p of log.topics.get('t').partitions) p.dropCache()
}

/** Reads all `n` records with poll; the rate per second of wall time, or of this process's CPU time with `cpu`. */
async function poll(log, n, cpu) {
  const c = log.consumer({ fromBeginning: true })
  c.assign([{ topic: 't', partition: 0 }])
  const t0 = now()
  const u0 = process.cpuUsage()
  let got = 0
  while (got < n) got += (await c.poll({ maxRecords: 1000, timeoutMs: 0 })).length
  const used = process.cpuUsage(u0)
  const rate = cpu ? n / ((used.user + used.system) / 1e6) : n / secondsSince(t0)
  await c.close()
  return rate
}

for (const kind of ['disk', 'memory']) {
  for (const size of [100, 1024]) {
    const n = size === 100 ? 300_000 : 100_000
    const list = sends({ batch: 1000, size, keyed: false })
    const checked = await filled(kind, list, n)
    const unchecked = await filled(kind, list, n)
    // Both logs' batches are rewritten (the checked one's as they are), so both stores hold the same history.
    await rewrite(checked, false)
    await rewrite(unchecked, true)
    // Wall time, and CPU time (steadier on a shared machine: other processes' work is not counted).
    const r = await race(`checksum ${kind} ${size} B`, {
      checked: () => poll(checked, n, false),
      unchecked: () => poll(unchecked, n, false),
      'checked cpu': () => poll(checked, n, true),
      'unchecked cpu': () => poll(unchecked, n, true),
    }, { runs: rounds })
    console.log(
      `${kind} ${size} B, ${count(n)} records, ${rounds} rounds: checked ${count(r.checked.median)} msg/s, unchecked ${count(r.unchecked.median)} msg/s, checked ÷ unchecked = ${(r.checked.median / r.unchecked.median).toFixed(3)}; ` +
        `per CPU second ${count(r['checked cpu'].median)} vs ${count(r['unchecked cpu'].median)}, ratio ${(r['checked cpu'].median / r['unchecked cpu'].median).toFixed(3)}`,
    )
    await checked.close()
    await unchecked.close()
  }
}
