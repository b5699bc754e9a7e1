// CreatePartitions (key 37), versions 0–1: raises topics' partition counts.
//
// | version | request | response |
// |---|---|---|
// | 0–1 | topics[name, count, assignments nullable], timeout_ms, validate_only | throttle_time_ms, results[name, error, error_message] |
import { kafkaErrorCode, KAFKA } from '../errors.js'
import { defineApi } from './api.js'

interface Req {
  topics: Array<{ name: string; count: number }>
  validateOnly: boolean
}

/** The CreatePartitions API (key 37): versions, decoder, handler and encoder. */
export const createPartitions = defineApi<Req, Array<{ name: string; errorCode: number; message: string | null }>>({
  key: 37,
  name: 'CreatePartitions',
  minVersion: 0,
  maxVersion: 1,
  decode(r) {
    const topics = r.arr((r) => {
      const name = r.str()
      const count = r.int32()
      r.array((r) => r.arr((r) => r.int32()))
      return { name, count }
    })
    r.int32()
    return { topics, validateOnly: r.bool() }
  },
  async handle(ctx, req) {
    const out = []
    for (const t of req.topics) {
      try {
        const d = await ctx.log.describeTopic(t.name)
        if (t.count <= d.partitions.length) {
          out.push({ name: t.name, errorCode: KAFKA.INVALID_PARTITIONS, message: `topic ${t.name} has ${d.partitions.length} partitions; the count can only grow` })
          continue
        }
        if (!req.validateOnly) await ctx.log.createPartitions(t.name, t.count)
        out.push({ name: t.name, errorCode: KAFKA.NONE, message: null })
      } catch (err) {
        out.push({ name: t.name, errorCode: kafkaErrorCode(err), message: err instanceof Error ? err.message : String(err) })
      }
    }
    return out
  },
  encode(w, res) {
    w.int32(0)
    w.array(res, (w, t) => {
      w.string(t.name).int16(t.errorCode).string(t.message)
    })
  },
})
