// FindCoordinator (key 10), versions 0–2: every group (and transaction) is coordinated by
// the one broker, node 0 at the advertised host and port.
//
// | version | request | response |
// |---|---|---|
// | 0 | key | error_code, node_id, host, port |
// | 1–2 | + key_type | throttle_time_ms (first), error_code, error_message, node_id, host, port |
import { KAFKA } from '../errors.js'
import { defineApi } from './api.js'

/** The FindCoordinator API (key 10): versions, decoder, handler and encoder. */
export const findCoordinator = defineApi<string, { host: string; port: number }>({
  key: 10,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 2,
  decode(r, v) {
    const key = r.str()
    if (v >= 1) r.int8()
    return key
  },
  handle: (ctx) => ({ host: ctx.advertisedHost, port: ctx.advertisedPort }),
  encode(w, res, v) {
    if (v >= 1) w.int32(0)
    w.int16(KAFKA.NONE)
    if (v >= 1) w.string(null)
    w.int32(0).string(res.host).int32(res.port)
  },
})
