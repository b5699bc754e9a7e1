// The types of the Consumer's public surface (options, events, run() payloads) and of its
// engine's cursors, shared by consumer.ts and runner.ts.
import type { KafketteError } from '../errors.js'
import type { AssignorOption } from '../group/assignors/types.js'
import type { OffsetCommit } from '../group/coordinator.js'
import type { AssignedEvent, LeaveReason } from '../group/member.js'
import type { Partition } from '../log/partition.js'
import type { ConsumedMessage, TopicPartition, TopicPartitionOffset } from '../types.js'
import type { TimerHandle } from '../util/clock.js'

/** What a consumer does when its position is outside [log start, high watermark]. */
export type OffsetReset = 'earliest' | 'latest' | 'none'

/** How a consumer in run() retries a failing handler, on the log's clock. */
export interface RetryOptions {
  /** Redeliveries of a failing message before a 'crash' event (default 5). */
  retries?: number
  /** The first backoff (default 300 ms); each next one is `multiplier` times longer. */
  initialRetryTimeMs?: number
  /** The longest backoff (default 30000 ms). */
  maxRetryTimeMs?: number
  /** Backoff growth (default 2). */
  multiplier?: number
  /** After a crash: true (the default) keeps the partition going after a backoff; false stops the consumer. */
  restartOnFailure?: (error: unknown) => boolean | Promise<boolean>
}

/** Options of log.consumer(). The group options need a groupId. */
export interface ConsumerOptions {
  /** The consumer group; with it, subscribe() shares partitions with the group's other members and commits offsets. */
  groupId?: string
  /** Names the member in describeGroup (default 'kafkette'). */
  clientId?: string
  /** Start at the log start offset where there is no committed offset (default false: at the high watermark). */
  fromBeginning?: boolean
  /**
   * 'read_committed' (the default): read up to the last stable offset, never a record of
   * an aborted or still open transaction. 'read_uncommitted': read up to the high
   * watermark, transactional records included as soon as they are written. Neither
   * returns transaction markers.
   */
  isolationLevel?: 'read_committed' | 'read_uncommitted'
  /** When a position (or committed offset) is out of range: 'earliest', 'latest', or 'none' (poll throws OFFSET_OUT_OF_RANGE). Default: 'earliest' with fromBeginning, else 'latest'. */
  autoOffsetReset?: OffsetReset
  /** The most records one poll returns, and the size of a run() batch (default 500). */
  maxPollRecords?: number
  /** Commit processed offsets automatically: on interval, on revoke, on stop and close (default true). */
  autoCommit?: boolean
  /** How often processed offsets are committed, on the log's clock (default 5000; 0 commits after every batch or poll). */
  autoCommitIntervalMs?: number
  /** Also commit once this many records were processed since the last commit. */
  autoCommitThreshold?: number
  /**
   * Automatic commits (interval, revoke, stop, close) also record the position of a
   * partition the group has no committed offset for and this member processed nothing of,
   * as Kafka's Java client does (default true). KafkaJS commits only what was processed:
   * its facade sets this false.
   */
  commitUnprocessed?: boolean
  /** A member that shows no sign of life for this long is removed from the group (default 30000). */
  sessionTimeoutMs?: number
  /** At most one 'heartbeat' event per this many milliseconds (default 3000). */
  heartbeatIntervalMs?: number
  /** How long a rebalance waits for this member to finish and commit its revoked partitions before removing it (default 60000). */
  rebalanceTimeoutMs?: number
  /** 'range', 'roundRobin' (default), 'cooperativeSticky', an Assignor, or an assign function. */
  assignor?: AssignorOption
  /** How run() retries a failing handler. */
  retry?: RetryOptions
}

/** Options of poll(). */
export interface PollOptions {
  /** The most records to return (default: the consumer's maxPollRecords). */
  maxRecords?: number
  /** How long to wait on the log's clock when nothing is ready (default 1000; Infinity waits for data or close). */
  timeoutMs?: number
  /** Ends the wait when it aborts: poll returns [] (as on timeout or close). */
  signal?: AbortSignal
}

/** Options of consumer.messages(). */
export interface MessagesOptions {
  /** Ends the iteration when it aborts (the loop sees `done`); records taken but not yet yielded are read again later. */
  signal?: AbortSignal
}

/** A committed offset as committed() reports it: `offset` is null where the group has none. */
export interface CommittedPartitionOffset extends TopicPartition {
  offset: number | null
  metadata: string | null
}

/** A member joined (or rejoined) its group in a new generation. */
export type GroupJoinEvent = Omit<AssignedEvent, 'assigned' | 'revoked'>

/** A rebalance gave the member a new generation: what it lost, what it gained, what it owns. */
export interface RebalanceEvent {
  groupId: string
  memberId: string
  generation: number
  revoked: TopicPartition[]
  assigned: TopicPartition[]
  assignment: TopicPartition[]
}

/** A batch of one partition that run() hands to the application. */
export interface BatchEvent {
  topic: string
  partition: number
  highWatermark: number
  /** Records between the batch's last offset and the high watermark. */
  offsetLag: number
  /** Records between the batch's first offset and the high watermark. */
  offsetLagLow: number
  batchSize: number
  firstOffset: number
  lastOffset: number
}

