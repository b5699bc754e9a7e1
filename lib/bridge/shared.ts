// What both directions of a bridge share: its options and events, the backoff on the
// log's clock, and how a Kafka client's error is judged (retry, or stop).
import { KafketteError, type Clock, type Log, type TimerHandle } from '../index.js'
import type { KafkaClient } from './kafka.js'

/** How a bridge waits after the cluster failed, on the log's clock. */
export interface BridgeRetryOptions {
  /** The first wait (default 300 ms). */
  initialRetryTimeMs?: number
  /** The longest wait (default 30000 ms). */
  maxRetryTimeMs?: number
  /** Each wait is this many times the one before (default 2). */
  multiplier?: number
}

/** Options of bridge(). */
export interface BridgeOptions {
  /** The local log. */
  log: Log
  /** The application's KafkaJS `Kafka` instance (or a client with its API) for the cluster. */
  kafka: KafkaClient
  /** The topics to forward ('out': local topics; 'in': cluster topics). Same names on both sides. */
  topics: readonly string[]
  /** 'out' forwards local topics to the cluster; 'in' mirrors cluster topics into the log. */
  direction: 'out' | 'in'
  /** Names the bridge's consumer group (local for 'out', on the cluster for 'in') and, with exactlyOnce, its transactional id and progress topic. Kafka's topic-name characters only. */
  name: string
  /** 'out' only: a transactional producer on the cluster, with the bridge's progress kept on the cluster in the same transaction (default false: at-least-once). */
  exactlyOnce?: boolean
  /** 'out': create a missing cluster topic with the local topic's partition count; 'in': create a missing local topic with the cluster's (default true). */
  createTopics?: boolean
  /** 'out': the most records forwarded in one request to the cluster (default 1000). */
  batchSize?: number
  /** 'out' with exactlyOnce: the cluster topic holding the progress (default `<name>.kafkette-progress`). */
  progressTopic?: string
  /** 'in': the session timeout of the bridge's member in its cluster group (default KafkaJS's 30000 ms). A restarted bridge may wait about this long to rejoin where the cluster keeps a departed member's place (librdkafka's mock cluster does). */
  sessionTimeoutMs?: number
  /** How the bridge waits between attempts while the cluster fails. */
  retry?: BridgeRetryOptions
}

/** One partition's progress, as the 'progress' event and lag() report it. */
export interface BridgeProgress {
  topic: string
  partition: number
  /** Records of this partition forwarded by the step that emitted the event (0 in lag()). */
  forwarded: number
  /** The next offset to forward, on the side the records come from. */
  offset: number
  /** The high watermark of the side the records come from, as last seen. */
  highWatermark: number
  /** Records not yet forwarded: highWatermark − offset. */
  lag: number
}

/** The bridge's events. */
export interface BridgeEvents {
  /** A step was acknowledged by the side the records go to; one event per partition in it. */
  progress: (event: BridgeProgress) => void
  /** The cluster failed; the bridge retries after `retryInMs` on the log's clock. */
  paused: (event: { error: unknown; attempt: number; retryInMs: number }) => void
  /** The bridge stopped because of `error` (a KafketteError); nothing after it was forwarded. */
  error: (error: KafketteError) => void
  /** The bridge stopped (after stop(), or after an 'error'). */
  stop: () => void
}

/** The part of a bridge a direction reports to. */
export interface BridgeHost {
  readonly name: string
  readonly log: Log
  readonly kafka: KafkaClient
  readonly topics: readonly string[]
  readonly options: Required<Pick<BridgeOptions, 'exactlyOnce' | 'createTopics' | 'batchSize' | 'progressTopic'>> & Pick<BridgeOptions, 'sessionTimeoutMs'>
  progress(event: BridgeProgress): void
  paused(error: unknown, attempt: number, retryInMs: number): void
  fail(error: KafketteError): void
  /** Waits `ms` on the log's clock, or until the bridge stops. */
  sleep(ms: number): Promise<void>
  /** The next wait after `attempt` failures in a row. */
  backoff(attempt: number): number
  readonly stopping: boolean
}

/** A direction's life cycle. */
export interface Direction {
  start(): Promise<void>
  stop(): Promise<void>
  lag(): BridgeProgress[]
}

// KafkaJS's non-retriable protocol errors that are about the records themselves.
const RECORD_ERRORS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'INVALID_TIMESTAMP', 'CORRUPT_MESSAGE'])

