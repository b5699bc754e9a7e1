// Topic configs by Kafka's names (the KafkaJS facade's configEntries, the wire listener's
// CreateTopics, the CLI's --config): one parser, so every door takes the same configs.
import { describe, expect, it } from 'vitest'
import { DEFAULT_TOPIC_CONFIG, KAFKA_TOPIC_CONFIG_NAMES, kafkaTopicConfigName, topicConfigFromKafka } from '../../../lib/index.js'

describe('topicConfigFromKafka', () => {
  it('turns every config kafkette keeps into its TopicConfig key, numbers as numbers', () => {
    expect(
      topicConfigFromKafka([
        { name: 'retention.ms', value: '60000' },
        { name: 'retention.bytes', value: '-1' },
        { name: 'cleanup.policy', value: 'delete, compact' },
        { name: 'delete.retention.ms', value: '1000' },
        { name: 'min.compaction.lag.ms', value: '0' },
        { name: 'message.timestamp.type', value: 'LogAppendTime' },
        { name: 'max.message.bytes', value: '1048576' },
      ]),
    ).toEqual({ retentionMs: 60000, retentionBytes: -1, cleanupPolicy: 'compact,delete', deleteRetentionMs: 1000, minCompactionLagMs: 0, messageTimestampType: 'LogAppendTime', maxMessageBytes: 1048576 })
    expect(Object.values(KAFKA_TOPIC_CONFIG_NAMES).sort()).toEqual(Object.keys(DEFAULT_TOPIC_CONFIG).sort())
  })

  it('drops what a single broker takes without effect, and null values', () => {
    expect(topicConfigFromKafka([{ name: 'min.insync.replicas', value: '2' }, { name: 'segment.bytes', value: '1048576' }, { name: 'retention.ms', value: null }])).toEqual({})
  })

  it('refuses an unknown name (suggesting a near one) and a numeric config that is not an integer', () => {
    expect(() => topicConfigFromKafka([{ name: 'retention.msec', value: '1' }])).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringMatching(/unknown topic config retention\.msec \(did you mean retention\.ms\?\)/) }))
    expect(() => topicConfigFromKafka([{ name: 'retention.ms', value: '1.5' }])).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringMatching(/retention\.ms must be an integer/) }))
  })

  it('names a TopicConfig key as Kafka does', () => {
    expect(kafkaTopicConfigName('retentionMs')).toBe('retention.ms')
    expect(kafkaTopicConfigName('notAKey')).toBe('notAKey')
  })
})
