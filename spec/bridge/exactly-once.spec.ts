// bridge 'out' with exactlyOnce against librdkafka's mock cluster with KafkaJS 2.2.4: each
// step is one cluster transaction holding the records and then the progress; the progress
// lives on the cluster, so a restart resumes from it whatever the local group says.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { bridge, type Bridge } from '../../lib/bridge/index.js'
import type { Log } from '../../lib/index.js'
import { kafkaFor, nextEvent, readCluster, startMockCluster, type MockCluster } from '../helpers/cluster.js'
import { memory } from '../helpers/stores.js'

let cluster: MockCluster
const open: Array<Bridge | Log> = []

beforeEach(async () => {
  cluster = await startMockCluster({ brokers: 3, topics: [{ name: 'orders', partitions: 2 }, { name: 'eo.kafkette-progress', partitions: 1 }] })
})
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await ('lag' in x ? x.stop() : x.close())
  await cluster.stop()
})

async function caughtUp(b: Bridge, log: Log): Promise<void> {
  const want = (await log.describeTopic('orders')).partitions.map((p) => p.highWatermark)
  const done = (): boolean => want.every((hw, p) => (b.lag().find((l) => l.partition === p)?.offset ?? -1) >= hw)
  if (!done()) await nextEvent(b, 'progress', done)
}

describe('bridge out, exactly once', () => {
  it('keeps its progress on the cluster, in the transaction of the records, and resumes from it', async () => {
    const log = await memory.makeLog()
    open.push(log)
    await log.createTopic('orders', { partitions: 2 })
    const kafka = kafkaFor(cluster)
    const send = (from: number, n: number) => log.producer().send('orders', Array.from({ length: n }, (_, i) => ({ key: `k${from + i}`, value: String(from + i) })))
    await send(0, 40)
    const first = bridge({ log, kafka, topics: ['orders'], direction: 'out', name: 'eo', exactlyOnce: true })
    await first.start()
    await caughtUp(first, log)
    await first.stop()

    // Progress records: the latest per partition says where the next step starts.
    const progress = await readCluster(kafka, 'eo.kafkette-progress')
    const latest = new Map<string, number>()
    for (const r of progress) {
      const key = r.message.key!.toString()
      if (key.startsWith('offset:')) latest.set(key, (JSON.parse(r.message.value!.toString()) as { offset: number }).offset)
    }
    const hws = (await log.describeTopic('orders')).partitions.map((p) => p.highWatermark)
    expect(Object.fromEntries(latest)).toEqual({ 'offset:orders/0': hws[0], 'offset:orders/1': hws[1] })

    // The local group is only a view of the lag: moved back, it does not make the bridge send again.
    await log.resetOffsets('eo', 'orders', { to: 'earliest' })
    await send(40, 20)
    const second = bridge({ log, kafka, topics: ['orders'], direction: 'out', name: 'eo', exactlyOnce: true })
    open.push(second)
    await second.start()
    await caughtUp(second, log)
    const values = (await readCluster(kafka, 'orders')).map((r) => Number(r.message.value!.toString()))
    expect(values.sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i))
    expect((await log.fetchOffsets('eo', ['orders'])).map((c) => c.offset)).toEqual(hws.map((_, p) => second.lag()[p]!.highWatermark))
  })
})
