// Compaction removed 9 of 10 records of a key from a topic whose cleanupPolicy was
// 'delete', and kept a string key and the same bytes as a Uint8Array as two keys, though
// Kafka's keys are bytes. Now compact() refuses a topic that is not compacted
// (INVALID_CONFIG, nothing removed), and keys compare as the bytes Kafka would see: a
// string as its UTF-8.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compactionKey } from '../../lib/log/compaction-rules.js'
import { stores } from '../helpers/stores.js'
import { readPartition } from '../helpers/read.js'

describe.each(stores)('compaction on $name', (store) => {
  it('refuses a topic whose cleanupPolicy lacks compact, and removes nothing', async () => {
    const log = await store.makeLog({ retentionCheckIntervalMs: 0 })
    await log.createTopic('d', { config: { cleanupPolicy: 'delete' } })
    await log.producer().send('d', Array.from({ length: 10 }, (_, i) => ({ key: 'k', value: i })))
    await expect(log.compact('d')).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringMatching(/topic d has cleanupPolicy 'delete'/) })
    expect(await readPartition(log, 'd')).toHaveLength(10)
    // compact() with no topic takes only the compacted topics
    expect(await log.compact()).toEqual([])
    expect(await readPartition(log, 'd')).toHaveLength(10)
    await log.alterTopicConfig('d', { cleanupPolicy: 'compact,delete' })
    expect(await log.compact('d')).toMatchObject([{ topic: 'd', removedRecords: 9 }])
    await log.close()
  })

  it('compares keys as bytes: a string and its UTF-8 bytes are one key', async () => {
    const log = await store.makeLog({ retentionCheckIntervalMs: 0 })
    await log.createTopic('c', { config: { cleanupPolicy: 'compact' } })
    await log.producer().send('c', [
      { key: 'é', value: 1 },
      { key: Buffer.from('é', 'utf8'), value: 2 },
      { key: new Uint8Array([0xc3, 0xa9]), value: 3 },
      { key: 'e', value: 4 },
      { key: Buffer.from([0xe9]), value: 5 },
    ])
    await log.compact('c')
    expect((await readPartition(log, 'c')).map((m) => [m.offset, m.value])).toEqual([[2, 3], [3, 4], [4, 5]])
    await log.close()
  })
})

describe('compactionKey', () => {
  it('is one key exactly when the UTF-8 bytes are equal', () => {
    const key = fc.oneof(fc.string({ unit: 'grapheme' }), fc.uint8Array({ maxLength: 8 }))
    const bytes = (k: string | Uint8Array) => (typeof k === 'string' ? Buffer.from(k, 'utf8') : Buffer.from(k))
    fc.assert(
      fc.property(key, key, (a, b) => {
        expect(compactionKey(a) === compactionKey(b)).toBe(bytes(a).equals(bytes(b)))
      }),
    )
  })
})
