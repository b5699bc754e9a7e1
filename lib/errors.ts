// The error contract: every failure kafkette reports carries a stable `code` and a
// `retriable` flag taken from ERROR_CODES (one table, never a default).

/** Every error code kafkette raises, with whether retrying the same call can succeed. */
export const ERROR_CODES = {
  /** createTopic on a name that exists. */
  TOPIC_ALREADY_EXISTS: { retriable: false, message: 'the topic already exists' },
  /** A topic that does not exist, or a partition number outside the topic. */
  UNKNOWN_TOPIC_OR_PARTITION: { retriable: false, message: 'unknown topic or partition' },
  /** An offset below the log start offset or above the high watermark. */
  OFFSET_OUT_OF_RANGE: { retriable: false, message: 'offset out of range' },
  /** A topic name that breaks Kafka's naming rules. */
  INVALID_TOPIC: { retriable: false, message: 'invalid topic name' },
  /** A partition count below 1 or not an integer. */
  INVALID_PARTITIONS: { retriable: false, message: 'invalid partition count' },
  /** A topic config key or value that is not accepted. */
  INVALID_CONFIG: { retriable: false, message: 'invalid topic config' },
  /** A message that is not an object, or whose key, value, headers or timestamp cannot be stored. */
  INVALID_RECORD: { retriable: false, message: 'invalid record' },
  /** A message larger than the topic's maxMessageBytes. */
  MESSAGE_TOO_LARGE: { retriable: false, message: 'message too large' },
  /** An empty or invalid consumer group id. */
  INVALID_GROUP_ID: { retriable: false, message: 'invalid group id' },
  /** A member id the group coordinator does not know (it left or was evicted). */
  UNKNOWN_MEMBER_ID: { retriable: false, message: 'unknown member id' },
  /** A group member speaks for a generation the group has left behind (it must rejoin). */
  ILLEGAL_GENERATION: { retriable: false, message: 'the generation is not the group\'s current one' },
  /** The group is rebalancing; retry after the new assignment. */
  REBALANCE_IN_PROGRESS: { retriable: true, message: 'the group is rebalancing' },
  /** A member joins a group with an assignor other than the one its members use. */
  INCONSISTENT_GROUP_PROTOCOL: { retriable: false, message: 'the assignor differs from the group members\' assignor' },
  /** An admin operation refused while the group has members. */
  NON_EMPTY_GROUP: { retriable: false, message: 'the group has members' },
  /** A group id that has neither members nor committed offsets. */
  GROUP_ID_NOT_FOUND: { retriable: false, message: 'unknown group' },
  /** An idempotent batch whose sequence number does not follow the producer's last one on the partition (a gap, or a batch too old to recognise). */
  OUT_OF_ORDER_SEQUENCE_NUMBER: { retriable: false, message: 'out of order sequence number' },
  /** A batch or transaction call with a producer epoch older than the producer id's current one (for a transactional producer: its transaction timed out and was aborted). */
  INVALID_PRODUCER_EPOCH: { retriable: false, message: 'the producer epoch is not the current one' },
  /** A transactional producer whose transactionalId was taken by a newer producer (a higher epoch): it may not send or end transactions again. */
  PRODUCER_FENCED: { retriable: false, message: 'the producer was fenced by a newer producer with the same transactionalId' },
  /** A producer id the log never gave, or whose state it no longer keeps. */
  UNKNOWN_PRODUCER_ID: { retriable: false, message: 'unknown producer id' },
  /** A transaction call that its state does not allow (a second open transaction, a send after commit, a commit after a failed send). */
  INVALID_TXN_STATE: { retriable: false, message: 'the call is not valid in the transaction\'s state' },
  /** A call that is not valid in the object's current state (run twice, subscribe after run...). */
  ILLEGAL_STATE: { retriable: false, message: 'illegal state' },
  /** A callback the application gave (a partitioner, an assignor) threw; `cause` holds what it threw. */
  CALLBACK_ERROR: { retriable: false, message: 'a callback threw' },
  /** A feature named in the API that this version does not provide. */
  NOT_IMPLEMENTED: { retriable: false, message: 'not implemented' },
  /** A bridge stopped: the cluster refused a record it forwarded (too large, invalid); the record was not skipped. */
  BRIDGE_RECORD_REJECTED: { retriable: false, message: 'the cluster refused a record the bridge forwarded' },
  /** A bridge stopped: the cluster refused it in a way retrying cannot mend (authorization, a fenced producer, a topic it could not create). */
  BRIDGE_CLUSTER_ERROR: { retriable: false, message: 'the cluster refused the bridge' },
  /**
   * The log directory is open in another process (LevelDB's lock) or already in this one
   * (under any path that reaches it).
   * Not retriable: the lock goes only when its owner closes the log, which no retry brings about.
   */
  LOG_LOCKED: { retriable: false, message: 'the log directory is open in another process or already in this one' },
  /** A call on a log, producer or consumer after close(). */
  LOG_CLOSED: { retriable: false, message: 'the log is closed' },
  /** The store holds data kafkette cannot read. */
  LOG_CORRUPT: { retriable: false, message: 'the log is corrupt' },
  /** The directory was written by a newer kafkette with a format this one cannot read. */
  LOG_FORMAT_TOO_NEW: { retriable: false, message: 'the log format is newer than this version supports' },
  /** The store failed to read or write (I/O error, or an injected fault). */
  LOG_IO_ERROR: { retriable: true, message: 'the store failed to read or write' },
} as const satisfies Record<string, { retriable: boolean; message: string }>

/** A stable error code string. */
export type ErrorCode = keyof typeof ERROR_CODES

/** Typed context attached to an error: what it was about. */
export interface ErrorContext {
  topic?: string
  partition?: number
  offset?: number
  groupId?: string
  memberId?: string
  [key: string]: unknown
}

/**
 * The brand every KafketteError carries, a global symbol: the ES module and CommonJS builds
 * each have their own class, and either recognises the other's errors by it.
 */
const BRAND = Symbol.for('kafkette.KafketteError')

/** The one error class kafkette throws for conditions of the log (bad arguments of the wrong JS type get TypeError/RangeError). */
export class KafketteError extends Error {
  readonly code: ErrorCode
  readonly retriable: boolean
  readonly context: ErrorContext

  /** `err instanceof KafketteError` holds for errors of either build (ES module or CommonJS) of kafkette. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== KafketteError) return Function.prototype[Symbol.hasInstance].call(this, value)
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true
  }

  constructor(code: ErrorCode, detail?: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    const base = ERROR_CODES[code]
    super(detail ? `${code}: ${detail}` : `${code}: ${base.message}`, options)
    this.name = 'KafketteError'
    this.code = code
    this.retriable = base.retriable
    this.context = context
    Object.defineProperty(this, BRAND, { value: true })
  }
}

/** True when `err` is a KafketteError whose code says the same call may succeed later. */
export function isRetriable(err: unknown): boolean {
  return err instanceof KafketteError && err.retriable
}

/** True when `err` is a KafketteError, optionally with the given code. */
export function isKafketteError(err: unknown, code?: ErrorCode): err is KafketteError {
  return err instanceof KafketteError && (code === undefined || err.code === code)
}
