// The assignors of lib/group/assignors/. Invariants: every assignment is complete (each
// partition of each subscribed topic to exactly one member subscribed to it) and disjoint;
// with equal subscriptions counts differ by at most one (range: per topic); cooperative
// sticky keeps as many owned partitions as balance allows, so only what must move moves.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { cooperativeSticky, range, roundRobin, type AssignArgs, type Assignor, type TopicPartition } from '../../../lib/index.js'

const key = (tp: TopicPartition) => `${tp.topic}/${tp.partition}`
const ALL: Assignor[] = [range, roundRobin, cooperativeSticky]

function members(n: number, topics: string[], owned: TopicPartition[][] = []) {
  return Array.from({ length: n }, (_, i) => ({ memberId: `m${i}`, topics, owned: owned[i] ?? [] }))
}

/** Complete, disjoint, and each partition to a member subscribed to its topic. */
function assertValid(args: AssignArgs, out: Record<string, TopicPartition[]>): void {
  const seen = new Map<string, string>()
  for (const m of args.members) {
    for (const tp of out[m.memberId] ?? []) {
      expect(m.topics, `${m.memberId} got ${key(tp)} without subscribing`).toContain(tp.topic)
      expect(tp.partition).toBeLessThan(args.partitions[tp.topic]!)
      expect(seen.has(key(tp)), `${key(tp)} assigned twice`).toBe(false)
      seen.set(key(tp), m.memberId)
    }
  }
  for (const [topic, count] of Object.entries(args.partitions)) {
    if (!args.members.some((m) => m.topics.includes(topic))) continue
    for (let p = 0; p < count; p++) expect(seen.has(`${topic}/${p}`), `${topic}/${p} not assigned`).toBe(true)
  }
}

function spread(out: Record<string, TopicPartition[]>): number {
  const counts = Object.values(out).map((l) => l.length)
  return Math.max(...counts) - Math.min(...counts)
}

describe('range', () => {
  it('gives each member a consecutive run per topic, the first members one more', () => {
    const out = range.assign({ members: members(2, ['a', 'b']), partitions: { a: 5, b: 2 } })
    expect(out).toEqual({
      m0: [0, 1, 2].map((partition) => ({ topic: 'a', partition })).concat([{ topic: 'b', partition: 0 }]),
      m1: [3, 4].map((partition) => ({ topic: 'a', partition })).concat([{ topic: 'b', partition: 1 }]),
    })
  })

  it('assigns a topic only among the members subscribed to it', () => {
    const args = { members: [{ memberId: 'x', topics: ['a'], owned: [] }, { memberId: 'y', topics: ['a', 'b'], owned: [] }], partitions: { a: 2, b: 3 } }
    const out = range.assign(args)
    assertValid(args, out)
    expect(out.y!.filter((tp) => tp.topic === 'b')).toHaveLength(3)
  })
})

describe('roundRobin', () => {
  it('deals sorted partitions in turn across topics', () => {
    const out = roundRobin.assign({ members: members(3, ['a', 'b']), partitions: { b: 2, a: 3 } })
    expect(out.m0!.map(key)).toEqual(['a/0', 'b/0'])
    expect(out.m1!.map(key)).toEqual(['a/1', 'b/1'])
    expect(out.m2!.map(key)).toEqual(['a/2'])
  })

  it('skips a member not subscribed to a partition’s topic', () => {
    const args = { members: [{ memberId: 'x', topics: ['a'], owned: [] }, { memberId: 'y', topics: ['b'], owned: [] }], partitions: { a: 2, b: 2 } }
    const out = roundRobin.assign(args)
    assertValid(args, out)
    expect(out.x!.map(key)).toEqual(['a/0', 'a/1'])
    expect(out.y!.map(key)).toEqual(['b/0', 'b/1'])
  })
})

describe('cooperativeSticky', () => {
  const twelve = { t: 12 }
  const all = Array.from({ length: 12 }, (_, partition) => ({ topic: 't', partition }))

  it('moves only what a new member needs', () => {
    const owned = [all.slice(0, 6), all.slice(6)]
    const out = cooperativeSticky.assign({ members: members(3, ['t'], owned), partitions: twelve })
    for (const m of ['m0', 'm1', 'm2']) expect(out[m]).toHaveLength(4)
    // m0 and m1 keep 4 of their 6 each; only 4 partitions move, all to m2
    expect(out.m0!.every((tp) => owned[0]!.some((o) => key(o) === key(tp)))).toBe(true)
    expect(out.m1!.every((tp) => owned[1]!.some((o) => key(o) === key(tp)))).toBe(true)
  })

  it('hands a leaving member’s partitions to the others and moves nothing else', () => {
    const owned = [all.slice(0, 4), all.slice(4, 8)]
    const out = cooperativeSticky.assign({ members: members(2, ['t'], owned), partitions: twelve })
    expect(out.m0!.slice(0, 4)).toEqual(owned[0])
    expect(out.m1!.slice(0, 4)).toEqual(owned[1])
    expect(out.m0!.length + out.m1!.length).toBe(12)
    expect(spread(out)).toBe(0)
  })

  it('drops owned partitions that vanished, that the member no longer subscribes to, or that another member claimed first', () => {
    const args = {
      members: [
        { memberId: 'x', topics: ['a'], owned: [{ topic: 'a', partition: 0 }, { topic: 'a', partition: 9 }, { topic: 'b', partition: 0 }] },
        { memberId: 'y', topics: ['a', 'b'], owned: [{ topic: 'a', partition: 0 }, { topic: 'b', partition: 0 }] },
      ],
      partitions: { a: 2, b: 1 },
    }
    const out = cooperativeSticky.assign(args)
    assertValid(args, out)
    expect(out.x!.map(key)).toContain('a/0')
    expect(out.y!.map(key)).toContain('b/0')
  })
})

