// Opening a log of many messages (time, memory) and consuming all of them with bounded
// memory (peak RSS), each measured in a fresh child process. 10 million messages (1
// million with --quick). Prints a table and writes bench/results/open.jsonl.
// Usage: node bench/open.mjs [--quick]
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openLog } from '../dist/esm/index.js'

const [mode, dir, count] = process.argv.slice(2)
if (mode === '--child-open') {
  const t0 = process.hrtime.bigint()
  const log = await openLog({ dir, retentionCheckIntervalMs: 0 })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  const hw = (await log.describeTopic('t')).partitions.reduce((n, p) => n + p.highWatermark, 0)
  console.log(JSON.stringify({ ms, hw, heapMB: process.memoryUsage().heapUsed / 1e6, rssMB: process.memoryUsage().rss / 1e6 }))
  await log.close()
  process.exit(0)
}
if (mode === '--child-consume') {
  const log = await openLog({ dir, retentionCheckIntervalMs: 0 })
  const { partitions } = await log.describeTopic('t')
  const c = log.consumer({ fromBeginning: true })
  c.assign(partitions.map((p) => ({ topic: 't', partition: p.partition })))
  const t0 = process.hrtime.bigint()
  let n = 0
  while (n < Number(count)) n += (await c.poll({ maxRecords: 1000, timeoutMs: 0 })).length
  const s = Number(process.hrtime.bigint() - t0) / 1e9
  console.log(JSON.stringify({ n, rate: n / s, maxRssMB: process.resourceUsage().maxRSS / 1024 }))
  await log.close()
  process.exit(0)
}

const quick = process.argv.includes('--quick')
const N = quick ? 1_000_000 : 10_000_000
const data = mkdtempSync(join(tmpdir(), 'kafkette-open-'))
process.stderr.write(`writing ${N.toLocaleString('en-US')} messages\n`)
const log = await openLog({ dir: data, retentionCheckIntervalMs: 0 })
await log.createTopic('t', { partitions: 1, config: { retentionMs: -1 } })
const p = log.producer()
const batch = Array.from({ length: 1000 }, (_, i) => ({ value: `value-${i}-${'x'.repeat(90)}` }))
for (let i = 0; i < N / 1000; i++) {
  await p.send('t', batch)
  if ((i + 1) % 1000 === 0) process.stderr.write(`  ${((i + 1) * 1000).toLocaleString('en-US')}\n`)
}
await log.close()
const self = fileURLToPath(import.meta.url)
const child = (...args) => JSON.parse(execFileSync(process.execPath, [self, ...args], { encoding: 'utf8' }))
const opens = Array.from({ length: 5 }, () => child('--child-open', data)).sort((a, b) => a.ms - b.ms)
const opened = opens[2]
if (opened.hw !== N) throw new Error(`reopened log holds ${opened.hw} messages, expected ${N}`)
process.stderr.write('consuming\n')
const consumed = child('--child-consume', data, String(N))
const rows = [
  { scenario: `open a log of ${N.toLocaleString('en-US')} messages, disk`, value: `${opened.ms.toFixed(1)} ms (min ${opens[0].ms.toFixed(1)}, max ${opens[4].ms.toFixed(1)}); heap ${opened.heapMB.toFixed(0)} MB, RSS ${opened.rssMB.toFixed(0)} MB`, target: '≤ 100 ms', pass: opened.ms <= 100 },
  { scenario: `consume ${N.toLocaleString('en-US')} messages with poll, disk`, value: `peak RSS ${consumed.maxRssMB.toFixed(0)} MB at ${Math.round(consumed.rate).toLocaleString('en-US')} msg/s`, target: '≤ 300 MB', pass: consumed.maxRssMB <= 300 },
]
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`
console.log(`kafkette open bench — ${machine}${quick ? ' (quick)' : ''}`)
console.log('| scenario | figure | target | |')
console.log('|---|---|---|---|')
for (const r of rows) console.log(`| ${r.scenario} | ${r.value} | ${r.target} | ${r.pass ? 'pass' : 'MISS'} |`)
const out = new URL('./results/', import.meta.url)
mkdirSync(out, { recursive: true })
const at = new Date().toISOString()
writeFileSync(new URL('open.jsonl', out), rows.map((r) => JSON.stringify({ at, machine, quick, ...r })).join('\n') + '\n')
rmSync(data, { recursive: true, force: true })
