// `npm run bench [-- --quick] [-- --only=produce,consume]`: runs every suite in its own
// process (one after another, so none disturbs another's figures), with progress on
// stderr; then prints the one table on stdout and regenerates bench/RESULTS.md from
// bench/results/*.jsonl. A suite that fails is reported and the others still run.
import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { loadRows } from './lib/results.mjs'
import { renderResults, renderTable, tally, machineLine } from './lib/table.mjs'

/** The suites, in the order they run: name (also its results file) → script, relative to bench/. */
const SUITES = {
  produce: 'suites/produce.mjs',
  consume: 'suites/consume.mjs',
  drain: 'suites/drain.mjs',
  groups: 'suites/groups.mjs',
  big: 'suites/big.mjs',
  kafkajs: 'suites/kafkajs.mjs',
  wire: 'suites/wire.mjs',
  transactions: 'suites/transactions.mjs',
  peers: 'suites/peers.mjs',
  retention: 'retention.mjs',
  bridge: 'suites/bridge.mjs',
}

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',')
const runId = new Date().toISOString()
const bench = (p) => fileURLToPath(new URL(p, import.meta.url))

const chosen = Object.keys(SUITES).filter((s) => !only || only.includes(s))
const failed = []
const started = process.hrtime.bigint()
for (const name of chosen) {
  const script = bench(SUITES[name])
  if (!existsSync(script)) {
    process.stderr.write(`bench: ${SUITES[name]} is not there; skipping ${name}\n`)
    continue
  }
  process.stderr.write(`\n── ${name} (${SUITES[name]}) ──\n`)
  const t0 = process.hrtime.bigint()
  const code = await new Promise((resolve) => {
    // A suite's stdout (a standalone table, if it prints one) joins the progress on stderr.
    const child = spawn(process.execPath, ['--expose-gc', script, `--run-id=${runId}`, ...(quick ? ['--quick'] : [])], { stdio: ['ignore', 2, 2] })
    child.on('exit', (c, signal) => resolve(signal ? 1 : c))
  })
  process.stderr.write(`── ${name}: ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s${code ? `, FAILED (exit ${code})` : ''}\n`)
  if (code) failed.push(name)
}

const rows = loadRows({ runId, ran: chosen.filter((s) => !failed.includes(s)) })
const thisRun = rows.filter((r) => r.runId === runId)
const seconds = Number(process.hrtime.bigint() - started) / 1e9
console.log(`kafkette bench${quick ? ' --quick' : ''} — ${machineLine(thisRun)} — ${seconds.toFixed(0)} s`)
console.log()
console.log(renderTable(thisRun).join('\n'))
const t = tally(thisRun)
console.log()
console.log(`targets: ${t.pass} met, ${t.miss} missed${t.unknown ? `, ${t.unknown} not judged` : ''}${failed.length ? `; suites failed: ${failed.join(', ')}` : ''}`)
writeFileSync(bench('RESULTS.md'), renderResults(rows))
process.stderr.write('bench/RESULTS.md regenerated from bench/results/*.jsonl\n')
if (failed.length) process.exitCode = 1
