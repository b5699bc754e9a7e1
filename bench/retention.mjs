// Retention, compaction and the time index under load, on disk: records removed per
// second, the p99 latency of a producer's awaited sends while they run against the idle
// p99 in the same run, offsetsForTimes latency on a large partition, and a soak with
// retentionBytes whose directory size must stay bounded (the curve is printed).
// Usage: node bench/retention.mjs [--quick]
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { openLog } from '../dist/esm/index.js'

const quick = process.argv.includes('--quick')
const BIG = quick ? 1_000_000 : 10_000_000
const progress = (s) => process.stderr.write(`${s}\n`)
const dirs = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'kafkette-retention-'))
  dirs.push(d)
  return d
}
const dirSize = (d) => readdirSync(d).reduce((n, f) => n + statSync(join(d, f)).size, 0)
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]
const rows = []

async function sendLatencies(p, topic, stopWhen) {
  const lat = []
  let i = 0
  while (!stopWhen(i)) {
    const t0 = process.hrtime.bigint()
    await p.send(topic, { key: `k${i % 1000}`, value: 'v'.repeat(100) })
    lat.push(Number(process.hrtime.bigint() - t0) / 1e3)
    i++
  }
  return lat
}

// ── compaction: throughput and the pause it imposes on a producer ───────────────
{
  progress('compaction')
  const log = await openLog({ dir: tmp(), retentionCheckIntervalMs: 0 })
  await log.createTopic('c', { config: { cleanupPolicy: 'compact' } })
  const p = log.producer()
  const n = quick ? 200_000 : 1_000_000
  const batch = Array.from({ length: 1000 }, (_, i) => ({ key: `k${i % 1000}`, value: 'v'.repeat(100) }))
  for (let i = 0; i < n / 1000; i++) await p.send('c', batch)
  const idle = await sendLatencies(p, 'c', (i) => i >= 3000)
  let running = true
  const t0 = process.hrtime.bigint()
  const compaction = log.compact('c').then((r) => {
    running = false
    return r
  })
  const busy = await sendLatencies(p, 'c', () => !running)
  const result = await compaction
  const secs = Number(process.hrtime.bigint() - t0) / 1e9
  const removed = result.reduce((s, r) => s + r.removedRecords, 0)
  rows.push({ scenario: `compaction of ${n.toLocaleString('en-US')} records (1,000 keys), disk`, value: `${Math.round(removed / secs).toLocaleString('en-US')} records removed/s`, target: '—', pass: true })
  const ratio = pct(busy, 0.99) / pct(idle, 0.99)
  rows.push({ scenario: 'send p99 during compaction vs idle, disk', value: `${pct(busy, 0.99).toFixed(0)} µs vs ${pct(idle, 0.99).toFixed(0)} µs (${ratio.toFixed(2)}×, ${busy.length} sends)`, target: '≤ 2× idle p99', pass: ratio <= 2 })
  await log.close()
}

// ── retention: throughput and pause ────────────────────────────────────────────
{
  progress('retention')
  const log = await openLog({ dir: tmp(), retentionCheckIntervalMs: 0 })
  await log.createTopic('r', { config: { retentionBytes: 1_000_000, retentionMs: -1 } })
  const p = log.producer()
  const n = quick ? 200_000 : 1_000_000
  const batch = Array.from({ length: 1000 }, () => ({ value: 'v'.repeat(100) }))
  for (let i = 0; i < n / 1000; i++) await p.send('r', batch)
  const idle = await sendLatencies(p, 'r', (i) => i >= 3000)
  let running = true
  const before = (await log.describeTopic('r')).partitions[0].logStartOffset
  const t0 = process.hrtime.bigint()
  const retention = log.enforceRetention().then((r) => {
    running = false
    return r
  })
  const busy = await sendLatencies(p, 'r', () => !running)
  await retention
  const secs = Number(process.hrtime.bigint() - t0) / 1e9
  const after = (await log.describeTopic('r')).partitions[0].logStartOffset
  rows.push({ scenario: `retention by bytes over ${n.toLocaleString('en-US')} records, disk`, value: `${Math.round((after - before) / secs).toLocaleString('en-US')} records removed/s`, target: '—', pass: true })
  const ratio = pct(busy, 0.99) / pct(idle, 0.99)
  rows.push({ scenario: 'send p99 during retention vs idle, disk', value: `${pct(busy, 0.99).toFixed(0)} µs vs ${pct(idle, 0.99).toFixed(0)} µs (${ratio.toFixed(2)}×, ${busy.length} sends)`, target: '≤ 2× idle p99', pass: ratio <= 2 })
  await log.close()
}

