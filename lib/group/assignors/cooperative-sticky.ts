// The cooperative-sticky assignor: members keep what they own; only the partitions that
// must move for balance (or whose owner left) change hands, so a rebalance revokes only those.
import type { TopicPartition } from '../../types.js'
import type { Assignor } from './types.js'
import { allPartitions, emptyAssignment } from './types.js'

/**
 * Cooperative sticky (Kafka's CooperativeStickyAssignor, simplified for one process):
 * 1. each member keeps the partitions it owns that still exist and that it still subscribes to;
 * 2. unowned partitions go, one by one, to the least-loaded member subscribed to their topic;
 * 3. while some member has two more partitions than another member that could take one of
 *    them, the most-loaded gives one to the least-loaded.
 * With equal subscriptions counts differ by at most one, and the number of partitions that
 * move is the least that achieves it.
 */
export const cooperativeSticky: Assignor = {
  name: 'cooperativeSticky',
  protocol: 'cooperative',
  assign({ members, partitions }) {
    const out = emptyAssignment(members)
    const subscribed = new Map(members.map((m) => [m.memberId, new Set(m.topics)]))
    const taken = new Set<string>()
    const key = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`
    for (const m of members) {
      for (const tp of m.owned) {
        const count = partitions[tp.topic]
        if (count === undefined || tp.partition >= count || !subscribed.get(m.memberId)!.has(tp.topic) || taken.has(key(tp))) continue
        taken.add(key(tp))
        out[m.memberId]!.push({ topic: tp.topic, partition: tp.partition })
      }
    }
    const eligible = (topic: string) => members.filter((m) => subscribed.get(m.memberId)!.has(topic))
    const pool = allPartitions(partitions).filter((tp) => !taken.has(key(tp)))
    // Partitions with fewer possible owners first, so they are not crowded out.
    const choices = new Map<string, number>()
    for (const topic of Object.keys(partitions)) choices.set(topic, eligible(topic).length)
    pool.sort((a, b) => choices.get(a.topic)! - choices.get(b.topic)!)
    for (const tp of pool) {
      let best: string | undefined
      for (const m of eligible(tp.topic)) if (best === undefined || out[m.memberId]!.length < out[best]!.length) best = m.memberId
      if (best !== undefined) out[best]!.push(tp)
    }
    for (;;) {
      const byLoad = [...members].sort((a, b) => out[b.memberId]!.length - out[a.memberId]!.length)
      let moved = false
      search: for (const donor of byLoad) {
        const given = out[donor.memberId]!
        for (let r = byLoad.length - 1; r >= 0; r--) {
          const receiver = byLoad[r]!
          if (given.length - out[receiver.memberId]!.length <= 1) break
          const topics = subscribed.get(receiver.memberId)!
          for (let i = given.length - 1; i >= 0; i--) {
            if (topics.has(given[i]!.topic)) {
              out[receiver.memberId]!.push(given.splice(i, 1)[0]!)
              moved = true
              break search
            }
          }
        }
      }
      if (!moved) break
    }
    return out
  },
}
