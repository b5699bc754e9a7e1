// LeaveGroup (key 13), versions 0–1: a member leaves; the others rebalance.
//
// | version | request | response |
// |---|---|---|
// | 0 | group_id, member_id | error |
// | 1 | | throttle_time_ms (first) |
import { kafkaErrorCode, KAFKA } from '../errors.js'
import { defineApi } from './api.js'

/** The LeaveGroup API (key 13): versions, decoder, handler and encoder. */
export const leaveGroup = defineApi<{ groupId: string; memberId: string }, number>({
  key: 13,
  name: 'LeaveGroup',
  minVersion: 0,
  maxVersion: 1,
  decode: (r) => ({ groupId: r.str(), memberId: r.str() }),
  handle(ctx, req) {
    try {
      const group = ctx.log.groups().findProtocolGroup(req.groupId)
      if (!group) return KAFKA.UNKNOWN_MEMBER_ID
      group.leave(req.memberId)
      return KAFKA.NONE
    } catch (err) {
      return kafkaErrorCode(err)
    }
  },
  encode(w, errorCode, v) {
    if (v >= 1) w.int32(0)
    w.int16(errorCode)
  },
})
