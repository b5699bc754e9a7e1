// `kafkette produce TOPIC`: one record per line of stdin, sent in batches as the input
// arrives (each chunk read is one send), so a pipe that stays open streams records.
import { StringDecoder } from 'node:string_decoder'
import type { Readable } from 'node:stream'
import { KafketteError, type Headers, type Message, type RecordMetadata } from '../index.js'
import { parseKeyValue, type Context, type Signals } from './args.js'
import { usage } from './errors.js'
import { withLog } from './open.js'
import { humanCount, jsonReplacer, printLines } from './output.js'

/** Flags of `produce`. */
export interface ProduceOptions {
  keySeparator?: string
  header?: string[]
  partition?: number
}

/** The headers of `--header key=value` flags; a key given twice keeps both values, in order. */
export function parseHeaders(pairs: readonly string[]): Headers {
  const headers: Record<string, string | string[]> = {}
  for (const pair of pairs) {
    const [k, v] = parseKeyValue('--header', pair)
    const had = headers[k]
    headers[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v]
  }
  return headers
}

/** One line of input as a message: `KEY<sep>VALUE` with a key separator (no separator in the line: no key), else the whole line as the value. */
export function lineToMessage(line: string, options: { keySeparator?: string; headers?: Headers; partition?: number }): Message<string> {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line
  const m: Message<string> = { value: text }
  if (options.keySeparator !== undefined) {
    const at = text.indexOf(options.keySeparator)
    if (at >= 0) {
      m.key = text.slice(0, at)
      m.value = text.slice(at + options.keySeparator.length)
    }
  }
  if (options.headers) m.headers = options.headers
  if (options.partition !== undefined) m.partition = options.partition
  return m
}

/** Sends every line of `input` to `topic`; prints each record's partition and offset with --json, a count without. */
export async function produce(ctx: Context, topic: string, options: ProduceOptions, input: Readable, signals: Signals): Promise<void> {
  if (options.keySeparator === '') throw usage('--key-separator must not be empty')
  const headers = options.header && options.header.length > 0 ? parseHeaders(options.header) : undefined
  const { out, json } = ctx.output
  let sent = 0
  const partitions = new Set<number>()
  await withLog(ctx, async (log) => {
    // The topic and partition are checked before stdin is read: a typo fails at once.
    const described = await log.describeTopic(topic)
    if (options.partition !== undefined && options.partition >= described.partitions.length) {
      throw new KafketteError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${topic} has no partition ${options.partition} (it has ${described.partitions.length})`, { topic, partition: options.partition })
    }
    const producer = log.producer()
    try {
      const send = async (lines: string[]): Promise<void> => {
        const metas: RecordMetadata[] = await producer.send(topic, lines.map((l) => lineToMessage(l, { keySeparator: options.keySeparator, headers, partition: options.partition })))
        sent += metas.length
        for (const m of metas) partitions.add(m.partition)
        if (json) out.write(metas.map((m) => JSON.stringify(m, jsonReplacer) + '\n').join(''))
      }
      const decoder = new StringDecoder('utf8')
      let rest = ''
      // Ctrl-C while typing: what was sent stays sent; the line being typed is dropped, and the log closes cleanly.
      let interrupted = false
      const onSignal = (): void => {
        interrupted = true
        input.destroy()
      }
      signals.once('SIGINT', onSignal)
      signals.once('SIGTERM', onSignal)
      try {
        for await (const chunk of input) {
          rest += typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer)
          const lines = rest.split('\n')
          rest = lines.pop()!
          if (lines.length > 0) await send(lines)
          if (interrupted) break
        }
      } catch (err) {
        if (!interrupted) throw err
      } finally {
        signals.removeListener('SIGINT', onSignal)
        signals.removeListener('SIGTERM', onSignal)
      }
      rest += decoder.end()
      // A last line without a newline is still a record; the newline that ends the input is not.
      if (rest.length > 0 && !interrupted) await send([rest])
    } finally {
      await producer.close()
    }
  })
  if (!json) {
    const where = [...partitions].sort((a, b) => a - b)
    printLines(out, [`produced ${humanCount(sent)} record${sent === 1 ? '' : 's'} to ${topic}${where.length > 0 ? ` (partition${where.length === 1 ? '' : 's'} ${where.join(', ')})` : ''}`])
  }
}
