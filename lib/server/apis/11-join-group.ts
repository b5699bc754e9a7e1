// JoinGroup (key 11), versions 0–5: joins a group whose members assign partitions
// themselves (Kafka's client-side assignment). The answer waits until every member has
// rejoined (or the rebalance timeout removed it); the leader receives every member's
// metadata. Responses on the connection wait behind it, as Kafka mutes the connection.
//
// | version | request | response |
// |---|---|---|
// | 0 | group_id, session_timeout_ms, member_id, protocol_type, protocols[name, metadata] | error, generation_id, protocol_name, leader, member_id, members[member_id, metadata] |
// | 1 | + rebalance_timeout_ms | |
// | 2–4 | | + throttle_time_ms (first) |
// | 5 | + group_instance_id | + member group_instance_id |
//
// MEMBER_ID_REQUIRED (v4+) is not used: a new member gets its id in the answer that ends
// the rebalance. A group_instance_id (static membership) is accepted and ignored: the
// member is dynamic.
import { kafkaErrorCode, KAFKA } from '../errors.js'
import { defineApi } from './api.js'

interface Req {
  groupId: string
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  memberId: string
  protocolType: string
  protocols: Array<{ name: string; metadata: Buffer }>
}
interface Res {
  errorCode: number
  generation: number
  protocol: string
  leaderId: string
  memberId: string
  members: Array<{ memberId: string; metadata: Buffer }>
}

/** The JoinGroup API (key 11): versions, decoder, handler and encoder. */
export const joinGroup = defineApi<Req, Res>({
  key: 11,
  name: 'JoinGroup',
  minVersion: 0,
  maxVersion: 5,
  decode(r, v) {
    const groupId = r.str()
    const sessionTimeoutMs = r.int32()
    const rebalanceTimeoutMs = v >= 1 ? r.int32() : sessionTimeoutMs
    const memberId = r.str()
    if (v >= 5) r.string()
    const protocolType = r.str()
    const protocols = r.arr((r) => ({ name: r.str(), metadata: Buffer.from(r.bytes() ?? Buffer.alloc(0)) }))
    return { groupId, sessionTimeoutMs, rebalanceTimeoutMs, memberId, protocolType, protocols }
  },
  async handle(ctx, req) {
    try {
      if (req.sessionTimeoutMs <= 0 || req.rebalanceTimeoutMs <= 0) {
        return { errorCode: KAFKA.INVALID_SESSION_TIMEOUT, generation: -1, protocol: '', leaderId: '', memberId: req.memberId, members: [] }
      }
      const group = ctx.log.groups().protocolGroup(req.groupId)
      const joined = await group.join({ ...req, clientId: ctx.clientId, clientHost: ctx.clientHost })
      return { errorCode: KAFKA.NONE, ...joined }
    } catch (err) {
      return { errorCode: kafkaErrorCode(err), generation: -1, protocol: '', leaderId: '', memberId: req.memberId, members: [] }
    }
  },
  encode(w, res, v) {
    if (v >= 2) w.int32(0)
    w.int16(res.errorCode).int32(res.generation).string(res.protocol).string(res.leaderId).string(res.memberId)
    w.array(res.members, (w, m) => {
      w.string(m.memberId)
      if (v >= 5) w.string(null)
      w.bytes(m.metadata)
    })
  },
})
