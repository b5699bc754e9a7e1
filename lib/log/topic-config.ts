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
