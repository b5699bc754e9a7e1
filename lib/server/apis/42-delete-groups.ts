// DeleteGroups (key 42), versions 0–1: deletes empty groups and their committed offsets.
//
// | version | request | response |
// |---|---|---|
// | 0–1 | groups_names[] | throttle_time_ms, results[group_id, error] |
import { kafkaErrorCode, KAFKA } from '../errors.js'
import { defineApi } from './api.js'

/** The DeleteGroups API (key 42): versions, decoder, handler and encoder. */
export const deleteGroups = defineApi<string[], Array<{ groupId: string; errorCode: number }>>({
  key: 42,
  name: 'DeleteGroups',
  minVersion: 0,
  maxVersion: 1,
  decode: (r) => r.arr((r) => r.str()),
  async handle(ctx, groups) {
    const out = []
    for (const groupId of groups) {
      try {
        await ctx.log.deleteGroup(groupId)
        out.push({ groupId, errorCode: KAFKA.NONE })
      } catch (err) {
        out.push({ groupId, errorCode: kafkaErrorCode(err) })
      }
    }
    return out
  },
  encode(w, res) {
    w.int32(0)
    w.array(res, (w, g) => {
      w.string(g.groupId).int16(g.errorCode)
    })
  },
})