// ── offsetsForTimes on a large partition ───────────────────────────────────────
{
  progress(`offsetsForTimes on ${BIG.toLocaleString('en-US')} records`)
  const log = await openLog({ dir: tmp(), retentionCheckIntervalMs: 0 })
  await log.createTopic('t', { config: { retentionMs: -1 } })
  const p = log.producer()
  const batch = (b) => Array.from({ length: 1000 }, (_, i) => ({ value: 'v', timestamp: b * 1000 + i }))
  for (let b = 0; b < BIG / 1000; b++) {
    await p.send('t', batch(b))
    if (b % 1000 === 999) progress(`  ${((b + 1) * 1000).toLocaleString('en-US')}`)
  }
  const lat = []
  for (let i = 0; i < 1000; i++) {
    const ts = Math.floor(Math.random() * BIG)
    const t0 = process.hrtime.bigint()
    const [r] = await log.offsetsForTimes('t', ts)
    lat.push(Number(process.hrtime.bigint() - t0) / 1e3)
    if (r.offset !== ts) throw new Error(`offsetsForTimes(${ts}) = ${r.offset}`)
  }
  rows.push({ scenario: `offsetsForTimes on ${BIG.toLocaleString('en-US')} records, disk`, value: `p50 ${pct(lat, 0.5).toFixed(0)} µs, p99 ${pct(lat, 0.99).toFixed(0)} µs`, target: '< 1 ms', pass: pct(lat, 0.5) < 1000 })
  await log.close()
}

// ── soak: a steady producer with retentionBytes; the directory stays bounded ────
{
  progress('soak')
  const dir = tmp()
  const log = await openLog({ dir, retentionCheckIntervalMs: 0 })
  await log.createTopic('s', { config: { retentionBytes: 2_000_000, retentionMs: -1 } })
  const p = log.producer()
  // random bytes: LevelDB compresses its blocks, and repeated characters would not fill the disk
  const batch = () => Array.from({ length: 100 }, () => ({ value: randomBytes(1000) }))
  const curve = []
  const rounds = quick ? 20 : 60
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < 50; i++) await p.send('s', batch()) // 5 MB a round
    await log.enforceRetention()
    curve.push(Math.round(dirSize(dir) / 1e5) / 10)
  }
  const bounded = Math.max(...curve.slice(curve.length / 2)) <= Math.max(...curve.slice(0, curve.length / 2)) * 1.5
  rows.push({ scenario: `soak: ${rounds} rounds of 5 MB with retentionBytes 2 MB, directory MB per round`, value: curve.join(' '), target: 'bounded', pass: bounded })
  await log.close()
}

const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`
console.log(`kafkette retention bench — ${machine}${quick ? ' (quick)' : ''}`)
console.log('| scenario | figure | target | |')
console.log('|---|---|---|---|')
for (const r of rows) console.log(`| ${r.scenario} | ${r.value} | ${r.target} | ${r.pass ? 'pass' : 'MISS'} |`)
const out = new URL('./results/', import.meta.url)
mkdirSync(out, { recursive: true })
const at = new Date().toISOString()
writeFileSync(new URL('retention.jsonl', out), rows.map((r) => JSON.stringify({ at, machine, quick, ...r })).join('\n') + '\n')
for (const d of dirs) rmSync(d, { recursive: true, force: true })
