// Heartbeat (key 12), versions 0–3: keeps a member's session alive; REBALANCE_IN_PROGRESS
// tells it to rejoin.
//
// | version | request | response |
// |---|---|---|
// | 0 | group_id, generation_id, member_id | error |
// | 1–2 | | throttle_time_ms (first) |
// | 3 | + group_instance_id | |
import { defineApi, memberRequest } from './api.js'

/** The Heartbeat API (key 12): versions, decoder, handler and encoder. */
export const heartbeat = defineApi<{ groupId: string; generation: number; memberId: string }, number>({
  key: 12,
  name: 'Heartbeat',
  minVersion: 0,
  maxVersion: 3,
  decode(r, v) {
    const groupId = r.str()
    const generation = r.int32()
    const memberId = r.str()
    if (v >= 3) r.string()
    return { groupId, generation, memberId }
  },
  handle: (ctx, req) => memberRequest(ctx, req.groupId, (group) => group.heartbeat(req.memberId, req.generation)),
  encode(w, errorCode, v) {
    if (v >= 1) w.int32(0)
    w.int16(errorCode)
  },
})
