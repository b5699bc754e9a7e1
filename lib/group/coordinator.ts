// The group coordinator: the one owner of every consumer group of a log. Consumers join,
// heartbeat, commit and leave through it; the admin calls of the public Log read and
// change groups through it. It watches the log's topics, so a pattern subscription picks up
// topics created later and a deleted topic leaves its groups' assignments.
import { randomUUID } from 'node:crypto'
import { KafketteError } from '../errors.js'
import type { CoreLog } from '../log/log.js'
import type { Partition } from '../log/partition.js'
import type { TopicPartitionOffset } from '../types.js'
import { assertOffset, assertPartitionNumber, assertTopicName, checkOptions, isPlainObject, isWellFormedUnicode } from '../util/validate.js'
import type { Assignor } from './assignors/types.js'
import type { StoreOp } from '../storage/store.js'
import { CommittedOffsets, type CommittedOffset, type GroupOffset, type OffsetToCommit } from './committed.js'
import { Group, type GroupDescription, type GroupState } from './group.js'
import { Member, type MemberHandle, type Subscription } from './member.js'
import { ProtocolGroup } from './protocol-group.js'

/** One group as listGroups reports it. */
export interface GroupListing {
  groupId: string
  state: GroupState
  protocolType: 'consumer'
  /** How many members it has now. */
  members: number
}

/** An offset to commit: the next offset the group reads, with an optional metadata string. */
export interface OffsetCommit extends TopicPartitionOffset {
  metadata?: string | null
}

/** Where resetOffsets moves a group's offsets on a topic. */
export type ResetTarget = 'earliest' | 'latest' | number | { timestamp: number }

/** What a consumer gives to join a group. */
export interface JoinOptions {
  clientId: string
  subscription: Subscription
  assignor: Assignor
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  handle: MemberHandle
}

const MAX_GROUP_ID = 255

/**
 * Checks a group id: a non-empty string of at most 255 characters, and well-formed
 * Unicode: it is stored as UTF-8, where every lone surrogate becomes the same U+FFFD, so
 * '\uD800' and '\uDBFF' would share their committed offsets.
 */
export function assertGroupId(groupId: unknown, what = 'groupId'): asserts groupId is string {
  if (typeof groupId !== 'string') throw new TypeError(`${what} must be a string, got ${typeof groupId}`)
  if (groupId.length === 0 || groupId.length > MAX_GROUP_ID) {
    throw new KafketteError('INVALID_GROUP_ID', `${what} must be 1–${MAX_GROUP_ID} characters, got ${groupId.length}`, { groupId })
  }
  if (!isWellFormedUnicode(groupId)) {
    throw new KafketteError('INVALID_GROUP_ID', `${what} must be well-formed Unicode (it holds a lone surrogate, which UTF-8 cannot store)`, { groupId })
  }
}

/** Every group of one log. */
export class GroupCoordinator {
  /** The committed offsets of every group. */
  readonly offsets: CommittedOffsets
  private readonly groups = new Map<string, Group>()
  /** Groups whose members assign themselves (the wire listener's); a group id is in one map or the other while it has members. */
  private readonly protocolGroups = new Map<string, ProtocolGroup>()
  private closing = false

  constructor(private readonly log: CoreLog) {
    this.offsets = new CommittedOffsets(log)
    log.on('topic.create', (topic) => this.topicChanged(topic))
    log.on('topic.delete', (topic) => this.topicChanged(topic))
    log.on('topic.partitions', (topic) => this.topicChanged(topic))
  }

  private topicChanged(topic: string): void {
    if (this.closing) return
    for (const g of this.groups.values()) {
      for (const m of g.members.values()) {
        if (m.subscribes(topic)) {
          g.requestRebalance()
          break
        }
      }
    }
  }

  private group(groupId: string): Group {
    const other = this.protocolGroups.get(groupId)
    if (other && other.members.size > 0) {
      throw new KafketteError('INCONSISTENT_GROUP_PROTOCOL', `group ${groupId} has members that assign themselves over the Kafka protocol; an in-process consumer cannot join it`, { groupId })
    }
    let g = this.groups.get(groupId)
    if (!g || g.state === 'Dead') this.groups.set(groupId, (g = new Group(groupId, this.log)))
    return g
  }

  /** Reads a group's committed offsets, so join() and committed() can answer at once. */
  async prepare(groupId: string): Promise<void> {
    this.assertOpen()
    assertGroupId(groupId)
    await this.offsets.load(groupId)
  }

