// What the KafkaJS facade (kafkette/kafkajs) costs over the native API on the same log, in
// the same rounds: produce with 1,000-message sends, consume with eachBatch and
// eachMessage; and what a unit test on it costs in memory (create a topic, produce one
// message, consume it through a group), per test and for 1,000 tests.
import { openLog } from '../../dist/esm/index.js'
import { megabytes, sends } from '../lib/data.mjs'
import { count, now, percentiles, progress, quick, race, results, rmTmp, secondsSince, summary, tmp } from '../lib/harness.mjs'

const { emit } = results('kafkajs')
let facade
try {
  facade = await import('kafkette/kafkajs')
} catch (err) {
  emit({ id: 'kafkajs', section: 'kafkajs', scenario: 'the KafkaJS facade', skipped: `kafkette/kafkajs cannot be imported (${err.code ?? err.message}); lib/kafkajs has not landed` })
  process.exit(0)
}
const { Kafka, resetClusters } = facade

function counter(n) {
  let resolve
  const done = new Promise((r) => (resolve = r))
  let seen = 0
  return { done, add: (k) => ((seen += k) >= n ? resolve() : undefined) }
}

const list = sends({ batch: 1000, size: 100, keyed: false })
const asKafkaJS = list.map((msgs) => msgs.map((m) => ({ value: m.value })))

async function fresh(kind) {
  const dir = kind === 'disk' ? tmp() : undefined
  const log = await openLog(dir ? { dir, retentionCheckIntervalMs: 0 } : { memory: true, retentionCheckIntervalMs: 0 })
  await log.createTopic('t', { config: { retentionMs: -1 } })
  return {
    log,
    kafka: new Kafka({ clientId: 'bench', brokers: ['local'], log }),
    async close() {
      await log.close()
      if (dir) rmTmp(dir)
    },
  }
}

for (const kind of ['disk', 'memory']) {
  // ── produce ─────────────────────────────────────────────────────────────────
  const sendsPerRun = (quick ? 60_000 : 300_000) / 1000
  const produce = await race(`facade produce, ${kind}`, {
    native: async () => {
      const { log, close } = await fresh(kind)
      const p = log.producer()
      const t0 = now()
      for (let s = 0; s < sendsPerRun; s++) await p.send('t', list[s % list.length])
      const rate = (sendsPerRun * 1000) / secondsSince(t0)
      await close()
      return rate
    },
    facade: async () => {
      const { kafka, close } = await fresh(kind)
      const p = kafka.producer()
      await p.connect()
      const t0 = now()
      for (let s = 0; s < sendsPerRun; s++) await p.send({ topic: 't', messages: asKafkaJS[s % asKafkaJS.length] })
      const rate = (sendsPerRun * 1000) / secondsSince(t0)
      await p.disconnect()
      await close()
      return rate
    },
  })
  emit({
    id: `kafkajs.produce.${kind}`,
    section: 'kafkajs',
    store: kind,
    scenario: 'facade producer.send({ topic, messages }) of 1,000 messages, 100 B values (floor: the native send in the same rounds)',
    kind: 'throughput',
    ...produce.facade,
    mbps: megabytes(produce.facade.median, 100),
    floor: { name: 'native producer.send', median: produce.native.median },
    note: `${count(sendsPerRun * 1000)} messages a run`,
  })

  // ── consume ─────────────────────────────────────────────────────────────────
  const n = quick ? 60_000 : 300_000
  const { log, kafka, close } = await fresh(kind)
  const p = log.producer()
  for (let s = 0; s < n / 1000; s++) await p.send('t', list[s % list.length])
  let seq = 0
  const ways = {}
  for (const how of ['eachBatch', 'eachMessage']) {
    ways[`native ${how}`] = async () => {
      const seen = counter(n)
      const c = log.consumer({ groupId: `n${seq++}`, fromBeginning: true, maxPollRecords: 1000 })
      const t0 = now()
      await c.subscribe('t')
      await c.run(how === 'eachBatch' ? { eachBatch: async ({ batch }) => seen.add(batch.messages.length) } : { eachMessage: async () => seen.add(1) })
      await seen.done
      const rate = n / secondsSince(t0)
      await c.close()
      return rate
    }
    ways[`facade ${how}`] = async () => {
      const seen = counter(n)
      const c = kafka.consumer({ groupId: `f${seq++}` })
      const t0 = now()
      await c.connect()
      await c.subscribe({ topics: ['t'], fromBeginning: true })
      await c.run(how === 'eachBatch' ? { eachBatch: async ({ batch }) => seen.add(batch.messages.length) } : { eachMessage: async () => seen.add(1) })
      await seen.done
      const rate = n / secondsSince(t0)
      await c.disconnect()
      return rate
    }
  }
  const consume = await race(`facade consume, ${kind}`, ways)
  for (const how of ['eachBatch', 'eachMessage']) {
    const x = consume[`facade ${how}`]
    emit({
      id: `kafkajs.${how}.${kind}`,
      section: 'kafkajs',
      store: kind,
      scenario: `facade consumer.run({ ${how} }) in a group of 1, 1 partition, 100 B values (floor: the native run({ ${how} }) in the same rounds)`,
      kind: 'throughput',
      ...x,
      mbps: megabytes(x.median, 100),
      floor: { name: `native run({ ${how} })`, median: consume[`native ${how}`].median },
      note: `${count(n)} messages`,
    })
  }
  await close()
}

