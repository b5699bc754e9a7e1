// log.close() with work in flight ends it cleanly: every send made before it is written
// (lingering, or still creating its topic), a send made once it started is rejected with
// LOG_CLOSED, consumers stop and commit what they processed, and nothing is left as an
// unhandled rejection (a send the application awaits only after close() included). Every
// call after close() throws LOG_CLOSED naming the log.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { KafketteError, ManualClock, openLog, type Log } from '../../lib/index.js'
import { stores } from '../helpers/stores.js'

let unhandled: unknown[] = []
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason)
}
beforeEach(() => {
  unhandled = []
  process.on('unhandledRejection', onUnhandled)
})
afterEach(() => {
  process.off('unhandledRejection', onUnhandled)
})

/** Lets pending rejections surface as 'unhandledRejection' (Node reports them after the microtask queue drains). */
const afterRejectionsSurface = () => new Promise((resolve) => setImmediate(resolve))

describe.each(stores)('close with work in flight, on $name', (store) => {
  it('writes the sends made before it, refuses those made after it started, and leaves no unhandled rejection', async () => {
    const clock = new ManualClock(0)
    const log = await store.makeLog({ clock, autoCreateTopics: true })
    await log.createTopic('t')
    const producer = log.producer()
    const lingering = log.producer({ lingerMs: 1000 })
    // awaited only after close(): a rejection here would surface as unhandled
    const queued = lingering.send('t', [{ value: 'lingering' }])
    const creating = producer.send('new-topic', [{ value: 'creating its topic' }])
    const closing = log.close()
    const late = producer.send('t', [{ value: 'after close() started' }]).catch((err: unknown) => err)
    await closing
    expect(await queued).toMatchObject([{ topic: 't', offset: 0 }])
    expect(await creating).toMatchObject([{ topic: 'new-topic', offset: 0 }])
    expect(await late).toMatchObject({ code: 'LOG_CLOSED' })
    await afterRejectionsSurface()
    expect(unhandled).toEqual([])
    if (store.durable) {
      const again = await store.reopen(log)
      expect((await again.describeTopic('new-topic')).partitions[0]!.highWatermark).toBe(1)
      expect((await again.describeTopic('t')).partitions[0]!.highWatermark).toBe(1)
      await again.close()
    }
  })

  it('stops a running consumer and commits what its handlers finished', async () => {
    const log = await store.makeLog()
    await log.createTopic('t')
    await log.producer().send('t', [{ value: 0 }, { value: 1 }, { value: 2 }])
    const consumer = log.consumer({ groupId: 'g', fromBeginning: true })
    await consumer.subscribe('t')
    let release!: () => void
    const inSecond = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          if (message.offset === 1) {
            resolve()
            await new Promise<void>((r) => (release = r))
          }
        },
      })
    })
    await inSecond
    const closing = log.close()
    release()
    await closing
    await afterRejectionsSurface()
    expect(unhandled).toEqual([])
    if (store.durable) {
      const again = await store.reopen(log)
      // the handler in flight finished before close went on: records 0 and 1 are committed
      expect(await again.fetchOffsets('g')).toEqual([{ topic: 't', partition: 0, offset: 2, metadata: null }])
      await again.close()
    }
  })

  it('throws LOG_CLOSED, naming the log, from every call after close()', async () => {
    const log = await store.makeLog()
    await log.createTopic('t')
    const producer = log.producer()
    const consumer = log.consumer({ groupId: 'g' })
    await log.close()
    const where = log.location
    const calls: Array<[string, () => unknown]> = [
      ['hasTopic', () => log.hasTopic('t')],
      ['listTopics', () => log.listTopics()],
      ['describeTopic', () => log.describeTopic('t')],
      ['createTopic', () => log.createTopic('u')],
      ['deleteTopic', () => log.deleteTopic('t')],
      ['createPartitions', () => log.createPartitions('t', 2)],
      ['alterTopicConfig', () => log.alterTopicConfig('t', { retentionMs: 1 })],
      ['offsetsForTimes', () => log.offsetsForTimes('t', 0)],
      ['deleteRecords', () => log.deleteRecords('t', [{ partition: 0, offset: 0 }])],
      ['enforceRetention', () => log.enforceRetention()],
      ['compact', () => log.compact()],
      ['producer', () => log.producer()],
      ['consumer', () => log.consumer()],
      ['listGroups', () => log.listGroups()],
      ['describeGroup', () => log.describeGroup('g')],
      ['fetchOffsets', () => log.fetchOffsets('g')],
      ['commitOffsets', () => log.commitOffsets('g', [])],
      ['resetOffsets', () => log.resetOffsets('g', 't', { to: 'earliest' })],
      ['deleteGroup', () => log.deleteGroup('g')],
      ['waitForGroup', () => log.waitForGroup('g')],
      ['producer.send', () => producer.send('t', [{ value: 1 }])],
      ['consumer.subscribe', () => consumer.subscribe('t')],
      ['consumer.poll', () => consumer.poll()],
    ]
    for (const [name, call] of calls) {
      let error: unknown
      try {
        await call()
      } catch (err) {
        error = err
      }
      expect(error, name).toBeInstanceOf(KafketteError)
      expect((error as KafketteError).code, name).toBe('LOG_CLOSED')
      expect((error as KafketteError).message, name).toContain(where)
      expect((error as KafketteError).context.log, name).toBe(where)
    }
  })

  it('closes with await using', async () => {
    let outside: Log | undefined
    {
      await using log = await store.makeLog()
      outside = log
      await using producer = log.producer()
      await producer.send('t', []).catch(() => undefined)
    }
    expect(outside.isClosed).toBe(true)
  })
})

describe('opening a directory twice in one process', () => {
  it('is LOG_LOCKED, not retriable, saying this process holds the directory and naming it; after close it opens', async () => {
    const { mkdtempSync, realpathSync, rmSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const dir = mkdtempSync(join(tmpdir(), 'kafkette-twice-'))
    try {
      const first = await openLog({ dir })
      const err = await openLog({ dir }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(KafketteError)
      expect(err).toMatchObject({ code: 'LOG_LOCKED', retriable: false })
      expect((err as Error).message).toContain(realpathSync(dir))
      expect((err as Error).message).toContain('this process')
      // two opens at once: one wins, the other is refused the same way
      await first.close()
      const both = await Promise.allSettled([openLog({ dir }), openLog({ dir })])
      const opened = both.filter((r): r is PromiseFulfilledResult<Log> => r.status === 'fulfilled')
      expect(opened).toHaveLength(1)
      expect(both.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'LOG_LOCKED' } })
      await opened[0]!.value.close()
      const reopened = await openLog({ dir })
      await reopened.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
