// Every option object is checked before anything happens: an unknown key (with the
// right spelling when one is close) or a value of the wrong type is a TypeError naming
// it; a partitioner or an assignor that throws is a CALLBACK_ERROR carrying the cause.
import { describe, expect, it } from 'vitest'
import { KafketteError, openLog, type Assignor } from '../../lib/index.js'
import { stores, tempDir } from '../helpers/stores.js'

async function rejection(p: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection')
}

describe('openLog options', () => {
  it('refuses a wrong type and an unknown key, suggesting the spelling', async () => {
    expect(await rejection(openLog({ memory: true, autoCreateTopics: 'no' as never }))).toEqual(new TypeError('openLog: autoCreateTopics must be a boolean, got the string "no"'))
    expect(String(await rejection(openLog({ memory: true, retentionCheckIntervalMS: 5 } as never)))).toMatch(/unknown option "retentionCheckIntervalMS" \(did you mean "retentionCheckIntervalMs"\?\)/)
    expect(String(await rejection(openLog({ memory: true, clock: {} as never })))).toMatch(/clock must be a Clock/)
    expect(String(await rejection(openLog({ memory: true, compactionPriority: 1 as never })))).toMatch(/compactionPriority must be a string/)
  })

  it('on disk, refuses before creating the directory', async () => {
    const dir = `${tempDir()}/not-yet`
    await rejection(openLog({ dir, autoCreateTopics: 'no' as never }))
    await expect(import('node:fs').then((fs) => fs.existsSync(dir))).resolves.toBe(false)
  })
})

describe.each(stores)('client options on $name', (store) => {
  it('producer, consumer, retry, poll, run and createTopic refuse unknown keys and wrong types', async () => {
    const log = await store.makeLog()
    await log.createTopic('t')
    expect(() => log.producer({ lingerMS: 5 } as never)).toThrow(/producer: unknown option "lingerMS" \(did you mean "lingerMs"\?\)/)
    expect(() => log.producer({ sync: 1 } as never)).toThrow(new TypeError('producer: sync must be a boolean, got number 1'))
    expect(() => log.consumer({ groupID: 'g' } as never)).toThrow(/consumer: unknown option "groupID" \(did you mean "groupId"\?\)/)
    expect(() => log.consumer({ groupId: 'g', retry: { retrys: 3 } } as never)).toThrow(/consumer: retry: unknown option "retrys" \(did you mean "retries"\?\)/)
    expect(() => log.consumer({ fromBeginning: 'yes' } as never)).toThrow(TypeError)
    const c = log.consumer({})
    c.assign([{ topic: 't', partition: 0 }])
    expect(String(await rejection(c.poll({ timeout: 5 } as never)))).toMatch(/poll: unknown option "timeout" \(did you mean "timeoutMs"\?\)/)
    const g = log.consumer({ groupId: 'g' })
    await g.subscribe(['t'])
    expect(String(await rejection(g.run({ eachMesage: async () => undefined } as never)))).toMatch(/run: unknown option "eachMesage" \(did you mean "eachMessage"\?\)/)
    expect(String(await rejection(log.createTopic('u', { partition: 3 } as never)))).toMatch(/createTopic: unknown option "partition" \(did you mean "partitions"\?\)/)
    expect(await log.listTopics()).toEqual(['t'])
    expect(String(await rejection(log.resetOffsets('h', 't', { to: 'earliest', force: true } as never)))).toMatch(/resetOffsets: unknown option "force"/)
    const err = await rejection(log.createTopic('u', { config: { retentionms: 5 } as never }))
    expect(err).toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringMatching(/unknown topic config key "retentionms" \(did you mean "retentionMs"\?\)/) })
    await log.close()
  })

  it('a partitioner that throws is a CALLBACK_ERROR carrying the cause, and nothing is written', async () => {
    const log = await store.makeLog()
    await log.createTopic('t', { partitions: 2 })
    const boom = new Error('no partition for you')
    const p = log.producer({ partitioner: () => { throw boom } })
    const err = (await rejection(p.send('t', [{ key: 'a', value: 1 }]))) as KafketteError
    expect(err).toBeInstanceOf(KafketteError)
    expect(err.code).toBe('CALLBACK_ERROR')
    expect(err.retriable).toBe(false)
    expect(err.cause).toBe(boom)
    expect(err.message).toMatch(/the partitioner threw .*no partition for you/)
    expect((await log.describeTopic('t')).partitions.map((x) => x.highWatermark)).toEqual([0, 0])
    await log.close()
  })

  it('an assignor that throws is a CALLBACK_ERROR carrying the cause, from subscribe', async () => {
    const log = await store.makeLog()
    await log.createTopic('t')
    const boom = new Error('cannot assign')
    const assignor: Assignor = { name: 'boom', protocol: 'eager', assign: () => { throw boom } }
    const c = log.consumer({ groupId: 'g', assignor })
    const err = (await rejection(c.subscribe(['t']))) as KafketteError
    expect(err).toBeInstanceOf(KafketteError)
    expect(err).toMatchObject({ code: 'CALLBACK_ERROR', retriable: false, message: 'CALLBACK_ERROR: assignor boom threw: cannot assign' })
    expect(err.cause).toBe(boom)
    await log.close()
  })
})
