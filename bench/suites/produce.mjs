// Produce, on disk and in memory: sends of 1, 10, 100 and 1,000 messages (100-byte and
// 1 KB values; one partition keyless, 8 partitions keyed), each raced against its floor
// (msgpackr pack of the same record arrays + one store put per batch) in the same run;
// concurrent single-message sends (1, 100, 1,000 in flight: group commit); a single
// awaited send's latency (tinybench); and the floor's parts on their own (pack, unpack,
// raw fs append, raw store puts).
import { Bench } from 'tinybench'
import { openLog } from '../../dist/esm/index.js'
import { floorSends, megabytes, sends } from '../lib/data.mjs'
import { floorAppend, floorProduce, packr, rawStore, recordKey } from '../lib/floor.mjs'
import { count, now, progress, quick, race, raceLatency, results, rmTmp, RUNS, secondsSince, settle, summary, tmp, windowed } from '../lib/harness.mjs'

const { emit } = results('produce')
const SCALE = quick ? 0.2 : 1
const SIZES = [100, 1024]
const BATCHES = [1, 10, 100, 1000]
const sizeName = (size) => (size === 100 ? '100 B' : '1 KB')
/** Messages per measured run: about a quarter of a second of kafkette's work each. */
function messagesPerRun(batch, size) {
  const base = { 1: 4000, 10: 30_000, 100: 150_000, 1000: 300_000 }[batch]
  return Math.max(batch * 20, Math.round((base * SCALE) / (size > 100 ? 3 : 1) / batch) * batch)
}

/** Opens a fresh log of the kind with topic t; close() also removes its directory. */
async function freshLog(kind, partitions = 1) {
  const dir = kind === 'disk' ? tmp() : undefined
  const log = await openLog(dir ? { dir, retentionCheckIntervalMs: 0 } : { memory: true, retentionCheckIntervalMs: 0 })
  await log.createTopic('t', { partitions, config: { retentionMs: -1 } })
  return {
    log,
    async close() {
      await log.close()
      if (dir) rmTmp(dir)
    },
  }
}

async function kafketteProduce(kind, partitions, list, total) {
  const { log, close } = await freshLog(kind, partitions)
  const p = log.producer()
  let messages = 0
  const t0 = now()
  for (let s = 0; s < total; s++) {
    const msgs = list[s % list.length]
    await p.send('t', msgs)
    messages += msgs.length
  }
  const rate = messages / secondsSince(t0)
  await close()
  return rate
}

// ── the floor's parts ────────────────────────────────────────────────────────────
progress('floor parts')
for (const size of SIZES) {
  const floor = floorSends(sends({ batch: 1000, size, keyed: false, distinct: 4 }), 1)
  const records = floor.map((f) => f[0].record)
  const packed = records.map((r) => packr.pack(r))
  const bench = new Bench({ time: quick ? 150 : 500, warmupTime: quick ? 50 : 150 })
  let i = 0
  bench.add('pack', () => packr.pack(records[i++ % records.length]))
  bench.add('unpack', () => packr.unpack(packed[i++ % packed.length]))
  const packs = []
  const unpacks = []
  for (let r = 0; r < RUNS; r++) {
    settle()
    await bench.run()
    // one op handles 1,000 records; period is the mean time per op in ms
    packs.push((1000 / bench.getTask('pack').result.period) * 1000)
    unpacks.push((1000 / bench.getTask('unpack').result.period) * 1000)
    bench.reset()
  }
  for (const [what, xs] of [['pack', packs], ['unpack', unpacks]]) {
    const s = summary(xs)
    emit({ id: `floor.${what}.${size}`, section: 'floor', scenario: `msgpackr ${what} of 1000-record arrays, ${sizeName(size)} values (tinybench)`, kind: 'throughput', ...s, mbps: megabytes(s.median, size) })
  }
  const total = messagesPerRun(1000, size) / 1000
  const parts = await race(`raw puts and fs append, ${sizeName(size)}`, {
    disk: () => rawPuts('disk', packed, total),
    memory: () => rawPuts('memory', packed, total),
    fs: () => floorAppend(floor, total),
  })
  for (const kind of ['disk', 'memory']) {
    const s = parts[kind]
    emit({ id: `floor.put.${kind}.${size}`, section: 'floor', store: kind, scenario: `${kind === 'disk' ? 'classic-level' : 'memory-level'} put of packed 1000-record batches, ${sizeName(size)} values`, kind: 'throughput', ...s, mbps: megabytes(s.median, size) })
  }
  emit({ id: `floor.fs.${size}`, section: 'floor', store: 'disk', scenario: `msgpackr pack + fs append (writeSync) of 1000-record batches, ${sizeName(size)} values`, kind: 'throughput', ...parts.fs, mbps: megabytes(parts.fs.median, size) })
}

