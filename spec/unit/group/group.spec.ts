// lib/group/group.ts: the group state machine. Members are fake handles, so the spec sees
// every call the group makes: a rebalance goes PreparingRebalance → CompletingRebalance →
// Stable with a new generation; no member is assigned anything before every revoke it
// asked for has finished; a member that does not finish within its rebalance timeout, or
// goes quiet for its session timeout, is removed; Dead is final.
import { describe, expect, it } from 'vitest'
import { ManualClock, openLog, roundRobin, cooperativeSticky, type Log, type TopicPartition } from '../../../lib/index.js'
import { Group } from '../../../lib/group/group.js'
import { Member, type AssignedEvent, type MemberHandle } from '../../../lib/group/member.js'
import type { Assignor } from '../../../lib/group/assignors/types.js'
import { ticks, until } from '../../helpers/groups.js'

interface Fake {
  member: Member
  calls: string[]
  /** The error the member was removed with, if any. */
  error?: unknown
  assigned: AssignedEvent[]
  /** Pending revokes, resolved by the spec. */
  revokes: Array<{ partitions: TopicPartition[]; done: () => void }>
  idle: boolean
  autoRevoke: boolean
}

function fake(log: Log, id: string, assignor: Assignor = roundRobin, options: { session?: number; rebalance?: number } = {}): Fake {
  const f = { calls: [], assigned: [], revokes: [], idle: false, autoRevoke: true } as unknown as Fake
  const handle: MemberHandle = {
    rebalancing: () => f.calls.push('rebalancing'),
    revoke: (partitions) => {
      f.calls.push(`revoke ${partitions.map((p) => p.partition).join(',')}`)
      if (f.autoRevoke) return Promise.resolve()
      return new Promise<void>((done) => f.revokes.push({ partitions, done }))
    },
    assigned: (e) => {
      f.calls.push(`assigned g${e.generation} ${e.assignment.map((p) => p.partition).join(',')}`)
      f.assigned.push(e)
    },
    removed: (reason, error) => {
      f.calls.push(`removed ${reason}`)
      f.error = error
    },
    idle: () => f.idle,
  }
  f.member = new Member('g', id, 'c', { topics: ['t'], patterns: [] }, assignor, options.session ?? 10_000, options.rebalance ?? 5_000, handle, log.clock.now())
  return f
}

async function setup() {
  const clock = new ManualClock(0)
  const log = await openLog({ memory: true, clock })
  await log.createTopic('t', { partitions: 4 })
  return { log, clock, group: new Group('g', log) }
}

