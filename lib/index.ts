// kafkette's public API: every export by name, so a change to the surface shows in review.
export { openLog, Log } from './client/log.js'
export type { OpenLogOptions, LogEvents, CompactionResult, TruncateResult, IsolationLevel } from './log/log.js'
export type { VerifyReport, PartitionVerification, DamagedRange } from './log/integrity.js'
export type { WalRecovery } from './storage/wal.js'
export type { ThreadPriority } from './util/priority.js'
export { Producer } from './client/producer.js'
export type { ProducerOptions } from './client/producer.js'
export { Transaction } from './client/transaction.js'
export type { TransactionOffsets } from './client/transaction.js'
export { Consumer } from './client/consumer.js'
export type {
  ConsumerOptions,
  ConsumerEvents,
  PollOptions,
  MessagesOptions,
  OffsetReset,
  RetryOptions,
  RunConfig,
  EachMessagePayload,
  EachBatchPayload,
  Batch,
  BatchEvent,
  CrashEvent,
  GroupJoinEvent,
  RebalanceEvent,
  CommittedPartitionOffset,
} from './client/consumer.js'
export { range, roundRobin, cooperativeSticky, ASSIGNORS } from './group/assignors/index.js'
export type { Assignor, AssignFn, AssignArgs, AssignorMember, AssignorOption } from './group/assignors/index.js'
export type { GroupListing, OffsetCommit, ResetTarget } from './group/coordinator.js'
export type { GroupDescription, MemberDescription, GroupState } from './group/group.js'
export type { GroupOffset } from './group/committed.js'
export type { LeaveReason } from './group/member.js'
export { murmur2Partition } from './client/partitioners.js'
export type { Partitioner, PartitionerArgs } from './client/partitioners.js'
export { murmur2 } from './util/murmur2.js'
export { crc32c } from './util/crc32c.js'
export { KafketteError, isRetriable, isKafketteError, ERROR_CODES } from './errors.js'
export type { ErrorCode, ErrorContext } from './errors.js'
export { SystemClock, ManualClock } from './util/clock.js'
export type { Clock, TimerHandle } from './util/clock.js'
export { DEFAULT_TOPIC_CONFIG, KAFKA_TOPIC_CONFIG_NAMES, IGNORED_KAFKA_TOPIC_CONFIGS, topicConfigFromKafka, kafkaTopicConfigName } from './log/topic-config.js'
export type { TopicConfig, CleanupPolicy, TimestampType } from './log/topic-config.js'
export type {
  Offset,
  Key,
  Headers,
  Message,
  RecordMetadata,
  ConsumedMessage,
  TopicPartition,
  TopicPartitionOffset,
  PartitionDescription,
  TopicDescription,
  ListenOptions,
  WireListener,
} from './types.js'
