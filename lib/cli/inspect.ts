// `kafkette inspect`: what a log directory holds — its format version, its size on disk,
// every topic's partitions (log start, high watermark, size) and every group's lag; with
// --verify, also log.verify()'s report of damaged ranges.
import { readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { TopicDescription, VerifyReport } from '../index.js'
import type { Context } from './args.js'
import { groupSummaries } from './groups.js'
import { withLog } from './open.js'
import { colourOn, humanBytes, humanCount, printJson, printLines, styles, table } from './output.js'
import { Progress } from './progress.js'

/** The bytes of the files directly in `dir` (LevelDB keeps its files flat). */
function diskBytes(dir: string): number {
  let total = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isFile()) total += statSync(join(dir, e.name)).size
  return total
}

/** The exit status of `inspect --verify` when it finds damage (0 when sound; 1 and 2 are failures and usage). */
export const EXIT_DAMAGED = 3

/** `inspect [--verify]`: resolves with the exit status. */
export async function inspect(ctx: Context, options: { verify?: boolean } = {}): Promise<number> {
  const report = await withLog(ctx, async (log) => {
    const names = await log.listTopics()
    // Sizing every partition reads the store; a log of many topics shows a bar on a terminal.
    const progress = new Progress(ctx.output.err, 'inspecting', names.length)
    const topics: TopicDescription[] = []
    try {
      for (const name of names) {
        topics.push(await log.describeTopic(name))
        progress.tick()
      }
    } finally {
      progress.finish()
    }
    const verify: VerifyReport | undefined = options.verify ? await log.verify() : undefined
    return { dir: resolve(ctx.dir), format: log.formatVersion, diskBytes: diskBytes(ctx.dir), topics, groups: await groupSummaries(log), ...(verify ? { verify } : {}) }
  })
  const status = report.verify && !report.verify.ok ? EXIT_DAMAGED : 0
  if (ctx.output.json) {
    printJson(ctx.output.out, report)
    return status
  }
  const b = styles(colourOn(ctx.output.out, ctx.output.env)).bold
  const facts: Array<[string, string]> = [
    ['directory', report.dir],
    ['format', String(report.format)],
    ['on disk', humanBytes(report.diskBytes)],
    ['topics', String(report.topics.length)],
    ['groups', String(report.groups.length)],
  ]
  const lines = [...facts.map(([k, v]) => `${b(k.padEnd(10))} ${v}`), '']
  if (report.topics.length > 0) {
    const rows = report.topics.flatMap((t) =>
      t.partitions.map((p) => [t.name, String(p.partition), String(p.logStartOffset), String(p.highWatermark), humanCount(p.highWatermark - p.logStartOffset), humanBytes(p.sizeBytes)]),
    )
    lines.push(...table(['TOPIC', 'PARTITION', 'LOG START', 'HIGH WATERMARK', 'MESSAGES', 'SIZE'], rows, { right: [1, 2, 3, 4, 5], bold: b }), '')
  }
  if (report.groups.length > 0) {
    lines.push(...table(['GROUP', 'STATE', 'MEMBERS', 'TOPICS', 'LAG'], report.groups.map((g) => [g.groupId, g.state, String(g.members), g.topics.join(',') || '-', humanCount(g.lag)]), { right: [2, 4], bold: b }), '')
  }
  if (report.verify) lines.push(...verifyLines(report.verify), '')
  printLines(ctx.output.out, lines.slice(0, -1))
  return status
}

/** The verify report for people: one line when sound, else one line per damaged range or time-index problem. */
function verifyLines(v: VerifyReport): string[] {
  const batches = v.partitions.reduce((n, p) => n + p.batches, 0)
  const checksummed = v.partitions.reduce((n, p) => n + p.checksummed, 0)
  if (v.ok) return [`verify     sound: ${humanCount(batches)} batches in ${v.partitions.length} partitions read, ${humanCount(checksummed)} with a checksum`]
  const lines = [`verify     DAMAGED: ${humanCount(batches)} batches in ${v.partitions.length} partitions read`]
  for (const p of v.partitions) {
    for (const d of p.damaged) lines.push(`  ${d.topic}/${d.partition} offsets ${d.fromOffset}–${d.toOffset}: ${d.reason}`)
    for (const t of p.timeIndex) lines.push(`  ${p.topic}/${p.partition} time index: ${t}`)
  }
  lines.push('  `kafkette` repairs nothing; log.truncateDamaged(topic, partition) drops a damaged batch and all after it')
  return lines
}
