// KafkaJS 2.x's error classes, and the mapping from kafkette's error codes to them.
import { KafketteError } from '../index.js'

/** The base of every error the facade throws, as KafkaJS's. */
export class KafkaJSError extends Error {
  readonly retriable: boolean
  readonly helpUrl: string | undefined
  override readonly cause: Error | undefined

  constructor(e: Error | string, { retriable = true, cause }: { retriable?: boolean; cause?: Error } = {}) {
    super(typeof e === 'string' ? e : e.message)
    this.name = 'KafkaJSError'
    this.retriable = retriable
    this.helpUrl = undefined
    this.cause = cause ?? (typeof e === 'string' ? undefined : e)
  }
}

export class KafkaJSNonRetriableError extends KafkaJSError {
  constructor(e: Error | string, options: { cause?: Error } = {}) {
    super(e, { retriable: false, ...options })
    this.name = 'KafkaJSNonRetriableError'
  }
}

/** An error Kafka's protocol names: `type` is the Kafka error name, `code` its number. */
export class KafkaJSProtocolError extends KafkaJSError {
  readonly type: string
  readonly code: number

  constructor(e: Error | string | { message: string; type: string; code: number; retriable: boolean }, { retriable }: { retriable?: boolean } = {}) {
    const described = typeof e === 'object' && 'type' in e ? e : undefined
    super(described ? described.message : (e as Error | string), { retriable: retriable ?? described?.retriable ?? false })
    this.name = 'KafkaJSProtocolError'
    this.type = described?.type ?? 'UNKNOWN'
    this.code = described?.code ?? -1
  }
}

export class KafkaJSOffsetOutOfRange extends KafkaJSProtocolError {
  readonly topic: string | undefined
  readonly partition: number | undefined

  constructor(e: Error | string | { message: string; type: string; code: number; retriable: boolean }, { topic, partition }: { topic?: string; partition?: number } = {}) {
    super(e)
    this.name = 'KafkaJSOffsetOutOfRange'
    this.topic = topic
    this.partition = partition
  }
}

export class KafkaJSNumberOfRetriesExceeded extends KafkaJSNonRetriableError {
  override readonly stack: string
  readonly retryCount: number
  readonly retryTime: number

  constructor(e: Error | string, { retryCount = 0, retryTime = 0 }: { retryCount?: number; retryTime?: number } = {}) {
    super(e, { cause: typeof e === 'string' ? undefined : e })
    this.stack = `${this.name}\n  Caused by: ${typeof e === 'string' ? e : (e.stack ?? e.message)}`
    this.retryCount = retryCount
    this.retryTime = retryTime
    this.name = 'KafkaJSNumberOfRetriesExceeded'
  }
}

/** A KafkaJS feature the facade does not provide; the message names it. */
export class KafkaJSNotImplemented extends KafkaJSNonRetriableError {
  constructor(what: string) {
    super(`${what} is not implemented by kafkette's KafkaJS facade`)
    this.name = 'KafkaJSNotImplemented'
  }
}

export class KafkaJSConnectionError extends KafkaJSError {
  constructor(e: Error | string, options: { cause?: Error } = {}) {
    super(e, options)
    this.name = 'KafkaJSConnectionError'
  }
}

export class KafkaJSTimeout extends KafkaJSError {
  constructor(e: Error | string) {
    super(e, { retriable: false })
    this.name = 'KafkaJSTimeout'
  }
}

export class KafkaJSDeleteGroupsError extends KafkaJSError {
  readonly groups: Array<{ groupId: string; errorCode: number; error: KafkaJSError }>

  constructor(e: Error | string, groups: Array<{ groupId: string; errorCode: number; error: KafkaJSError }> = []) {
    super(e)
    this.name = 'KafkaJSDeleteGroupsError'
    this.groups = groups
  }
}

export class KafkaJSDeleteTopicRecordsError extends KafkaJSError {
  readonly partitions: Array<{ partition: number; offset: string; error: KafkaJSError }>

  constructor({ partitions }: { partitions: Array<{ partition: number; offset: string; error: KafkaJSError }> }) {
    super(partitions[0]?.error ?? 'deleteTopicRecords failed', { retriable: false })
    this.name = 'KafkaJSDeleteTopicRecordsError'
    this.partitions = partitions
  }
}

