// `kafkette bridge`: the log in this directory bridged to a Kafka cluster ('out', or 'in' with
// --in) through KafkaJS, which the user's project brings, until SIGINT or SIGTERM.
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { bridge, type BridgeProgress, type KafkaClient } from '../bridge/index.js'
import { listenForStop, type Context, type Signals } from './args.js'
import { CliError, usage } from './errors.js'
import { withLog } from './open.js'
import { printJson, printLines } from './output.js'

/** Flags of `bridge`. */
export interface BridgeCommandOptions {
  to: string
  topics: string
  in?: boolean
  name?: string
  exactlyOnce?: boolean
}

/** The bridge's name when --name is not given: its group, so that a next run resumes. */
export const DEFAULT_BRIDGE_NAME = 'kafkette-bridge'

/** KafkaJS's module, as far as the command uses it. */
interface KafkaJsModule {
  Kafka: new (config: { clientId: string; brokers: string[]; logLevel: number; retry: { retries: number } }) => KafkaClient
  logLevel: { NOTHING: number }
}

// host:port, the host a name, an IPv4 address or a bracketed IPv6 address.
const BROKER = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]/]+):(\d{1,5})$/

function parseBrokers(text: string): string[] {
  const brokers = text.split(',').map((b) => b.trim())
  for (const b of brokers) {
    const m = BROKER.exec(b)
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65_535) throw usage(`--to takes HOST:PORT (several separated by commas), got ${JSON.stringify(b)}`)
  }
  return brokers
}

function parseTopics(text: string): string[] {
  const topics = text.split(',').map((t) => t.trim())
  if (topics.some((t) => t.length === 0)) throw usage(`--topics takes topic names separated by commas, got ${JSON.stringify(text)}`)
  return topics
}

/**
 * KafkaJS from the user's project (resolved from the working directory first, then from
 * where kafkette is installed): kafkette does not depend on a Kafka client at run time.
 */
async function loadKafkaJs(cwd: string): Promise<KafkaJsModule> {
  // CommonJS (dist/cjs) has __filename; ES modules have import.meta.url.
  const from = [join(cwd, 'package.json'), typeof __filename === 'string' ? __filename : import.meta.url]
  for (const base of from) {
    let resolved: string
    try {
      resolved = createRequire(base).resolve('kafkajs')
    } catch {
      continue
    }
    const loaded = (await import(pathToFileURL(resolved).href)) as Partial<KafkaJsModule> & { default?: KafkaJsModule }
    // KafkaJS is CommonJS: its exports are the namespace's names, and all of them its default.
    return loaded.Kafka !== undefined ? (loaded as KafkaJsModule) : loaded.default!
  }
  throw new CliError('KAFKAJS_NOT_FOUND', 'kafkette bridge reaches the cluster through KafkaJS, which this project does not have', 'install kafkajs to use kafkette bridge (npm install kafkajs@2.2.4)')
}

/** `bridge --to HOST:PORT --topics a,b [--in] [--name NAME] [--exactly-once]`: bridges until a signal, or until the bridge fails. */
export async function runBridge(ctx: Context, options: BridgeCommandOptions, signals: Signals): Promise<void> {
  const brokers = parseBrokers(options.to)
  const topics = parseTopics(options.topics)
  const direction = options.in === true ? 'in' : 'out'
  const exactlyOnce = options.exactlyOnce === true
  if (exactlyOnce && direction === 'in') throw usage('--exactly-once is for the out direction: --in is at-least-once')
  const name = options.name ?? DEFAULT_BRIDGE_NAME
  const kafkajs = await loadKafkaJs(process.cwd())
  const { out, json } = ctx.output

  // Signals are heard from the start: one that comes while the log opens still stops cleanly.
  const stop = listenForStop(signals)
  try {
    // 'in' creates the local topics (and the log) it mirrors into; 'out' forwards topics that exist.
    await withLog(
      ctx,
      async (log) => {
        // KafkaJS's own logging would mix with the lines printed here: the bridge's events say
        // what happens. Few client retries: the bridge's backoff does the waiting, and says so.
        const kafka = new kafkajs.Kafka({ clientId: name, brokers, logLevel: kafkajs.logLevel.NOTHING, retry: { retries: 2 } })
        const b = bridge({ log, kafka, topics, direction, name, exactlyOnce })
        let failure: unknown
        b.once('error', (err) => {
          failure = err
          stop.stop()
        })
        b.on('progress', (e) => {
          if (json) printJson(out, { event: 'progress', ...e })
          else printLines(out, [`${e.topic}/${e.partition}: ${direction === 'out' ? 'forwarded' : 'mirrored'} ${e.forwarded}, at offset ${e.offset}, lag ${e.lag}`])
        })
        b.on('paused', (e) => {
          const error = e.error instanceof Error ? e.error.message : String(e.error)
          if (json) printJson(out, { event: 'paused', error, attempt: e.attempt, retryInMs: e.retryInMs })
          else printLines(out, [`paused: the cluster failed (${error}); attempt ${e.attempt}, next in ${e.retryInMs} ms`])
        })
        await b.start()
        if (json) printJson(out, { event: 'started', name, direction, topics, to: brokers, exactlyOnce, dir: ctx.dir })
        else printLines(out, [`bridging ${ctx.dir} ${direction === 'out' ? '→' : '←'} ${brokers.join(',')}: ${topics.join(', ')} (${direction}, ${exactlyOnce ? 'exactly-once' : 'at-least-once'}, name ${name}); Ctrl-C stops`])
        await stop.stopped
        await b.stop()
        if (failure !== undefined) throw failure
        const lag = b.lag()
        if (json) printJson(out, { event: 'stopped', lag: lag.map(({ topic, partition, offset, highWatermark, lag }) => ({ topic, partition, offset, highWatermark, lag })) })
        else printLines(out, [`stopped; lag ${lag.reduce((n, l) => n + l.lag, 0)}${lag.length > 0 ? ` (${lag.map(describeLag).join(', ')})` : ''}`])
      },
      { create: direction === 'in' },
    )
  } finally {
    stop.dispose()
  }
}

function describeLag(l: BridgeProgress): string {
  return `${l.topic}/${l.partition} ${l.lag}`
}
