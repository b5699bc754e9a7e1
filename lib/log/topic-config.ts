// A topic's config: the keys Kafka gives a topic, with Kafka's defaults, validated
// whole before anything is written.
import { KafketteError } from '../errors.js'
import { closest } from '../util/validate.js'

/** How a topic's old records are removed. */
export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete'

/** Which timestamp a record keeps: the producer's, or the log's at append. */
export type TimestampType = 'CreateTime' | 'LogAppendTime'

/** A topic's config, every key set. */
export interface TopicConfig {
  /** Batches whose newest timestamp is older than this are removed; -1 keeps them forever. Default 7 days. */
  retentionMs: number
  /** Per partition: the oldest batches are removed while the partition holds more bytes; -1 = no limit (default). */
  retentionBytes: number
  /** 'delete' (default), 'compact', or both. */
  cleanupPolicy: CleanupPolicy
  /** How long a tombstone (null value) stays after compaction reached it. Default 1 day. */
  deleteRetentionMs: number
  /** Records younger than this are not compacted. Default 0. */
  minCompactionLagMs: number
  /** 'CreateTime' (default) or 'LogAppendTime'. */
  messageTimestampType: TimestampType
  /** The largest encoded batch (one send to one partition) accepted, in bytes; -1 = no limit (default). */
  maxMessageBytes: number
}

const DAY = 24 * 60 * 60 * 1000

/** Kafka's defaults. */
export const DEFAULT_TOPIC_CONFIG: Readonly<TopicConfig> = Object.freeze({
  retentionMs: 7 * DAY,
  retentionBytes: -1,
  cleanupPolicy: 'delete',
  deleteRetentionMs: DAY,
  minCompactionLagMs: 0,
  messageTimestampType: 'CreateTime',
  maxMessageBytes: -1,
})

/** Kafka's names of the topic configs kafkette keeps (`retention.ms`…), and the TopicConfig key each stands for. */
export const KAFKA_TOPIC_CONFIG_NAMES: Readonly<Record<string, keyof TopicConfig>> = Object.freeze({
  'retention.ms': 'retentionMs',
  'retention.bytes': 'retentionBytes',
  'cleanup.policy': 'cleanupPolicy',
  'delete.retention.ms': 'deleteRetentionMs',
  'min.compaction.lag.ms': 'minCompactionLagMs',
  'message.timestamp.type': 'messageTimestampType',
  'max.message.bytes': 'maxMessageBytes',
})

/**
 * Topic configs a Kafka broker accepts that mean nothing to a log in one process (segments,
 * replication, flushing, message format, tiered storage): accepted and ignored, as a single
 * broker takes them without changing what a client sees.
 */
export const IGNORED_KAFKA_TOPIC_CONFIGS: ReadonlySet<string> = new Set([
  'compression.type',
  'file.delete.delay.ms',
  'flush.messages',
  'flush.ms',
  'follower.replication.throttled.replicas',
  'index.interval.bytes',
  'leader.replication.throttled.replicas',
  'local.retention.bytes',
  'local.retention.ms',
  'max.compaction.lag.ms',
  'message.downconversion.enable',
  'message.format.version',
  'message.timestamp.after.max.ms',
  'message.timestamp.before.max.ms',
  'message.timestamp.difference.max.ms',
  'min.cleanable.dirty.ratio',
  'min.insync.replicas',
  'preallocate',
  'remote.storage.enable',
  'segment.bytes',
  'segment.index.bytes',
  'segment.jitter.ms',
  'segment.ms',
  'unclean.leader.election.enable',
])

/**
 * Topic config entries by Kafka's names, with string values as Kafka's admin APIs carry them
 * (`[{ name: 'retention.ms', value: '60000' }]`), as a TopicConfig change for createTopic or
 * alterTopicConfig. The configs in IGNORED_KAFKA_TOPIC_CONFIGS and null values are dropped;
 * `cleanup.policy` may list its policies in either order. An unknown name or a numeric
 * config that is not an integer is INVALID_CONFIG naming it; other values are checked where
 * the change is applied.
 */
