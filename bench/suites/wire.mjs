// The Kafka wire listener, raced in the same rounds against kafkette's in-process API and
// against librdkafka's mock cluster (tools/mock-cluster, a real peer
// speaking the same protocol on 127.0.0.1): KafkaJS 2.2.4 producing and consuming through
// each, kcat producing 1,000,000 100-byte messages, and a consumer-group join over the wire.
// In memory (the listener's cost, not the store's). Every wire client runs in its own
// process (bench/suites/wire-client.mjs for KafkaJS), as wire clients do: in this process it
// would share the listener's event loop.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { openLog } from '../../dist/esm/index.js'
import { buildMockCluster, startMockCluster } from '../../tools/mock-cluster/index.mjs'
import { megabytes, sends } from '../lib/data.mjs'
import { count, now, quick, race, results, secondsSince } from '../lib/harness.mjs'

const { emit } = results('wire')
const list = sends({ batch: 1000, size: 100, keyed: false })

// ── the peer: librdkafka's mock cluster (tools/mock-cluster) ───────────────────
let mockAvailable = true
try {
  buildMockCluster()
} catch (err) {
  mockAvailable = false
  process.stderr.write(`wire: cannot build the librdkafka mock cluster (${err.message.split('\n')[0]}); install cc and librdkafka-dev (scripts/ci-deps.sh)\n`)
}

/** Starts a mock cluster with `topics` ('name:partitions'); resolves { bootstrap, close }. */
async function startMock(topics) {
  const mock = await startMockCluster({ topics: topics.map((t) => ({ name: t.split(':')[0], partitions: Number(t.split(':')[1] ?? 1) })) })
  return { bootstrap: mock.bootstrap, close: () => mock.stop() }
}

/** A kafkette log in memory with a listener on a free port. */
async function startKafkette(topics) {
  const log = await openLog({ memory: true, retentionCheckIntervalMs: 0 })
  for (const t of topics) {
    const [name, partitions] = t.split(':')
    await log.createTopic(name, { partitions: Number(partitions ?? 1), config: { retentionMs: -1 } })
  }
  const server = await log.listen({ port: 0 })
  return { log, bootstrap: `127.0.0.1:${server.port}`, close: () => log.close() }
}

const TARGETS = { kafkette: startKafkette, mock: startMock }