describe('every assignor', () => {
  it.each(ALL.map((a) => [a.name, a] as const))('%s balances N members over 12 partitions (max − min ≤ 1)', (_name, assignor) => {
    for (let n = 1; n <= 16; n++) {
      const args = { members: members(n, ['t']), partitions: { t: 12 } }
      const out = assignor.assign(args)
      assertValid(args, out)
      expect(spread(out), `${n} members`).toBeLessThanOrEqual(1)
    }
  })

  // Invariant: complete and disjoint for any members, subscriptions, partition counts and
  // (for sticky) any claimed ownership, including stale or duplicated claims.
  it.each(ALL.map((a) => [a.name, a] as const))('%s: assignments are complete and disjoint', (_name, assignor) => {
    const topic = fc.constantFrom('a', 'b', 'c')
    fc.assert(
      fc.property(
        fc.record({ a: fc.integer({ min: 1, max: 9 }), b: fc.integer({ min: 1, max: 9 }), c: fc.integer({ min: 1, max: 9 }) }),
        fc.array(fc.record({ topics: fc.uniqueArray(topic, { minLength: 1, maxLength: 3 }), owned: fc.array(fc.record({ topic, partition: fc.integer({ min: 0, max: 10 }) }), { maxLength: 6 }) }), { minLength: 1, maxLength: 7 }),
        (counts, ms) => {
          const list = ms.map((m, i) => ({ memberId: `m${i}`, topics: [...m.topics].sort(), owned: m.owned }))
          const subscribed = new Set<string>(list.flatMap((m) => m.topics))
          const partitions = Object.fromEntries(Object.entries(counts).filter(([t]) => subscribed.has(t)))
          const args = { members: list, partitions }
          assertValid(args, assignor.assign(args))
        },
      ),
      { numRuns: 200 },
    )
  })

  // Invariant: with equal subscriptions, roundRobin and cooperativeSticky balance across
  // several topics too (range balances per topic only, as Kafka's does).
  it.each([roundRobin, cooperativeSticky].map((a) => [a.name, a] as const))('%s balances several topics across equal subscriptions', (_name, assignor) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 }), (n, counts) => {
        const topics = counts.map((_, i) => `t${i}`)
        const args = { members: members(n, topics), partitions: Object.fromEntries(counts.map((c, i) => [`t${i}`, c])) }
        const out = assignor.assign(args)
        assertValid(args, out)
        expect(spread(out)).toBeLessThanOrEqual(1)
      }),
      { numRuns: 200 },
    )
  })
})

// Invariant: from any valid ownership, with equal subscriptions, cooperative sticky keeps the
// most partitions a balanced assignment can keep (the fewest move), and it is balanced.
describe('cooperativeSticky moves only what must move', () => {
  it('keeps the maximum number of owned partitions', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 8 }), (count, n, seed, newcomers) => {
        // A random valid ownership: each partition owned by a random member, or by nobody.
        let s = seed
        const rand = (k: number) => {
          s = (s * 1103515245 + 12345) & 0x7fffffff
          return s % k
        }
        const owned: TopicPartition[][] = Array.from({ length: n + newcomers }, () => [])
        for (let p = 0; p < count; p++) {
          const who = rand(n + 1)
          if (who < n) owned[who]!.push({ topic: 't', partition: p })
        }
        const list = members(n + newcomers, ['t'], owned)
        const out = cooperativeSticky.assign({ members: list, partitions: { t: count } })
        assertValid({ members: list, partitions: { t: count } }, out)
        expect(spread(out)).toBeLessThanOrEqual(1)
        const m = list.length
        const base = Math.floor(count / m)
        const extra = count % m
        // The best any balanced assignment can keep: the `extra` members owning most get base + 1.
        const sizes = owned.map((o) => o.length).sort((a, b) => b - a)
        const best = sizes.reduce((sum, o, i) => sum + Math.min(o, base + (i < extra ? 1 : 0)), 0)
        const kept = list.reduce((sum, mem) => sum + out[mem.memberId]!.filter((tp) => mem.owned.some((o) => key(o) === key(tp))).length, 0)
        expect(kept).toBe(best)
      }),
      { numRuns: 300 },
    )
  })
})
