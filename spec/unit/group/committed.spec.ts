// lib/group/committed.ts: committed offsets live in the group-offsets space (0x04 · groupId ·
// topicId · partition → { offset, metadata }); a commit of many partitions is one store
// write; reads come from a cache filled once per group; offsets of deleted topics are not
// reported; groupIds() finds every group with an offset on a live topic.
import { describe, expect, it } from 'vitest'
import { openLog } from '../../../lib/index.js'
import { CommittedOffsets } from '../../../lib/group/committed.js'
import { decodeValue } from '../../../lib/storage/batch-codec.js'
import { groupOffsetKey, groupOffsetsRange } from '../../../lib/storage/keys.js'

async function setup() {
  const log = await openLog({ memory: true })
  await log.createTopic('a', { partitions: 2 })
  await log.createTopic('b', { partitions: 1 })
  const parts = [...log.requireTopic('a').partitions, ...log.requireTopic('b').partitions]
  return { log, parts, offsets: new CommittedOffsets(log) }
}

describe('CommittedOffsets', () => {
  it('writes a commit of many partitions as one store write, under the group-offsets keys', async () => {
    const { log, parts, offsets } = await setup()
    const writes: number[] = []
    const write = log.store.write.bind(log.store)
    log.store.write = async (ops, sync) => {
      writes.push(ops.length)
      return write(ops, sync)
    }
    await offsets.commit('g', [
      { part: parts[0]!, offset: 0, metadata: null },
      { part: parts[1]!, offset: 0, metadata: 'm' },
      { part: parts[2]!, offset: 0, metadata: null },
    ])
    expect(writes).toEqual([3])
    const stored = await log.store.get(groupOffsetKey('g', parts[1]!.topicId, 1))
    expect(decodeValue(stored!)).toEqual({ offset: 0, metadata: 'm' })
    expect(await log.store.keys(groupOffsetsRange('g'))).toHaveLength(3)
    await log.close()
  })

  it('reads a group once into its cache, and lists live topics only, sorted', async () => {
    const { log, parts, offsets } = await setup()
    await offsets.commit('g', [{ part: parts[2]!, offset: 0, metadata: null }, { part: parts[1]!, offset: 0, metadata: null }])
    const fresh = new CommittedOffsets(log)
    await fresh.load('g')
    expect(fresh.get('g', parts[2]!)).toEqual({ offset: 0, metadata: null })
    expect(fresh.get('g', parts[0]!)).toBeUndefined()
    expect((await fresh.list('g')).map((o) => `${o.topic}/${o.partition}`)).toEqual(['a/1', 'b/0'])
    await log.deleteTopic('b')
    expect((await fresh.list('g')).map((o) => `${o.topic}/${o.partition}`)).toEqual(['a/1'])
    await log.close()
  })

  it('finds every group with an offset on a live topic, and deletes a group in one write', async () => {
    const { log, parts, offsets } = await setup()
    for (const g of ['x', 'y', 'z']) await offsets.commit(g, [{ part: parts[g === 'y' ? 2 : 0]!, offset: 0, metadata: null }])
    expect(await offsets.groupIds()).toEqual(['x', 'y', 'z'])
    await log.deleteTopic('b')
    expect(await offsets.groupIds()).toEqual(['x', 'z'])
    await offsets.delete('x')
    expect(await offsets.groupIds()).toEqual(['z'])
    expect(await offsets.list('x')).toEqual([])
    await log.close()
  })

  it('applies the commits of one group in call order', async () => {
    const { log, parts, offsets } = await setup()
    await Promise.all(Array.from({ length: 20 }, (_, i) => offsets.commit('g', [{ part: parts[0]!, offset: 0, metadata: String(i) }])))
    expect(offsets.get('g', parts[0]!)!.metadata).toBe('19')
    const fresh = new CommittedOffsets(log)
    await fresh.load('g')
    expect(fresh.get('g', parts[0]!)!.metadata).toBe('19')
    await log.close()
  })
})
