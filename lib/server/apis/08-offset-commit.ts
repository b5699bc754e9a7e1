// OffsetCommit (key 8), versions 2–5: commits a group's offsets through the log's group
// coordinator (the same committed offsets in-process consumers and log.fetchOffsets see).
// A member commits with its member id and generation; an empty group takes generation -1.
//
// | version | request | response |
// |---|---|---|
// | 2–4 | group_id, generation_id, member_id, retention_time_ms, topics[name, partitions[index, offset, metadata]] | topics[name, partitions[index, error]] (+ v3 throttle_time_ms first) |
// | 5 | − retention_time_ms | |
import type { OffsetCommit } from '../../index.js'
import { kafkaErrorCode, KAFKA } from '../errors.js'
import { defineApi } from './api.js'

interface Req {
  groupId: string
  generation: number
  memberId: string
  topics: Array<{ name: string; partitions: Array<{ index: number; offset: number; metadata: string | null }> }>
}
type Res = Array<{ name: string; partitions: Array<{ index: number; errorCode: number }> }>

/** The OffsetCommit API (key 8): versions, decoder, handler and encoder. */
export const offsetCommit = defineApi<Req, Res>({
  key: 8,
  name: 'OffsetCommit',
  minVersion: 2,
  maxVersion: 5,
  decode(r, v) {
    const groupId = r.str()
    const generation = r.int32()
    const memberId = r.str()
    if (v <= 4) r.int64()
    const topics = r.arr((r) => ({ name: r.str(), partitions: r.arr((r) => ({ index: r.int32(), offset: r.int64(), metadata: r.string() })) }))
    return { groupId, generation, memberId, topics }
  },
  async handle(ctx, req) {
    const { log } = ctx
    const codes = new Map<string, number>()
    const key = (t: string, p: number): string => `${t}\u0000${p}`
    const commits: OffsetCommit[] = []
    for (const t of req.topics) {
      for (const p of t.partitions) {
        try {
          const part = log.requirePartition(t.name, p.index)
          if (p.offset < 0 || p.offset > part.highWatermark) codes.set(key(t.name, p.index), KAFKA.OFFSET_OUT_OF_RANGE)
          else commits.push({ topic: t.name, partition: p.index, offset: p.offset, metadata: p.metadata })
        } catch (err) {
          codes.set(key(t.name, p.index), kafkaErrorCode(err))
        }
      }
    }
    let shared: number = KAFKA.NONE
    try {
      await log.groups().commitProtocol(req.groupId, req.memberId, req.generation, commits)
    } catch (err) {
      shared = kafkaErrorCode(err)
    }
    return req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ index: p.index, errorCode: codes.get(key(t.name, p.index)) ?? shared })) }))
  },
  encode(w, res, v) {
    if (v >= 3) w.int32(0)
    w.array(res, (w, t) => {
      w.string(t.name)
      w.array(t.partitions, (w, p) => {
        w.int32(p.index).int16(p.errorCode)
      })
    })
  },
})
