// The core log against its floor, in one run on the same bytes: produce with
// 1,000-message sends, consume with poll, single awaited sends, and 1,000 concurrent
// single sends, on disk and in memory. Each figure is the median of RUNS runs after a
// warm-up run, with min and max. Prints a table and writes bench/results/core.jsonl.
// Usage: npm run bench [-- --quick]
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { MemoryLevel } from 'memory-level'
import { Packr } from 'msgpackr'
import { openLog } from '../dist/esm/index.js'

const quick = process.argv.includes('--quick')
const RUNS = quick ? 3 : 5
const MESSAGES = quick ? 100_000 : 300_000
const BATCH = 1000
const VALUE = 'v'.repeat(100) // a 100-byte value
const dirs = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'kafkette-bench-'))
  dirs.push(d)
  return d
}
const now = () => process.hrtime.bigint()
const secs = (t0) => Number(now() - t0) / 1e9
const progress = (s) => process.stderr.write(`${s}\n`)

async function repeat(name, fn) {
  progress(`  ${name}`)
  await fn() // warm-up
  const xs = []
  for (let i = 0; i < RUNS; i++) xs.push(await fn())
  xs.sort((a, b) => a - b)
  return { median: xs[Math.floor(xs.length / 2)], min: xs[0], max: xs[xs.length - 1] }
}

// ── the floor: msgpackr packing the same record arrays, one store put per batch ─────
const packr = new Packr({ moreTypes: true })
function floorBatch(ts) {
  const flat = []
  for (let i = 0; i < BATCH; i++) flat.push(0, null, VALUE, null)
  return [ts, null, flat]
}
function openStore(kind) {
  const opts = { keyEncoding: 'buffer', valueEncoding: 'buffer' }
  return kind === 'disk' ? new ClassicLevel(tmp(), opts) : new MemoryLevel(opts)
}
function key(i) {
  const k = Buffer.alloc(17)
  k[0] = 2
  k.writeUInt32BE(i, 13)
  return k
}
async function floorProduce(kind) {
  const db = openStore(kind)
  await db.open()
  const t0 = now()
  for (let i = 0; i < MESSAGES / BATCH; i++) await db.put(key(i), packr.pack(floorBatch(Date.now())))
  const rate = MESSAGES / secs(t0)
  await db.close()
  return rate
}
async function floorConsume(kind) {
  const db = openStore(kind)
  await db.open()
  for (let i = 0; i < MESSAGES / BATCH; i++) await db.put(key(i), packr.pack(floorBatch(Date.now())))
  const t0 = now()
  let n = 0
  const it = db.iterator()
  for (;;) {
    const entries = await it.nextv(1)
    if (entries.length === 0) break
    n += packr.unpack(entries[0][1])[2].length / 4
  }
  await it.close()
  const rate = n / secs(t0)
  await db.close()
  return rate
}

// ── kafkette ─────────────────────────────────────────────────────────────────────
const open = (kind) => openLog(kind === 'disk' ? { dir: tmp() } : { memory: true })
const messages = Array.from({ length: BATCH }, () => ({ value: VALUE }))
async function produce(kind) {
  const log = await open(kind)
  await log.createTopic('t')
  const p = log.producer()
  const t0 = now()
  for (let i = 0; i < MESSAGES / BATCH; i++) await p.send('t', messages)
  const rate = MESSAGES / secs(t0)
  await log.close()
  return rate
}
async function consume(kind) {
  const log = await open(kind)
  await log.createTopic('t')
  const p = log.producer()
  for (let i = 0; i < MESSAGES / BATCH; i++) await p.send('t', messages)
  const c = log.consumer({ fromBeginning: true })
  c.assign([{ topic: 't', partition: 0 }])
  const t0 = now()
  let n = 0
  while (n < MESSAGES) n += (await c.poll({ maxRecords: BATCH, timeoutMs: 0 })).length
  const rate = n / secs(t0)
  await log.close()
  return rate
}
async function singleSendLatency(kind) {
  const log = await open(kind)
  await log.createTopic('t')
  const p = log.producer()
  const lat = []
  for (let i = 0; i < (quick ? 2000 : 5000); i++) {
    const t0 = now()
    await p.send('t', { value: VALUE })
    lat.push(Number(now() - t0) / 1e3)
  }
  await log.close()
  lat.sort((a, b) => a - b)
  return { p50: lat[Math.floor(lat.length * 0.5)], p99: lat[Math.floor(lat.length * 0.99)], p999: lat[Math.floor(lat.length * 0.999)] }
}
async function concurrentSends(kind) {
  const log = await open(kind)
  await log.createTopic('t')
  const p = log.producer()
  const rounds = quick ? 20 : 50
  const t0 = now()
  for (let r = 0; r < rounds; r++) await Promise.all(Array.from({ length: 1000 }, () => p.send('t', { value: VALUE })))
  const rate = (rounds * 1000) / secs(t0)
  await log.close()
  return rate
}

