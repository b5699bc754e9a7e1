// A group whose members assign partitions themselves, as Kafka's protocol has it (the
// members behind the wire listener): members bring opaque protocol metadata, the leader
// receives every member's metadata in JoinGroup and hands the assignments back in
// SyncGroup. The same state machine names as in-process groups; timers on the log's clock.
import { randomUUID } from 'node:crypto'
import { KafketteError } from '../errors.js'
import type { TopicPartition } from '../types.js'
import type { Clock, TimerHandle } from '../util/clock.js'
import type { GroupDescription, GroupState } from './group.js'

/** A protocol a member supports: its name (the assignor) and its metadata (the subscription). */
export interface GroupProtocol {
  name: string
  metadata: Buffer
}

/** What a member sends to join. An empty memberId asks for a new one. */
export interface ProtocolJoinRequest {
  memberId: string
  clientId: string
  clientHost: string
  protocolType: string
  protocols: GroupProtocol[]
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
}

/** What a member receives once every member has (re)joined. */
export interface ProtocolJoinResult {
  generation: number
  protocol: string
  leaderId: string
  memberId: string
  /** Every member's metadata for the chosen protocol: for the leader only, empty for the others. */
  members: Array<{ memberId: string; metadata: Buffer }>
}

/** A member as DescribeGroups reports it. */
export interface ProtocolMemberDescription {
  memberId: string
  clientId: string
  clientHost: string
  metadata: Buffer
  assignment: Buffer
}

interface ProtocolMember {
  memberId: string
  clientId: string
  clientHost: string
  protocols: GroupProtocol[]
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  lastSeen: number
  timer: TimerHandle | undefined
  assignment: Buffer
}

interface Waiter<T> {
  resolve: (v: T) => void
  reject: (e: unknown) => void
}

const EMPTY = Buffer.alloc(0)

/** A group of members that assign themselves (Kafka's client-side assignment). */
export class ProtocolGroup {
  state: GroupState = 'Empty'
  generation = 0
  protocolType: string | null = null
  protocol: string | null = null
  leaderId: string | null = null
  readonly members = new Map<string, ProtocolMember>()
  private readonly joining = new Map<string, Waiter<ProtocolJoinResult>>()
  private readonly syncing = new Map<string, Waiter<Buffer>>()
  private rebalanceTimer: TimerHandle | undefined

  constructor(
    readonly groupId: string,
    private readonly clock: Clock,
  ) {}

  private error(code: 'UNKNOWN_MEMBER_ID' | 'ILLEGAL_GENERATION' | 'REBALANCE_IN_PROGRESS' | 'INCONSISTENT_GROUP_PROTOCOL', detail: string, memberId?: string): KafketteError {
    return new KafketteError(code, detail, { groupId: this.groupId, ...(memberId !== undefined ? { memberId } : {}) })
  }