export function topicConfigFromKafka(entries: Iterable<{ name: string; value: string | null }>): Partial<TopicConfig> {
  const config: Record<string, unknown> = {}
  for (const { name, value } of entries) {
    if (value === null || IGNORED_KAFKA_TOPIC_CONFIGS.has(name)) continue
    const key = KAFKA_TOPIC_CONFIG_NAMES[name]
    if (!key) {
      const near = closest(name, Object.keys(KAFKA_TOPIC_CONFIG_NAMES))
      throw new KafketteError('INVALID_CONFIG', `unknown topic config ${name}${near ? ` (did you mean ${near}?)` : ''}`, {})
    }
    if (typeof DEFAULT_TOPIC_CONFIG[key] === 'number') {
      if (!/^-?\d+$/.test(value)) throw new KafketteError('INVALID_CONFIG', `topic config ${name} must be an integer, got ${JSON.stringify(value)}`, {})
      config[key] = Number(value)
    } else {
      config[key] = key === 'cleanupPolicy' ? value.split(',').map((s) => s.trim()).sort().join(',') : value
    }
  }
  return config as Partial<TopicConfig>
}

/** The Kafka name of a TopicConfig key (`retentionMs` → `retention.ms`); a key Kafka has no name for, as it is. */
export function kafkaTopicConfigName(key: string): string {
  return Object.entries(KAFKA_TOPIC_CONFIG_NAMES).find(([, k]) => k === key)?.[0] ?? key
}

const POLICIES: readonly string[] = ['delete', 'compact', 'compact,delete']
const TIMESTAMP_TYPES: readonly string[] = ['CreateTime', 'LogAppendTime']

function limit(name: string, value: unknown, min: number, topic: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || (value < min && value !== -1)) {
    throw new KafketteError('INVALID_CONFIG', `${name} must be -1 or an integer ≥ ${min}, got ${String(value)}`, { topic })
  }
  return value
}

function nonNegative(name: string, value: unknown, topic: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new KafketteError('INVALID_CONFIG', `${name} must be an integer ≥ 0, got ${String(value)}`, { topic })
  }
  return value
}

/** Merges `changes` over `base`, refusing unknown keys and bad values (INVALID_CONFIG). */
export function resolveTopicConfig(topic: string, changes: unknown, base: Readonly<TopicConfig> = DEFAULT_TOPIC_CONFIG): TopicConfig {
  if (changes === undefined) return { ...base }
  if (changes === null || typeof changes !== 'object' || Array.isArray(changes)) {
    throw new KafketteError('INVALID_CONFIG', `config must be an object, got ${changes === null ? 'null' : typeof changes}`, { topic })
  }
  const out: TopicConfig = { ...base }
  for (const [key, value] of Object.entries(changes as Record<string, unknown>)) {
    if (value === undefined) continue
    switch (key) {
      case 'retentionMs':
        out.retentionMs = limit(key, value, 1, topic)
        break
      case 'retentionBytes':
        out.retentionBytes = limit(key, value, 1, topic)
        break
      case 'maxMessageBytes':
        out.maxMessageBytes = limit(key, value, 1, topic)
        break
      case 'deleteRetentionMs':
        out.deleteRetentionMs = nonNegative(key, value, topic)
        break
      case 'minCompactionLagMs':
        out.minCompactionLagMs = nonNegative(key, value, topic)
        break
      case 'cleanupPolicy':
        if (typeof value !== 'string' || !POLICIES.includes(value)) {
          throw new KafketteError('INVALID_CONFIG', `cleanupPolicy must be one of ${POLICIES.join(' | ')}, got ${String(value)}`, { topic })
        }
        out.cleanupPolicy = value as CleanupPolicy
        break
      case 'messageTimestampType':
        if (typeof value !== 'string' || !TIMESTAMP_TYPES.includes(value)) {
          throw new KafketteError('INVALID_CONFIG', `messageTimestampType must be CreateTime or LogAppendTime, got ${String(value)}`, { topic })
        }
        out.messageTimestampType = value as TimestampType
        break
      default:
        throw new KafketteError('INVALID_CONFIG', unknownKey(key), { topic })
    }
  }
  return out
}

/** The message for an unknown config key, with the known key it is closest to (`retentionms` → `retentionMs`). */
function unknownKey(key: string): string {
  const near = closest(key, Object.keys(DEFAULT_TOPIC_CONFIG))
  return `unknown topic config key ${JSON.stringify(key)}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''}`
}
