// One consumer group: an explicit state machine (Empty, PreparingRebalance,
// CompletingRebalance, Stable, Dead) with a generation number. It owns its members and
// their assignment, runs rebalances one at a time, and keeps the rule that a partition is
// revoked from its owner before it is assigned to another member.
import { KafketteError } from '../errors.js'
import type { CoreLog } from '../log/log.js'
import type { TopicPartition } from '../types.js'
import type { Assignor } from './assignors/types.js'
import type { LeaveReason, Member } from './member.js'

/** The states of a group (Kafka's names). */
export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead'

/** The transitions a group may take; any other is a bug and throws ILLEGAL_STATE. */
const TRANSITIONS: Readonly<Record<GroupState, readonly GroupState[]>> = {
  Empty: ['PreparingRebalance', 'Dead'],
  PreparingRebalance: ['CompletingRebalance', 'Empty', 'Dead'],
  CompletingRebalance: ['Stable', 'PreparingRebalance', 'Dead'],
  Stable: ['PreparingRebalance', 'Dead'],
  Dead: [],
}

/** A member of a group as describeGroup reports it. */
export interface MemberDescription {
  memberId: string
  clientId: string
  /** The topics the member subscribes to that exist (a pattern is matched). */
  topics: string[]
  assignment: TopicPartition[]
}

/** A group as describeGroup reports it. */
export interface GroupDescription {
  groupId: string
  state: GroupState
  generation: number
  protocolType: 'consumer'
  /** The group's assignor name ('' while it has no members). */
  protocol: string
  leaderId: string | null
  members: MemberDescription[]
}

function tpKey(tp: TopicPartition): string {
  return `${tp.topic}\u0000${tp.partition}`
}

/** A consumer group of one log. */
export class Group {
  private currentState: GroupState = 'Empty'
  /** Bumped at every completed rebalance. */
  generation = 0
  /** Members in join order; the first is the leader. */
  readonly members = new Map<string, Member>()
  private pending = false
  private running: Promise<void> | undefined
  private settledWaiters: Array<() => void> = []
  private closing = false

  constructor(
    readonly groupId: string,
    private readonly log: CoreLog,
  ) {}

  /** The group's state. */
  get state(): GroupState {
    return this.currentState
  }

  /** The group's assignor: the leader's (every member must use one of the same name). */
  get assignor(): Assignor | undefined {
    return this.members.values().next().value?.assignor
  }

  /** The leader's member id. */
  get leaderId(): string | null {
    return this.members.keys().next().value ?? null
  }

  /** True while a rebalance runs or waits to run. */
  get rebalancing(): boolean {
    return this.pending || this.running !== undefined
  }

  private transition(to: GroupState): void {
    if (!TRANSITIONS[this.currentState].includes(to)) {
      throw new KafketteError('ILLEGAL_STATE', `group ${this.groupId} cannot go from ${this.currentState} to ${to}`, { groupId: this.groupId })
    }
    this.currentState = to
  }

  /** Adds a member and rebalances. */
  add(member: Member): void {
    this.assertAlive()
    const assignor = this.assignor
    if (assignor && assignor.name !== member.assignor.name) {
      throw new KafketteError('INCONSISTENT_GROUP_PROTOCOL', `group ${this.groupId} uses assignor ${assignor.name}; member asked for ${member.assignor.name}`, { groupId: this.groupId })
    }
    this.members.set(member.memberId, member)
    this.armSession(member)
    this.requestRebalance()
  }

  /** Removes a member (its own leave, or an eviction) and rebalances the rest. */
  remove(member: Member, reason: LeaveReason, error?: KafketteError): void {
    if (this.members.get(member.memberId) !== member) return
    this.members.delete(member.memberId)
    this.log.clock.clearTimeout(member.sessionTimer)
    member.sessionTimer = undefined
    member.owned = []
    if (reason !== 'leave') member.handle.removed(reason, error)
    member.onRemoved?.()
    this.requestRebalance()
  }

  /** Records a heartbeat: the member is alive. */
  heartbeat(member: Member): void {
    member.lastSeen = this.log.clock.now()
  }

