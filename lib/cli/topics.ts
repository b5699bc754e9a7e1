// `kafkette topics`: list, create, describe, alter and delete topics.
import { kafkaTopicConfigName, type TopicConfig, type TopicDescription } from '../index.js'
import { parseConfig, type Context } from './args.js'
import { usage } from './errors.js'
import { withLog } from './open.js'
import { colourOn, humanBytes, humanCount, printJson, printLines, styles, table } from './output.js'

/** A topic's totals: partitions, records between log start and high watermark, bytes stored. */
export function topicTotals(d: TopicDescription): { name: string; partitions: number; messages: number; bytes: number } {
  let messages = 0
  let bytes = 0
  for (const p of d.partitions) {
    messages += p.highWatermark - p.logStartOffset
    bytes += p.sizeBytes
  }
  return { name: d.name, partitions: d.partitions.length, messages, bytes }
}

function bold(ctx: Context): (s: string) => string {
  return styles(colourOn(ctx.output.out, ctx.output.env)).bold
}

/** `topics` / `topics list`: one line per topic with its partitions, messages and bytes. */
export async function listTopics(ctx: Context): Promise<void> {
  const rows = await withLog(ctx, async (log) => {
    const out = []
    for (const name of await log.listTopics()) out.push(topicTotals(await log.describeTopic(name)))
    return out
  })
  if (ctx.output.json) return printJson(ctx.output.out, rows)
  if (rows.length === 0) return printLines(ctx.output.out, [`no topics in ${ctx.dir}`])
  printLines(
    ctx.output.out,
    table(['TOPIC', 'PARTITIONS', 'MESSAGES', 'SIZE'], rows.map((r) => [r.name, String(r.partitions), humanCount(r.messages), humanBytes(r.bytes)]), { right: [1, 2, 3], bold: bold(ctx) }),
  )
}

/** `topics create NAME`: a new topic (the log directory is created if it holds no log yet). */
export async function createTopic(ctx: Context, name: string, options: { partitions?: number; config?: string[] }): Promise<void> {
  const config = parseConfig(options.config ?? [])
  const described = await withLog(
    ctx,
    async (log) => {
      await log.createTopic(name, { partitions: options.partitions ?? 1, config: config as Partial<TopicConfig> })
      return log.describeTopic(name)
    },
    { create: true },
  )
  if (ctx.output.json) return printJson(ctx.output.out, described)
  printLines(ctx.output.out, [`created topic ${name} with ${described.partitions.length} partition${described.partitions.length === 1 ? '' : 's'}`])
}

function configLines(config: object): string[][] {
  return Object.entries(config).map(([k, v]) => [kafkaTopicConfigName(k), String(v)])
}

/** `topics describe NAME`: its config and, per partition, log start, high watermark, messages and size. */
export async function describeTopic(ctx: Context, name: string): Promise<void> {
  const d = await withLog(ctx, (log) => log.describeTopic(name))
  if (ctx.output.json) return printJson(ctx.output.out, d)
  const b = bold(ctx)
  const totals = topicTotals(d)
  printLines(ctx.output.out, [
    `${b('topic')} ${d.name}: ${d.partitions.length} partition${d.partitions.length === 1 ? '' : 's'}, ${humanCount(totals.messages)} messages, ${humanBytes(totals.bytes)}`,
    '',
    ...table(['CONFIG', 'VALUE'], configLines(d.config), { bold: b }),
    '',
    ...table(
      ['PARTITION', 'LOG START', 'HIGH WATERMARK', 'MESSAGES', 'SIZE'],
      d.partitions.map((p) => [String(p.partition), String(p.logStartOffset), String(p.highWatermark), humanCount(p.highWatermark - p.logStartOffset), humanBytes(p.sizeBytes)]),
      { right: [0, 1, 2, 3, 4], bold: b },
    ),
  ])
}

/** `topics alter NAME --config key=value...`: changes those config keys, keeping the others. */
export async function alterTopic(ctx: Context, name: string, options: { config?: string[] }): Promise<void> {
  if (!options.config || options.config.length === 0) throw usage('topics alter needs at least one --config key=value', 'see `kafkette topics alter --help`')
  const changes = parseConfig(options.config)
  const config = await withLog(ctx, (log) => log.alterTopicConfig(name, changes as Partial<TopicConfig>))
  if (ctx.output.json) return printJson(ctx.output.out, { name, config })
  printLines(ctx.output.out, [`altered topic ${name}: ${Object.keys(changes).map((k) => `${kafkaTopicConfigName(k)}=${String((config as unknown as Record<string, unknown>)[k])}`).join(', ')}`])
}

/** `topics delete NAME`: the topic and its records. */
export async function deleteTopic(ctx: Context, name: string): Promise<void> {
  await withLog(ctx, (log) => log.deleteTopic(name))
  if (ctx.output.json) return printJson(ctx.output.out, { name, deleted: true })
  printLines(ctx.output.out, [`deleted topic ${name}`])
}
