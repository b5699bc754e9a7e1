// DeleteTopics (key 20), versions 0–3: deletes topics (their records and partitions).
//
// | version | request | response |
// |---|---|---|
// | 0 | topic_names[], timeout_ms | responses[name, error] |
// | 1–3 | | + throttle_time_ms (first) |
import { kafkaErrorCode, KAFKA } from '../errors.js'
import { defineApi } from './api.js'

/** The DeleteTopics API (key 20): versions, decoder, handler and encoder. */
export const deleteTopics = defineApi<string[], Array<{ name: string; errorCode: number }>>({
  key: 20,
  name: 'DeleteTopics',
  minVersion: 0,
  maxVersion: 3,
  decode(r) {
    const names = r.arr((r) => r.str())
    r.int32()
    return names
  },
  async handle(ctx, names) {
    const out = []
    for (const name of names) {
      try {
        await ctx.log.deleteTopic(name)
        out.push({ name, errorCode: KAFKA.NONE })
      } catch (err) {
        out.push({ name, errorCode: kafkaErrorCode(err) })
      }
    }
    return out
  },
  encode(w, res, v) {
    if (v >= 1) w.int32(0)
    w.array(res, (w, t) => {
      w.string(t.name).int16(t.errorCode)
    })
  },
})