// ── a unit test on the facade: create a topic, produce one, consume it via a group ──
const TESTS = quick ? 200 : 1000
async function oneTest(i) {
  const kafka = new Kafka({ clientId: 'bench', brokers: [`b${i}`] })
  const admin = kafka.admin()
  await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 1 }] })
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({ topic: 'orders', messages: [{ key: 'k', value: 'v' }] })
  const consumer = kafka.consumer({ groupId: 'g' })
  await consumer.connect()
  await consumer.subscribe({ topics: ['orders'], fromBeginning: true })
  await new Promise((resolve) => void consumer.run({ eachMessage: async () => resolve() }))
  await consumer.disconnect()
  await producer.disconnect()
  await resetClusters()
}
progress(`facade unit tests: ${TESTS} after a warm-up of 50`)
for (let i = 0; i < 50; i++) await oneTest(i)
const totals = []
const perTest = []
for (let r = 0; r < (quick ? 1 : 3); r++) {
  const t0 = now()
  const times = []
  for (let i = 0; i < TESTS; i++) {
    const s = now()
    await oneTest(i)
    times.push(secondsSince(s) * 1e3)
  }
  totals.push(secondsSince(t0) * (1000 / TESTS))
  perTest.push(percentiles(times))
}
const mid = (k) => summary(perTest.map((x) => x[k])).median
emit({
  id: 'kafkajs.test',
  section: 'kafkajs',
  store: 'memory',
  scenario: 'a unit test on the facade: new Kafka, createTopics, produce 1, consume it via a group, disconnect',
  kind: 'latency',
  unit: 'ms',
  p50: mid('p50'),
  p99: mid('p99'),
  p999: mid('p999'),
  median: mid('p50'),
  ...(() => {
    const s = summary(perTest.map((x) => x.p50))
    return { min: s.min, max: s.max, runs: s.runs }
  })(),
  targets: [{ kind: 'max', stat: 'p50', value: 5, text: '≤ 5 ms a test' }],
  note: `${TESTS} tests a run`,
})
const total = summary(totals)
emit({
  id: 'kafkajs.tests1000',
  section: 'kafkajs',
  store: 'memory',
  scenario: '1,000 such tests, one after another',
  kind: 'value',
  unit: 's',
  ...total,
  targets: [{ kind: 'max', stat: 'median', value: 5, text: '≤ 5 s' }],
  note: TESTS === 1000 ? undefined : `${TESTS} tests timed and scaled to 1,000 (--quick)`,
})
