// Self-assigning groups (Kafka's JoinGroup/SyncGroup, for the wire listener) in the log's
// one group coordinator: the leader gets every member's metadata and hands out the
// assignments, members that come, go or time out (on the log's clock) rebalance the group,
// offsets commit by Kafka's rules, and a group cannot mix in-process and wire members.
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock, openLog, type Log } from '../../../lib/index.js'
import type { ProtocolJoinRequest } from '../../../lib/group/protocol-group.js'

let log: Log
afterEach(async () => {
  await log.close()
})

function req(memberId = '', name = 'range', sessionTimeoutMs = 10_000): ProtocolJoinRequest {
  return { memberId, clientId: 'c', clientHost: '127.0.0.1', protocolType: 'consumer', protocols: [{ name, metadata: Buffer.from(`meta-${name}`) }], sessionTimeoutMs, rebalanceTimeoutMs: 5_000 }
}

/** A consumer-protocol assignment of `partitions` of topic t. */
function assignment(partitions: number[]): Buffer {
  const b = Buffer.alloc(2 + 4 + 2 + 1 + 4 + 4 * partitions.length + 4)
  let at = b.writeInt16BE(0, 0)
  at = b.writeInt32BE(1, at)
  at = b.writeInt16BE(1, at)
  at += b.write('t', at)
  at = b.writeInt32BE(partitions.length, at)
  for (const p of partitions) at = b.writeInt32BE(p, at)
  b.writeInt32BE(-1, at)
  return b
}

describe('protocol groups', () => {
  it('runs join, sync and heartbeat; the leader hands out assignments that describeGroup reports', async () => {
    log = await openLog({ memory: true, clock: new ManualClock(0) })
    await log.createTopic('t', { partitions: 2 })
    const g = log.groups().protocolGroup('g')
    const a = await g.join(req())
    expect(a).toMatchObject({ generation: 1, protocol: 'range', leaderId: a.memberId })
    expect(a.members).toEqual([{ memberId: a.memberId, metadata: Buffer.from('meta-range') }])
    expect(await g.sync(a.memberId, 1, [{ memberId: a.memberId, assignment: assignment([0, 1]) }])).toEqual(assignment([0, 1]))
    expect(() => g.heartbeat(a.memberId, 1)).not.toThrow()
    expect((await log.describeGroup('g')).members).toEqual([{ memberId: a.memberId, clientId: 'c', topics: [], assignment: [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }] }])
    expect(await log.listGroups()).toEqual([{ groupId: 'g', state: 'Stable', protocolType: 'consumer', members: 1 }])

    // A second member: the first learns of the rebalance by heartbeat and rejoins.
    const joining = g.join(req())
    expect(() => g.heartbeat(a.memberId, 1)).toThrow(expect.objectContaining({ code: 'REBALANCE_IN_PROGRESS' }))
    const [a2, b] = await Promise.all([g.join(req(a.memberId)), joining])
    expect(a2.generation).toBe(2)
    expect(a2.members).toHaveLength(2)
    expect(b.members).toEqual([])
    const followerSync = g.sync(b.memberId, 2, [])
    await g.sync(a.memberId, 2, [{ memberId: a.memberId, assignment: assignment([0]) }, { memberId: b.memberId, assignment: assignment([1]) }])
    expect(await followerSync).toEqual(assignment([1]))
    expect(() => g.heartbeat(b.memberId, 1)).toThrow(expect.objectContaining({ code: 'ILLEGAL_GENERATION' }))
  })

  it('removes a member whose session times out on the log clock, and rebalances the rest', async () => {
    const clock = new ManualClock(0)
    log = await openLog({ memory: true, clock })
    const g = log.groups().protocolGroup('g')
    const a = await g.join(req('', 'range', 1000))
    await g.sync(a.memberId, 1, [])
    clock.advance(999)
    g.heartbeat(a.memberId, 1)
    clock.advance(999)
    expect(g.members.size).toBe(1)
    clock.advance(2)
    expect(g.members.size).toBe(0)
    expect(g.state).toBe('Empty')
    expect(() => g.heartbeat(a.memberId, 1)).toThrow(expect.objectContaining({ code: 'UNKNOWN_MEMBER_ID' }))
  })

  it('commits offsets for a member of the current generation, refuses stale ones, and takes simple commits while empty', async () => {
    log = await openLog({ memory: true, clock: new ManualClock(0) })
    await log.createTopic('t')
    await log.producer().send('t', [{ value: 1 }, { value: 2 }])
    const coord = log.groups()
    const g = coord.protocolGroup('g')
    const a = await g.join(req())
    await expect(coord.commitProtocol('g', a.memberId, 1, [{ topic: 't', partition: 0, offset: 1 }])).rejects.toMatchObject({ code: 'REBALANCE_IN_PROGRESS' })
    await g.sync(a.memberId, 1, [])
    await coord.commitProtocol('g', a.memberId, 1, [{ topic: 't', partition: 0, offset: 1 }])
    await expect(coord.commitProtocol('g', a.memberId, 0, [{ topic: 't', partition: 0, offset: 2 }])).rejects.toMatchObject({ code: 'ILLEGAL_GENERATION' })
    await expect(coord.commitProtocol('g', '', -1, [{ topic: 't', partition: 0, offset: 2 }])).rejects.toMatchObject({ code: 'UNKNOWN_MEMBER_ID' })
    expect(await log.fetchOffsets('g')).toEqual([{ topic: 't', partition: 0, offset: 1, metadata: null }])
    await expect(log.deleteGroup('g')).rejects.toMatchObject({ code: 'NON_EMPTY_GROUP' })
    g.leave(a.memberId)
    await coord.commitProtocol('g', '', -1, [{ topic: 't', partition: 0, offset: 2 }])
    expect(await log.fetchOffsets('g')).toEqual([{ topic: 't', partition: 0, offset: 2, metadata: null }])
  })

  it('refuses a member with no protocol in common, and refuses to mix in-process and wire members', async () => {
    log = await openLog({ memory: true, clock: new ManualClock(0) })
    await log.createTopic('t')
    const g = log.groups().protocolGroup('wire')
    const a = await g.join(req('', 'range'))
    await expect(g.join(req('', 'RoundRobinAssigner'))).rejects.toMatchObject({ code: 'INCONSISTENT_GROUP_PROTOCOL' })
    await expect(g.join({ ...req(), protocolType: 'connect' })).rejects.toMatchObject({ code: 'INCONSISTENT_GROUP_PROTOCOL' })
    const inProcess = log.consumer({ groupId: 'wire' })
    await expect(inProcess.subscribe(['t'])).rejects.toMatchObject({ code: 'INCONSISTENT_GROUP_PROTOCOL' })
    await inProcess.close()
    g.leave(a.memberId)

    const member = log.consumer({ groupId: 'local' })
    await member.subscribe(['t'])
    await log.waitForGroup('local')
    expect(() => log.groups().protocolGroup('local')).toThrow(expect.objectContaining({ code: 'INCONSISTENT_GROUP_PROTOCOL' }))
    await member.close()
  })
})
