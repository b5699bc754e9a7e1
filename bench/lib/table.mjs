// Turns the JSON lines of bench/results/*.jsonl into the one table `npm run bench` prints
// and bench/RESULTS.md holds: each figure with its min and max, its ratio to the floor and
// to the peers measured in the same run, and pass or MISS against its targets. Pure: no
// I/O, so a spec can run it on fixture lines.

/** The order suites run in (rows of one section are listed in this order). */
export const SUITE_ORDER = ['produce', 'consume', 'groups', 'big', 'kafkajs', 'transactions', 'wire', 'peers', 'retention']

/** The order sections are listed in; unknown sections follow, in order of appearance. */
export const SECTIONS = ['floor', 'produce', 'latency', 'consume', 'groups', 'big', 'kafkajs', 'transactions', 'wire', 'peers', 'retention']

const TITLES = {
  floor: 'the floor (same bytes, nothing of kafkette)',
  produce: 'produce',
  latency: 'latency',
  consume: 'consume',
  groups: 'consumer groups',
  big: 'a large log',
  kafkajs: 'the KafkaJS facade',
  wire: 'the Kafka wire listener',
  transactions: 'transactions and idempotence (×floor: against the plain way on the same log)',
  peers: 'peers on 127.0.0.1',
  retention: 'retention, compaction and the time index',
}

/** Parses JSON lines (a file's text) into rows; `suite` fills in rows written without one. */
export function parseLines(text, suite) {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const row = JSON.parse(l)
      return { suite, ...row }
    })
}

const int = (n) => Math.round(n).toLocaleString('en-US')
/** A number as the table shows it: thousands separators from 1,000, else 3 significant digits. */
export function num(n) {
  if (n === undefined || n === null || Number.isNaN(n)) return '—'
  if (Math.abs(n) >= 1000) return int(n)
  if (Math.abs(n) >= 100) return n.toFixed(0)
  if (Math.abs(n) >= 10) return n.toFixed(1)
  return n.toFixed(2)
}
const ratio = (r) => (r === undefined || !Number.isFinite(r) ? '—' : `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×`)

/** True when higher is better for the row's figure. */
const higherIsBetter = (row) => row.kind === 'throughput'

/** The figure a ratio is taken on: the median rate, or the p50 latency. */
const headline = (row) => (row.kind === 'latency' ? row.p50 : row.median)

/** kafkette's advantage over `other` (a row or a number): rate ÷ rate, or latency ÷ latency inverted. */
function advantage(row, other) {
  const a = headline(row)
  const b = typeof other === 'number' ? other : headline(other)
  if (!(a > 0) || !(b > 0)) return undefined
  return higherIsBetter(row) || row.kind === undefined ? a / b : b / a
}

/** The ratio to the floor of the same run (a fraction of the floor's rate). */
export function floorRatio(row) {
  if (!row.floor || row.floor.median === undefined) return undefined
  return advantage(row, row.floor.median)
}

/** Looks up each row's peers among rows of the same run. */
export function peerIndex(rows) {
  const index = new Map()
  for (const r of rows) if (r.id && r.runId) index.set(`${r.runId} ${r.id}`, r)
  return (row, peer) => {
    const id = row.peers?.[peer]
    if (!id) return undefined
    const found = index.get(`${row.runId} ${id}`)
    return found && !found.skipped ? found : undefined
  }
}

/** Each target of a row with its verdict: true, false, or undefined (cannot be judged in this run). */
export function verdicts(row, peerOf) {
  if (row.skipped) return []
  if (!row.targets && row.target !== undefined) {
    // rows written as { target: text, pass: boolean }
    return row.target === '—' ? [] : [{ text: row.target, pass: row.pass }]
  }
  return (row.targets ?? []).map((t) => {
    switch (t.kind) {
      case 'floor': {
        const r = floorRatio(row)
        return { text: t.text ?? `≥ ${t.min}× floor`, pass: r === undefined ? undefined : r >= t.min }
      }
      case 'peer': {
        const peer = peerOf(row, t.peer)
        const r = peer ? advantage(row, peer) : undefined
        return { text: t.text ?? `≥ ${t.min}× ${t.peer}`, pass: r === undefined ? undefined : r >= t.min }
      }
      case 'max':
        return { text: t.text ?? `${t.stat} ≤ ${t.value}`, pass: row[t.stat] <= t.value }
      case 'min':
        return { text: t.text ?? `${t.stat} ≥ ${t.value}`, pass: row[t.stat] >= t.value }
      default:
        return { text: t.text ?? String(t.kind), pass: t.pass }
    }
  })
}

/** 'pass', 'MISS', or '' (no target), with what could not be judged. */
export function verdictText(vs) {
  if (vs.length === 0) return ''
  if (vs.some((v) => v.pass === false)) return 'MISS'
  if (vs.some((v) => v.pass === undefined)) return 'pass?'
  return 'pass'
}

