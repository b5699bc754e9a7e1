// The steps that move a log start: each step's stored log start is one past the last
// batch it deletes (so a process killed between steps leaves no batch below the stored
// log start), the steps delete exactly the batches below the target, and the time-index
// entries below it go along with the steps, all but the newest.
import { describe, expect, it } from 'vitest'
import { createTestLog } from '../../../lib/testing/index.js'
import type { CoreLog } from '../../../lib/log/log.js'
import { decodePartitionState, planLogStart } from '../../../lib/log/retention.js'
import { SPACE_PARTITION_STATE, SPACE_RECORDS, SPACE_TIME_INDEX, lastOffsetOf, parseTimeIndexKey, partitionTimeIndexRange } from '../../../lib/storage/keys.js'
import type { Store, StoreOp } from '../../../lib/storage/store.js'

describe('planLogStart', () => {
  it('stores, at each step, one past the last batch that step deletes, and prunes the time index along', async () => {
    const log = await createTestLog({ startMs: 1_000 })
    await log.createTopic('t')
    const producer = log.producer()
    for (let i = 0; i < 100; i++) {
      await producer.send('t', [{ value: i }])
      log.clock.advance(1) // a rising timestamp: one time-index entry per batch
    }
    const core = log as unknown as CoreLog & { store: Store }
    const part = core.requireTopic('t').partitions[0]!
    const indexBefore = (await core.store.keys(partitionTimeIndexRange(part.topicId, part.index))).map((k) => parseTimeIndexKey(k).lastOffset)
    expect(indexBefore).toHaveLength(100)

    const plan = await planLogStart(core.store, part, { offset: 80 })
    expect(plan.logStartOffset).toBe(80)
    expect(plan.batches).toBe(80)
    const deleted: number[] = []
    const pruned: number[] = []
    let from = 0
    for (const [i, step] of plan.steps.entries()) {
      const records = step.ops.filter((op) => op.key[0] === SPACE_RECORDS)
      const states = step.ops.filter((op) => op.key[0] === SPACE_PARTITION_STATE)
      expect(records.every((op) => op.type === 'del')).toBe(true)
      expect(records.length).toBeLessThanOrEqual(32)
      const offsets = records.map((op) => lastOffsetOf(op.key))
      expect(offsets).toEqual(Array.from({ length: offsets.length }, (_, j) => from + j))
      expect(states).toHaveLength(1)
      const stored = decodePartitionState((states[0] as Extract<StoreOp, { type: 'put' }>).value).logStartOffset
      expect(stored).toBe(i === plan.steps.length - 1 ? 80 : offsets[offsets.length - 1]! + 1)
      expect(step.logStartOffset).toBe(stored)
      for (const op of step.ops.filter((o) => o.key[0] === SPACE_TIME_INDEX)) {
        const entry = parseTimeIndexKey(op.key).lastOffset
        expect(entry).toBeLessThan(stored - 1) // the newest entry below the stored log start stays
        pruned.push(entry)
      }
      deleted.push(...offsets)
      from = stored
    }
    expect(deleted).toEqual(Array.from({ length: 80 }, (_, j) => j))
    expect(pruned).toEqual(Array.from({ length: 79 }, (_, j) => j))
    await log.close()
  })

  it('moves on past the target while the partition holds more than maxBytes', async () => {
    const log = await createTestLog()
    await log.createTopic('t')
    const producer = log.producer()
    for (let i = 0; i < 10; i++) await producer.send('t', [{ value: 'x'.repeat(100) }])
    const core = log as unknown as CoreLog & { store: Store }
    const part = core.requireTopic('t').partitions[0]!
    const size = (await log.describeTopic('t')).partitions[0]!.sizeBytes
    const plan = await planLogStart(core.store, part, { offset: 2, maxBytes: Math.ceil((size * 3) / 10) })
    expect(plan.logStartOffset).toBe(7)
    expect(plan.freed).toBe(size - (size / 10) * 3)
    await log.close()
  })
})
