// A full disk fails writes with the retriable LOG_IO_ERROR and nothing is half-written;
// once space returns the next write succeeds, without reopening the log: on disk the
// store reopens LevelDB itself (LevelDB refuses every write after one failed). The full
// disk is simulated at the store (kafkette/testing simulateFullDisk) so the spec runs
// anywhere; scripts/full-disk.mjs does the same on a real 2 MB tmpfs (root on Linux).
import { describe, expect, it } from 'vitest'
import { KafketteError } from '../../lib/index.js'
import { simulateFullDisk } from '../../lib/testing/index.js'
import { readPartition } from '../helpers/read.js'
import { stores } from '../helpers/stores.js'

describe.each(stores)('a full disk on $name', (store) => {
  it('fails sends while full, and takes them again once space is freed, offsets dense', async () => {
    const log = await store.makeLog({ retentionCheckIntervalMs: 0 })
    await log.createTopic('t')
    const p = log.producer()
    await p.send('t', [{ value: 'before' }])
    simulateFullDisk(log)
    for (let i = 0; i < 3; i++) {
      const err = await p.send('t', [{ value: `lost ${i}` }]).then(() => undefined, (e: unknown) => e as KafketteError)
      expect(err).toBeInstanceOf(KafketteError)
      expect(err).toMatchObject({ code: 'LOG_IO_ERROR', retriable: true })
    }
    expect((await log.describeTopic('t')).partitions[0]!.highWatermark).toBe(1)
    // reads go on while the disk is full
    expect((await readPartition(log, 't')).map((m) => m.value)).toEqual(['before'])
    simulateFullDisk(log, false)
    const [meta] = await p.send('t', [{ value: 'after' }])
    expect(meta!.offset).toBe(1)
    await log.createTopic('u')
    expect((await readPartition(log, 't')).map((m) => [m.offset, m.value])).toEqual([[0, 'before'], [1, 'after']])
    expect((await log.verify()).ok).toBe(true)
    if (store.durable) {
      const again = await store.reopen(log)
      expect((await readPartition(again, 't')).map((m) => m.value)).toEqual(['before', 'after'])
      await again.close()
    } else await log.close()
  })
})
