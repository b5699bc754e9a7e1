// Regression: while an automatic commit waited on a slow store write, every poll, batch
// and timer tick queued another commit of the same offsets behind it, so a slow disk
// turned into a growing queue of redundant writes and consumers fell behind. Invariant:
// at most one automatic commit of a consumer is under way; calls meanwhile share it.
import { describe, expect, it } from 'vitest'
import { delayNextWrites } from '../../lib/testing/index.js'
import { createTestLog } from '../../lib/testing/index.js'
import { ticks, until } from '../helpers/groups.js'

describe('automatic commits behind a slow write', () => {
  it('share the commit under way instead of queueing more', async () => {
    const log = await createTestLog({ startMs: 1_000 })
    await log.createTopic('t')
    await log.producer().send('t', Array.from({ length: 20 }, (_, i) => ({ value: i })))
    const c = log.consumer({ groupId: 'g', fromBeginning: true, autoCommitIntervalMs: 0, maxPollRecords: 1 })
    await c.subscribe('t')
    let commits = 0
    c.on('commit', () => commits++)
    delayNextWrites(log, 1, 1_000)
    for (let i = 0; i < 10; i++) await c.poll({ timeoutMs: 0 })
    await ticks(5)
    expect(commits).toBe(0)
    log.clock.advance(1_000)
    await until(() => commits >= 1, 'the delayed commit')
    await ticks(10)
    // the delayed commit, then at most one more for what was processed meanwhile
    expect(commits).toBeGreaterThanOrEqual(1)
    expect(commits).toBeLessThanOrEqual(2)
    await c.poll({ timeoutMs: 0 })
    await until(async () => (await log.fetchOffsets('g'))[0]!.offset >= 9, 'the offsets processed meanwhile committed')
    await log.close()
  })
})
