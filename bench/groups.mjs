// Consumption paths and groups, in memory and on disk: poll, for await, eachMessage and
// eachBatch over the same 8 partitions; a group of 1, 2 and 4 members; the time a
// rebalance takes when a member joins or leaves; end-to-end latency (produce → eachMessage)
// at a fixed rate. Prints a table and writes bench/results/groups.jsonl.
// Usage: node bench/groups.mjs [--quick]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { openLog } from '../dist/esm/index.js'

const quick = process.argv.includes('--quick')
const MESSAGES = quick ? 100_000 : 400_000
const RUNS = quick ? 2 : 3
const progress = (s) => process.stderr.write(`${s}\n`)
const dirs = []
const open = (kind) => {
  if (kind === 'memory') return openLog({ memory: true, retentionCheckIntervalMs: 0 })
  const dir = mkdtempSync(join(tmpdir(), 'kafkette-groups-'))
  dirs.push(dir)
  return openLog({ dir, retentionCheckIntervalMs: 0 })
}
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]
const median = (xs) => pct(xs, 0.5)
const rows = []

async function filled(kind) {
  const log = await open(kind)
  await log.createTopic('t', { partitions: 8, config: { retentionMs: -1 } })
  const p = log.producer()
  const value = 'v'.repeat(100)
  for (let i = 0; i < MESSAGES / 1000; i++) await p.send('t', Array.from({ length: 1000 }, (_, j) => ({ value, partition: (i + j) % 8 })))
  return log
}

function until(n) {
  let resolve
  const done = new Promise((r) => (resolve = r))
  let seen = 0
  return { done, add: (k) => ((seen += k) >= n ? resolve() : undefined) }
}

const ways = {
  poll: async (log) => {
    const c = log.consumer({ fromBeginning: true })
    c.assign(Array.from({ length: 8 }, (_, partition) => ({ topic: 't', partition })))
    let n = 0
    while (n < MESSAGES) n += (await c.poll({ maxRecords: 1000, timeoutMs: 0 })).length
    await c.close()
  },
  'for await': async (log) => {
    const c = log.consumer({ fromBeginning: true })
    c.assign(Array.from({ length: 8 }, (_, partition) => ({ topic: 't', partition })))
    let n = 0
    for await (const _m of c) if (++n === MESSAGES) break
    await c.close()
  },
  eachMessage: async (log, members = 1) => groupRun(log, members, 'eachMessage'),
  eachBatch: async (log, members = 1) => groupRun(log, members, 'eachBatch'),
}

let groupSeq = 0
async function groupRun(log, members, how) {
  const groupId = `g${groupSeq++}`
  const counter = until(MESSAGES)
  const consumers = []
  for (let i = 0; i < members; i++) {
    const c = log.consumer({ groupId, fromBeginning: true, maxPollRecords: 1000 })
    await c.subscribe('t')
    consumers.push(c)
  }
  await Promise.all(
    consumers.map((c) =>
      c.run(how === 'eachMessage' ? { eachMessage: async () => counter.add(1), partitionsConsumedConcurrently: 8 } : { eachBatch: async ({ batch }) => counter.add(batch.messages.length), partitionsConsumedConcurrently: 8 }),
    ),
  )
  await counter.done
  for (const c of consumers) await c.close()
}

for (const kind of ['memory', 'disk']) {
  progress(`${kind}: filling ${MESSAGES.toLocaleString('en-US')} messages over 8 partitions`)
  const log = await filled(kind)
  for (const [name, fn] of Object.entries(ways)) {
    progress(`  ${name}`)
    await fn(log)
    const rates = []
    for (let r = 0; r < RUNS; r++) {
      const t0 = process.hrtime.bigint()
      await fn(log)
      rates.push(MESSAGES / (Number(process.hrtime.bigint() - t0) / 1e9))
    }
    rows.push({ scenario: `consume 8 partitions with ${name}, ${kind}`, unit: 'msg/s', median: median(rates), min: Math.min(...rates), max: Math.max(...rates) })
  }
  for (const members of [1, 2, 4]) {
    progress(`  group of ${members} (eachBatch)`)
    const rates = []
    for (let r = 0; r < RUNS; r++) {
      const t0 = process.hrtime.bigint()
      await groupRun(log, members, 'eachBatch')
      rates.push(MESSAGES / (Number(process.hrtime.bigint() - t0) / 1e9))
    }
    rows.push({ scenario: `group of ${members} over 8 partitions (eachBatch, incl. join), ${kind}`, unit: 'msg/s', median: median(rates), min: Math.min(...rates), max: Math.max(...rates) })
  }
  await log.close()
}

