// The assignor contract: given the members of a group (with their subscriptions and the
// partitions they own now) and each subscribed topic's partition count, say who reads what.
import type { TopicPartition } from '../../types.js'

/** One member as an assignor sees it. Members come in join order (the leader first). */
export interface AssignorMember {
  memberId: string
  /** The topics this member subscribes to (resolved, sorted; a RegExp subscription is already matched). */
  topics: string[]
  /** The partitions this member owns before this rebalance (used by sticky assignors). */
  owned: TopicPartition[]
}

/** What an assignor is given. */
export interface AssignArgs {
  members: AssignorMember[]
  /** The partition count of every topic some member subscribes to. */
  partitions: Record<string, number>
}

/**
 * An assignment function: for each member id, the partitions it reads. A member left out
 * reads nothing. The group refuses an assignment that is not complete (every partition of
 * every subscribed topic to exactly one member subscribed to its topic) and disjoint.
 */
export type AssignFn = (args: AssignArgs) => Record<string, TopicPartition[]>

/**
 * A named assignor. `eager`: a rebalance revokes every partition of every member before
 * assigning again (range, roundRobin). `cooperative`: it revokes only the partitions that
 * move to another member (cooperativeSticky).
 */
export interface Assignor {
  readonly name: string
  readonly protocol: 'eager' | 'cooperative'
  readonly assign: AssignFn
}

/** What `log.consumer({ assignor })` accepts: a built-in's name, an Assignor, or a bare function (eager, named after the function). */
export type AssignorOption = 'range' | 'roundRobin' | 'cooperativeSticky' | Assignor | AssignFn

/** Partition counts as a sorted list of every topic-partition: by topic, then partition. */
export function allPartitions(partitions: Record<string, number>): TopicPartition[] {
  const out: TopicPartition[] = []
  for (const topic of Object.keys(partitions).sort()) {
    for (let partition = 0; partition < partitions[topic]!; partition++) out.push({ topic, partition })
  }
  return out
}

/** An empty assignment for every member. */
export function emptyAssignment(members: readonly AssignorMember[]): Record<string, TopicPartition[]> {
  const out: Record<string, TopicPartition[]> = {}
  for (const m of members) out[m.memberId] = []
  return out
}
