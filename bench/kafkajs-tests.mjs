// What a unit test on the KafkaJS facade costs in memory: create a topic, produce one
// message, consume it through a consumer group, tear down. Prints per-test p50/p99 and the
// total for 1,000 such tests, as a table and as JSON lines in bench/results/kafkajs.jsonl.
// Usage: node bench/kafkajs-tests.mjs [--quick]
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { Kafka, resetClusters } from '../dist/esm/kafkajs/index.js'

const quick = process.argv.includes('--quick')
const TESTS = quick ? 200 : 1000

async function oneTest(i) {
  const kafka = new Kafka({ clientId: 'bench', brokers: [`b${i}`] })
  const admin = kafka.admin()
  await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 1 }] })
  await kafka.producer().send({ topic: 'orders', messages: [{ key: 'k', value: 'v' }] })
  const consumer = kafka.consumer({ groupId: 'g' })
  await consumer.subscribe({ topics: ['orders'], fromBeginning: true })
  await new Promise((resolve) => {
    void consumer.run({ eachMessage: async () => resolve() })
  })
  await consumer.disconnect()
  await resetClusters()
}

for (let i = 0; i < 50; i++) await oneTest(i) // warm-up
const times = []
const t0 = process.hrtime.bigint()
for (let i = 0; i < TESTS; i++) {
  const s = process.hrtime.bigint()
  await oneTest(i)
  times.push(Number(process.hrtime.bigint() - s) / 1e6)
}
const totalS = Number(process.hrtime.bigint() - t0) / 1e9
times.sort((a, b) => a - b)
const p50 = times[Math.floor(times.length / 2)]
const p99 = times[Math.floor(times.length * 0.99)]
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`
console.log(`KafkaJS facade test cost — ${machine}`)
console.log('| scenario | p50 | p99 | total | target | |')
console.log('|---|---|---|---|---|---|')
console.log(`| create topic + produce 1 + consume via group (memory) | ${p50.toFixed(2)} ms | ${p99.toFixed(2)} ms | ${TESTS} tests in ${totalS.toFixed(2)} s | ≤ 5 ms; 1,000 in ≤ 5 s | ${p50 <= 5 && totalS * (1000 / TESTS) <= 5 ? 'pass' : 'MISS'} |`)
const out = new URL('./results/', import.meta.url)
mkdirSync(out, { recursive: true })
writeFileSync(new URL('kafkajs.jsonl', out), JSON.stringify({ at: new Date().toISOString(), machine, quick, scenario: 'kafkajs test: create topic + produce 1 + consume via group', p50Ms: p50, p99Ms: p99, tests: TESTS, totalS }) + '\n')
