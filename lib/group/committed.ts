// Committed offsets: the group-offsets space (0x04 · groupId · topicId · partition →
// { offset, metadata }) and a cache of the groups read so far. The only writer of that
// space; a commit of many partitions is one store write, applied to the cache after it.
import { decodeValue, encodeValue } from '../storage/batch-codec.js'
import { groupOffsetKey, groupOffsetsRange, parseGroupOffsetKey, spaceRange, SPACE_GROUP_OFFSETS } from '../storage/keys.js'
import type { StoreOp } from '../storage/store.js'
import type { CoreLog } from '../log/log.js'
import type { Partition } from '../log/partition.js'

/** A committed offset: the next offset the group reads, and the metadata string committed with it. */
export interface CommittedOffset {
  offset: number
  metadata: string | null
}

/** One committed offset of a group, as fetchOffsets reports it. */
export interface GroupOffset extends CommittedOffset {
  topic: string
  partition: number
}

/** One offset to commit. */
export interface OffsetToCommit {
  part: Partition
  offset: number
  metadata: string | null
}

function cacheKey(topicId: number, partition: number): string {
  return `${topicId}:${partition}`
}

/** The committed offsets of every group of one log. */
export class CommittedOffsets {
  private readonly groups = new Map<string, Map<string, CommittedOffset>>()
  private readonly loading = new Map<string, Promise<Map<string, CommittedOffset>>>()
  private readonly chains = new Map<string, Promise<unknown>>()

  constructor(private readonly log: CoreLog) {}

  /** Reads a group's committed offsets into the cache (once). */
  async load(groupId: string): Promise<void> {
    await this.offsetsOf(groupId)
  }

  private offsetsOf(groupId: string): Promise<Map<string, CommittedOffset>> {
    const cached = this.groups.get(groupId)
    if (cached) return Promise.resolve(cached)
    let pending = this.loading.get(groupId)
    if (!pending) {
      pending = (async () => {
        const map = new Map<string, CommittedOffset>()
        const it = this.log.store.iterator(groupOffsetsRange(groupId))
        try {
          for (;;) {
            const entries = await it.nextv(256)
            if (entries.length === 0) break
            for (const [key, value] of entries) {
              const { topicId, partition } = parseGroupOffsetKey(key)
              const v = decodeValue<CommittedOffset>(value)
              map.set(cacheKey(topicId, partition), { offset: v.offset, metadata: v.metadata ?? null })
            }
          }
        } finally {
          await it.close()
        }
        this.groups.set(groupId, map)
        return map
      })().finally(() => this.loading.delete(groupId))
      this.loading.set(groupId, pending)
    }
    return pending
  }

  /** The committed offset of a partition, from the cache (load() the group first). */
  get(groupId: string, part: Partition): CommittedOffset | undefined {
    return this.groups.get(groupId)?.get(cacheKey(part.topicId, part.index))
  }

  /** Every committed offset of a group on a topic that still exists, by topic then partition. */
  async list(groupId: string): Promise<GroupOffset[]> {
    const map = await this.offsetsOf(groupId)
    const names = new Map<number, string>()
    for (const t of this.log.topics.values()) names.set(t.id, t.name)
    const out: GroupOffset[] = []
    for (const [k, v] of map) {
      const [topicId, partition] = k.split(':').map(Number) as [number, number]
      const topic = names.get(topicId)
      if (topic === undefined || partition >= this.log.topics.get(topic)!.partitions.length) continue
      out.push({ topic, partition, offset: v.offset, metadata: v.metadata })
    }
    return out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
  }

  /** True when the group has a committed offset on a topic that still exists. */
  async has(groupId: string): Promise<boolean> {
    return (await this.list(groupId)).length > 0
  }

  /** Writes offsets (already validated) in one store write, then updates the cache. Commits of one group apply in call order. */
  commit(groupId: string, offsets: readonly OffsetToCommit[]): Promise<void> {
    return this.serial(groupId, async () => {
      const map = await this.offsetsOf(groupId)
      if (offsets.length === 0) return
      const ops: StoreOp[] = offsets.map((o) => ({
        type: 'put',
        key: groupOffsetKey(groupId, o.part.topicId, o.part.index),
        value: encodeValue({ offset: o.offset, metadata: o.metadata }),
      }))
      await this.log.store.write(ops, this.log.options.sync ?? false)
      for (const o of offsets) map.set(cacheKey(o.part.topicId, o.part.index), { offset: o.offset, metadata: o.metadata })
    })
  }

  /**
   * The puts of committing offsets (already validated), for a caller that adds them to
   * its own store write (a transaction's commit), and what updates the cache after it.
   */
  async prepare(groupId: string, offsets: readonly OffsetToCommit[]): Promise<{ ops: StoreOp[]; applied: () => void }> {
    const map = await this.offsetsOf(groupId)
    const ops: StoreOp[] = offsets.map((o) => ({
      type: 'put',
      key: groupOffsetKey(groupId, o.part.topicId, o.part.index),
      value: encodeValue({ offset: o.offset, metadata: o.metadata }),
    }))
    return {
      ops,
      applied: () => {
        for (const o of offsets) map.set(cacheKey(o.part.topicId, o.part.index), { offset: o.offset, metadata: o.metadata })
      },
    }
  }

  /** Deletes every committed offset of a group in one store write. */
  delete(groupId: string): Promise<void> {
    return this.serial(groupId, async () => {
      const keys = await this.log.store.keys(groupOffsetsRange(groupId))
      if (keys.length > 0) await this.log.store.write(keys.map((key) => ({ type: 'del', key })), this.log.options.sync ?? false)
      this.groups.set(groupId, new Map())
    })
  }

  /** Every group id with a committed offset on a topic that still exists (one seek per group, plus its keys). */
  async groupIds(): Promise<string[]> {
    const live = new Set<number>()
    for (const t of this.log.topics.values()) live.add(t.id)
    const out: string[] = []
    const space = spaceRange(SPACE_GROUP_OFFSETS)
    let from = space.gte
    for (;;) {
      const first = await this.log.store.first({ gte: from, lt: space.lt })
      if (!first) break
      const { groupId } = parseGroupOffsetKey(first[0])
      const range = groupOffsetsRange(groupId)
      const keys = await this.log.store.keys(range)
      if (keys.some((k) => live.has(parseGroupOffsetKey(k).topicId))) out.push(groupId)
      from = range.lt
    }
    return out
  }

  private serial<T>(groupId: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.chains.get(groupId) ?? Promise.resolve()).then(fn)
    const tail = run.catch(() => undefined)
    this.chains.set(groupId, tail)
    void tail.then(() => {
      if (this.chains.get(groupId) === tail) this.chains.delete(groupId)
    })
    return run
  }
}