/**
 * Kafka's name and numeric code for the conditions kafkette shares with it, and whether
 * KafkaJS 2.2.4 marks that error retriable (its src/protocol/error.js): the facade answers
 * as KafkaJS would, which is not always kafkette's own flag (UNKNOWN_TOPIC_OR_PARTITION is
 * retriable in KafkaJS, since a broker may not know a topic yet; REBALANCE_IN_PROGRESS is
 * not, since the consumer rejoins instead of retrying the call).
 */
const KAFKA_CODES: Record<string, { type: string; code: number; retriable: boolean }> = {
  OFFSET_OUT_OF_RANGE: { type: 'OFFSET_OUT_OF_RANGE', code: 1, retriable: false },
  UNKNOWN_TOPIC_OR_PARTITION: { type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3, retriable: true },
  MESSAGE_TOO_LARGE: { type: 'MESSAGE_TOO_LARGE', code: 10, retriable: false },
  INVALID_TOPIC: { type: 'INVALID_TOPIC_EXCEPTION', code: 17, retriable: false },
  INCONSISTENT_GROUP_PROTOCOL: { type: 'INCONSISTENT_GROUP_PROTOCOL', code: 23, retriable: false },
  INVALID_GROUP_ID: { type: 'INVALID_GROUP_ID', code: 24, retriable: false },
  UNKNOWN_MEMBER_ID: { type: 'UNKNOWN_MEMBER_ID', code: 25, retriable: false },
  REBALANCE_IN_PROGRESS: { type: 'REBALANCE_IN_PROGRESS', code: 27, retriable: false },
  TOPIC_ALREADY_EXISTS: { type: 'TOPIC_ALREADY_EXISTS', code: 36, retriable: false },
  INVALID_PARTITIONS: { type: 'INVALID_PARTITIONS', code: 37, retriable: false },
  INVALID_CONFIG: { type: 'INVALID_CONFIG', code: 40, retriable: false },
  NON_EMPTY_GROUP: { type: 'NON_EMPTY_GROUP', code: 68, retriable: false },
  GROUP_ID_NOT_FOUND: { type: 'GROUP_ID_NOT_FOUND', code: 69, retriable: false },
  INVALID_RECORD: { type: 'INVALID_RECORD', code: 87, retriable: false },
  OUT_OF_ORDER_SEQUENCE_NUMBER: { type: 'OUT_OF_ORDER_SEQUENCE_NUMBER', code: 45, retriable: false },
  INVALID_PRODUCER_EPOCH: { type: 'INVALID_PRODUCER_EPOCH', code: 47, retriable: false },
  INVALID_TXN_STATE: { type: 'INVALID_TXN_STATE', code: 48, retriable: false },
  UNKNOWN_PRODUCER_ID: { type: 'UNKNOWN_PRODUCER_ID', code: 59, retriable: false },
  PRODUCER_FENCED: { type: 'PRODUCER_FENCED', code: 90, retriable: false },
}

/** The KafkaJS error for an error of the log: a protocol error where Kafka has the condition. */
export function toKafkaJSError(err: unknown): unknown {
  if (err instanceof KafkaJSError) return err
  if (!(err instanceof KafketteError)) return err
  const kafka = KAFKA_CODES[err.code]
  if (kafka) {
    const described = { message: err.message, type: kafka.type, code: kafka.code, retriable: kafka.retriable }
    if (err.code === 'OFFSET_OUT_OF_RANGE') return new KafkaJSOffsetOutOfRange(described, { topic: err.context.topic, partition: err.context.partition })
    return new KafkaJSProtocolError(described)
  }
  if (err.code === 'NOT_IMPLEMENTED') return new KafkaJSNotImplemented(err.message)
  if (err.code === 'LOG_CLOSED') return new KafkaJSConnectionError(err.message, { cause: err })
  return err.retriable ? new KafkaJSError(err.message, { retriable: true, cause: err }) : new KafkaJSNonRetriableError(err.message, { cause: err })
}

/** Runs `fn`, rethrowing an error of the log as its KafkaJS error. */
export async function kafkaErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    throw toKafkaJSError(err)
  }
}
