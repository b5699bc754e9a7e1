// What every command gets (output, log directory, signals), and flag values turned into what
// the API takes: a bad one is a USAGE error naming the flag, before any log is opened.
import { DEFAULT_TOPIC_CONFIG, KAFKA_TOPIC_CONFIG_NAMES } from '../index.js'
import { usage } from './errors.js'
import type { Output } from './output.js'

/** What every command gets: where to print, and the log directory. */
export interface Context {
  readonly output: Output
  readonly dir: string
}

/** Where a stop request comes from: SIGINT/SIGTERM in the process, a plain emitter in tests. */
export interface Signals {
  once(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown
  removeListener(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown
}

/** How a long-running command hears that it should stop. */
export interface StopRequest {
  /** Resolves at the first SIGINT/SIGTERM, or at stop(). */
  readonly stopped: Promise<void>
  /** True once a signal came or stop() was called. */
  readonly stopping: boolean
  /** Stops as a signal does (a closed pipe, a failed bridge). */
  stop(): void
  /** Stops listening for signals and lets the process exit. */
  dispose(): void
}

/**
 * Listens for SIGINT and SIGTERM from now on, so one that comes while the log opens still
 * stops the command cleanly; a second exits at once with status 130 (the user wants out
 * now) instead of killing the process mid-commit. Until dispose() it holds the process
 * open: the log's timers do not (a library must not), and a long-running command must.
 */
export function listenForStop(signals: Signals): StopRequest {
  const keepAlive = setInterval(() => undefined, 1 << 30)
  let wake!: () => void
  const stopped = new Promise<void>((resolve) => (wake = resolve))
  const request = {
    stopped,
    stopping: false,
    stop(): void {
      request.stopping = true
      wake()
    },
    dispose(): void {
      clearInterval(keepAlive)
      signals.removeListener('SIGINT', onSignal)
      signals.removeListener('SIGTERM', onSignal)
    },
  }
  function onSignal(): void {
    if (request.stopping) process.exit(130)
    request.stop()
    // Listen again so a second signal is seen rather than ending the process by default.
    signals.once('SIGINT', onSignal)
    signals.once('SIGTERM', onSignal)
  }
  signals.once('SIGINT', onSignal)
  signals.once('SIGTERM', onSignal)
  return request
}

/** A whole number ≥ `min` (default 0) typed for `flag`. */
export function parseInteger(flag: string, text: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw usage(`${flag} must be a whole number${max === Number.MAX_SAFE_INTEGER ? ` ≥ ${min}` : ` from ${min} to ${max}`}, got ${JSON.stringify(text)}`)
  }
  return n
}

/** `key=value` typed for `flag` (the value may itself hold '='). */
export function parseKeyValue(flag: string, text: string): [string, string] {
  const at = text.indexOf('=')
  if (at <= 0) throw usage(`${flag} takes key=value, got ${JSON.stringify(text)}`)
  return [text.slice(0, at), text.slice(at + 1)]
}

/** An ISO 8601 date and time (`2026-11-30T08:00:00Z`, `2026-11-30`) as milliseconds since the epoch. */
export function parseTime(flag: string, text: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) ? Date.parse(text) : NaN
  if (!Number.isFinite(ms)) throw usage(`${flag} takes an ISO 8601 time such as 2026-11-30T08:00:00Z, got ${JSON.stringify(text)}`)
  return ms
}

/**
 * `--config key=value` pairs as a topic config: keys by Kafka's name or the API's, numbers
 * for the numeric keys. The values are checked by the log (INVALID_CONFIG names what was wrong).
 */
export function parseConfig(pairs: readonly string[]): Record<string, string | number> {
  const config: Record<string, string | number> = {}
  for (const pair of pairs) {
    const [name, text] = parseKeyValue('--config', pair)
    const key = KAFKA_TOPIC_CONFIG_NAMES[name] ?? name
    const numeric = typeof (DEFAULT_TOPIC_CONFIG as unknown as Record<string, unknown>)[key] === 'number'
    config[key] = numeric && /^-?\d+$/.test(text) ? Number(text) : text
  }
  return config
}