/** A handler kept failing (retries spent), or the consumer could not go on. */
export interface CrashEvent {
  error: unknown
  /** True when the consumer goes on (the partition is retried after a backoff); false when it stops. */
  restart: boolean
  groupId?: string
  topic?: string
  partition?: number
  offset?: number
}

/** Events a consumer emits (data never travels here: only notices). */
export interface ConsumerEvents {
  /** The position of a partition was reset after it fell out of range. */
  'offset.reset': (event: { topic: string; partition: number; from: number; to: number }) => void
  /** The member received its assignment in a new generation (every rebalance it takes part in). */
  'group.join': (event: GroupJoinEvent) => void
  /** A rebalance of the member's group began. */
  'group.rebalancing': (event: { groupId: string; memberId: string }) => void
  /** The member's assignment changed: revoked and assigned partitions, and the whole assignment. */
  'group.rebalance': (event: RebalanceEvent) => void
  /** The member left its group: it closed or stopped ('leave'), or the group removed it. */
  'group.leave': (event: { groupId: string; memberId: string; reason: LeaveReason }) => void
  /** Offsets were committed. */
  commit: (event: { groupId: string; memberId: string; offsets: TopicPartitionOffset[] }) => void
  /** An automatic commit failed; the offsets stay uncommitted and are tried again later. */
  'commit.failed': (event: { groupId: string; memberId: string | undefined; error: unknown }) => void
  /** A handler kept failing, or run() could not go on. */
  crash: (event: CrashEvent) => void
  /** The consumer stopped (stop()) or closed. */
  stop: () => void
  /** run() took a batch of one partition from the engine. */
  fetch: (event: { topic: string; partition: number; numberOfMessages: number; durationMs: number }) => void
  /** run() hands a batch to the application. */
  'batch.start': (event: BatchEvent) => void
  /** The application finished a batch (or it was cut short by a revoke, pause, seek or error). */
  'batch.end': (event: BatchEvent & { durationMs: number }) => void
  /** The member showed it is alive (at most one event per heartbeatIntervalMs). */
  heartbeat: (event: { groupId: string; memberId: string; generation: number }) => void
}

/** @internal One assigned partition's state in the fetch engine. */
export interface Cursor {
  readonly topic: string
  readonly partition: number
  readonly key: string
  part: Partition
  position: number
  buffer: ConsumedMessage[]
  next: number
  paused: boolean
  /** A fetch already under way from the offset after the buffer (read-ahead). */
  ahead: { from: number; result: Promise<ConsumedMessage[] | KafketteError> } | undefined
  /** The next offset to commit: every record below it was processed. */
  processed: number
  /** The offset after the last record handed to the application by poll() or for await. */
  delivered: number
  /** The offset this member last committed (undefined: none yet). */
  committed: number | undefined
  /** Where the partition was assigned, while nothing was processed nor sought past it (undefined after a seek). */
  origin: number | undefined
  /** Set once the partition is taken away: nothing more of it is handed out. */
  revoked: boolean
  /** Bumped by seek: batches taken before it are stale. */
  seq: number
  /** Failures of the current record in run(). */
  attempts: number
  /** A run() backoff in progress. */
  blocked: TimerHandle | undefined
}

/** What eachMessage receives. */
export interface EachMessagePayload<V = unknown> {
  topic: string
  partition: number
  message: ConsumedMessage<V>
  /** Shows the group the member is alive during a long handler. */
  heartbeat(): Promise<void>
  /** Pauses this partition (the records after this one wait); returns a function that resumes it. */
  pause(): () => void
}

/** A partition's batch, as eachBatch receives it. */
export interface Batch<V = unknown> {
  topic: string
  partition: number
  /** The partition's high watermark when the batch was taken. */
  highWatermark: number
  messages: Array<ConsumedMessage<V>>
  isEmpty(): boolean
  firstOffset(): number | null
  lastOffset(): number
  /** Records after the batch's last offset, up to the high watermark. */
  offsetLag(): number
  /** Records after the batch's first offset, up to the high watermark. */
  offsetLagLow(): number
}

/** What eachBatch receives. */
export interface EachBatchPayload<V = unknown> {
  batch: Batch<V>
  /** Marks a record processed: the next commit covers it and everything before it. */
  resolveOffset(offset: number): void
  heartbeat(): Promise<void>
  /** With offsets: commits exactly those. Without: commits processed offsets if autoCommit says it is time. */
  commitOffsetsIfNecessary(offsets?: readonly OffsetCommit[]): Promise<void>
  /** Processed offsets not committed yet. */
  uncommittedOffsets(): TopicPartitionOffset[]
  /** False once the consumer is stopping: a long batch should return. */
  isRunning(): boolean
  /** True once this batch's partition was revoked or sought elsewhere: its remaining records are not this member's to process. */
  isStale(): boolean
  /** Pauses this partition; returns a function that resumes it. */
  pause(): () => void
}

/** What run() takes: eachMessage or eachBatch. */
export interface RunConfig {
  eachMessage?: (payload: EachMessagePayload) => Promise<void> | void
  eachBatch?: (payload: EachBatchPayload) => Promise<void> | void
  /** How many partitions are processed at once (default 1); each partition stays in order. */
  partitionsConsumedConcurrently?: number
  /** Resolve the whole batch once eachBatch returns (default true); false: only what resolveOffset marked. */
  eachBatchAutoResolve?: boolean
  /** Stops run() when it aborts, as stop() does (the handlers in flight finish, processed offsets are committed). */
  signal?: AbortSignal
}