  private armSession(member: Member): void {
    const clock = this.log.clock
    const check = (): void => {
      member.sessionTimer = undefined
      if (this.members.get(member.memberId) !== member) return
      const now = clock.now()
      if (member.handle.idle()) member.lastSeen = now
      const due = member.lastSeen + member.sessionTimeoutMs
      if (now >= due) this.remove(member, 'session-timeout')
      else member.sessionTimer = clock.setTimeout(check, due - now)
    }
    member.sessionTimer = clock.setTimeout(check, member.sessionTimeoutMs)
  }

  /** Asks for a rebalance; rebalances requested in one tick run as one. */
  requestRebalance(): void {
    if (this.currentState === 'Dead') return
    this.pending = true
    if (this.running || this.closing) return
    this.running = this.rebalanceLoop().finally(() => {
      this.running = undefined
      if (this.pending && !this.closing) {
        this.requestRebalance()
        return
      }
      for (const w of this.settledWaiters.splice(0)) w()
    })
  }

  /** Resolves once no rebalance runs or waits. */
  settled(): Promise<void> {
    if (!this.rebalancing || this.closing) return Promise.resolve()
    return new Promise((resolve) => this.settledWaiters.push(resolve))
  }

  /** The log is closing: no more rebalances; members leave without moving partitions. */
  close(): void {
    this.closing = true
    for (const w of this.settledWaiters.splice(0)) w()
  }

  /** Ends the group (deleteGroup): only an empty group may die. */
  kill(): void {
    this.transition('Dead')
    for (const w of this.settledWaiters.splice(0)) w()
  }

  private async rebalanceLoop(): Promise<void> {
    await Promise.resolve()
    const clock = this.log.clock
    const started = clock.now()
    while (this.pending && !this.closing && this.currentState !== 'Dead') {
      this.pending = false
      if (this.members.size === 0) {
        if (this.currentState === 'Stable' || this.currentState === 'CompletingRebalance') this.transition('PreparingRebalance')
        if (this.currentState === 'PreparingRebalance') this.transition('Empty')
        continue
      }
      if (this.currentState !== 'PreparingRebalance') this.transition('PreparingRebalance')
      const members = [...this.members.values()]
      for (const m of members) m.handle.rebalancing()
      const assignor = members[0]!.assignor
      let proposal: Map<Member, TopicPartition[]>
      try {
        proposal = this.propose(assignor, members)
      } catch (err) {
        const error = err instanceof KafketteError ? err : new KafketteError('ILLEGAL_STATE', `assignor ${assignor.name} failed: ${err instanceof Error ? err.message : String(err)}`, { groupId: this.groupId }, { cause: err })
        for (const m of members) this.remove(m, 'assignor-error', error)
        continue
      }
      // Revoke first: what moves (cooperative) or everything (eager) is given up, and its
      // processed offsets committed, before any member is handed a partition.
      const cooperative = assignor.protocol === 'cooperative'
      await Promise.all(
        members.map((m) => {
          const keep = new Set(cooperative ? proposal.get(m)!.map(tpKey) : [])
          const revoke = m.owned.filter((tp) => !keep.has(tpKey(tp)))
          if (revoke.length === 0 || this.members.get(m.memberId) !== m) return undefined
          return this.revoke(m, revoke)
        }),
      )
      if (this.pending || this.closing) continue
      this.transition('CompletingRebalance')
      this.generation++
      const leaderId = this.leaderId!
      const events = members.map((m) => {
        const held = new Set(m.owned.map(tpKey))
        const assignment = proposal.get(m)!
        m.owned = assignment
        m.generation = this.generation
        const revoked = m.revokedSinceAssign
        m.revokedSinceAssign = []
        return { m, assignment, assigned: assignment.filter((tp) => !held.has(tpKey(tp))), revoked }
      })
      this.transition('Stable')
      const durationMs = clock.now() - started
      for (const { m, assignment, assigned, revoked } of events) {
        if (this.members.get(m.memberId) !== m) continue
        m.handle.assigned({
          groupId: this.groupId,
          memberId: m.memberId,
          generation: this.generation,
          leaderId,
          isLeader: leaderId === m.memberId,
          assignor: assignor.name,
          protocol: assignor.protocol,
          assignment: assignment.map((tp) => ({ ...tp })),
          assigned,
          revoked,
          durationMs,
        })
      }
    }
  }

