// Isolation levels over the wire listener: a read_committed Fetch reads up to the last
// stable offset and never returns a record of an aborted transaction; read_uncommitted
// reads every record up to the high watermark; neither returns transaction markers, and a
// partition whose end is markers or aborted records is still read to its end. ListOffsets'
// latest offset is the last stable offset for read_committed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Log, WireListener } from '../../lib/index.js'
import { Writer } from '../../lib/server/protocol.js'
import { jsonLines, PYTHON, run, wireFixture } from '../helpers/clients.js'
import { RawClient } from '../helpers/wire.js'
import { stores } from '../helpers/stores.js'

const body = (fill: (w: Writer) => void): Buffer => {
  const w = new Writer()
  fill(w)
  return Buffer.from(w.done())
}

/**
 * Partition 0 of `t`: c1 (committed) 0, marker 1, p1 (no transaction) 2, a1 (aborted) 3,
 * marker 4, o1 (left open) 5, p2 6, c2 (committed) 7, marker 8: the last stable offset is
 * 5, the high watermark 9.
 */
async function fill(log: Log): Promise<void> {
  await log.createTopic('t')
  const plain = log.producer()
  const committing = log.producer({ transactionalId: 'committing' })
  let tx = await committing.transaction()
  await tx.send('t', [{ value: 'c1', partition: 0 }])
  await tx.commit()
  await plain.send('t', [{ value: 'p1', partition: 0 }])
  const aborting = log.producer({ transactionalId: 'aborting' })
  const ab = await aborting.transaction()
  await ab.send('t', [{ value: 'a1', partition: 0 }])
  await ab.abort()
  const open = await log.producer({ transactionalId: 'open' }).transaction()
  await open.send('t', [{ value: 'o1', partition: 0 }])
  await plain.send('t', [{ value: 'p2', partition: 0 }])
  tx = await committing.transaction()
  await tx.send('t', [{ value: 'c2', partition: 0 }])
  await tx.commit()
}

const COMMITTED = [
  { offset: 0, value: 'c1' },
  { offset: 2, value: 'p1' },
]
const UNCOMMITTED = [
  { offset: 0, value: 'c1' },
  { offset: 2, value: 'p1' },
  { offset: 3, value: 'a1' },
  { offset: 5, value: 'o1' },
  { offset: 6, value: 'p2' },
  { offset: 7, value: 'c2' },
]

describe.each(stores)('isolation levels over the wire on $name', (store) => {
  it('Fetch reports the last stable offset; ListOffsets latest is it for read_committed, the high watermark otherwise', async () => {
    const log = await store.makeLog({ retentionCheckIntervalMs: 0 })
    await fill(log)
    const server = await log.listen({ port: 0 })
    const c = await RawClient.open(server.port)
    let correlation = 0
    const latest = async (isolation: number) => {
      c.send(2, 2, ++correlation, body((w) => w.int32(-1).int8(isolation).array(['t'], (w, t) => w.string(t).array([0], (w, p) => w.int32(p).int64(-1)))))
      const r = (await c.read())!
      // correlation id, throttle, topics[1]: name 't', partitions[1]: index, error, timestamp, offset
      const at = 4 + 4 + 4 + 3 + 4 + 4
      return { error: r.readInt16BE(at), offset: Number(r.readBigInt64BE(at + 10)) }
    }
    expect(await latest(1)).toEqual({ error: 0, offset: 5 })
    expect(await latest(0)).toEqual({ error: 0, offset: 9 })
    const fetch = async (isolation: number, offset: number) => {
      c.send(1, 4, ++correlation, body((w) => w.int32(-1).int32(0).int32(1).int32(1 << 20).int8(isolation).array(['t'], (w, t) => w.string(t).array([0], (w, p) => w.int32(p).int64(offset).int32(1 << 20)))))
      const r = (await c.read())!
      const at = 4 + 4 + 4 + 3 + 4 + 4
      return { error: r.readInt16BE(at), highWatermark: Number(r.readBigInt64BE(at + 2)), lastStableOffset: Number(r.readBigInt64BE(at + 10)), recordBytes: r.readInt32BE(at + 22) }
    }
    expect(await fetch(1, 0)).toMatchObject({ error: 0, highWatermark: 9, lastStableOffset: 5 })
    // At the last stable offset a read_committed fetch has nothing yet; read_uncommitted has o1.
    expect(await fetch(1, 5)).toMatchObject({ error: 0, lastStableOffset: 5, recordBytes: 0 })
    expect((await fetch(0, 5)).recordBytes).toBeGreaterThan(0)
    c.close()
    await server.close()
    await log.close()
  })
})

describe('real clients at each isolation level', () => {
  let log: Log
  let server: WireListener
  let bootstrap: string
  beforeAll(async () => {
    log = await stores[0]!.makeLog({ retentionCheckIntervalMs: 0 })
    await fill(log)
    server = await log.listen({ port: 0 })
    bootstrap = `127.0.0.1:${server.port}`
  })
  afterAll(async () => {
    await server.close()
    await log.close()
  })

  it('KafkaJS read_committed (its default) sees committed records only, read_uncommitted every record', async () => {
    const committed = await run(process.execPath, [wireFixture('isolation.mjs'), bootstrap, 't', 'read_committed', '5'])
    expect(jsonLines(committed.stdout)).toEqual(COMMITTED)
    const all = await run(process.execPath, [wireFixture('isolation.mjs'), bootstrap, 't', 'read_uncommitted', '9'])
    expect(jsonLines(all.stdout)).toEqual(UNCOMMITTED)
  })

  it('confluent-kafka read_committed (its default) reads to the last stable offset, read_uncommitted to the high watermark', async () => {
    expect(jsonLines((await run(PYTHON, [wireFixture('isolation.py'), bootstrap, 't', 'read_committed'])).stdout)).toEqual(COMMITTED)
    expect(jsonLines((await run(PYTHON, [wireFixture('isolation.py'), bootstrap, 't', 'read_uncommitted'])).stdout)).toEqual(UNCOMMITTED)
  })

  it('kcat -e (read_committed by default) reaches the end past the trailing marker', async () => {
    const { stdout } = await run('kcat', ['-b', bootstrap, '-C', '-t', 't', '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o:%s\n', '-X', 'isolation.level=read_uncommitted'])
    expect(stdout.trim().split('\n')).toEqual(UNCOMMITTED.map((m) => `${m.offset}:${m.value}`))
  })
})