// ── rebalance time (memory) ──────────────────────────────────────────────────────
{
  progress('rebalance time')
  const log = await open('memory')
  await log.createTopic('r', { partitions: 8 })
  const base = log.consumer({ groupId: 'rb' })
  await base.subscribe('r')
  await base.run({ eachMessage: async () => undefined })
  const joins = []
  const leaves = []
  for (let i = 0; i < (quick ? 50 : 200); i++) {
    const t0 = process.hrtime.bigint()
    const c = log.consumer({ groupId: 'rb' })
    await c.subscribe('r')
    await c.run({ eachMessage: async () => undefined })
    await log.waitForGroup('rb')
    joins.push(Number(process.hrtime.bigint() - t0) / 1e6)
    const t1 = process.hrtime.bigint()
    await c.close()
    await log.waitForGroup('rb')
    leaves.push(Number(process.hrtime.bigint() - t1) / 1e6)
  }
  rows.push({ scenario: 'rebalance on join (memory, 8 partitions)', unit: 'ms', median: median(joins), min: Math.min(...joins), max: Math.max(...joins), p99: pct(joins, 0.99), target: 'p50 < 5 ms', pass: median(joins) < 5 })
  rows.push({ scenario: 'rebalance on leave (memory, 8 partitions)', unit: 'ms', median: median(leaves), min: Math.min(...leaves), max: Math.max(...leaves), p99: pct(leaves, 0.99), target: 'p50 < 5 ms', pass: median(leaves) < 5 })
  await log.close()
}

// ── end-to-end latency at a fixed rate (disk) ─────────────────────────────────────
for (const rate of [1000, 10_000]) {
  progress(`end-to-end at ${rate} msg/s`)
  const log = await open('disk')
  await log.createTopic('e', { partitions: 1 })
  const lat = []
  const c = log.consumer({ groupId: 'e2e' })
  await c.subscribe('e')
  await c.run({ eachMessage: async ({ message }) => void lat.push(performance.now() - message.value) })
  const p = log.producer()
  const seconds = quick ? 1 : 3
  const total = rate * seconds
  const perTick = Math.max(1, Math.round(rate / 1000))
  const t0 = performance.now()
  const sends = []
  for (let i = 0; i < total; i += perTick) {
    const due = t0 + (i / rate) * 1000
    while (performance.now() < due) await new Promise((r) => setImmediate(r))
    for (let k = 0; k < perTick; k++) sends.push(p.send('e', { value: performance.now() }))
  }
  await Promise.all(sends)
  while (lat.length < total) await new Promise((r) => setTimeout(r, 5))
  rows.push({ scenario: `end-to-end produce → eachMessage at ${rate.toLocaleString('en-US')} msg/s, disk`, unit: 'ms', median: median(lat), min: Math.min(...lat), max: Math.max(...lat), p99: pct(lat, 0.99), p999: pct(lat, 0.999), target: rate === 10_000 ? 'p99 ≤ 2 ms' : '—', pass: rate === 10_000 ? pct(lat, 0.99) <= 2 : true })
  await log.close()
}

const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`
console.log(`kafkette groups bench — ${machine}${quick ? ' (quick)' : ''}; median of ${RUNS} runs after a warm-up, ${MESSAGES.toLocaleString('en-US')} messages`)
console.log('| scenario | median | min | max | target | |')
console.log('|---|---|---|---|---|---|')
const fmt = (n) => (n >= 1000 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2))
for (const r of rows) {
  const extra = r.p99 !== undefined ? ` (p99 ${fmt(r.p99)}${r.p999 !== undefined ? `, p999 ${fmt(r.p999)}` : ''})` : ''
  console.log(`| ${r.scenario} | ${fmt(r.median)} ${r.unit}${extra} | ${fmt(r.min)} | ${fmt(r.max)} | ${r.target ?? '—'} | ${r.pass === undefined ? '' : r.pass ? 'pass' : 'MISS'} |`)
}
const out = new URL('./results/', import.meta.url)
mkdirSync(out, { recursive: true })
const at = new Date().toISOString()
writeFileSync(new URL('groups.jsonl', out), rows.map((r) => JSON.stringify({ at, machine, quick, ...r })).join('\n') + '\n')
for (const d of dirs) rmSync(d, { recursive: true, force: true })