// ── run ──────────────────────────────────────────────────────────────────────────
const rows = []
const record = (row) => {
  rows.push(row)
  return row
}
const fmt = (n) => (n >= 1000 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1))
for (const kind of ['disk', 'memory']) {
  progress(`${kind}:`)
  const fp = await repeat(`floor produce (${kind})`, () => floorProduce(kind))
  const kp = await repeat(`kafkette produce (${kind})`, () => produce(kind))
  record({ scenario: `produce 1000-msg sends, 100 B, ${kind}`, unit: 'msg/s', ...kp, floor: fp.median, ratio: kp.median / fp.median, target: '≥ 0.8× floor', pass: kp.median / fp.median >= 0.8 })
  const fc = await repeat(`floor consume (${kind})`, () => floorConsume(kind))
  const kc = await repeat(`kafkette consume (${kind})`, () => consume(kind))
  record({ scenario: `consume poll(1000), 100 B, ${kind}`, unit: 'msg/s', ...kc, floor: fc.median, ratio: kc.median / fc.median, target: '≥ 0.6× floor', pass: kc.median / fc.median >= 0.6 })
  progress(`  single awaited sends (${kind})`)
  await singleSendLatency(kind)
  const lats = []
  for (let i = 0; i < RUNS; i++) lats.push(await singleSendLatency(kind))
  lats.sort((a, b) => a.p50 - b.p50)
  const mid = lats[Math.floor(lats.length / 2)]
  const limit = kind === 'disk' ? 150 : 15
  record({ scenario: `single awaited send, ${kind}`, unit: 'µs', median: mid.p50, min: lats[0].p50, max: lats[lats.length - 1].p50, p99: mid.p99, p999: mid.p999, target: `p50 ≤ ${limit} µs`, pass: mid.p50 <= limit })
  const cs = await repeat(`1000 concurrent single sends (${kind})`, () => concurrentSends(kind))
  record({ scenario: `1000 concurrent single sends, ${kind}`, unit: 'msg/s', ...cs, target: '≥ 200,000 msg/s', pass: cs.median >= 200_000 })
}

const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`
console.log(`kafkette core bench — ${machine}${quick ? ' (quick)' : ''}; median of ${RUNS} runs after a warm-up, ${MESSAGES.toLocaleString('en-US')} messages`)
console.log('| scenario | median | min | max | floor | ratio | target | |')
console.log('|---|---|---|---|---|---|---|---|')
for (const r of rows) {
  const extra = r.p99 !== undefined ? ` (p99 ${fmt(r.p99)}, p999 ${fmt(r.p999)})` : ''
  console.log(`| ${r.scenario} | ${fmt(r.median)} ${r.unit}${extra} | ${fmt(r.min)} | ${fmt(r.max)} | ${r.floor ? fmt(r.floor) : '—'} | ${r.ratio ? r.ratio.toFixed(2) + '×' : '—'} | ${r.target} | ${r.pass ? 'pass' : 'MISS'} |`)
}
const out = new URL('./results/', import.meta.url)
mkdirSync(out, { recursive: true })
const at = new Date().toISOString()
writeFileSync(new URL('core.jsonl', out), rows.map((r) => JSON.stringify({ at, machine, quick, ...r })).join('\n') + '\n')
for (const d of dirs) rmSync(d, { recursive: true, force: true })