  /**
   * Adds a member to a group (created if new; prepare() it first) and starts a rebalance;
   * the member's handle hears of its assignment. INCONSISTENT_GROUP_PROTOCOL when its
   * assignor differs from the members'.
   */
  join(groupId: string, options: JoinOptions): Member {
    this.assertOpen()
    const member = new Member(
      groupId,
      `${options.clientId}-${randomUUID()}`,
      options.clientId,
      options.subscription,
      options.assignor,
      options.sessionTimeoutMs,
      options.rebalanceTimeoutMs,
      options.handle,
      this.log.clock.now(),
    )
    this.group(groupId).add(member)
    return member
  }

  /**
   * A group whose members assign partitions themselves (Kafka's JoinGroup/SyncGroup), for
   * the wire listener. INCONSISTENT_GROUP_PROTOCOL while in-process consumers are its members.
   */
  protocolGroup(groupId: string): ProtocolGroup {
    this.assertOpen()
    assertGroupId(groupId)
    const other = this.groups.get(groupId)
    if (other && other.members.size > 0) {
      throw new KafketteError('INCONSISTENT_GROUP_PROTOCOL', `group ${groupId} has in-process members; a member assigning itself cannot join it`, { groupId })
    }
    let g = this.protocolGroups.get(groupId)
    if (!g || g.state === 'Dead') this.protocolGroups.set(groupId, (g = new ProtocolGroup(groupId, this.log.clock)))
    return g
  }

  /** The self-assigning group of this id, if it exists (no group is created). */
  findProtocolGroup(groupId: string): ProtocolGroup | undefined {
    return this.protocolGroups.get(groupId)
  }

  /** Replaces a member's subscription and rebalances. */
  resubscribe(member: Member, subscription: Subscription): void {
    const g = this.requireMember(member)
    member.subscription = subscription
    g.requestRebalance()
  }

  /** The member leaves its group (after committing); the others rebalance. */
  leave(member: Member): void {
    const g = this.groups.get(member.groupId)
    g?.remove(member, 'leave')
  }

  /** True while the member belongs to its group. */
  isMember(member: Member): boolean {
    return this.groups.get(member.groupId)?.members.get(member.memberId) === member
  }

  /** Records a heartbeat. Throws UNKNOWN_MEMBER_ID for a member that was removed. */
  heartbeat(member: Member): void {
    this.requireMember(member).heartbeat(member)
  }

  /** The current generation of a group (0 before its first rebalance). */
  generation(groupId: string): number {
    return this.groups.get(groupId)?.generation ?? 0
  }

  /** The committed offset of a partition for a group that has joined (its offsets are loaded). */
  committed(groupId: string, part: Partition): CommittedOffset | undefined {
    return this.offsets.get(groupId, part)
  }

  /** Resolves once the group has no rebalance running or waiting. */
  async settled(groupId: string): Promise<void> {
    const g = this.groups.get(groupId)
    if (g) await g.settled()
  }

  /**
   * Commits offsets for a member. UNKNOWN_MEMBER_ID when the member was removed;
   * REBALANCE_IN_PROGRESS when a partition is not (or no longer) the member's.
   */
  async commitMember(member: Member, offsets: readonly OffsetCommit[]): Promise<TopicPartitionOffset[]> {
    const resolved = this.resolveOffsets(offsets, member.groupId)
    const g = this.requireMember(member)
    const owned = new Set(member.owned.map((tp) => `${tp.topic}\u0000${tp.partition}`))
    for (const o of resolved) {
      if (!owned.has(`${o.part.topic}\u0000${o.part.index}`)) {
        throw new KafketteError('REBALANCE_IN_PROGRESS', `${o.part.topic}/${o.part.index} is not assigned to member ${member.memberId} of group ${g.groupId} (generation ${g.generation})`, { groupId: g.groupId, memberId: member.memberId, topic: o.part.topic, partition: o.part.index })
      }
    }
    await this.offsets.commit(member.groupId, resolved)
    return resolved.map((o) => ({ topic: o.part.topic, partition: o.part.index, offset: o.offset }))
  }

  /** Commits offsets for a group with no members (the admin's setOffsets). NON_EMPTY_GROUP while it has members. */
  async commitOffsets(groupId: string, offsets: readonly OffsetCommit[]): Promise<void> {
    this.assertOpen()
    assertGroupId(groupId)
    const resolved = this.resolveOffsets(offsets, groupId)
    this.assertEmpty(groupId, 'commitOffsets')
    await this.offsets.commit(groupId, resolved)
  }

  /**
   * Checks offsets a transaction commits for a group (KIP-447's TxnOffsetCommit): known
   * partitions, safe integers up to the high watermark. They are written with the
   * transaction's markers (see offsetOps), whatever the group's members.
   */
  resolveTxnOffsets(groupId: string, offsets: readonly OffsetCommit[]): OffsetToCommit[] {
    this.assertOpen()
    assertGroupId(groupId)
    return this.resolveOffsets(offsets, groupId)
  }

