// A large log on disk: 10 million messages of 100 bytes (1 million with --quick), written
// once; then, each in a fresh child process, opening it (time and memory: opening must
// cost O(partitions), not O(messages)) and consuming all of it with poll (throughput and
// peak RSS, which must stay bounded whatever the log's size).
// A child runs as: node big.mjs --child-open DIR | --child-consume DIR COUNT
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { openLog } from '../../dist/esm/index.js'

const [mode, dir, total] = process.argv.slice(2)
if (mode === '--child-open') {
  const rss0 = process.memoryUsage().rss
  const t0 = process.hrtime.bigint()
  const log = await openLog({ dir, retentionCheckIntervalMs: 0 })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  const { rss, heapUsed } = process.memoryUsage()
  const hw = (await log.describeTopic('t')).partitions.reduce((n, p) => n + p.highWatermark, 0)
  console.log(JSON.stringify({ ms, hw, rssMB: rss / 1e6, rssGrowthMB: (rss - rss0) / 1e6, heapMB: heapUsed / 1e6 }))
  await log.close()
  process.exit(0)
}
if (mode === '--child-consume') {
  const n = Number(total)
  const log = await openLog({ dir, retentionCheckIntervalMs: 0 })
  const { partitions } = await log.describeTopic('t')
  const c = log.consumer({ fromBeginning: true })
  c.assign(partitions.map((p) => ({ topic: 't', partition: p.partition })))
  const t0 = process.hrtime.bigint()
  let got = 0
  while (got < n) got += (await c.poll({ maxRecords: 1000, timeoutMs: 0 })).length
  const s = Number(process.hrtime.bigint() - t0) / 1e9
  console.log(JSON.stringify({ got, rate: got / s, peakRssMB: (process.resourceUsage().maxRSS * 1024) / 1e6 }))
  await log.close()
  process.exit(0)
}

const { megabytes, sends } = await import('../lib/data.mjs')
const { count, progress, quick, results, RUNS, summary, tmp } = await import('../lib/harness.mjs')
const { emit } = results('big')
const N = quick ? 1_000_000 : 10_000_000
const note = quick ? `${count(N)} messages (--quick; the full run opens 10,000,000)` : `${count(N)} messages`
const data = tmp('kafkette-big-')
progress(`big: writing ${count(N)} messages of 100 B`)
{
  const log = await openLog({ dir: data, retentionCheckIntervalMs: 0 })
  await log.createTopic('t', { partitions: 1, config: { retentionMs: -1 } })
  const p = log.producer()
  const list = sends({ batch: 1000, size: 100, keyed: false })
  for (let s = 0; s < N / 1000; s++) {
    await p.send('t', list[s % list.length])
    if ((s + 1) % 1000 === 0) progress(`  ${count((s + 1) * 1000)}`)
  }
  await log.close()
}
const self = fileURLToPath(import.meta.url)
const child = (...args) => JSON.parse(execFileSync(process.execPath, [self, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }))

progress('big: opening it in fresh processes')
child('--child-open', data) // warm-up: the first open also replays LevelDB's write-ahead log
const opens = Array.from({ length: RUNS }, () => child('--child-open', data))
if (opens.some((o) => o.hw !== N)) throw new Error(`the reopened log holds ${opens.map((o) => o.hw)} messages, expected ${N}`)
const time = summary(opens.map((o) => o.ms))
emit({ id: 'big.open.time', section: 'big', store: 'disk', scenario: 'open a log (openLog until it resolves, in a fresh process)', kind: 'value', unit: 'ms', ...time, targets: [{ kind: 'max', stat: 'median', value: 100, text: '≤ 100 ms' }], note })
const rss = summary(opens.map((o) => o.rssGrowthMB))
emit({ id: 'big.open.rss', section: 'big', store: 'disk', scenario: `memory an open log holds: RSS growth during openLog (whole process RSS ${Math.round(summary(opens.map((o) => o.rssMB)).median)} MB, heap ${Math.round(summary(opens.map((o) => o.heapMB)).median)} MB)`, kind: 'value', unit: 'MB', ...rss, note })

progress('big: consuming all of it in fresh processes')
const consumes = Array.from({ length: quick ? 1 : 2 }, () => child('--child-consume', data, String(N)))
const peak = summary(consumes.map((c) => c.peakRssMB))
emit({ id: 'big.consume.rss', section: 'big', store: 'disk', scenario: 'peak RSS of a process consuming the whole log with poll({ maxRecords: 1000 })', kind: 'value', unit: 'MB', ...peak, targets: [{ kind: 'max', stat: 'median', value: 300, text: '≤ 300 MB' }], note })
const rate = summary(consumes.map((c) => c.rate))
emit({ id: 'big.consume.rate', section: 'big', store: 'disk', scenario: 'consume the whole log with poll({ maxRecords: 1000 }), from a freshly opened process', kind: 'throughput', ...rate, mbps: megabytes(rate.median, 100), note })
