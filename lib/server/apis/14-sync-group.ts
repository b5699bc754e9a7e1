// SyncGroup (key 14), versions 0–3: the leader hands in every member's assignment; each
// member (the leader too) receives its own once the leader's has arrived.
//
// | version | request | response |
// |---|---|---|
// | 0 | group_id, generation_id, member_id, assignments[member_id, assignment] | error, assignment |
// | 1–2 | | + throttle_time_ms (first) |
// | 3 | + group_instance_id | |
import { kafkaErrorCode, KAFKA } from '../errors.js'
import { defineApi } from './api.js'

interface Req {
  groupId: string
  generation: number
  memberId: string
  assignments: Array<{ memberId: string; assignment: Buffer }>
}

/** The SyncGroup API (key 14): versions, decoder, handler and encoder. */
export const syncGroup = defineApi<Req, { errorCode: number; assignment: Buffer }>({
  key: 14,
  name: 'SyncGroup',
  minVersion: 0,
  maxVersion: 3,
  decode(r, v) {
    const groupId = r.str()
    const generation = r.int32()
    const memberId = r.str()
    if (v >= 3) r.string()
    const assignments = r.arr((r) => ({ memberId: r.str(), assignment: Buffer.from(r.bytes() ?? Buffer.alloc(0)) }))
    return { groupId, generation, memberId, assignments }
  },
  async handle(ctx, req) {
    try {
      const group = ctx.log.groups().findProtocolGroup(req.groupId)
      if (!group) return { errorCode: KAFKA.UNKNOWN_MEMBER_ID, assignment: Buffer.alloc(0) }
      return { errorCode: KAFKA.NONE, assignment: await group.sync(req.memberId, req.generation, req.assignments) }
    } catch (err) {
      return { errorCode: kafkaErrorCode(err), assignment: Buffer.alloc(0) }
    }
  },
  encode(w, res, v) {
    if (v >= 1) w.int32(0)
    w.int16(res.errorCode).bytes(res.assignment)
  },
})