  /** Runs the assignor and checks its answer: complete, disjoint, and only subscribed topics. */
  private propose(assignor: Assignor, members: Member[]): Map<Member, TopicPartition[]> {
    const existing = [...this.log.topics.keys()]
    const topicsOf = new Map(members.map((m) => [m, m.topicsAmong(existing)]))
    const partitions: Record<string, number> = {}
    for (const topics of topicsOf.values()) for (const t of topics) partitions[t] = this.log.topics.get(t)!.partitions.length
    let raw: unknown
    try {
      raw = assignor.assign({
        members: members.map((m) => ({ memberId: m.memberId, topics: topicsOf.get(m)!, owned: m.owned.map((tp) => ({ ...tp })) })),
        partitions: { ...partitions },
      })
    } catch (err) {
      throw new KafketteError('CALLBACK_ERROR', `assignor ${assignor.name} threw: ${err instanceof Error ? err.message : String(err)}`, { groupId: this.groupId }, { cause: err })
    }
    const bad = (why: string): never => {
      throw new KafketteError('ILLEGAL_STATE', `assignor ${assignor.name} returned an invalid assignment: ${why}`, { groupId: this.groupId })
    }
    if (raw === null || typeof raw !== 'object') bad('expected an object of memberId → [{ topic, partition }]')
    const result = raw as Record<string, unknown>
    const ids = new Set(members.map((m) => m.memberId))
    for (const id of Object.keys(result)) if (!ids.has(id)) bad(`unknown member ${id}`)
    const seen = new Set<string>()
    const out = new Map<Member, TopicPartition[]>()
    for (const m of members) {
      const list = result[m.memberId] ?? []
      if (!Array.isArray(list)) bad(`member ${m.memberId}: expected an array`)
      const subscribed = new Set(topicsOf.get(m))
      const mine: TopicPartition[] = []
      for (const tp of list as unknown[]) {
        const { topic, partition } = (tp ?? {}) as Partial<TopicPartition>
        if (typeof topic !== 'string' || typeof partition !== 'number') bad(`member ${m.memberId}: entries must be { topic, partition }`)
        if (!subscribed.has(topic!)) bad(`member ${m.memberId} does not subscribe to ${topic}`)
        if (!Number.isInteger(partition) || partition! < 0 || partition! >= partitions[topic!]!) bad(`${topic} has no partition ${partition}`)
        const key = tpKey({ topic: topic!, partition: partition! })
        if (seen.has(key)) bad(`${topic}/${partition} is assigned twice`)
        seen.add(key)
        mine.push({ topic: topic!, partition: partition! })
      }
      mine.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
      out.set(m, mine)
    }
    for (const [topic, count] of Object.entries(partitions)) {
      for (let p = 0; p < count; p++) if (!seen.has(tpKey({ topic, partition: p }))) bad(`${topic}/${p} is not assigned`)
    }
    return out
  }

  /** Asks a member to revoke; a member that does not finish within its rebalance timeout is removed. */
  private revoke(member: Member, partitions: TopicPartition[]): Promise<void> {
    const clock = this.log.clock
    return new Promise<void>((resolve) => {
      let done = false
      const finish = (): void => {
        if (done) return
        done = true
        clock.clearTimeout(timer)
        member.onRemoved = undefined
        const gone = new Set(partitions.map(tpKey))
        member.owned = member.owned.filter((tp) => !gone.has(tpKey(tp)))
        member.revokedSinceAssign.push(...partitions)
        resolve()
      }
      const timer = clock.setTimeout(() => {
        if (done) return
        this.remove(member, 'rebalance-timeout')
        finish()
      }, member.rebalanceTimeoutMs)
      member.onRemoved = finish
      member.handle.revoke(partitions.map((tp) => ({ ...tp }))).then(finish, finish)
    })
  }

  /** The group as describeGroup reports it. */
  describe(): GroupDescription {
    const existing = [...this.log.topics.keys()]
    return {
      groupId: this.groupId,
      state: this.currentState,
      generation: this.generation,
      protocolType: 'consumer',
      protocol: this.assignor?.name ?? '',
      leaderId: this.leaderId,
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId,
        clientId: m.clientId,
        topics: m.topicsAmong(existing),
        assignment: m.owned.map((tp) => ({ ...tp })),
      })),
    }
  }

  private assertAlive(): void {
    if (this.currentState === 'Dead') throw new KafketteError('ILLEGAL_STATE', `group ${this.groupId} was deleted`, { groupId: this.groupId })
  }
}
