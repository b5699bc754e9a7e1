// Produce (key 0), versions 0–7 (record batch v2 only): each partition's batch is checked
// (magic, length, CRC-32C), decompressed and stored as kafkette records (keys, values and
// header values as bytes, timestamps kept), so in-process readers, retention and compaction
// see them. acks=0 is done and never answered, as Kafka does.
//
// | version | request | response |
// |---|---|---|
// | 0–2 | acks, timeout_ms, topics[name, partitions[index, records]] | topics[name, partitions[index, error, base_offset]] (+ v1 throttle_time_ms last, v2 log_append_time) |
// | 3–4 | + transactional_id (first) | |
// | 5–7 | | + partition log_start_offset |
//
// Versions 0–2 are listed only because librdkafka 2.0.2 compresses only when Produce v0 is
// in range; their message sets (magic 0/1) are refused with UNSUPPORTED_FOR_MESSAGE_FORMAT,
// as librdkafka's mock cluster does. A batch of an idempotent producer (a producer id from
// InitProducerId) goes to the log with its producer id, epoch and base sequence: a retry
// of one the log has is answered with its first offset and not written again, a gap is
// OUT_OF_ORDER_SEQUENCE_NUMBER. Transactional batches are refused (no transactions on the
// wire yet).
import type { Message } from '../../index.js'
import { kafkaErrorCode, KAFKA } from '../errors.js'
import { decodeBatches, InvalidBatch, toHeaders } from '../records.js'
import { defineApi, type RequestContext } from './api.js'

interface PartitionData {
  index: number
  records: Buffer | null
}
interface Req {
  acks: number
  topics: Array<{ name: string; partitions: PartitionData[] }>
}
interface PartitionResult {
  index: number
  errorCode: number
  baseOffset: number
  logStartOffset: number
}
type Res = Array<{ name: string; partitions: PartitionResult[] }>

async function produceOne(ctx: RequestContext, topic: string, p: PartitionData): Promise<PartitionResult> {
  const { log } = ctx
  const fail = (errorCode: number): PartitionResult => ({ index: p.index, errorCode, baseOffset: -1, logStartOffset: -1 })
  try {
    if (!log.hasTopic(topic)) {
      if (!ctx.autoCreateTopics) return fail(KAFKA.UNKNOWN_TOPIC_OR_PARTITION)
      await log.createTopic(topic).catch((err: unknown) => {
        if (!log.hasTopic(topic)) throw err
      })
    }
    const batches = await decodeBatches(p.records ?? Buffer.alloc(0))
    if (batches.length > 1) return fail(KAFKA.CORRUPT_MESSAGE)
    const messages: Message[] = []
    for (const b of batches) {
      if (b.transactional || b.control) return fail(KAFKA.INVALID_RECORD)
      for (const r of b.records) {
        messages.push({ key: r.key, value: r.value, headers: toHeaders(r.headers), partition: p.index, ...(r.timestamp >= 0 ? { timestamp: r.timestamp } : {}) })
      }
    }
    if (messages.length === 0) return fail(KAFKA.CORRUPT_MESSAGE)
    const b = batches[0]!
    const meta = b.producerId >= 0
      ? await ctx.producer.sendSequenced(topic, p.index, messages, { producerId: b.producerId, producerEpoch: b.producerEpoch, baseSequence: b.baseSequence, transactional: false })
      : await ctx.producer.send(topic, messages)
    return { index: p.index, errorCode: KAFKA.NONE, baseOffset: meta[0]!.offset, logStartOffset: log.requirePartition(topic, p.index).logStartOffset }
  } catch (err) {
    if (err instanceof InvalidBatch) return fail(err.errorCode)
    return fail(kafkaErrorCode(err))
  }
}

/** The Produce API (key 0): versions, decoder, handler and encoder. */
export const produce = defineApi<Req, Res>({
  key: 0,
  name: 'Produce',
  minVersion: 0,
  maxVersion: 7,
  decode(r, v) {
    if (v >= 3) r.string()
    const acks = r.int16()
    r.int32()
    const topics = r.arr((r) => ({ name: r.str(), partitions: r.arr((r) => ({ index: r.int32(), records: r.bytes() })) }))
    return { acks, topics }
  },
  async handle(ctx, req) {
    const valid = req.acks === 0 || req.acks === 1 || req.acks === -1
    const res: Res = await Promise.all(
      req.topics.map(async (t) => ({
        name: t.name,
        partitions: await Promise.all(
          t.partitions.map((p) => (valid ? produceOne(ctx, t.name, p) : { index: p.index, errorCode: KAFKA.INVALID_REQUIRED_ACKS, baseOffset: -1, logStartOffset: -1 })),
        ),
      })),
    )
    return req.acks === 0 ? null : res
  },
  encode(w, res, v) {
    w.array(res, (w, t) => {
      w.string(t.name)
      w.array(t.partitions, (w, p) => {
        w.int32(p.index).int16(p.errorCode).int64(p.baseOffset)
        if (v >= 2) w.int64(-1)
        if (v >= 5) w.int64(p.logStartOffset)
      })
    })
    if (v >= 1) w.int32(0)
  },
})
