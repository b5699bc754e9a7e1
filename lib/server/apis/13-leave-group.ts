// LeaveGroup (key 13), versions 0–1: a member leaves; the others rebalance.
//
// | version | request | response |
// |---|---|---|
// | 0 | group_id, member_id | error |
// | 1 | | throttle_time_ms (first) |
import { defineApi, memberRequest } from './api.js'

/** The LeaveGroup API (key 13): versions, decoder, handler and encoder. */
export const leaveGroup = defineApi<{ groupId: string; memberId: string }, number>({
  key: 13,
  name: 'LeaveGroup',
  minVersion: 0,
  maxVersion: 1,
  decode: (r) => ({ groupId: r.str(), memberId: r.str() }),
  handle: (ctx, req) => memberRequest(ctx, req.groupId, (group) => group.leave(req.memberId)),
  encode(w, errorCode, v) {
    if (v >= 1) w.int32(0)
    w.int16(errorCode)
  },
})
