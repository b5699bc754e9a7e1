// CreateTopics (key 19), versions 0–4: creates topics with a partition count and Kafka's
// config names (cleanup.policy, retention.ms, retention.bytes, delete.retention.ms,
// min.compaction.lag.ms, message.timestamp.type, max.message.bytes; those a single broker
// takes without effect, such as min.insync.replicas, are accepted and ignored). One broker: a
// replication factor above 1 is INVALID_REPLICATION_FACTOR, as Kafka answers.
//
// | version | request | response |
// |---|---|---|
// | 0 | topics[name, num_partitions, replication_factor, assignments[], configs[name, value]], timeout_ms | topics[name, error] |
// | 1 | + validate_only | + topic error_message |
// | 2–4 | | + throttle_time_ms (first) |
import { topicConfigFromKafka, type TopicConfig } from '../../index.js'
import { kafkaErrorCode, KAFKA } from '../errors.js'
import { defineApi } from './api.js'

interface TopicReq {
  name: string
  partitions: number
  replicationFactor: number
  assignments: number
  configs: Array<{ name: string; value: string | null }>
}
interface Req {
  topics: TopicReq[]
  validateOnly: boolean
}
type Res = Array<{ name: string; errorCode: number; message: string | null }>

/** Kafka's topic config names and string values as kafkette's TopicConfig, or what is wrong with them (INVALID_CONFIG). */
export function topicConfigOf(configs: ReadonlyArray<{ name: string; value: string | null }>): Partial<TopicConfig> | string {
  try {
    return topicConfigFromKafka(configs)
  } catch (err) {
    return (err as Error).message
  }
}

/** The CreateTopics API (key 19): versions, decoder, handler and encoder. */
export const createTopics = defineApi<Req, Res>({
  key: 19,
  name: 'CreateTopics',
  minVersion: 0,
  maxVersion: 4,
  decode(r, v) {
    const topics = r.arr((r) => ({
      name: r.str(),
      partitions: r.int32(),
      replicationFactor: r.int16(),
      assignments: r.arr((r) => ({ index: r.int32(), brokers: r.arr((r) => r.int32()) })).length,
      configs: r.arr((r) => ({ name: r.str(), value: r.string() })),
    }))
    r.int32()
    const validateOnly = v >= 1 ? r.bool() : false
    return { topics, validateOnly }
  },
  async handle(ctx, req) {
    const out: Res = []
    for (const t of req.topics) {
      const fail = (errorCode: number, message: string): void => void out.push({ name: t.name, errorCode, message })
      if (t.replicationFactor > 1) {
        fail(KAFKA.INVALID_REPLICATION_FACTOR, `replication factor ${t.replicationFactor} is larger than the 1 broker`)
        continue
      }
      if (t.assignments > 0) {
        fail(KAFKA.INVALID_REQUEST, 'replica assignments are not supported (one broker)')
        continue
      }
      const config = topicConfigOf(t.configs)
      if (typeof config === 'string') {
        fail(KAFKA.INVALID_CONFIG, config)
        continue
      }
      if (ctx.log.hasTopic(t.name)) {
        fail(KAFKA.TOPIC_ALREADY_EXISTS, `topic ${t.name} already exists`)
        continue
      }
      if (req.validateOnly) {
        out.push({ name: t.name, errorCode: KAFKA.NONE, message: null })
        continue
      }
      try {
        await ctx.log.createTopic(t.name, { ...(t.partitions > 0 ? { partitions: t.partitions } : t.partitions === -1 ? {} : { partitions: t.partitions }), config })
        out.push({ name: t.name, errorCode: KAFKA.NONE, message: null })
      } catch (err) {
        fail(kafkaErrorCode(err), err instanceof Error ? err.message : String(err))
      }
    }
    return out
  },
  encode(w, res, v) {
    if (v >= 2) w.int32(0)
    w.array(res, (w, t) => {
      w.string(t.name).int16(t.errorCode)
      if (v >= 1) w.string(t.message)
    })
  },
})