  /** Joins (or rejoins) the group; resolves when the rebalance it starts completes. */
  join(req: ProtocolJoinRequest): Promise<ProtocolJoinResult> {
    if (req.memberId !== '' && !this.members.has(req.memberId)) {
      return Promise.reject(this.error('UNKNOWN_MEMBER_ID', `member ${req.memberId} is not in group ${this.groupId}`, req.memberId))
    }
    const others = [...this.members.values()].filter((m) => m.memberId !== req.memberId)
    if (others.length > 0) {
      if (req.protocolType !== this.protocolType) {
        return Promise.reject(this.error('INCONSISTENT_GROUP_PROTOCOL', `group ${this.groupId} has protocol type ${this.protocolType}; member asked for ${req.protocolType}`))
      }
      const common = this.commonProtocols([...others.map((m) => m.protocols), req.protocols])
      if (common.length === 0) {
        return Promise.reject(this.error('INCONSISTENT_GROUP_PROTOCOL', `group ${this.groupId}: no assignor in common with its members (offered ${req.protocols.map((p) => p.name).join(', ')})`))
      }
    } else if (req.protocols.length === 0) {
      return Promise.reject(this.error('INCONSISTENT_GROUP_PROTOCOL', `group ${this.groupId}: a member must offer at least one protocol`))
    }
    this.protocolType = req.protocolType
    const memberId = req.memberId || `${req.clientId}-${randomUUID()}`
    let m = this.members.get(memberId)
    if (!m) {
      m = { memberId, clientId: req.clientId, clientHost: req.clientHost, protocols: req.protocols, sessionTimeoutMs: req.sessionTimeoutMs, rebalanceTimeoutMs: req.rebalanceTimeoutMs, lastSeen: this.clock.now(), timer: undefined, assignment: EMPTY }
      this.members.set(memberId, m)
    } else {
      m.protocols = req.protocols
      m.sessionTimeoutMs = req.sessionTimeoutMs
      m.rebalanceTimeoutMs = req.rebalanceTimeoutMs
      m.lastSeen = this.clock.now()
    }
    this.armSession(m)
    const previous = this.joining.get(memberId)
    if (previous) previous.reject(this.error('REBALANCE_IN_PROGRESS', `member ${memberId} joined again`, memberId))
    return new Promise<ProtocolJoinResult>((resolve, reject) => {
      this.joining.set(memberId, { resolve, reject })
      this.prepareRebalance()
      this.tryCompleteJoin()
    })
  }

  /** Hands the leader's assignments out (or waits for them); resolves with this member's assignment. */
  sync(memberId: string, generation: number, assignments: ReadonlyArray<{ memberId: string; assignment: Buffer }>): Promise<Buffer> {
    const m = this.members.get(memberId)
    if (!m) return Promise.reject(this.error('UNKNOWN_MEMBER_ID', `member ${memberId} is not in group ${this.groupId}`, memberId))
    if (generation !== this.generation) return Promise.reject(this.error('ILLEGAL_GENERATION', `generation ${generation} is not the group's ${this.generation}`, memberId))
    if (this.state === 'PreparingRebalance') return Promise.reject(this.error('REBALANCE_IN_PROGRESS', `group ${this.groupId} is rebalancing`, memberId))
    m.lastSeen = this.clock.now()
    if (this.state === 'Stable') return Promise.resolve(m.assignment)
    return new Promise<Buffer>((resolve, reject) => {
      this.syncing.set(memberId, { resolve, reject })
      if (memberId === this.leaderId) {
        const given = new Map(assignments.map((a) => [a.memberId, a.assignment]))
        for (const member of this.members.values()) member.assignment = given.get(member.memberId) ?? EMPTY
        this.state = 'Stable'
        for (const [id, w] of this.syncing) w.resolve(this.members.get(id)?.assignment ?? EMPTY)
        this.syncing.clear()
      }
    })
  }

  /** Records a heartbeat; REBALANCE_IN_PROGRESS tells the member to rejoin. */
  heartbeat(memberId: string, generation: number): void {
    const m = this.members.get(memberId)
    if (!m) throw this.error('UNKNOWN_MEMBER_ID', `member ${memberId} is not in group ${this.groupId}`, memberId)
    m.lastSeen = this.clock.now()
    if (generation !== this.generation) throw this.error('ILLEGAL_GENERATION', `generation ${generation} is not the group's ${this.generation}`, memberId)
    if (this.state === 'PreparingRebalance') throw this.error('REBALANCE_IN_PROGRESS', `group ${this.groupId} is rebalancing`, memberId)
  }

  /** Checks that a member may commit offsets in a generation (Kafka's rules); an empty group takes simple commits (generation -1). */
  checkCommit(memberId: string, generation: number): void {
    if (generation < 0 && memberId === '' && this.members.size === 0) return
    const m = this.members.get(memberId)
    if (!m) throw this.error('UNKNOWN_MEMBER_ID', `member ${memberId || '(none)'} is not in group ${this.groupId}`, memberId)
    if (generation !== this.generation) throw this.error('ILLEGAL_GENERATION', `generation ${generation} is not the group's ${this.generation}`, memberId)
    if (this.state === 'CompletingRebalance') throw this.error('REBALANCE_IN_PROGRESS', `group ${this.groupId} is completing a rebalance`, memberId)
    m.lastSeen = this.clock.now()
  }

