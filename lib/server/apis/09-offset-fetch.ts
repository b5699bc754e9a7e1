// OffsetFetch (key 9), versions 1–5: a group's committed offsets (-1 where none), from the
// log's group coordinator.
//
// | version | request | response |
// |---|---|---|
// | 1 | group_id, topics[name, partitions[]] | topics[name, partitions[index, offset, metadata, error]] |
// | 2 | topics nullable (null = every committed partition) | + error_code (last) |
// | 3–4 | | + throttle_time_ms (first) |
// | 5 | | + partition committed_leader_epoch |
import { kafkaErrorCode, KAFKA } from '../errors.js'
import { defineApi } from './api.js'

interface Req {
  groupId: string
  topics: Array<{ name: string; partitions: number[] }> | null
}
interface Res {
  errorCode: number
  topics: Array<{ name: string; partitions: Array<{ index: number; offset: number; metadata: string | null }> }>
}

/** The OffsetFetch API (key 9): versions, decoder, handler and encoder. */
export const offsetFetch = defineApi<Req, Res>({
  key: 9,
  name: 'OffsetFetch',
  minVersion: 1,
  maxVersion: 5,
  decode: (r) => ({ groupId: r.str(), topics: r.array((r) => ({ name: r.str(), partitions: r.arr((r) => r.int32()) })) }),
  async handle(ctx, req) {
    try {
      const committed = await ctx.log.fetchOffsets(req.groupId)
      if (req.topics === null) {
        const byTopic = new Map<string, Res['topics'][number]>()
        for (const o of committed) {
          let t = byTopic.get(o.topic)
          if (!t) byTopic.set(o.topic, (t = { name: o.topic, partitions: [] }))
          t.partitions.push({ index: o.partition, offset: o.offset, metadata: o.metadata ?? '' })
        }
        return { errorCode: KAFKA.NONE, topics: [...byTopic.values()] }
      }
      const topics = req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((index) => {
          const o = committed.find((c) => c.topic === t.name && c.partition === index)
          return { index, offset: o ? o.offset : -1, metadata: o ? (o.metadata ?? '') : '' }
        }),
      }))
      return { errorCode: KAFKA.NONE, topics }
    } catch (err) {
      return { errorCode: kafkaErrorCode(err), topics: (req.topics ?? []).map((t) => ({ name: t.name, partitions: t.partitions.map((index) => ({ index, offset: -1, metadata: '' })) })) }
    }
  },
  encode(w, res, v) {
    if (v >= 3) w.int32(0)
    w.array(res.topics, (w, t) => {
      w.string(t.name)
      w.array(t.partitions, (w, p) => {
        w.int32(p.index).int64(p.offset)
        if (v >= 5) w.int32(-1)
        w.string(p.metadata).int16(v === 1 ? res.errorCode : KAFKA.NONE)
      })
    })
    if (v >= 2) w.int16(res.errorCode)
  },
})
