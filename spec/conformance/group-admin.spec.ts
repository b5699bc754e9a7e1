// Group admin on the public Log, on both stores: listGroups, describeGroup, fetchOffsets,
// commitOffsets, resetOffsets (earliest, latest, offset, timestamp) and deleteGroup, each
// refused with NON_EMPTY_GROUP while the group has members, and none writing on failure.
import { describe, expect, it } from 'vitest'
import { KafketteError, ManualClock } from '../../lib/index.js'
import { stores } from '../helpers/stores.js'

describe.each(stores)('group admin on $name', (store) => {
  async function setup() {
    const clock = new ManualClock(1_000_000)
    const log = await store.makeLog({ clock })
    await log.createTopic('t', { partitions: 2 })
    const producer = log.producer()
    // partition 0: offsets 0..4 at times 100..500; partition 1: offsets 0..1 at 150, 450
    await producer.send('t', [100, 200, 300, 400, 500].map((timestamp, i) => ({ value: i, partition: 0, timestamp })))
    await producer.send('t', [150, 450].map((timestamp, i) => ({ value: i, partition: 1, timestamp })))
    return { log, clock }
  }

  it('lists groups with members or committed offsets, and describes them', async () => {
    const { log } = await setup()
    expect(await log.listGroups()).toEqual([])
    const d = await log.describeGroup('nobody')
    expect(d).toEqual({ groupId: 'nobody', state: 'Dead', generation: 0, protocolType: 'consumer', protocol: '', leaderId: null, members: [] })
    const c = log.consumer({ groupId: 'live', clientId: 'svc-a' })
    await c.subscribe('t')
    await log.commitOffsets('parked', [{ topic: 't', partition: 1, offset: 2, metadata: 'by hand' }])
    expect(await log.listGroups()).toEqual([
      { groupId: 'live', state: 'Stable', protocolType: 'consumer', members: 1 },
      { groupId: 'parked', state: 'Empty', protocolType: 'consumer', members: 0 },
    ])
    const live = await log.describeGroup('live')
    expect(live.members).toEqual([{ memberId: c.memberId, clientId: 'svc-a', topics: ['t'], assignment: [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }] }])
    expect((await log.describeGroup('parked')).state).toBe('Empty')
    expect(await log.fetchOffsets('parked')).toEqual([{ topic: 't', partition: 1, offset: 2, metadata: 'by hand' }])
    expect(await log.fetchOffsets('parked', ['other'])).toEqual([])
    expect(await log.fetchOffsets('never')).toEqual([])
    await log.close()
  })

  it('resets offsets to earliest, latest, an offset (clamped) or a timestamp', async () => {
    const { log } = await setup()
    expect(await log.resetOffsets('g', 't', { to: 'latest' })).toEqual([{ topic: 't', partition: 0, offset: 5 }, { topic: 't', partition: 1, offset: 2 }])
    expect((await log.fetchOffsets('g')).map((o) => o.offset)).toEqual([5, 2])
    expect(await log.resetOffsets('g', 't', { to: 'earliest' })).toEqual([{ topic: 't', partition: 0, offset: 0 }, { topic: 't', partition: 1, offset: 0 }])
    expect((await log.resetOffsets('g', 't', { to: 3 })).map((o) => o.offset)).toEqual([3, 2])
    expect((await log.resetOffsets('g', 't', { to: { timestamp: 250 } })).map((o) => o.offset)).toEqual([2, 1])
    expect((await log.resetOffsets('g', 't', { to: { timestamp: 0 } })).map((o) => o.offset)).toEqual([0, 0])
    expect((await log.resetOffsets('g', 't', { to: { timestamp: 10_000 } })).map((o) => o.offset)).toEqual([5, 2])
    // a consumer of the group starts where the reset put it
    await log.resetOffsets('g', 't', { to: { timestamp: 300 } })
    const c = log.consumer({ groupId: 'g' })
    await c.subscribe('t')
    expect(c.position()).toEqual([{ topic: 't', partition: 0, offset: 2 }, { topic: 't', partition: 1, offset: 1 }])
    await log.close()
  })

  it('refuses to change or delete a group with members (NON_EMPTY_GROUP), and writes nothing', async () => {
    const { log } = await setup()
    await log.commitOffsets('g', [{ topic: 't', partition: 0, offset: 1 }])
    const c = log.consumer({ groupId: 'g' })
    await c.subscribe('t')
    const before = await log.fetchOffsets('g')
    await expect(log.resetOffsets('g', 't', { to: 'earliest' })).rejects.toMatchObject({ code: 'NON_EMPTY_GROUP', context: { groupId: 'g' } })
    await expect(log.commitOffsets('g', [{ topic: 't', partition: 0, offset: 0 }])).rejects.toMatchObject({ code: 'NON_EMPTY_GROUP' })
    await expect(log.deleteGroup('g')).rejects.toMatchObject({ code: 'NON_EMPTY_GROUP' })
    expect(await log.fetchOffsets('g')).toEqual(before)
    await c.close()
    await log.resetOffsets('g', 't', { to: 'earliest' })
    await log.close()
  })

  it('deletes a group and its offsets; an unknown group is GROUP_ID_NOT_FOUND', async () => {
    const { log } = await setup()
    await log.commitOffsets('g', [{ topic: 't', partition: 0, offset: 4 }])
    await log.deleteGroup('g')
    expect(await log.fetchOffsets('g')).toEqual([])
    expect(await log.listGroups()).toEqual([])
    expect((await log.describeGroup('g')).state).toBe('Dead')
    await expect(log.deleteGroup('g')).rejects.toMatchObject({ code: 'GROUP_ID_NOT_FOUND' })
    // the group id is free again: a new consumer starts afresh
    const c = log.consumer({ groupId: 'g', fromBeginning: true })
    await c.subscribe('t')
    expect(c.position({ topic: 't', partition: 0 })).toBe(0)
    await c.close()
    if (store.durable) {
      const reopened = await store.reopen(log)
      expect((await reopened.fetchOffsets('g')).map((o) => o.offset)).toEqual([0, 0])
      await reopened.deleteGroup('g')
      const again = await store.reopen(reopened)
      expect(await again.listGroups()).toEqual([])
      await again.close()
    } else await log.close()
  })

  it('validates admin arguments before writing', async () => {
    const { log } = await setup()
    await expect(log.commitOffsets('g', [{ topic: 't', partition: 0, offset: 6 }])).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' })
    await expect(log.commitOffsets('g', [{ topic: 't', partition: 0, offset: 1 }, { topic: 't', partition: 1, offset: 3 }])).rejects.toBeInstanceOf(KafketteError)
    expect(await log.fetchOffsets('g')).toEqual([])
    await expect(log.commitOffsets('', [])).rejects.toMatchObject({ code: 'INVALID_GROUP_ID' })
    await expect(log.commitOffsets('g', [{ topic: 't', partition: 0, offset: 1, metadata: 5 as never }])).rejects.toBeInstanceOf(TypeError)
    await expect(log.resetOffsets('g', 'missing', { to: 'earliest' })).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' })
    await expect(log.resetOffsets('g', 't', { to: 'middle' as never })).rejects.toBeInstanceOf(TypeError)
    await expect(log.resetOffsets('g', 't', { to: -1 })).rejects.toBeInstanceOf(RangeError)
    await expect(log.resetOffsets('g', 't', { to: { timestamp: Number.NaN } })).rejects.toBeInstanceOf(RangeError)
    await expect(log.describeGroup(3 as never)).rejects.toBeInstanceOf(TypeError)
    await expect(log.fetchOffsets('g', 't' as never)).rejects.toBeInstanceOf(TypeError)
    expect(await log.listGroups()).toEqual([])
    await log.close()
    await expect(log.listGroups()).rejects.toMatchObject({ code: 'LOG_CLOSED' })
    await expect(log.describeGroup('g')).rejects.toMatchObject({ code: 'LOG_CLOSED' })
  })

  it('forgets offsets of a deleted topic; a topic recreated under the name starts without them', async () => {
    const { log } = await setup()
    await log.commitOffsets('g', [{ topic: 't', partition: 0, offset: 3 }])
    await log.deleteTopic('t')
    expect(await log.fetchOffsets('g')).toEqual([])
    expect(await log.listGroups()).toEqual([])
    await log.createTopic('t', { partitions: 1 })
    expect(await log.fetchOffsets('g')).toEqual([])
    await log.close()
  })
})