  /** The member leaves; the others rebalance. */
  leave(memberId: string): void {
    if (!this.members.has(memberId)) throw this.error('UNKNOWN_MEMBER_ID', `member ${memberId} is not in group ${this.groupId}`, memberId)
    this.remove(memberId)
  }

  private remove(memberId: string): void {
    const m = this.members.get(memberId)
    if (!m) return
    this.clock.clearTimeout(m.timer)
    this.members.delete(memberId)
    this.joining.get(memberId)?.reject(this.error('UNKNOWN_MEMBER_ID', `member ${memberId} left group ${this.groupId}`, memberId))
    this.joining.delete(memberId)
    this.syncing.get(memberId)?.reject(this.error('UNKNOWN_MEMBER_ID', `member ${memberId} left group ${this.groupId}`, memberId))
    this.syncing.delete(memberId)
    if (memberId === this.leaderId) this.leaderId = null
    this.prepareRebalance()
    this.tryCompleteJoin()
  }

  private armSession(m: ProtocolMember): void {
    this.clock.clearTimeout(m.timer)
    const check = (): void => {
      m.timer = undefined
      if (this.members.get(m.memberId) !== m) return
      const now = this.clock.now()
      // A member waiting on its JoinGroup answer is alive: the wait is the group's, not its.
      if (this.joining.has(m.memberId) || this.syncing.has(m.memberId)) m.lastSeen = now
      const due = m.lastSeen + m.sessionTimeoutMs
      if (now >= due) this.remove(m.memberId)
      else m.timer = this.clock.setTimeout(check, due - now)
    }
    m.timer = this.clock.setTimeout(check, m.sessionTimeoutMs)
  }

  private prepareRebalance(): void {
    if (this.state === 'Dead') return
    for (const w of this.syncing.values()) w.reject(this.error('REBALANCE_IN_PROGRESS', `group ${this.groupId} is rebalancing`))
    this.syncing.clear()
    if (this.state === 'PreparingRebalance') return
    this.state = 'PreparingRebalance'
    let wait = 0
    for (const m of this.members.values()) wait = Math.max(wait, m.rebalanceTimeoutMs)
    this.clock.clearTimeout(this.rebalanceTimer)
    // Members that do not rejoin within the rebalance timeout are removed, as Kafka does.
    this.rebalanceTimer = this.clock.setTimeout(() => {
      this.rebalanceTimer = undefined
      if (this.state !== 'PreparingRebalance') return
      for (const id of [...this.members.keys()]) if (!this.joining.has(id)) this.remove(id)
      this.completeJoin()
    }, wait)
  }

  private tryCompleteJoin(): void {
    if (this.state !== 'PreparingRebalance') return
    for (const id of this.members.keys()) if (!this.joining.has(id)) return
    this.completeJoin()
  }

  private commonProtocols(lists: GroupProtocol[][]): string[] {
    const [first, ...rest] = lists
    return (first ?? []).map((p) => p.name).filter((name) => rest.every((l) => l.some((p) => p.name === name)))
  }