function figure(row) {
  if (row.skipped) return `skipped: ${row.skipped}`
  if (row.value !== undefined && row.kind === undefined) return String(row.value)
  switch (row.kind) {
    case 'throughput':
      return `${int(row.median)} msg/s`
    case 'latency':
      return `p50 ${num(row.p50)} ${row.unit} · p99 ${num(row.p99)} · p999 ${num(row.p999)}`
    case 'value':
      return `${num(row.median)} ${row.unit}`
    case 'text':
      return String(row.figure)
    default:
      return row.median !== undefined ? `${num(row.median)} ${row.unit ?? ''}` : '—'
  }
}

function spread(row) {
  if (row.skipped || row.min === undefined || row.runs === 1) return '—'
  return `${num(row.min)} – ${num(row.max)}`
}

function peerCell(row, peerOf) {
  if (!row.peers || row.skipped) return '—'
  const cells = Object.keys(row.peers).map((name) => {
    const peer = peerOf(row, name)
    if (!peer) return `${name} —`
    const shown = peer.kind === 'latency' ? `${num(peer.p50)} ${peer.unit}` : int(peer.median)
    return `${name} ${shown} (${ratio(advantage(row, peer))})`
  })
  return cells.join(' · ')
}

/** The machine line: CPU model, cores, Node version (from the rows). */
export function machineLine(rows) {
  const seen = new Set()
  // Rows that name the machine in full win over rows that give a one-line summary of it.
  const full = rows.some((r) => r.machine && typeof r.machine === 'object')
  for (const r of rows) {
    const m = r.machine
    if (!m || (full && typeof m === 'string')) continue
    seen.add(typeof m === 'string' ? m : `${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.memGB} GB RAM, ${m.platform}`)
  }
  return [...seen].join('; ') || 'unknown'
}

/** The one table, as markdown lines. */
export function renderTable(rows) {
  const peerOf = peerIndex(rows)
  const sections = [...new Set([...SECTIONS, ...rows.map((r) => r.section ?? r.suite)])]
  const rank = (r) => (SUITE_ORDER.includes(r.suite) ? SUITE_ORDER.indexOf(r.suite) : SUITE_ORDER.length)
  rows = rows.map((r, i) => ({ r, i })).sort((a, b) => rank(a.r) - rank(b.r) || a.i - b.i).map((x) => x.r)
  const out = ['| scenario | store | figure | MB/s | min – max | floor | ×floor | peers (×) | target | |', '|---|---|---|---|---|---|---|---|---|---|']
  for (const section of sections) {
    const group = rows.filter((r) => (r.section ?? r.suite) === section)
    if (group.length === 0) continue
    out.push(`| **${TITLES[section] ?? section}** | | | | | | | | | |`)
    for (const r of group) {
      const vs = verdicts(r, peerOf)
      const cells = [
        r.note ? `${r.scenario} (${r.note})` : r.scenario,
        r.store ?? '',
        figure(r),
        r.mbps !== undefined && !r.skipped ? num(r.mbps) : '—',
        spread(r),
        r.floor?.median !== undefined ? int(r.floor.median) : '—',
        ratio(floorRatio(r)),
        peerCell(r, peerOf),
        vs.map((v) => v.text).join('; ') || '—',
        verdictText(vs),
      ]
      out.push(`| ${cells.map((c) => String(c).replaceAll('|', '\\|')).join(' | ')} |`)
    }
  }
  return out
}

/** Counts of targets met and missed. */
export function tally(rows) {
  const peerOf = peerIndex(rows)
  let pass = 0
  let miss = 0
  let unknown = 0
  const missed = []
  for (const r of rows) {
    const v = verdictText(verdicts(r, peerOf))
    if (v === 'pass') pass++
    else if (v === 'MISS') {
      miss++
      missed.push(r.store ? `${r.scenario} (${r.store})` : r.scenario)
    } else if (v === 'pass?') unknown++
  }
  return { pass, miss, unknown, missed }
}

/** bench/RESULTS.md: the machine at the top, then the table and a summary of the targets. */
export function renderResults(rows) {
  const runs = [...new Set(rows.map((r) => r.runId).filter(Boolean))].sort()
  const quick = rows.some((r) => r.quick)
  const t = tally(rows)
  return [
    '# kafkette benchmark results',
    '',
    `Machine: ${machineLine(rows)}`,
    '',
    `Run${runs.length > 1 ? 's' : ''}: ${runs.join(', ') || 'unknown'}${quick ? ' (--quick: smaller counts, fewer runs)' : ''}. Generated by \`node bench/report.mjs\` from \`bench/results/*.jsonl\` (\`npm run bench\` writes both); never edited by hand. bench/README.md says what each figure is and where the targets come from.`,
    '',
    `Targets: ${t.pass} met, ${t.miss} missed${t.unknown ? `, ${t.unknown} not judged (a peer was not measured)` : ''}.${t.missed.length ? ` Missed: ${t.missed.join('; ')}.` : ''}`,
    '',
    'Each figure is the median of several runs after a warm-up (min – max over those runs); a latency row gives the median over runs of each percentile, and min – max of the p50. ×floor is kafkette ÷ the floor measured in the same run on the same bytes; peers (×) is how many times faster kafkette is than that peer in the same run (rate ÷ rate, or the peer\'s latency ÷ kafkette\'s). MB/s counts message values only.',
    '',
    ...renderTable(rows),
    '',
  ].join('\n')
}