async function rawPuts(kind, packed, total) {
  const store = await rawStore(kind)
  const t0 = now()
  for (let s = 0; s < total; s++) await store.db.put(recordKey(0, s * 1000 + 999), packed[s % packed.length])
  const rate = (total * 1000) / secondsSince(t0)
  await store.close()
  return rate
}

// ── produce: batch sizes × value sizes × partitions, against the floor ───────────
for (const kind of ['disk', 'memory']) {
  for (const partitions of [1, 8]) {
    for (const size of SIZES) {
      for (const batch of BATCHES) {
        const list = sends({ batch, size, keyed: partitions > 1 })
        const floor = floorSends(list, partitions)
        const total = messagesPerRun(batch, size) / batch
        const label = `produce ${batch}-message sends, ${sizeName(size)}, ${partitions} partition${partitions > 1 ? 's' : ''}, ${kind}`
        const r = await race(label, {
          floor: () => floorProduce(kind, floor, total),
          kafkette: () => kafketteProduce(kind, partitions, list, total),
        })
        const headline = batch === 1000 && partitions === 1 && size === 100
        emit({
          id: `produce.${kind}.b${batch}.${size}.p${partitions}`,
          section: 'produce',
          store: kind,
          scenario: `produce, ${batch}-message sends, ${sizeName(size)} values, ${partitions === 1 ? '1 partition (keyless)' : '8 partitions (keyed)'}`,
          kind: 'throughput',
          ...r.kafkette,
          mbps: megabytes(r.kafkette.median, size),
          floor: { name: 'msgpackr pack + store put', median: r.floor.median },
          ...(batch === 1000 && partitions === 1 ? { peers: { redis: `peer.redis.produce.${size}`, nats: `peer.nats.produce.${size}` } } : {}),
          ...(headline ? { targets: [{ kind: 'floor', min: 0.8 }, { kind: 'peer', peer: 'redis', min: 6 }] } : {}),
          note: `${count(total * batch)} messages a run`,
        })
      }
    }
  }
}

// ── concurrent single-message sends (group commit) ───────────────────────────────
for (const kind of ['disk', 'memory']) {
  for (const inFlight of [1, 100, 1000]) {
    const total = Math.round((inFlight === 1 ? 4000 : inFlight === 100 ? 50_000 : 100_000) * SCALE)
    const msgs = sends({ batch: 1, size: 100, keyed: false, distinct: 1000 }).flat()
    const r = await race(`${inFlight} concurrent single sends, ${kind}`, {
      kafkette: async () => {
        const { log, close } = await freshLog(kind)
        const p = log.producer()
        let i = 0
        const t0 = now()
        await windowed(inFlight, total, () => p.send('t', msgs[i++ % msgs.length]))
        const rate = total / secondsSince(t0)
        await close()
        return rate
      },
    })
    emit({
      id: `concurrent.${kind}.${inFlight}`,
      section: 'produce',
      store: kind,
      scenario: `concurrent single-message sends, ${inFlight} in flight, 100 B values`,
      kind: 'throughput',
      ...r.kafkette,
      mbps: megabytes(r.kafkette.median, 100),
      peers: { redis: `peer.redis.concurrent.${inFlight}`, nats: `peer.nats.concurrent.${inFlight}` },
      ...(inFlight === 1000 ? { targets: [{ kind: 'min', stat: 'median', value: 200_000, text: '≥ 200,000 msg/s' }] } : {}),
      note: `${count(total)} sends a run`,
    })
  }
}

// ── a single awaited send (tinybench: one sample per send) ───────────────────────
for (const kind of ['disk', 'memory']) {
  const msgs = sends({ batch: 1, size: 100, keyed: false, distinct: 1000 }).flat()
  const r = await raceLatency(`single awaited send latency, ${kind}`, {
    kafkette: async () => {
      const { log, close } = await freshLog(kind)
      const p = log.producer()
      let i = 0
      const bench = new Bench({ time: quick ? 300 : 1000, warmupTime: quick ? 50 : 200 })
      bench.add('send', async () => {
        await p.send('t', msgs[i++ % msgs.length])
      })
      await bench.run()
      const { p50, p99, p999 } = bench.getTask('send').result.latency
      await close()
      return { p50: p50 * 1000, p99: p99 * 1000, p999: p999 * 1000 }
    },
  })
  const limit = kind === 'disk' ? 150 : 15
  emit({
    id: `latency.send.${kind}`,
    section: 'latency',
    store: kind,
    scenario: 'a single awaited send (concurrency 1), 100 B value (tinybench)',
    kind: 'latency',
    unit: 'µs',
    ...r.kafkette,
    peers: { redis: 'peer.redis.latency', nats: 'peer.nats.latency' },
    targets: [{ kind: 'max', stat: 'p50', value: limit, text: `p50 ≤ ${limit} µs` }],
  })
}