  /** The store ops of committing `offsets` for a group, and what updates its committed offsets once they are written. */
  offsetOps(groupId: string, offsets: readonly OffsetToCommit[]): Promise<{ ops: StoreOp[]; applied: () => void }> {
    return this.offsets.prepare(groupId, offsets)
  }

  /** Checks offsets to commit: known partitions, safe integers from 0 up to the high watermark. */
  private resolveOffsets(offsets: readonly OffsetCommit[], groupId: string): OffsetToCommit[] {
    if (!Array.isArray(offsets)) throw new TypeError('commit: expected an array of { topic, partition, offset }')
    const seen = new Map<Partition, OffsetToCommit>()
    offsets.forEach((o, i) => {
      if (!isPlainObject(o)) throw new TypeError(`commit: entry ${i} must be { topic, partition, offset }`)
      assertTopicName(o.topic)
      assertPartitionNumber(o.partition, `commit: entry ${i} partition`)
      assertOffset(o.offset, `commit: entry ${i} offset`)
      if (o.metadata !== undefined && o.metadata !== null && typeof o.metadata !== 'string') throw new TypeError(`commit: entry ${i} metadata must be a string or null`)
      const part = this.log.requirePartition(o.topic, o.partition)
      if (o.offset > part.highWatermark) {
        throw new KafketteError('OFFSET_OUT_OF_RANGE', `cannot commit offset ${o.offset} for ${o.topic}/${o.partition}: its high watermark is ${part.highWatermark}`, { groupId, topic: o.topic, partition: o.partition, offset: o.offset })
      }
      seen.set(part, { part, offset: o.offset, metadata: o.metadata ?? null })
    })
    return [...seen.values()]
  }

  // ── admin ──────────────────────────────────────────────────────────────────

  /** Every group with members or committed offsets, sorted by id. */
  async listGroups(): Promise<GroupListing[]> {
    this.assertOpen()
    const ids = new Set(await this.offsets.groupIds())
    for (const [id, g] of this.groups) if (g.members.size > 0) ids.add(id)
    for (const [id, g] of this.protocolGroups) if (g.members.size > 0) ids.add(id)
    return [...ids].sort().map((groupId) => {
      const pg = this.protocolGroups.get(groupId)
      if (pg && pg.members.size > 0) return { groupId, state: pg.state, protocolType: 'consumer' as const, members: pg.members.size }
      const g = this.groups.get(groupId)
      return { groupId, state: g && g.state !== 'Dead' ? g.state : 'Empty', protocolType: 'consumer' as const, members: g?.members.size ?? 0 }
    })
  }

  /** A group's state, generation, assignor and members with their assignments; an unknown group is reported Dead, as Kafka does. */
  async describeGroup(groupId: string): Promise<GroupDescription> {
    this.assertOpen()
    assertGroupId(groupId)
    const pg = this.protocolGroups.get(groupId)
    const g = this.groups.get(groupId)
    if (pg && (pg.members.size > 0 || !g || g.members.size === 0)) return pg.describe()
    if (g && g.state !== 'Dead') return g.describe()
    const known = await this.offsets.has(groupId)
    return { groupId, state: known ? 'Empty' : 'Dead', generation: 0, protocolType: 'consumer', protocol: '', leaderId: null, members: [] }
  }

  /** A group's committed offsets (optionally only on some topics), by topic then partition. */
  async fetchOffsets(groupId: string, topics?: readonly string[]): Promise<GroupOffset[]> {
    this.assertOpen()
    assertGroupId(groupId)
    if (topics !== undefined) {
      if (!Array.isArray(topics)) throw new TypeError('fetchOffsets: topics must be an array of topic names')
      for (const t of topics) assertTopicName(t)
    }
    const all = await this.offsets.list(groupId)
    return topics === undefined ? all : all.filter((o) => topics.includes(o.topic))
  }

