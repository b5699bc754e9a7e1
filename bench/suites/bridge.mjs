// The bridge's throughput ('out', at-least-once and exactly-once) against a plain KafkaJS
// producer sending the same records to the same endpoint, librdkafka's mock cluster
// (tools/mock-cluster), in the same rounds: the producer is the bridge's floor, as the
// bridge cannot forward faster than its client sends.
import { Kafka, logLevel } from 'kafkajs'
import { openLog } from '../../dist/esm/index.js'
import { startMockCluster } from '../../tools/mock-cluster/index.mjs'
import { count, now, progress, quick, race, results, secondsSince } from '../lib/harness.mjs'
import { megabytes, values } from '../lib/data.mjs'

const { emit } = results('bridge')
let bridge
try {
  ;({ bridge } = await import('../../dist/esm/bridge/index.js'))
} catch (err) {
  emit({ id: 'bridge', section: 'bridge', scenario: 'the bridge', skipped: `kafkette/bridge cannot be imported (${err.code ?? err.message})` })
  process.exit(0)
}

const N = quick ? 20_000 : 100_000
const BATCH = 1000
const PARTITIONS = 3
const pool = values(100)
const records = Array.from({ length: N }, (_, i) => ({ key: `user-${i % 1000}`, value: pool[i % pool.length] }))

let cluster
try {
  cluster = await startMockCluster({ brokers: 3 })
} catch (err) {
  emit({ id: 'bridge', section: 'bridge', scenario: 'the bridge', skipped: `the mock cluster cannot start (${err.message.split('\n')[0]}); run bash scripts/ci-deps.sh` })
  process.exit(0)
}
const kafka = new Kafka({ clientId: 'bench', brokers: cluster.brokers, logLevel: logLevel.NOTHING })
let seq = 0

/** A fresh cluster topic (the mock has no CreateTopics API: created through its control channel). */
async function clusterTopic(partitions) {
  const topic = `t${seq++}`
  await cluster.createTopic(topic, partitions)
  return topic
}

async function localLog(topic) {
  const log = await openLog({ memory: true, retentionCheckIntervalMs: 0 })
  await log.createTopic(topic, { partitions: PARTITIONS, config: { retentionMs: -1 } })
  const p = log.producer()
  for (let i = 0; i < N; i += BATCH) await p.send(topic, records.slice(i, i + BATCH))
  await p.close()
  return log
}

function forwardRun(exactlyOnce) {
  return async () => {
    const topic = await clusterTopic(PARTITIONS)
    const name = `bench-${seq++}`
    if (exactlyOnce) await cluster.createTopic(`${name}.kafkette-progress`, 1)
    const log = await localLog(topic)
    const b = bridge({ log, kafka, topics: [topic], direction: 'out', name, exactlyOnce, batchSize: BATCH })
    let forwarded = 0
    let t0
    const done = new Promise((resolve, reject) => {
      b.on('error', reject)
      b.on('progress', (e) => {
        // Timed from the first acknowledged step: connecting (and, with exactlyOnce, reading
        // the progress through a new consumer group) is not forwarding.
        t0 ??= now()
        forwarded += e.forwarded
        if (forwarded >= N) resolve()
      })
    })
    await b.start()
    await done
    const rate = N / secondsSince(t0)
    await b.stop()
    await log.close()
    return rate
  }
}

const raced = await race('bridge out to the mock cluster', {
  kafkajs: async () => {
    const topic = await clusterTopic(PARTITIONS)
    const producer = kafka.producer()
    await producer.connect()
    const messages = records.map((r) => ({ key: r.key, value: r.value }))
    const t0 = now()
    for (let i = 0; i < N; i += BATCH) await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: messages.slice(i, i + BATCH) }] })
    const rate = N / secondsSince(t0)
    await producer.disconnect()
    return rate
  },
  'bridge at-least-once': forwardRun(false),
  'bridge exactly-once': forwardRun(true),
})
await cluster.stop()

const floor = { name: 'KafkaJS producer.sendBatch of 1,000, acks -1, same endpoint', median: raced.kafkajs.median }
emit({
  id: 'bridge.kafkajs',
  section: 'bridge',
  scenario: 'plain KafkaJS producer.sendBatch of 1,000 keyed 100 B records, acks -1, to librdkafka\'s mock cluster (3 brokers, 3 partitions)',
  kind: 'throughput',
  ...raced.kafkajs,
  mbps: megabytes(raced.kafkajs.median, 100),
  note: `${count(N)} records a run`,
})
for (const [mode, label] of [['bridge at-least-once', 'at-least-once'], ['bridge exactly-once', 'exactlyOnce']]) {
  emit({
    id: `bridge.out.${label}`,
    section: 'bridge',
    scenario: `bridge 'out' ${label}, steps of 1,000 records from a memory log to the same endpoint (floor: the plain KafkaJS producer in the same rounds)`,
    kind: 'throughput',
    ...raced[mode],
    mbps: megabytes(raced[mode].median, 100),
    floor,
    note: `${count(N)} records a run, timed from the first acknowledged step`,
  })
}
progress('bridge: done')
