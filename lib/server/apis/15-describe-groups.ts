// DescribeGroups (key 15), versions 0–2: a group's state, protocol and members. Groups of
// in-process consumers are described too (their members with empty metadata).
//
// | version | request | response |
// |---|---|---|
// | 0 | groups[] | groups[error, group_id, state, protocol_type, protocol, members[member_id, client_id, client_host, metadata, assignment]] |
// | 1–2 | | + throttle_time_ms (first) |
import { kafkaErrorCode, KAFKA } from '../errors.js'
import { defineApi } from './api.js'

interface Described {
  errorCode: number
  groupId: string
  state: string
  protocolType: string
  protocol: string
  members: Array<{ memberId: string; clientId: string; clientHost: string; metadata: Buffer; assignment: Buffer }>
}

/** The DescribeGroups API (key 15): versions, decoder, handler and encoder. */
export const describeGroups = defineApi<string[], Described[]>({
  key: 15,
  name: 'DescribeGroups',
  minVersion: 0,
  maxVersion: 2,
  decode: (r) => r.arr((r) => r.str()),
  async handle(ctx, groups) {
    const out: Described[] = []
    for (const groupId of groups) {
      try {
        const pg = ctx.log.groups().findProtocolGroup(groupId)
        if (pg && pg.members.size > 0) {
          out.push({ errorCode: KAFKA.NONE, groupId, state: pg.state, protocolType: pg.protocolType ?? '', protocol: pg.protocol ?? '', members: pg.describeMembers() })
          continue
        }
        const d = await ctx.log.describeGroup(groupId)
        out.push({
          errorCode: KAFKA.NONE,
          groupId,
          state: d.state,
          protocolType: d.state === 'Dead' ? '' : d.protocolType,
          protocol: d.protocol,
          members: d.members.map((m) => ({ memberId: m.memberId, clientId: m.clientId, clientHost: 'in-process', metadata: Buffer.alloc(0), assignment: Buffer.alloc(0) })),
        })
      } catch (err) {
        out.push({ errorCode: kafkaErrorCode(err), groupId, state: '', protocolType: '', protocol: '', members: [] })
      }
    }
    return out
  },
  encode(w, res, v) {
    if (v >= 1) w.int32(0)
    w.array(res, (w, g) => {
      w.int16(g.errorCode).string(g.groupId).string(g.state).string(g.protocolType).string(g.protocol)
      w.array(g.members, (w, m) => {
        w.string(m.memberId).string(m.clientId).string(m.clientHost).bytes(m.metadata).bytes(m.assignment)
      })
    })
  },
})
