// What every suite shares: flags, temp directories, timing, statistics, progress on
// stderr, and the JSON lines a suite writes to bench/results/<suite>.jsonl. A figure is
// the median of RUNS measured runs after a warm-up run, with their min and max.
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'

const argv = process.argv.slice(2)
/** --quick: fewer messages and runs, the same table. */
export const quick = argv.includes('--quick')
/** The id of the whole `npm run bench` run (ratios to peers only join rows of one run). */
export const runId = argv.find((a) => a.startsWith('--run-id='))?.slice('--run-id='.length) ?? new Date().toISOString()
/** Measured runs per figure (after one warm-up run). */
export const RUNS = quick ? 3 : 5

/** The machine, as RESULTS.md heads it. */
export function machine() {
  const cs = cpus()
  return { cpu: cs[0]?.model?.trim() ?? 'unknown CPU', cores: cs.length, node: process.version, memGB: Math.round(totalmem() / 2 ** 30), platform: `${process.platform} ${process.arch}` }
}

/** Writes a line on stderr (stdout is the table's). */
export function progress(line) {
  process.stderr.write(`${line}\n`)
}

const dirs = new Set()
/** A fresh temp directory, removed at exit (or earlier with rmTmp). */
export function tmp(prefix = 'kafkette-bench-') {
  const d = mkdtempSync(join(tmpdir(), prefix))
  dirs.add(d)
  return d
}
/** Removes a directory made by tmp(). */
export function rmTmp(d) {
  rmSync(d, { recursive: true, force: true })
  dirs.delete(d)
}
process.on('exit', () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** Nanoseconds, from process.hrtime.bigint(). */
export const now = () => process.hrtime.bigint()
/** Seconds since `t0` (a now()). */
export const secondsSince = (t0) => Number(process.hrtime.bigint() - t0) / 1e9

/** Collects garbage between runs when node runs with --expose-gc (run.mjs passes it). */
export function settle() {
  if (typeof globalThis.gc === 'function') globalThis.gc()
}

/** The p-th quantile (0..1) of numbers, by rank. */
export function quantile(xs, p) {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(s.length * p))]
}

/** median, min and max of numbers. */
export function summary(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return { median: s[Math.floor((s.length - 1) / 2)], min: s[0], max: s[s.length - 1], runs: s.length }
}

/** p50, p99 and p999 of latency samples. */
export function percentiles(xs) {
  const s = Float64Array.from(xs).sort()
  const at = (p) => s[Math.min(s.length - 1, Math.floor(s.length * p))]
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999), samples: s.length }
}

/**
 * Runs contenders in turn, a warm-up round then RUNS measured rounds, rotating which goes
 * first so that neither always runs on a warmer (or more fragmented) machine. Each
 * contender is an async function returning one figure (a rate, or a latency). Returns
 * { name: summary } per contender.
 */
export async function race(label, contenders, { runs = RUNS, warmup = 1 } = {}) {
  const names = Object.keys(contenders)
  const figures = Object.fromEntries(names.map((n) => [n, []]))
  for (let r = -warmup; r < runs; r++) {
    progress(`  ${label}: ${r < 0 ? 'warm-up' : `run ${r + 1}/${runs}`}`)
    const order = names.map((_, i) => names[(i + Math.max(0, r)) % names.length])
    for (const name of order) {
      settle()
      const x = await contenders[name]()
      if (r >= 0) figures[name].push(x)
    }
  }
  return Object.fromEntries(names.map((n) => [n, { ...summary(figures[n]), all: figures[n] }]))
}

/**
 * Runs latency contenders the same way, each returning { p50, p99, p999 }; the figure is
 * the median over runs of each percentile, min and max of the runs' p50.
 */
export async function raceLatency(label, contenders, options) {
  const names = Object.keys(contenders)
  const results = Object.fromEntries(names.map((n) => [n, []]))
  const wrapped = Object.fromEntries(
    names.map((n) => [
      n,
      async () => {
        const r = await contenders[n]()
        results[n].push(r)
        return r.p50
      },
    ]),
  )
  const p50s = await race(label, wrapped, options)
  return Object.fromEntries(
    names.map((n) => {
      const measured = results[n].slice(-p50s[n].runs)
      return [n, { ...p50s[n], p50: p50s[n].median, p99: summary(measured.map((r) => r.p99)).median, p999: summary(measured.map((r) => r.p999)).median }]
    }),
  )
}

/** Keeps `inFlight` calls of `once` running until `total` have completed. */
export function windowed(inFlight, total, once) {
  return new Promise((resolve, reject) => {
    let started = 0
    let done = 0
    const next = () => {
      if (started >= total) return
      started++
      once().then(() => {
        if (++done === total) resolve()
        else next()
      }, reject)
    }
    for (let i = 0; i < Math.min(inFlight, total); i++) next()
  })
}

/** Formats a count with thousands separators. */
export const count = (n) => Math.round(n).toLocaleString('en-US')

/**
 * The JSON-lines writer of one suite: `emit(row)` appends one figure to
 * bench/results/<suite>.jsonl (emptied when the suite starts). A row:
 *   id           stable identifier (peers and ratios refer to it)
 *   section      heading it is listed under
 *   scenario     what was measured, in words
 *   store        'disk' | 'memory' | undefined
 *   kind         'throughput' (median/min/max in msg/s, mbps) | 'latency' (p50/p99/p999,
 *                min/max of p50, unit) | 'value' (median/min/max in unit) | 'text' (figure)
 *   floor        { name, median } the floor of the same run, on the same bytes
 *   peers        { redis: id, nats: id } rows of the peer suite to compare with
 *   targets      [{ kind: 'floor', min } | { kind: 'peer', peer, min } | { kind: 'max', stat, value }
 *                 | { kind: 'min', stat, value } | { kind: 'text', text, pass }]
 *   skipped      why the figure is missing (and how to get it)
 *   note         anything the reader must know (smaller counts in --quick, say)
 */
export function results(suite) {
  const dir = new URL('../results/', import.meta.url)
  mkdirSync(dir, { recursive: true })
  const file = new URL(`${suite}.jsonl`, dir)
  writeFileSync(file, '')
  const m = machine()
  const rows = []
  return {
    rows,
    emit(row) {
      const full = { runId, suite, at: new Date().toISOString(), quick, machine: m, ...row }
      rows.push(full)
      appendFileSync(file, `${JSON.stringify(full)}\n`)
      return full
    },
  }
}
