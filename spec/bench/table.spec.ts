// bench/lib/table.mjs, the generator of bench/RESULTS.md and of the table `npm run bench`
// prints, run on fixture JSON lines (the benchmarks themselves never run in the tests).
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
// @ts-expect-error: bench/ is plain JavaScript without type declarations
import { parseLines, renderResults, renderTable, tally, verdicts, peerIndex } from '../../bench/lib/table.mjs'

const text = readFileSync(new URL('../fixtures/bench/results.jsonl', import.meta.url), 'utf8')
const rows = parseLines(text, 'retention').map((r: { runId?: string; at?: string }) => ({ ...r, runId: r.runId ?? r.at }))
const line = (scenario: string, store?: string): string => {
  const found = renderTable(rows).find((l: string) => l.startsWith(`| ${scenario}`) && (store === undefined || l.includes(` | ${store} | `)))
  if (!found) throw new Error(`no table line for ${scenario}`)
  return found
}

describe('bench results table', () => {
  it('heads RESULTS.md with the machine: CPU model, cores and Node version', () => {
    const md = renderResults(rows)
    expect(md.split('\n')[0]).toBe('# kafkette benchmark results')
    expect(md).toContain('Machine: Test CPU 9000, 2 cores, Node v20.20.2, 24 GB RAM, linux x64')
    // the one-line machine summary of a row written by an older script does not repeat it
    expect(md).not.toContain('; Test CPU 9000, 2 cores, Node v20.20.2\n')
  })

  it('divides by the floor of the same row and judges the floor target', () => {
    expect(line('produce, 1000-message sends', 'disk')).toContain('| 1,000,000 | 0.90× |')
    expect(line('produce, 1000-message sends', 'memory')).toMatch(/\| 0\.70× \|.*\| MISS \|$/)
  })

  it('takes peers only from the same run: higher rates and lower latencies count as faster', () => {
    const produce = line('produce, 1000-message sends', 'disk')
    expect(produce).toContain('redis 100,000 (9.00×)')
    expect(produce).toContain('nats —')
    expect(produce).toMatch(/≥ 0\.8× floor; ≥ 6× redis \| pass \|$/)
    expect(line('a single awaited send')).toContain('redis 141 µs (2.00×)')
    // the only Redis consume figure is from another run: no ratio, and the target cannot be judged
    const consume = line('consume with poll')
    expect(consume).toContain('redis —')
    expect(consume).toMatch(/\| pass\? \|$/)
    const peerOf = peerIndex(rows)
    const row = rows.find((r: { id?: string }) => r.id === 'consume.disk.poll.100')
    expect(verdicts(row, peerOf)).toEqual([
      { text: '≥ 0.6× floor', pass: true },
      { text: '≥ 10× redis', pass: undefined },
    ])
  })

  it('judges latency targets on their percentile and shows all three', () => {
    expect(line('a single awaited send')).toMatch(/p50 70\.5 µs · p99 160 · p999 4,000 .*\| p50 ≤ 150 µs \| pass \|$/)
  })

  it('lists a skipped scenario with its reason and no verdict', () => {
    expect(line('the KafkaJS facade')).toMatch(/skipped: kafkette\/kafkajs cannot be imported .*\| — \|  \|$/)
  })

  it('shows rows written as { value, target, pass } under their suite', () => {
    const table = renderTable(rows)
    const heading = table.indexOf('| **retention, compaction and the time index** | | | | | | | | | |')
    expect(heading).toBeGreaterThan(0)
    expect(table[heading + 1]).toMatch(/^\| send p99 during compaction vs idle, disk \|.*2129 µs vs 386 µs .*\| ≤ 2× idle p99 \| MISS \|$/)
  })

  it('counts targets met, missed and not judged', () => {
    const t = tally(rows)
    expect(t).toMatchObject({ pass: 2, miss: 2, unknown: 1 })
    expect(t.missed).toEqual(['produce, 1000-message sends (memory)', 'send p99 during compaction vs idle, disk'])
  })
})
