// `kafkette consume TOPIC`: records printed as kcat does (-f, -e) or as JSON lines; with --group,
// each batch is committed once printed, and SIGINT/SIGTERM stops, commits and leaves the group.
import { KafketteError, type Consumer, type ConsumedMessage, type Log } from '../index.js'
import { listenForStop, parseTime, type Context, type Signals } from './args.js'
import { usage } from './errors.js'
import { compileFormat, DEFAULT_FORMAT, recordJson } from './format.js'
import { withLog } from './open.js'
import { Progress } from './progress.js'

/** Flags of `consume`. */
export interface ConsumeOptions {
  fromBeginning?: boolean
  group?: string
  partition?: number
  offset?: number
  time?: string
  exit?: boolean
  max?: number
  format?: string
}

function checkFlags(options: ConsumeOptions, json: boolean): void {
  if (options.group !== undefined) {
    // As kafka-console-consumer: a group decides its partitions and where they start.
    for (const [flag, set] of [['--partition', options.partition !== undefined], ['--offset', options.offset !== undefined], ['--time', options.time !== undefined]] as const) {
      if (set) throw usage(`${flag} cannot be used with --group: the group assigns partitions and resumes at its committed offsets`, 'move a group with `kafkette groups reset`')
    }
  }
  const starts = [options.fromBeginning && '--from-beginning', options.offset !== undefined && '--offset', options.time !== undefined && '--time'].filter(Boolean)
  if (starts.length > 1) throw usage(`give one of --from-beginning, --offset and --time, not ${starts.join(' and ')}`)
  if (json && options.format !== undefined) throw usage('give --format or --json, not both')
}

/** Consumes `topic` to the output until SIGINT/SIGTERM, --max records, or (with --exit) the end of its partitions. */
export async function consume(ctx: Context, topic: string, options: ConsumeOptions, signals: Signals): Promise<void> {
  const { out, err, json } = ctx.output
  checkFlags(options, json)
  const time = options.time !== undefined ? parseTime('--time', options.time) : undefined
  const render = json ? (m: ConsumedMessage) => recordJson(m) + '\n' : compileFormat(options.format ?? DEFAULT_FORMAT)
  await withLog(ctx, async (log) => {
    const described = await log.describeTopic(topic)
    if (options.partition !== undefined && options.partition >= described.partitions.length) {
      throw new KafketteError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${topic} has no partition ${options.partition} (it has ${described.partitions.length})`, { topic, partition: options.partition })
    }
    const group = options.group
    const consumer = group !== undefined ? log.consumer({ groupId: group, fromBeginning: options.fromBeginning ?? false, autoCommit: false }) : log.consumer({ fromBeginning: options.fromBeginning ?? false })
    const stop = listenForStop(signals)
    const stopped = stop.stopped.then(() => null)
    // A closed pipe (`| head`) ends the run as a signal does; the failed write says so too.
    const onPipeError = (): void => stop.stop()
    out.on('error', onPipeError)
    let progress: Progress | undefined
    try {
      if (group !== undefined) {
        await consumer.subscribe([topic])
        // As the Java consumer's commits do, the group records a position on every partition
        // it reads, records printed or not: its lag then covers the whole topic, and a next
        // run reads what arrives meanwhile on partitions this one found empty.
        await consumer.commit(consumer.position())
      } else {
        const partitions = described.partitions.map((p) => p.partition).filter((p) => options.partition === undefined || p === options.partition)
        await position(log, consumer, topic, partitions, options, time)
      }
      const total = options.max ?? (options.exit ? consumer.lag().reduce((s, l) => s + l.lag, 0) : 0)
      // The records on the terminal are progress enough; the bar is for output sent elsewhere.
      if ((options.exit || options.max !== undefined) && !(out as { isTTY?: boolean }).isTTY) progress = new Progress(err, `consuming ${topic}`, total)
      let count = 0
      while (!stop.stopping) {
        if (options.max !== undefined && count >= options.max) break
        if (options.exit && caughtUp(consumer)) break
        const maxRecords = Math.min(500, options.max !== undefined ? options.max - count : 500)
        const polled = consumer.poll({ maxRecords, timeoutMs: options.exit ? 200 : 1000 }).catch((e: unknown) => {
          if (stop.stopping) return [] as ConsumedMessage[]
          throw e
        })
        const records = await Promise.race([polled, stopped])
        if (records === null || records.length === 0) continue
        let text = ''
        for (const m of records) text += render(m)
        // Committed once written: a batch the reader did not take (a closed pipe) is not committed.
        const written = await new Promise<boolean>((resolve) => out.write(text, (e) => resolve(!e)))
        if (!written) break
        count += records.length
        progress?.tick(records.length)
        // The positions are now just past what was printed.
        if (group !== undefined) await consumer.commit(consumer.position())
      }
    } finally {
      progress?.finish()
      stop.dispose()
      out.removeListener('error', onPipeError)
      // Closing leaves the group; every printed batch is already committed.
      await consumer.close()
    }
  })
}

/** True once every assigned partition has been read to its high watermark (kcat -e). */
function caughtUp(consumer: Consumer): boolean {
  const lag = consumer.lag()
  return lag.length > 0 && lag.every((l) => l.lag === 0)
}

/** Assigns the partitions and moves each to --offset (checked against its range) or the first record at --time. */
async function position(log: Log, consumer: Consumer, topic: string, partitions: number[], options: ConsumeOptions, time: number | undefined): Promise<void> {
  consumer.assign(partitions.map((partition) => ({ topic, partition })))
  if (options.offset !== undefined) {
    const d = await log.describeTopic(topic)
    for (const partition of partitions) {
      const p = d.partitions[partition]!
      if (options.offset < p.logStartOffset || options.offset > p.highWatermark) {
        throw new KafketteError('OFFSET_OUT_OF_RANGE', `offset ${options.offset} is outside ${topic}/${partition}, which holds ${p.logStartOffset} to ${p.highWatermark}`, { topic, partition, offset: options.offset })
      }
      consumer.seek({ topic, partition, offset: options.offset })
    }
  } else if (time !== undefined) {
    const found = await log.offsetsForTimes(topic, time)
    const d = await log.describeTopic(topic)
    for (const partition of partitions) {
      const offset = found.find((f) => f.partition === partition)?.offset ?? d.partitions[partition]!.highWatermark
      consumer.seek({ topic, partition, offset })
    }
  }
}
