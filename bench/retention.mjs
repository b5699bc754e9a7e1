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
/** The slow end of a busy window, which its p99 hides when the window is short: how many sends took over 1 ms, and the longest. */
const slowest = (xs) => `${xs.filter((x) => x > 1000).length} over 1 ms, longest ${(Math.max(...xs) / 1000).toFixed(1)} ms`

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

// ── compaction and retention: throughput and the pause they impose on a producer ──
// Each is measured over several trials on one log: fill, let LevelDB's own background
// work settle, time a window of idle sends, then time the sends made while one run of
// compaction (or retention) works through what the fill added. The timed sends go to a
// topic of their own, so they never become work for a later trial. The idle and busy
// latencies are pooled over the trials, so the p99s rest on thousands of sends each.
const TRIALS = quick ? 3 : 6
const FILL = 200_000
const settle = () => new Promise((resolve) => setTimeout(resolve, 500))

async function pauses({ name, config, fillBatch, run, removedBy }) {
  progress(name)
  const log = await openLog({ dir: tmp(), retentionCheckIntervalMs: 0 })
  await log.createTopic('t', { config })
  await log.createTopic('probe', { config: { retentionMs: -1 } })
  const p = log.producer()
  const idle = []
  const busy = []
  let removed = 0
  let busyNs = 0n
  for (let t = 0; t < TRIALS; t++) {
    for (let i = 0; i < FILL / 1000; i++) await p.send('t', fillBatch)
    await settle()
    idle.push(...(await sendLatencies(p, 'probe', (i) => i >= 2000)))
    let running = true
    const t0 = process.hrtime.bigint()
    const job = run(log).then((r) => {
      running = false
      return r
    })
    busy.push(...(await sendLatencies(p, 'probe', () => !running)))
    removed += removedBy(await job)
    busyNs += process.hrtime.bigint() - t0
  }
  await log.close()
  return { idle, busy, rate: removed / (Number(busyNs) / 1e9) }
}

{
  const keyed = Array.from({ length: 1000 }, (_, i) => ({ key: `k${i % 1000}`, value: 'v'.repeat(100) }))
  const c = await pauses({
    name: 'compaction',
    config: { cleanupPolicy: 'compact' },
    fillBatch: keyed,
    run: (log) => log.compact('t'),
    removedBy: (r) => r.reduce((s, x) => s + x.removedRecords, 0),
  })
  rows.push({ scenario: `compaction, ${TRIALS} runs each over ${FILL.toLocaleString('en-US')} new records (1,000 keys), disk`, value: `${Math.round(c.rate).toLocaleString('en-US')} records removed/s`, target: '—', pass: true })
  const ratio = pct(c.busy, 0.99) / pct(c.idle, 0.99)
  rows.push({ scenario: 'send p99 during compaction vs idle, disk', value: `${pct(c.busy, 0.99).toFixed(0)} µs vs ${pct(c.idle, 0.99).toFixed(0)} µs (${ratio.toFixed(2)}×; p50 ${pct(c.busy, 0.5).toFixed(0)} vs ${pct(c.idle, 0.5).toFixed(0)} µs; ${c.busy.length} vs ${c.idle.length} sends; ${slowest(c.busy)})`, target: '≤ 2× idle p99', pass: ratio <= 2 })

  // Most producers send one record at a time: compaction then works through one batch
  // per record, and its cost per batch, not per record, sets the rate.
  {
    progress('compaction of one-record batches')
    const SMALL = quick ? 20_000 : 100_000
    const log = await openLog({ dir: tmp(), retentionCheckIntervalMs: 0 })
    await log.createTopic('t', { config: { cleanupPolicy: 'compact' } })
    const p = log.producer()
    // A first run starts the log's compaction thread.
    for (let i = 0; i < 2000; i++) await p.send('t', { key: `k${i % 1000}`, value: 'v'.repeat(100) })
    await log.compact('t')
    for (let i = 0; i < SMALL; i++) await p.send('t', { key: `k${i % 1000}`, value: 'v'.repeat(100) })
    const t0 = process.hrtime.bigint()
    const [done] = await log.compact('t')
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9
    await log.close()
    rows.push({ scenario: `compaction over ${SMALL.toLocaleString('en-US')} one-record batches (1,000 keys), disk`, value: `${Math.round(done.removedRecords / seconds).toLocaleString('en-US')} records removed/s`, target: '—', pass: true })
  }

  const keyless = Array.from({ length: 1000 }, () => ({ value: 'v'.repeat(100) }))
  const r = await pauses({
    name: 'retention',
    config: { retentionBytes: 1_000_000, retentionMs: -1 },
    fillBatch: keyless,
    run: async (log) => {
      const start = async () => (await log.describeTopic('t')).partitions[0].logStartOffset
      const before = await start()
      await log.enforceRetention()
      return (await start()) - before
    },
    removedBy: (records) => records,
  })
  rows.push({ scenario: `retention by bytes, ${TRIALS} runs each over ${FILL.toLocaleString('en-US')} new records, disk`, value: `${Math.round(r.rate).toLocaleString('en-US')} records removed/s`, target: '—', pass: true })
  const ratio2 = pct(r.busy, 0.99) / pct(r.idle, 0.99)
  rows.push({ scenario: 'send p99 during retention vs idle, disk', value: `${pct(r.busy, 0.99).toFixed(0)} µs vs ${pct(r.idle, 0.99).toFixed(0)} µs (${ratio2.toFixed(2)}×; p50 ${pct(r.busy, 0.5).toFixed(0)} vs ${pct(r.idle, 0.5).toFixed(0)} µs; ${r.busy.length} vs ${r.idle.length} sends; ${slowest(r.busy)})`, target: '≤ 2× idle p99', pass: ratio2 <= 2 })
}