  private completeJoin(): void {
    if (this.state !== 'PreparingRebalance') return
    this.clock.clearTimeout(this.rebalanceTimer)
    this.rebalanceTimer = undefined
    this.generation++
    if (this.members.size === 0) {
      this.state = 'Empty'
      this.protocol = null
      this.protocolType = null
      this.leaderId = null
      return
    }
    if (this.leaderId === null || !this.members.has(this.leaderId)) this.leaderId = this.members.keys().next().value!
    const leader = this.members.get(this.leaderId)!
    // The leader's most preferred protocol that every member supports.
    const common = new Set(this.commonProtocols([...this.members.values()].map((m) => m.protocols)))
    this.protocol = leader.protocols.find((p) => common.has(p.name))?.name ?? leader.protocols[0]!.name
    this.state = 'CompletingRebalance'
    for (const m of this.members.values()) m.assignment = EMPTY
    const all = [...this.members.values()].map((m) => ({ memberId: m.memberId, metadata: m.protocols.find((p) => p.name === this.protocol)?.metadata ?? EMPTY }))
    const waiting = [...this.joining]
    this.joining.clear()
    for (const [id, w] of waiting) {
      w.resolve({ generation: this.generation, protocol: this.protocol, leaderId: this.leaderId, memberId: id, members: id === this.leaderId ? all : [] })
    }
  }

  /** Every member, as DescribeGroups reports it. */
  describeMembers(): ProtocolMemberDescription[] {
    return [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      metadata: m.protocols.find((p) => p.name === this.protocol)?.metadata ?? EMPTY,
      assignment: m.assignment,
    }))
  }

  /** The group as the public describeGroup reports it: a consumer group's metadata and assignments are decoded. */
  describe(): GroupDescription {
    return {
      groupId: this.groupId,
      state: this.state,
      generation: this.generation,
      protocolType: 'consumer',
      protocol: this.protocol ?? '',
      leaderId: this.leaderId,
      members: this.describeMembers().map((m) => ({
        memberId: m.memberId,
        clientId: m.clientId,
        topics: this.protocolType === 'consumer' ? decodeSubscriptionTopics(m.metadata) : [],
        assignment: this.protocolType === 'consumer' ? decodeAssignment(m.assignment) : [],
      })),
    }
  }

  /** The log is closing, or the group is deleted: every wait ends and every timer stops. */
  close(): void {
    this.clock.clearTimeout(this.rebalanceTimer)
    for (const m of this.members.values()) this.clock.clearTimeout(m.timer)
    const err = new KafketteError('LOG_CLOSED', 'the log is closing', { groupId: this.groupId })
    for (const w of this.joining.values()) w.reject(err)
    for (const w of this.syncing.values()) w.reject(err)
    this.joining.clear()
    this.syncing.clear()
  }
}

// Kafka's consumer protocol (ConsumerProtocolSubscription / ConsumerProtocolAssignment):
// version int16, then topics. Decoded only to describe a group; a body that does not parse
// describes as nothing rather than failing describeGroup.

function readString(b: Buffer, at: number): [string, number] {
  const n = b.readInt16BE(at)
  if (n < 0) return ['', at + 2]
  return [b.toString('utf8', at + 2, at + 2 + n), at + 2 + n]
}

/** The topics of a consumer subscription, sorted; [] when it does not parse. */
export function decodeSubscriptionTopics(b: Buffer): string[] {
  try {
    let at = 2
    const n = b.readInt32BE(at)
    at += 4
    const out: string[] = []
    for (let i = 0; i < n; i++) {
      const [t, next] = readString(b, at)
      out.push(t)
      at = next
    }
    return out.sort()
  } catch {
    return []
  }
}

/** The partitions of a consumer assignment, sorted; [] when it is empty or does not parse. */
export function decodeAssignment(b: Buffer): TopicPartition[] {
  try {
    if (b.length < 6) return []
    let at = 2
    const n = b.readInt32BE(at)
    at += 4
    const out: TopicPartition[] = []
    for (let i = 0; i < n; i++) {
      const [topic, next] = readString(b, at)
      at = next
      const count = b.readInt32BE(at)
      at += 4
      for (let j = 0; j < count; j++, at += 4) out.push({ topic, partition: b.readInt32BE(at) })
    }
    return out.sort((x, y) => (x.topic < y.topic ? -1 : x.topic > y.topic ? 1 : x.partition - y.partition))
  } catch {
    return []
  }
}
