// A member of a group as the coordinator sees it, and the handle through which the
// coordinator drives the consumer behind it (revoke, assign, remove). Members are in-process.
import type { KafketteError } from '../errors.js'
import type { TopicPartition } from '../types.js'
import type { TimerHandle } from '../util/clock.js'
import type { Assignor } from './assignors/types.js'

/** Why a member left its group. */
export type LeaveReason = 'leave' | 'session-timeout' | 'rebalance-timeout' | 'assignor-error'

/** A new generation's assignment, as a member receives it. */
export interface AssignedEvent {
  groupId: string
  memberId: string
  generation: number
  leaderId: string
  isLeader: boolean
  /** The group's assignor name. */
  assignor: string
  protocol: 'eager' | 'cooperative'
  /** Every partition the member owns in this generation. */
  assignment: TopicPartition[]
  /** Partitions the member gained. */
  assigned: TopicPartition[]
  /** Partitions taken from the member since its last generation. */
  revoked: TopicPartition[]
  /** Milliseconds on the log's clock from the start of the rebalance. */
  durationMs: number
}

/** What a consumer gives the coordinator when it joins. */
export interface MemberHandle {
  /** A rebalance began: the member keeps reading what it owns until asked to revoke. */
  rebalancing(): void
  /**
   * Stop handing out these partitions, wait for the application to finish the ones in its
   * hands, and commit what was processed. The coordinator assigns them elsewhere only
   * after this resolves (or after the member's rebalance timeout, which removes it).
   */
  revoke(partitions: TopicPartition[]): Promise<void>
  /** The member's assignment in a new generation (called synchronously, every member in the same tick). */
  assigned(event: AssignedEvent): void
  /** The coordinator removed the member (not on its own leave): it owns nothing now. */
  removed(reason: LeaveReason, error?: KafketteError): void
  /** True while the application holds none of the member's work (it waits for records): a live member. */
  idle(): boolean
}

/** A subscription: topic names, and patterns matched against every topic (including topics created later). */
export interface Subscription {
  topics: string[]
  patterns: RegExp[]
}

/** A member of a group. */
export class Member {
  /** The partitions owned in the current generation (or being revoked). */
  owned: TopicPartition[] = []
  /** Partitions revoked since the member's last generation. */
  revokedSinceAssign: TopicPartition[] = []
  /** The last generation this member received. */
  generation = 0
  /** Last heartbeat, on the log's clock. */
  lastSeen: number
  /** @internal */ sessionTimer: TimerHandle | undefined
  /** @internal Called when the member is removed while the coordinator waits on it. */
  onRemoved: (() => void) | undefined

  constructor(
    readonly groupId: string,
    readonly memberId: string,
    readonly clientId: string,
    public subscription: Subscription,
    readonly assignor: Assignor,
    readonly sessionTimeoutMs: number,
    readonly rebalanceTimeoutMs: number,
    readonly handle: MemberHandle,
    now: number,
  ) {
    this.lastSeen = now
  }

  /** The topics of `existing` this member subscribes to, sorted. */
  topicsAmong(existing: Iterable<string>): string[] {
    const out: string[] = []
    for (const t of existing) if (this.subscribes(t)) out.push(t)
    return out.sort()
  }

  /** True when this member subscribes to `topic`. */
  subscribes(topic: string): boolean {
    const s = this.subscription
    return s.topics.includes(topic) || s.patterns.some((p) => p.test(topic))
  }
}
