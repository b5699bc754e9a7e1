// Metadata (key 3), versions 0–5: the one broker (node 0, the advertised host and port)
// and the topics asked for, with every partition led by node 0.
//
// | version | request | response |
// |---|---|---|
// | 0 | topics[] (empty = all) | brokers[node, host, port], topics[error, name, partitions[error, index, leader, replicas[], isr[]]] |
// | 1 | topics nullable (null = all, empty = none) | + broker rack, controller_id, topic is_internal |
// | 2 | | + cluster_id |
// | 3 | | + throttle_time_ms (first) |
// | 4 | + allow_auto_topic_creation | |
// | 5 | | + partition offline_replicas[] |
//
// An unknown topic is created (and returned at once, as kfake does) when the listener
// auto-creates topics and the request allows it; otherwise it is UNKNOWN_TOPIC_OR_PARTITION.
import { kafkaErrorCode, KAFKA } from '../errors.js'
import { defineApi } from './api.js'

interface Req {
  topics: string[] | null
  allowAutoCreate: boolean
}
interface TopicMeta {
  errorCode: number
  name: string
  partitions: number
}
interface Res {
  host: string
  port: number
  topics: TopicMeta[]
}

/** The cluster id every response names: one broker, one cluster. */
export const CLUSTER_ID = 'kafkette'

/** The Metadata API (key 3): versions, decoder, handler and encoder. */
export const metadata = defineApi<Req, Res>({
  key: 3,
  name: 'Metadata',
  minVersion: 0,
  maxVersion: 5,
  decode(r, v) {
    const topics = r.array((r) => r.str())
    const allowAutoCreate = v >= 4 ? r.bool() : true
    // v0 has no null: an empty list asks for every topic.
    return { topics: v === 0 && topics !== null && topics.length === 0 ? null : topics, allowAutoCreate }
  },
  async handle(ctx, req) {
    const { log } = ctx
    const names = req.topics ?? (await log.listTopics())
    const topics: TopicMeta[] = []
    for (const name of names) {
      try {
        if (!log.hasTopic(name)) {
          if (!(ctx.autoCreateTopics && req.allowAutoCreate && req.topics !== null)) {
            topics.push({ errorCode: KAFKA.UNKNOWN_TOPIC_OR_PARTITION, name, partitions: 0 })
            continue
          }
          await log.createTopic(name).catch((err: unknown) => {
            if (!log.hasTopic(name)) throw err
          })
        }
        topics.push({ errorCode: KAFKA.NONE, name, partitions: log.requireTopic(name).partitions.length })
      } catch (err) {
        topics.push({ errorCode: kafkaErrorCode(err), name, partitions: 0 })
      }
    }
    return { host: ctx.advertisedHost, port: ctx.advertisedPort, topics }
  },
  encode(w, res, v) {
    if (v >= 3) w.int32(0)
    w.int32(1).int32(0).string(res.host).int32(res.port)
    if (v >= 1) w.string(null)
    if (v >= 2) w.string(CLUSTER_ID)
    if (v >= 1) w.int32(0)
    w.array(res.topics, (w, t) => {
      w.int16(t.errorCode).string(t.name)
      if (v >= 1) w.bool(false)
      w.int32(t.partitions)
      for (let p = 0; p < t.partitions; p++) {
        w.int16(0).int32(p).int32(0)
        w.int32(1).int32(0)
        w.int32(1).int32(0)
        if (v >= 5) w.int32(0)
      }
    })
  },
})
