// The round-robin assignor (Kafka's RoundRobinAssignor): every topic-partition, sorted,
// dealt in turn to the members, skipping a member not subscribed to the partition's topic.
import type { Assignor } from './types.js'
import { allPartitions, emptyAssignment } from './types.js'

/** Kafka's round-robin assignor (eager), the default. With equal subscriptions, counts differ by at most one. */
export const roundRobin: Assignor = {
  name: 'roundRobin',
  protocol: 'eager',
  assign({ members, partitions }) {
    const out = emptyAssignment(members)
    if (members.length === 0) return out
    let turn = 0
    for (const tp of allPartitions(partitions)) {
      for (let tries = 0; tries < members.length; tries++) {
        const m = members[(turn + tries) % members.length]!
        if (m.topics.includes(tp.topic)) {
          out[m.memberId]!.push(tp)
          turn = (turn + tries + 1) % members.length
          break
        }
      }
    }
    return out
  },
}
