// The range assignor (Kafka's RangeAssignor): per topic, consecutive runs of partitions to
// the members subscribed to it, in member order; the first (count % members) get one more.
import type { Assignor } from './types.js'
import { emptyAssignment } from './types.js'

/** Kafka's range assignor (eager). Balanced per topic; across several topics the first members may carry more. */
export const range: Assignor = {
  name: 'range',
  protocol: 'eager',
  assign({ members, partitions }) {
    const out = emptyAssignment(members)
    for (const topic of Object.keys(partitions).sort()) {
      const count = partitions[topic]!
      const subscribed = members.filter((m) => m.topics.includes(topic))
      if (subscribed.length === 0) continue
      const base = Math.floor(count / subscribed.length)
      const extra = count % subscribed.length
      let next = 0
      subscribed.forEach((m, i) => {
        const n = base + (i < extra ? 1 : 0)
        for (let k = 0; k < n; k++) out[m.memberId]!.push({ topic, partition: next++ })
      })
    }
    return out
  },
}
