// Reads bench/results/*.jsonl (one file per suite, holding that suite's latest run).
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { parseLines } from './table.mjs'

/** The results directory. */
export const RESULTS_DIR = new URL('../results/', import.meta.url)

/**
 * Every row of every results file. Rows a suite wrote without a run id take `runId` when
 * that suite is in `ran` (it just ran), else their own timestamp.
 */
export function loadRows({ runId, ran = [] } = {}) {
  if (!existsSync(RESULTS_DIR)) return []
  const rows = []
  for (const f of readdirSync(RESULTS_DIR).filter((f) => f.endsWith('.jsonl')).sort()) {
    const suite = f.slice(0, -'.jsonl'.length)
    for (const r of parseLines(readFileSync(new URL(f, RESULTS_DIR), 'utf8'), suite)) {
      rows.push({ ...r, runId: r.runId ?? (ran.includes(suite) ? runId : r.at) })
    }
  }
  return rows
}
