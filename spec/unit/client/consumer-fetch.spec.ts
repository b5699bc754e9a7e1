// A consumer shares the log's fetch budget among the partitions it reads: what it
// fetches waits decoded in memory, so eight partitions must not each hold a full one.
import { describe, expect, it } from 'vitest'
import { createTestLog } from '../../../lib/testing/index.js'
import { FETCH_BYTES, type CoreLog } from '../../../lib/log/log.js'

describe('consumer fetches', () => {
  it('ask the store for the fetch budget divided by the partitions assigned', async () => {
    const log = await createTestLog()
    await log.createTopic('t', { partitions: 8 })
    await log.createTopic('one')
    const p = log.producer()
    for (let i = 0; i < 8; i++) await p.send('t', { value: i, partition: i })
    await p.send('one', { value: 'x' })
    const core = log as unknown as CoreLog
    const asked: number[] = []
    const fetch = core.fetch.bind(core)
    core.fetch = (part, offset, max, minBytes) => {
      asked.push(minBytes ?? -1)
      return fetch(part, offset, max, minBytes)
    }
    const eight = log.consumer({ fromBeginning: true })
    eight.assign(Array.from({ length: 8 }, (_, partition) => ({ topic: 't', partition })))
    let got = 0
    while (got < 8) got += (await eight.poll({ timeoutMs: 0 })).length
    expect(asked.length).toBeGreaterThanOrEqual(8)
    expect(new Set(asked)).toEqual(new Set([FETCH_BYTES / 8]))
    asked.length = 0
    const single = log.consumer({ fromBeginning: true })
    single.assign([{ topic: 'one', partition: 0 }])
    expect(await single.poll({ timeoutMs: 0 })).toHaveLength(1)
    expect(asked).toEqual([FETCH_BYTES])
    await log.close()
  })
})