describe('Group', () => {
  it('goes Empty → PreparingRebalance → Stable with a new generation per rebalance, and back to Empty', async () => {
    const { log, group } = await setup()
    expect(group.state).toBe('Empty')
    const a = fake(log, 'a')
    group.add(a.member)
    expect(group.state).toBe('Empty') // the rebalance starts on the next tick, so joins of one tick share it
    expect(group.rebalancing).toBe(true)
    await group.settled()
    expect(group.state).toBe('Stable')
    expect(group.generation).toBe(1)
    expect(a.calls).toEqual(['rebalancing', 'assigned g1 0,1,2,3'])
    const b = fake(log, 'b')
    const c = fake(log, 'c')
    group.add(b.member)
    group.add(c.member)
    await group.settled()
    expect(group.generation).toBe(2)
    expect(group.describe().members.map((m) => m.assignment.length)).toEqual([2, 1, 1])
    group.remove(a.member, 'leave')
    group.remove(b.member, 'leave')
    group.remove(c.member, 'leave')
    await group.settled()
    expect(group.state).toBe('Empty')
    group.kill()
    expect(group.state).toBe('Dead')
    expect(() => group.add(fake(log, 'd').member)).toThrow(/ILLEGAL_STATE/)
    expect(() => group.kill()).toThrow(/ILLEGAL_STATE/)
    await log.close()
  })

  it('assigns nothing to anyone until every revoke it asked for has finished', async () => {
    const { log, group } = await setup()
    const a = fake(log, 'a')
    group.add(a.member)
    await group.settled()
    a.autoRevoke = false
    const b = fake(log, 'b')
    group.add(b.member)
    await until(() => a.revokes.length > 0, 'a revoke asked of a')
    await ticks(5)
    expect(group.state).toBe('PreparingRebalance')
    expect(a.revokes).toHaveLength(1)
    expect(a.revokes[0]!.partitions.map((p) => p.partition)).toEqual([0, 1, 2, 3]) // eager: everything
    expect(b.assigned).toEqual([])
    a.revokes[0]!.done()
    await group.settled()
    expect(b.assigned).toHaveLength(1)
    expect(a.assigned.at(-1)!.revoked.map((p) => p.partition)).toEqual([0, 1, 2, 3])
    expect(a.assigned.at(-1)!.assigned.map((p) => p.partition)).toEqual([0, 2])
    await log.close()
  })

  it('revokes only what moves with a cooperative assignor', async () => {
    const { log, group } = await setup()
    const a = fake(log, 'a', cooperativeSticky)
    group.add(a.member)
    await group.settled()
    group.add(fake(log, 'b', cooperativeSticky).member)
    await group.settled()
    expect(a.calls.filter((c) => c.startsWith('revoke'))).toEqual(['revoke 2,3'])
    expect(a.assigned.at(-1)).toMatchObject({ revoked: [{ partition: 2 }, { partition: 3 }], assigned: [], protocol: 'cooperative' })
    await log.close()
  })

  it('removes a member that does not finish its revoke within its rebalance timeout', async () => {
    const { log, clock, group } = await setup()
    const a = fake(log, 'a', roundRobin, { rebalance: 5_000, session: 60_000 })
    group.add(a.member)
    await group.settled()
    a.autoRevoke = false
    const b = fake(log, 'b')
    group.add(b.member)
    await ticks(5)
    clock.advance(4_999)
    await ticks(5)
    expect(group.members.has('a')).toBe(true)
    clock.advance(1)
    await group.settled()
    expect(a.calls).toContain('removed rebalance-timeout')
    expect(group.describe().members.map((m) => [m.memberId, m.assignment.length])).toEqual([['b', 4]])
    await log.close()
  })

  it('removes a member quiet for its session timeout, but never one that waits idle', async () => {
    const { log, clock, group } = await setup()
    const a = fake(log, 'a')
    const b = fake(log, 'b')
    b.idle = true
    group.add(a.member)
    group.add(b.member)
    await group.settled()
    clock.advance(6_000)
    group.heartbeat(a.member)
    clock.advance(9_999)
    expect(group.members.size).toBe(2)
    clock.advance(1)
    expect(a.calls).toContain('removed session-timeout')
    clock.advance(100_000)
    expect(group.members.has('b')).toBe(true)
    await group.settled()
    expect(group.describe().members[0]!.assignment).toHaveLength(4)
    await log.close()
  })

  it('an assignor that throws removes every member with a CALLBACK_ERROR carrying what it threw', async () => {
    const { log, group } = await setup()
    const boom = new Error('cannot assign')
    const throws: Assignor = { name: 'boom', protocol: 'eager', assign: () => { throw boom } }
    const a = fake(log, 'a', throws)
    group.add(a.member)
    await group.settled()
    expect(a.calls).toContain('removed assignor-error')
    expect(a.error).toMatchObject({ code: 'CALLBACK_ERROR', cause: boom, message: 'CALLBACK_ERROR: assignor boom threw: cannot assign' })
    await log.close()
  })

  it('refuses an assignor answer that is not complete and disjoint: every member is removed', async () => {
    const { log, group } = await setup()
    const twice: Assignor = { name: 'twice', protocol: 'eager', assign: ({ members }) => Object.fromEntries(members.map((m) => [m.memberId, [{ topic: 't', partition: 0 }]])) }
    const a = fake(log, 'a', twice)
    const b = fake(log, 'b', twice)
    group.add(a.member)
    group.add(b.member)
    await group.settled()
    expect(a.calls).toContain('removed assignor-error')
    expect(b.calls).toContain('removed assignor-error')
    expect(group.state).toBe('Empty')
    await log.close()
  })
})