/** Fails the suite (instead of hanging it) when a run has not finished in two minutes. */
function bounded(promise, what) {
  let timer
  const limit = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not done after 120 s`)), 120_000)))
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer))
}

function counter(n) {
  let resolve
  const done = new Promise((r) => (resolve = r))
  let seen = 0
  return { done, add: (k) => ((seen += k) >= n ? resolve() : undefined) }
}

const peers = (id) => (mockAvailable ? { 'librdkafka mock': `${id}.mock` } : undefined)
const skippedMock = (id, scenario) => emit({ id: `${id}.mock`, section: 'wire', scenario, skipped: 'the librdkafka mock cluster could not be built (install cc and librdkafka-dev: scripts/ci-deps.sh)' })

/** Runs the KafkaJS client in its own process; resolves its JSON figure. */
function client(args) {
  return bounded(
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [fileURLToPath(new URL('./wire-client.mjs', import.meta.url)), ...args.map(String)], { stdio: ['ignore', 'pipe', 'inherit'] })
      let out = ''
      child.stdout.on('data', (d) => (out += d))
      child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`wire-client ${args.join(' ')} exited with ${code}`))))
    }),
    `KafkaJS ${args[1]}`,
  )
}

// ── KafkaJS produce: listener vs in-process vs mock ───────────────────────────
{
  const sendsPerRun = (quick ? 20_000 : 100_000) / 1000
  const viaWire = (target) => async () => {
    const t = await TARGETS[target](['t:1'])
    const { rate } = await client([t.bootstrap, 'produce', sendsPerRun])
    await t.close()
    return rate
  }
  const contenders = {
    'in-process': async () => {
      const t = await startKafkette(['t:1'])
      const p = t.log.producer()
      const t0 = now()
      for (let s = 0; s < sendsPerRun; s++) await p.send('t', list[s % list.length])
      const rate = (sendsPerRun * 1000) / secondsSince(t0)
      await t.close()
      return rate
    },
    listener: viaWire('kafkette'),
    ...(mockAvailable ? { mock: viaWire('mock') } : {}),
  }
  const r = await race('wire produce', contenders)
  const scenario = 'KafkaJS producer.send of 1,000 messages, 100 B values, acks=-1, through the listener (floor: kafkette in-process send in the same rounds)'
  emit({ id: 'wire.produce', section: 'wire', store: 'memory', scenario, kind: 'throughput', ...r.listener, mbps: megabytes(r.listener.median, 100), floor: { name: 'in-process producer.send', median: r['in-process'].median }, peers: peers('wire.produce'), targets: mockAvailable ? [{ kind: 'peer', peer: 'librdkafka mock', min: 1 }] : [], note: `${count(sendsPerRun * 1000)} messages a run` })
  if (mockAvailable) emit({ id: 'wire.produce.mock', section: 'wire', scenario: 'KafkaJS producer.send of 1,000 messages through librdkafka 2.0.2 mock cluster', kind: 'throughput', ...r.mock, mbps: megabytes(r.mock.median, 100) })
  else skippedMock('wire.produce', 'KafkaJS producer.send through the librdkafka mock cluster')
}

// ── KafkaJS consume (eachBatch, a group of one) ───────────────────────────────
{
  // 20,000 in both modes: KafkaJS consumes from the mock cluster at a few thousand messages/s.
  const n = 20_000
  let seq = 0
  const viaWire = (target) => async () => {
    const t = await TARGETS[target](['t:1'])
    await client([t.bootstrap, 'fill', n / 1000])
    const { rate } = await client([t.bootstrap, 'consume', n, `g${seq++}`])
    await t.close()
    return rate
  }
  const contenders = {
    'in-process': async () => {
      const t = await startKafkette(['t:1'])
      const p = t.log.producer()
      for (let s = 0; s < n / 1000; s++) await p.send('t', list[s % list.length])
      const seen = counter(n)
      const c = t.log.consumer({ groupId: `g${seq++}`, fromBeginning: true })
      const t0 = now()
      await c.subscribe('t')
      await c.run({ eachBatch: async ({ batch }) => seen.add(batch.messages.length) })
      await seen.done
      const rate = n / secondsSince(t0)
      await c.close()
      await t.close()
      return rate
    },
    listener: viaWire('kafkette'),
    ...(mockAvailable ? { mock: viaWire('mock') } : {}),
  }
  const r = await race('wire consume', contenders)
  const scenario = 'KafkaJS consumer.run({ eachBatch }) in a group of 1, 1 partition, 100 B values, through the listener (floor: kafkette in-process run({ eachBatch }) in the same rounds)'
  emit({ id: 'wire.consume', section: 'wire', store: 'memory', scenario, kind: 'throughput', ...r.listener, mbps: megabytes(r.listener.median, 100), floor: { name: 'in-process run({ eachBatch })', median: r['in-process'].median }, peers: peers('wire.consume'), targets: mockAvailable ? [{ kind: 'peer', peer: 'librdkafka mock', min: 1 }] : [], note: `${count(n)} messages a run` })
  if (mockAvailable) emit({ id: 'wire.consume.mock', section: 'wire', scenario: 'KafkaJS consumer.run({ eachBatch }) through librdkafka 2.0.2 mock cluster', kind: 'throughput', ...r.mock, mbps: megabytes(r.mock.median, 100) })
  else skippedMock('wire.consume', 'KafkaJS consumer.run through the librdkafka mock cluster')
}

// ── kcat producing 1,000,000 100-byte messages ────────────────────────────────
{
  const n = quick ? 200_000 : 1_000_000
  const line = 'x'.repeat(99) + '\n'
  const input = Buffer.from(line.repeat(n))
  const kcat = (target) => async () => {
    const t = await TARGETS[target](['t:1'])
    const t0 = now()
    await new Promise((resolve, reject) => {
      const child = spawn('kcat', ['-b', t.bootstrap, '-P', '-t', 't', '-p', '0'], { stdio: ['pipe', 'ignore', 'ignore'] })
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kcat exited with ${code}`))))
      child.stdin.end(input)
    })
    const rate = n / secondsSince(t0)
    if (t.log && (await t.log.describeTopic('t')).partitions[0].highWatermark !== n) throw new Error('kcat: not every message was stored')
    await t.close()
    return rate
  }
  const r = await race('wire kcat produce', { listener: kcat('kafkette'), ...(mockAvailable ? { mock: kcat('mock') } : {}) }, { runs: quick ? 3 : 5 })
  emit({ id: 'wire.kcat', section: 'wire', store: 'memory', scenario: `kcat -P of ${count(n)} 100-byte messages (one process start to exit), through the listener`, kind: 'throughput', ...r.listener, mbps: megabytes(r.listener.median, 99), peers: peers('wire.kcat'), targets: [{ kind: 'min', stat: 'median', value: 200_000 }] })
  if (mockAvailable) emit({ id: 'wire.kcat.mock', section: 'wire', scenario: `kcat -P of ${count(n)} 100-byte messages through librdkafka 2.0.2 mock cluster`, kind: 'throughput', ...r.mock, mbps: megabytes(r.mock.median, 99) })
  else skippedMock('wire.kcat', 'kcat -P through the librdkafka mock cluster')
}

// ── a consumer-group join over the wire ───────────────────────────────────────
{
  const joins = quick ? 5 : 10
  let seq = 0
  const join = (target) => async () => {
    const t = await TARGETS[target](['t:4'])
    const { median } = await client([t.bootstrap, 'join', joins, `join${seq++}`])
    await t.close()
    return median
  }
  const r = await race('wire group join', { listener: join('kafkette'), ...(mockAvailable ? { mock: join('mock') } : {}) }, { runs: 3 })
  emit({ id: 'wire.join', section: 'wire', store: 'memory', scenario: 'KafkaJS consumer joining a new group over the wire (JoinGroup + SyncGroup: GROUP_JOIN duration, median of the joins of a run)', kind: 'latency', p50: r.listener.median, p99: r.listener.max, p999: r.listener.max, min: r.listener.min, max: r.listener.max, runs: r.listener.runs, unit: 'ms', peers: mockAvailable ? { 'librdkafka mock': 'wire.join.mock' } : undefined, targets: [{ kind: 'max', stat: 'p50', value: 50 }] })
  if (mockAvailable) emit({ id: 'wire.join.mock', section: 'wire', scenario: 'the same join through librdkafka 2.0.2 mock cluster', kind: 'latency', p50: r.mock.median, p99: r.mock.max, p999: r.mock.max, min: r.mock.min, max: r.mock.max, runs: r.mock.runs, unit: 'ms' })
  else skippedMock('wire.join', 'group join through the librdkafka mock cluster')
}
