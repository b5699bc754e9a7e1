// `kafkette inspect`: what a log directory holds — its format version, its size on disk,
// every topic's partitions (log start, high watermark, size) and every group's lag.
import { readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { TopicDescription } from '../index.js'
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

/** `inspect`. */
export async function inspect(ctx: Context): Promise<void> {
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
    return { dir: resolve(ctx.dir), format: log.formatVersion, diskBytes: diskBytes(ctx.dir), topics, groups: await groupSummaries(log) }
  })
  if (ctx.output.json) return printJson(ctx.output.out, report)
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
  printLines(ctx.output.out, lines.slice(0, -1))
}
