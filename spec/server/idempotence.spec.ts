// Idempotent producers over the wire listener: InitProducerId gives the log's producer
// ids, and Produce hands each batch's producer id, epoch and base sequence to the log,
// which writes a retried batch once (answering with its first offset) and refuses a gap
// with OUT_OF_ORDER_SEQUENCE_NUMBER (45), as a Kafka broker does. kcat with
// enable.idempotence=true produces through it. Transactional ids are refused for now.
import { describe, expect, it } from 'vitest'
import { Writer } from '../../lib/server/protocol.js'
import { encodeBatch } from '../../lib/server/records.js'
import { crc32c } from '../../lib/util/crc32c.js'
import { run } from '../helpers/clients.js'
import { RawClient } from '../helpers/wire.js'
import { stores } from '../helpers/stores.js'

const body = (fill: (w: Writer) => void): Buffer => {
  const w = new Writer()
  fill(w)
  return Buffer.from(w.done())
}

/** A record batch v2 of `values` carrying a producer id, epoch and base sequence (its CRC-32C recomputed). */
function sequenced(values: string[], producerId: number, epoch: number, baseSequence: number): Buffer {
  const w = new Writer()
  encodeBatch(w, values.map((v, i) => ({ topic: 't', partition: 0, offset: i, key: null, value: Buffer.from(v), headers: {}, timestamp: 1000 })))
  const batch = Buffer.from(w.done())
  batch.writeBigInt64BE(BigInt(producerId), 43)
  batch.writeInt16BE(epoch, 51)
  batch.writeInt32BE(baseSequence, 53)
  batch.writeUInt32BE(crc32c(batch.subarray(21)), 17)
  return batch
}

describe.each(stores)('idempotent producers over the wire on $name', (store) => {
  it('InitProducerId gives a producer id; a retried batch is written once, a gap is refused', async () => {
    const log = await store.makeLog({ retentionCheckIntervalMs: 0 })
    await log.createTopic('t')
    const server = await log.listen({ port: 0 })
    const c = await RawClient.open(server.port)
    let correlation = 0
    const init = async (transactionalId: string | null) => {
      c.send(22, 1, ++correlation, body((w) => w.string(transactionalId).int32(60_000)))
      const r = (await c.read())!
      return { error: r.readInt16BE(8), producerId: Number(r.readBigInt64BE(10)), epoch: r.readInt16BE(18) }
    }
    const produce = async (batch: Buffer) => {
      c.send(0, 3, ++correlation, body((w) => w.string(null).int16(-1).int32(1000).array(['t'], (w, t) => w.string(t).array([0], (w, p) => w.int32(p).bytes(batch)))))
      const r = (await c.read())!
      // correlation id, topics[1]: name 't', partitions[1]: index, error, base offset
      const at = 4 + 4 + 2 + 1 + 4 + 4
      return { error: r.readInt16BE(at), baseOffset: Number(r.readBigInt64BE(at + 2)) }
    }
    const a = await init(null)
    const b = await init(null)
    expect(a).toMatchObject({ error: 0, epoch: 0 })
    expect(b.producerId).not.toBe(a.producerId)
    expect(await produce(sequenced(['a', 'b'], a.producerId, 0, 0))).toEqual({ error: 0, baseOffset: 0 })
    expect(await produce(sequenced(['x'], b.producerId, 0, 0))).toEqual({ error: 0, baseOffset: 2 })
    // the retry of a's first batch: its first offset again, nothing written
    expect(await produce(sequenced(['a', 'b'], a.producerId, 0, 0))).toEqual({ error: 0, baseOffset: 0 })
    expect(await produce(sequenced(['c'], a.producerId, 0, 2))).toEqual({ error: 0, baseOffset: 3 })
    expect(await produce(sequenced(['gap'], a.producerId, 0, 5))).toMatchObject({ error: 45 })
    expect(await produce(sequenced(['who'], a.producerId + 100, 0, 0))).toMatchObject({ error: 59 })
    expect((await init('tx')).error).toBe(42)
    expect((await log.describeTopic('t')).partitions[0]!.highWatermark).toBe(4)
    c.close()
    await server.close()
    await log.close()
  })
})

describe('kcat -X enable.idempotence=true', () => {
  it('produces through the listener, each message once', async () => {
    const log = await stores[1]!.makeLog({ retentionCheckIntervalMs: 0 })
    await log.createTopic('kcat-idem')
    const server = await log.listen({ port: 0 })
    await run('kcat', ['-b', `127.0.0.1:${server.port}`, '-P', '-t', 'kcat-idem', '-p', '0', '-X', 'enable.idempotence=true'], { input: 'one\ntwo\nthree\n' })
    const c = log.consumer({ fromBeginning: true })
    c.assign([{ topic: 'kcat-idem', partition: 0 }])
    const got = await c.poll({ maxRecords: 10, timeoutMs: 0 })
    expect(got.map((m) => Buffer.from(m.value as Uint8Array).toString())).toEqual(['one', 'two', 'three'])
    await c.close()
    await server.close()
    await log.close()
  })
})