// ── the floors: raw classic-level, nothing of kafkette ─────────────────────────
// The same trials on a bare classic-level database: the timed "sends" are single raw
// puts of a packed record, and the busy window is raw store work on the batches the
// fill wrote. Reading them (one iterator, 256 KiB a nextv, as compaction reads) is the
// floor of any background reader; deleting them (32 a batch, as retention does) and
// reclaiming their space with compactRange (which the retentionBytes soak needs) is the
// floor of retention. Whatever these cost a writer's p99 on this machine, kafkette doing
// the same work costs at least as much.
{
  const { rawStore, packr, recordKey } = await import('./lib/floor.mjs')
  const flat = []
  for (let i = 0; i < 1000; i++) flat.push(0, `k${i}`, 'v'.repeat(100), null)
  const probe = packr.pack([Date.now(), null, [0, 'k', 'v'.repeat(100), null]])

  async function rawPauses(scenario, work) {
    progress(`floor: ${scenario}`)
    const { db, close } = await rawStore('disk')
    const idle = []
    const busy = []
    let next = 0
    let probes = 0
    const puts = async (out, stop) => {
      for (let i = 0; !stop(i); i++) {
        const t0 = process.hrtime.bigint()
        await db.put(recordKey(1, probes++), probe)
        out.push(Number(process.hrtime.bigint() - t0) / 1e3)
      }
    }
    for (let t = 0; t < TRIALS; t++) {
      const keys = []
      for (let i = 0; i < FILL / 1000; i++) {
        keys.push(recordKey(0, (next += 1000) - 1))
        await db.put(keys[keys.length - 1], packr.pack([Date.now(), null, flat]))
      }
      await settle()
      await puts(idle, (i) => i >= 2000)
      let running = true
      const job = work(db, keys).then(() => {
        running = false
      })
      await puts(busy, () => !running)
      await job
    }
    await close()
    const ratio = pct(busy, 0.99) / pct(idle, 0.99)
    rows.push({ scenario: `floor: raw classic-level put p99 while ${scenario} (${TRIALS} trials) vs idle, disk`, value: `${pct(busy, 0.99).toFixed(0)} µs vs ${pct(idle, 0.99).toFixed(0)} µs (${ratio.toFixed(2)}×; p50 ${pct(busy, 0.5).toFixed(0)} vs ${pct(idle, 0.5).toFixed(0)} µs; ${busy.length} vs ${idle.length} puts)`, target: '—', pass: true })
  }

  await rawPauses(`a raw iterator reads ${FILL.toLocaleString('en-US')} records`, async (db, keys) => {
    const it = db.iterator({ gte: keys[0], lte: keys[keys.length - 1], highWaterMarkBytes: 256 * 1024 })
    while ((await it.nextv(64)).length > 0);
    await it.close()
  })
  await rawPauses(`raw batches delete ${FILL.toLocaleString('en-US')} records and compactRange reclaims them`, async (db, keys) => {
    for (let i = 0; i < keys.length; i += 32) await db.batch(keys.slice(i, i + 32).map((key) => ({ type: 'del', key })))
    await db.compactRange(recordKey(0, 0), keys[keys.length - 1])
  })
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