interface ErrorLike {
  name?: unknown
  type?: unknown
  retriable?: unknown
  cause?: unknown
  errors?: unknown
  message?: unknown
}

function chain(err: unknown): ErrorLike[] {
  const out: ErrorLike[] = []
  const visit = (e: unknown, depth: number): void => {
    if (e === null || typeof e !== 'object' || depth > 8 || out.includes(e as ErrorLike)) return
    const x = e as ErrorLike
    out.push(x)
    visit(x.cause, depth + 1)
    if (Array.isArray(x.errors)) for (const inner of x.errors) visit(inner, depth + 1)
  }
  visit(err, 0)
  return out
}

/**
 * How the bridge takes a client's error: 'record' when the cluster refused the records
 * (a poison record: stop), 'fatal' for any other error that retrying cannot mend
 * (authorization, a fenced producer, bad input), 'retry' for the rest (the cluster down,
 * unreachable, electing leaders: wait and try again).
 */
export function classify(err: unknown): { kind: 'record' | 'fatal' | 'retry'; type?: string } {
  if (err instanceof KafketteError) return { kind: err.retriable ? 'retry' : 'fatal', type: err.code }
  const errors = chain(err)
  // A protocol error names the cluster's verdict (KafkaJS errors carry Kafka's `type`).
  const verdict = errors.find((e) => typeof e.type === 'string' && e.retriable === false)
  if (verdict) return { kind: RECORD_ERRORS.has(verdict.type as string) ? 'record' : 'fatal', type: verdict.type as string }
  // A retriable error anywhere in the chain (KafkaJS wraps one in a non-retriable error once
  // its own retries are spent), or an error not marked either way: the cluster may come back.
  if (errors.length === 0 || errors.some((e) => e.retriable !== false)) return { kind: 'retry' }
  return { kind: 'fatal' }
}

/** The Kafka API a client found missing on the cluster (KafkaJS's KafkaJSServerDoesNotSupportApiKey names it), if that is what `err` says. */
function missingApi(err: unknown): string | undefined {
  const found = chain(err).find((e) => typeof (e as { apiName?: unknown }).apiName === 'string')
  return found ? ((found as { apiName: string }).apiName) : undefined
}

/**
 * The BRIDGE_CLUSTER_ERROR that stops a bridge the cluster refused; a cluster without an
 * API the bridge needs is named as such.
 */
export function refused(host: Pick<BridgeHost, 'name'>, err: unknown): KafketteError {
  const api = missingApi(err)
  const why = api !== undefined ? `the cluster does not offer the ${api} API the bridge needs (${describe(err)})` : `the cluster refused the bridge: ${describe(err)}`
  return new KafketteError('BRIDGE_CLUSTER_ERROR', `bridge ${host.name}: ${why}`, { bridge: host.name, ...(api !== undefined ? { api } : {}) }, { cause: err })
}

/**
 * exactlyOnce's BRIDGE_CLUSTER_ERROR when the cluster will not start a transactional
 * producer (InitProducerId with a transactional id) for a reason retrying cannot mend: it
 * has no transactions (kafkette's own wire listener refuses a transactional id), or no
 * InitProducerId at all. Undefined for an error the bridge retries (the cluster down).
 */
export function transactionsRefused(host: Pick<BridgeHost, 'name'>, err: unknown): KafketteError | undefined {
  const verdict = classify(err)
  if (verdict.kind === 'retry') return undefined
  const reason = missingApi(err) !== undefined ? 'it has no InitProducerId API' : (verdict.type ?? describe(err))
  return new KafketteError(
    'BRIDGE_CLUSTER_ERROR',
    `bridge ${host.name}: exactlyOnce needs transactions and the cluster refused a transactional producer (${reason}); kafkette's wire listener has no transactions yet: bridge to it without exactlyOnce (at-least-once)`,
    { bridge: host.name, api: 'InitProducerId' },
    { cause: err },
  )
}

/** The message of an error, for a KafketteError's detail. */
export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** Waits on a clock; `cancel` resolves the wait at once. */
export function clockSleep(clock: Clock, ms: number): { done: Promise<void>; cancel(): void } {
  let handle: TimerHandle | undefined
  let resolve!: () => void
  const done = new Promise<void>((r) => (resolve = r))
  handle = clock.setTimeout(() => resolve(), ms)
  return {
    done,
    cancel() {
      clock.clearTimeout(handle)
      handle = undefined
      resolve()
    },
  }
}
