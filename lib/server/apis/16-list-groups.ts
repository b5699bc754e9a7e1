// ListGroups (key 16), versions 0–2: every group with members or committed offsets.
//
// | version | request | response |
// |---|---|---|
// | 0 | (empty) | error, groups[group_id, protocol_type] |
// | 1–2 | | + throttle_time_ms (first) |
import { kafkaErrorCode, KAFKA } from '../errors.js'
import { defineApi } from './api.js'

/** The ListGroups API (key 16): versions, decoder, handler and encoder. */
export const listGroups = defineApi<null, { errorCode: number; groups: string[] }>({
  key: 16,
  name: 'ListGroups',
  minVersion: 0,
  maxVersion: 2,
  decode: () => null,
  async handle(ctx) {
    try {
      return { errorCode: KAFKA.NONE, groups: (await ctx.log.listGroups()).map((g) => g.groupId) }
    } catch (err) {
      return { errorCode: kafkaErrorCode(err), groups: [] }
    }
  },
  encode(w, res, v) {
    if (v >= 1) w.int32(0)
    w.int16(res.errorCode)
    w.array(res.groups, (w, g) => {
      w.string(g).string('consumer')
    })
  },
})
