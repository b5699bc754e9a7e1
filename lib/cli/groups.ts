// `kafkette groups`: list groups with their state, members and lag; describe one per
// partition; reset its committed offsets; delete it.
import { KafketteError, isKafketteError, type Log, type ResetTarget } from '../index.js'
import { parseInteger, parseTime, type Context } from './args.js'
import { usage } from './errors.js'
import { withLog } from './open.js'
import { colourOn, humanCount, printJson, printLines, styles, table } from './output.js'

/** A committed offset beside its partition's high watermark. */
export interface OffsetLag {
  topic: string
  partition: number
  /** The committed offset: the next the group reads. */
  offset: number
  highWatermark: number
  lag: number
}

/** A group's committed offsets with each partition's high watermark and lag (offsets on topics deleted since are left out). */
export async function offsetLags(log: Log, groupId: string): Promise<OffsetLag[]> {
  const watermarks = new Map<string, number[] | null>()
  const out: OffsetLag[] = []
  for (const o of await log.fetchOffsets(groupId)) {
    if (!watermarks.has(o.topic)) {
      try {
        watermarks.set(o.topic, (await log.describeTopic(o.topic)).partitions.map((p) => p.highWatermark))
      } catch (err) {
        if (!isKafketteError(err, 'UNKNOWN_TOPIC_OR_PARTITION')) throw err
        watermarks.set(o.topic, null)
      }
    }
    const hw = watermarks.get(o.topic)?.[o.partition]
    if (hw === undefined) continue
    out.push({ topic: o.topic, partition: o.partition, offset: o.offset, highWatermark: hw, lag: Math.max(0, hw - o.offset) })
  }
  return out
}

/** Every group with its state, members and total lag. */
export async function groupSummaries(log: Log): Promise<Array<{ groupId: string; state: string; members: number; topics: string[]; lag: number }>> {
  const out = []
  for (const g of await log.listGroups()) {
    const lags = await offsetLags(log, g.groupId)
    out.push({ groupId: g.groupId, state: g.state, members: g.members, topics: [...new Set(lags.map((l) => l.topic))], lag: lags.reduce((s, l) => s + l.lag, 0) })
  }
  return out
}

function bold(ctx: Context): (s: string) => string {
  return styles(colourOn(ctx.output.out, ctx.output.env)).bold
}

/** `groups` / `groups list`. */
export async function listGroups(ctx: Context): Promise<void> {
  const rows = await withLog(ctx, groupSummaries)
  if (ctx.output.json) return printJson(ctx.output.out, rows)
  if (rows.length === 0) return printLines(ctx.output.out, [`no consumer groups in ${ctx.dir}`])
  printLines(
    ctx.output.out,
    table(['GROUP', 'STATE', 'MEMBERS', 'TOPICS', 'LAG'], rows.map((r) => [r.groupId, r.state, String(r.members), r.topics.join(',') || '-', humanCount(r.lag)]), { right: [2, 4], bold: bold(ctx) }),
  )
}

/** `groups describe G`: per partition, the committed offset, high watermark and lag. */
export async function describeGroup(ctx: Context, groupId: string): Promise<void> {
  const { description, lags } = await withLog(ctx, async (log) => {
    const description = await log.describeGroup(groupId)
    if (description.state === 'Dead') throw new KafketteError('GROUP_ID_NOT_FOUND', `group ${groupId} has no members and no committed offsets`, { groupId })
    return { description, lags: await offsetLags(log, groupId) }
  })
  const lag = lags.reduce((s, l) => s + l.lag, 0)
  if (ctx.output.json) return printJson(ctx.output.out, { groupId, state: description.state, members: description.members.length, lag, offsets: lags })
  const b = bold(ctx)
  printLines(ctx.output.out, [
    `${b('group')} ${groupId}: ${description.state}, ${description.members.length} member${description.members.length === 1 ? '' : 's'}, lag ${humanCount(lag)}`,
    '',
    ...table(
      ['TOPIC', 'PARTITION', 'COMMITTED', 'HIGH WATERMARK', 'LAG'],
      lags.map((l) => [l.topic, String(l.partition), String(l.offset), String(l.highWatermark), humanCount(l.lag)]),
      { right: [1, 2, 3, 4], bold: b },
    ),
  ])
}

/** `--to` of `groups reset`: earliest, latest, an offset, or an ISO 8601 time. */
export function parseResetTarget(text: string): ResetTarget {
  if (text === 'earliest' || text === 'latest') return text
  if (/^\d+$/.test(text)) return parseInteger('--to', text)
  if (/^\d{4}-/.test(text)) return { timestamp: parseTime('--to', text) }
  throw usage(`--to takes earliest, latest, an offset or an ISO 8601 time, got ${JSON.stringify(text)}`)
}

/** `groups reset G --topic T --to ...`: moves the group's committed offsets on every partition of T. */
export async function resetGroup(ctx: Context, groupId: string, options: { topic: string; to: string }): Promise<void> {
  const to = parseResetTarget(options.to)
  const offsets = await withLog(ctx, (log) => log.resetOffsets(groupId, options.topic, { to }))
  if (ctx.output.json) return printJson(ctx.output.out, offsets)
  printLines(ctx.output.out, [
    `reset group ${groupId} on ${options.topic} to ${options.to}`,
    '',
    ...table(['TOPIC', 'PARTITION', 'COMMITTED'], offsets.map((o) => [o.topic, String(o.partition), String(o.offset)]), { right: [1, 2], bold: bold(ctx) }),
  ])
}

/** `groups delete G`: the group and its committed offsets. */
export async function deleteGroup(ctx: Context, groupId: string): Promise<void> {
  await withLog(ctx, (log) => log.deleteGroup(groupId))
  if (ctx.output.json) return printJson(ctx.output.out, { groupId, deleted: true })
  printLines(ctx.output.out, [`deleted group ${groupId}`])
}