  /**
   * Moves a group's offsets on every partition of a topic: to the log start offset, the high
   * watermark, an offset (clamped into [log start, high watermark]), or the first offset at or
   * after a timestamp (the high watermark where there is none). NON_EMPTY_GROUP while the group has members.
   */
  async resetOffsets(groupId: string, topic: string, options: { to: ResetTarget }): Promise<TopicPartitionOffset[]> {
    this.assertOpen()
    assertGroupId(groupId)
    assertTopicName(topic)
    if (!isPlainObject(options) || options.to === undefined) throw new TypeError("resetOffsets: expected { to: 'earliest' | 'latest' | offset | { timestamp } }")
    checkOptions<{ to: ResetTarget }>('resetOffsets', options, { to: ['string', 'number', 'object'] })
    const to = options.to
    if (typeof to === 'number') assertOffset(to, 'resetOffsets: to')
    else if (isPlainObject(to)) {
      const ts = (to as { timestamp: unknown }).timestamp
      if (typeof ts !== 'number' || !Number.isFinite(ts)) throw new RangeError(`resetOffsets: to.timestamp must be a number of milliseconds, got ${String(ts)}`)
    } else if (to !== 'earliest' && to !== 'latest') throw new TypeError(`resetOffsets: to must be 'earliest', 'latest', an offset or { timestamp }, got ${JSON.stringify(to)}`)
    const parts = this.log.requireTopic(topic).partitions
    this.assertEmpty(groupId, 'resetOffsets')
    let targets: number[]
    if (to === 'earliest') targets = parts.map((p) => p.logStartOffset)
    else if (to === 'latest') targets = parts.map((p) => p.highWatermark)
    else if (typeof to === 'number') targets = parts.map((p) => Math.min(Math.max(to, p.logStartOffset), p.highWatermark))
    else targets = await this.offsetsForTime(topic, parts, (to as { timestamp: number }).timestamp)
    this.assertEmpty(groupId, 'resetOffsets')
    await this.offsets.commit(groupId, parts.map((part, i) => ({ part, offset: targets[i]!, metadata: null })))
    return parts.map((p, i) => ({ topic, partition: p.index, offset: targets[i]! }))
  }

  /** Per partition, the first offset whose timestamp is ≥ `timestamp` (the log's time index), or the high watermark. */
  private async offsetsForTime(topic: string, parts: readonly Partition[], timestamp: number): Promise<number[]> {
    const found = await this.log.offsetsForTimes(topic, timestamp)
    return parts.map((p) => found.find((f) => f.partition === p.index)?.offset ?? p.highWatermark)
  }

  /** Deletes a group and its committed offsets. NON_EMPTY_GROUP while it has members; GROUP_ID_NOT_FOUND if it has neither members nor offsets. */
  async deleteGroup(groupId: string): Promise<void> {
    this.assertOpen()
    assertGroupId(groupId)
    this.assertEmpty(groupId, 'deleteGroup')
    if (!(await this.offsets.has(groupId)) && !this.groups.has(groupId) && !this.protocolGroups.has(groupId)) {
      throw new KafketteError('GROUP_ID_NOT_FOUND', `group ${groupId} has no members and no committed offsets`, { groupId })
    }
    this.assertEmpty(groupId, 'deleteGroup')
    await this.offsets.delete(groupId)
    const pg = this.protocolGroups.get(groupId)
    if (pg) {
      this.protocolGroups.delete(groupId)
      pg.close()
    }
    const g = this.groups.get(groupId)
    if (g) {
      this.groups.delete(groupId)
      if (g.state !== 'Dead') g.kill()
    }
  }

  private assertEmpty(groupId: string, what: string): void {
    const size = (this.groups.get(groupId)?.members.size ?? 0) + (this.protocolGroups.get(groupId)?.members.size ?? 0)
    if (size > 0) {
      throw new KafketteError('NON_EMPTY_GROUP', `${what}: group ${groupId} has ${size} member(s); close its consumers first`, { groupId })
    }
  }

  private requireMember(member: Member): Group {
    const g = this.groups.get(member.groupId)
    if (!g || g.members.get(member.memberId) !== member) {
      throw new KafketteError('UNKNOWN_MEMBER_ID', `member ${member.memberId} is not in group ${member.groupId} (it left or was removed)`, { groupId: member.groupId, memberId: member.memberId })
    }
    return g
  }

  private assertOpen(): void {
    this.log.assertOpen()
    if (this.closing) throw new KafketteError('LOG_CLOSED', 'the log is closing')
  }

  /** The log is closing: groups stop rebalancing, so consumers leave without moving partitions. */
  close(): void {
    this.closing = true
    for (const g of this.groups.values()) g.close()
    for (const g of this.protocolGroups.values()) g.close()
  }

  /**
   * Commits offsets for a member of a self-assigning group (Kafka's OffsetCommit rules:
   * its member id and generation; an empty group takes commits with generation -1).
   */
  async commitProtocol(groupId: string, memberId: string, generation: number, offsets: readonly OffsetCommit[]): Promise<void> {
    this.assertOpen()
    assertGroupId(groupId)
    const resolved = this.resolveOffsets(offsets, groupId)
    const inProcess = this.groups.get(groupId)
    if (inProcess && inProcess.members.size > 0) {
      throw new KafketteError('INCONSISTENT_GROUP_PROTOCOL', `group ${groupId} has in-process members`, { groupId })
    }
    const pg = this.protocolGroups.get(groupId)
    if (pg) pg.checkCommit(memberId, generation)
    else if (generation >= 0 || memberId !== '') throw new KafketteError('UNKNOWN_MEMBER_ID', `member ${memberId} is not in group ${groupId}`, { groupId, memberId })
    await this.offsets.commit(groupId, resolved)
  }
}
