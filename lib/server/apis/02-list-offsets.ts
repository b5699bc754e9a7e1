// ListOffsets (key 2), versions 1–3: per partition, the log start offset (timestamp -2),
// the latest offset (-1: the high watermark, or with isolation_level read_committed the last
// stable offset),
// or the first offset whose timestamp is at or after the one asked (the log's time index).
//
// | version | request | response |
// |---|---|---|
// | 1 | replica_id, topics[name, partitions[index, timestamp]] | topics[name, partitions[index, error, timestamp, offset]] |
// | 2–3 | + isolation_level | + throttle_time_ms (first) |
import { kafkaErrorCode, KAFKA } from '../errors.js'
import { defineApi } from './api.js'

interface Req {
  readCommitted: boolean
  topics: Array<{ name: string; partitions: Array<{ index: number; timestamp: number }> }>
}
type Res = Array<{ name: string; partitions: Array<{ index: number; errorCode: number; timestamp: number; offset: number }> }>

const LATEST = -1
const EARLIEST = -2

/** The ListOffsets API (key 2): versions, decoder, handler and encoder. */
export const listOffsets = defineApi<Req, Res>({
  key: 2,
  name: 'ListOffsets',
  minVersion: 1,
  maxVersion: 3,
  decode(r, v) {
    r.int32()
    const readCommitted = v >= 2 && r.int8() === 1
    return { readCommitted, topics: r.arr((r) => ({ name: r.str(), partitions: r.arr((r) => ({ index: r.int32(), timestamp: r.int64() })) })) }
  },
  async handle(ctx, req) {
    const { log } = ctx
    const out: Res = []
    for (const t of req.topics) {
      const byTime = new Map<number, Array<{ partition: number; offset: number | null; timestamp: number | null }>>()
      const partitions = []
      for (const p of t.partitions) {
        try {
          const part = log.requirePartition(t.name, p.index)
          if (p.timestamp === LATEST) partitions.push({ index: p.index, errorCode: KAFKA.NONE, timestamp: -1, offset: req.readCommitted ? part.lastStableOffset : part.highWatermark })
          else if (p.timestamp === EARLIEST) partitions.push({ index: p.index, errorCode: KAFKA.NONE, timestamp: -1, offset: part.logStartOffset })
          else {
            let found = byTime.get(p.timestamp)
            if (!found) byTime.set(p.timestamp, (found = await log.offsetsForTimes(t.name, p.timestamp)))
            const f = found.find((x) => x.partition === p.index)
            partitions.push({ index: p.index, errorCode: KAFKA.NONE, timestamp: f?.timestamp ?? -1, offset: f?.offset ?? -1 })
          }
        } catch (err) {
          partitions.push({ index: p.index, errorCode: kafkaErrorCode(err), timestamp: -1, offset: -1 })
        }
      }
      out.push({ name: t.name, partitions })
    }
    return out
  },
  encode(w, res, v) {
    if (v >= 2) w.int32(0)
    w.array(res, (w, t) => {
      w.string(t.name)
      w.array(t.partitions, (w, p) => {
        w.int32(p.index).int16(p.errorCode).int64(p.timestamp).int64(p.offset)
      })
    })
  },
})
