// DeleteRecords (key 21), versions 0–1: moves partitions' log start offsets (-1 = the
// high watermark), as log.deleteRecords does.
//
// | version | request | response |
// |---|---|---|
// | 0–1 | topics[name, partitions[index, offset]], timeout_ms | throttle_time_ms, topics[name, partitions[index, low_watermark, error]] |
import { kafkaErrorCode, KAFKA } from '../errors.js'
import { defineApi } from './api.js'

type Req = Array<{ name: string; partitions: Array<{ index: number; offset: number }> }>
type Res = Array<{ name: string; partitions: Array<{ index: number; lowWatermark: number; errorCode: number }> }>

/** The DeleteRecords API (key 21): versions, decoder, handler and encoder. */
export const deleteRecords = defineApi<Req, Res>({
  key: 21,
  name: 'DeleteRecords',
  minVersion: 0,
  maxVersion: 1,
  decode(r) {
    const topics = r.arr((r) => ({ name: r.str(), partitions: r.arr((r) => ({ index: r.int32(), offset: r.int64() })) }))
    r.int32()
    return topics
  },
  async handle(ctx, topics) {
    const out: Res = []
    for (const t of topics) {
      const partitions = []
      for (const p of t.partitions) {
        try {
          const part = ctx.log.requirePartition(t.name, p.index)
          const offset = p.offset === -1 ? part.highWatermark : p.offset
          const [moved] = await ctx.log.deleteRecords(t.name, [{ partition: p.index, offset }])
          partitions.push({ index: p.index, lowWatermark: moved!.logStartOffset, errorCode: KAFKA.NONE })
        } catch (err) {
          partitions.push({ index: p.index, lowWatermark: -1, errorCode: kafkaErrorCode(err) })
        }
      }
      out.push({ name: t.name, partitions })
    }
    return out
  },
  encode(w, res) {
    w.int32(0)
    w.array(res, (w, t) => {
      w.string(t.name)
      w.array(t.partitions, (w, p) => {
        w.int32(p.index).int64(p.lowWatermark).int16(p.errorCode)
      })
    })
  },
})
