// The peers a user would pick instead, on 127.0.0.1, with the same values: Redis Streams
// through ioredis (XADD pipelined 1,000 at a time; XREADGROUP COUNT 1000 + XACK) and NATS
// JetStream with file storage through @nats-io/jetstream (1,000 publishes in flight; a
// durable consumer, each message acked). Concurrent single writes (1, 100, 1,000 in
// flight) and a single awaited write's latency too. kafkette's rows refer to these by id.
import { Bench } from 'tinybench'
import { megabytes, values } from '../lib/data.mjs'
import { count, now, progress, quick, race, raceLatency, results, secondsSince, windowed } from '../lib/harness.mjs'
import { missing, startNats, startRedis } from '../lib/peers.mjs'

const { emit } = results('peers')
const sizeName = (size) => (size === 100 ? '100 B' : '1 KB')
const skipAll = (peer, reason) => {
  for (const id of ['produce.100', 'produce.1024', 'concurrent.1', 'concurrent.100', 'concurrent.1000', 'latency', 'consume.100', 'consume.1024']) {
    emit({ id: `peer.${peer}.${id}`, section: 'peers', scenario: `${peer} ${id}`, skipped: reason })
  }
}
const latencyBench = async (fn) => {
  const bench = new Bench({ time: quick ? 200 : 1000, warmupTime: quick ? 50 : 200 })
  bench.add('one', fn)
  await bench.run()
  const { p50, p99, p999 } = bench.getTask('one').result.latency
  return { p50: p50 * 1000, p99: p99 * 1000, p999: p999 * 1000 }
}

/** Emits the rows of one peer from its contenders (the same shape for both peers). */
async function measure(peer, label, ops) {
  for (const size of [100, 1024]) {
    const n = Math.round(((quick ? 20_000 : 100_000) * ops.scale) / (size > 100 ? 2 : 1) / 1000) * 1000
    const r = await race(`${peer} produce, ${sizeName(size)}`, { x: () => ops.produce(size, n) })
    emit({ id: `peer.${peer}.produce.${size}`, section: 'peers', scenario: `${label.produce}, ${sizeName(size)} values`, kind: 'throughput', ...r.x, mbps: megabytes(r.x.median, size), note: `${count(n)} messages a run` })
  }
  for (const inFlight of [1, 100, 1000]) {
    const n = Math.round((inFlight === 1 ? 2000 : 30_000) * ops.scale * (quick ? 0.3 : 1))
    const r = await race(`${peer} ${inFlight} in flight`, { x: () => ops.concurrent(inFlight, n) })
    emit({ id: `peer.${peer}.concurrent.${inFlight}`, section: 'peers', scenario: `${label.single}, ${inFlight} in flight, 100 B values`, kind: 'throughput', ...r.x, mbps: megabytes(r.x.median, 100), note: `${count(n)} messages a run` })
  }
  const l = await raceLatency(`${peer} awaited write`, { x: () => ops.latency() })
  emit({ id: `peer.${peer}.latency`, section: 'peers', scenario: `${label.single}, awaited one at a time (tinybench), 100 B value`, kind: 'latency', unit: 'µs', ...l.x })
  for (const size of [100, 1024]) {
    const n = Math.round(((quick ? 20_000 : 100_000) * ops.scale) / (size > 100 ? 2 : 1) / 1000) * 1000
    const r = await race(`${peer} consume, ${sizeName(size)}`, { x: () => ops.consume(size, n) })
    emit({ id: `peer.${peer}.consume.${size}`, section: 'peers', scenario: `${label.consume}, ${sizeName(size)} values`, kind: 'throughput', ...r.x, mbps: megabytes(r.x.median, size), note: `${count(n)} messages a run` })
  }
}

// ── Redis Streams ────────────────────────────────────────────────────────────────
{
  const why = missing('redis-server')
  if (why) {
    progress(`peers: ${why}; skipping Redis`)
    skipAll('redis', why)
  } else {
    const { Redis } = await import('ioredis')
    const server = await startRedis()
    progress(`peers: redis-server on 127.0.0.1:${server.port} (pid ${server.pid})`)
    const redis = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true })
    await redis.connect()
    let stream = 0
    const fill = async (key, size, n) => {
      const pool = values(size)
      for (let b = 0; b < n / 1000; b++) {
        const pipe = redis.pipeline()
        for (let i = 0; i < 1000; i++) pipe.xadd(key, '*', 'v', pool[(b * 1000 + i) % pool.length])
        await pipe.exec()
      }
    }
    try {
      await measure('redis', { produce: 'Redis Streams: XADD pipelined 1,000 a time (ioredis)', single: 'Redis Streams: XADD', consume: 'Redis Streams: XREADGROUP COUNT 1000 + XACK' }, {
        scale: 1,
        async produce(size, n) {
          const key = `s${stream++}`
          const t0 = now()
          await fill(key, size, n)
          const rate = n / secondsSince(t0)
          await redis.del(key)
          return rate
        },
        async concurrent(inFlight, n) {
          const key = `s${stream++}`
          const pool = values(100)
          let i = 0
          const t0 = now()
          await windowed(inFlight, n, () => redis.xadd(key, '*', 'v', pool[i++ % pool.length]))
          const rate = n / secondsSince(t0)
          await redis.del(key)
          return rate
        },
        async latency() {
          const key = `s${stream++}`
          const pool = values(100)
          let i = 0
          const r = await latencyBench(() => redis.xadd(key, '*', 'v', pool[i++ % pool.length]))
          await redis.del(key)
          return r
        },
        async consume(size, n) {
          const key = `s${stream++}`
          await fill(key, size, n)
          await redis.xgroup('CREATE', key, 'g', '0')
          let got = 0
          const t0 = now()
          while (got < n) {
            const res = await redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 1000, 'STREAMS', key, '>')
            const entries = res?.[0]?.[1] ?? []
            if (entries.length === 0) throw new Error(`redis returned nothing after ${got} of ${n}`)
            got += entries.length
            await redis.xack(key, 'g', ...entries.map((e) => e[0]))
          }
          const rate = got / secondsSince(t0)
          await redis.del(key)
          return rate
        },
      })
    } finally {
      redis.disconnect()
      await server.stop()
    }
  }
}

// ── NATS JetStream ───────────────────────────────────────────────────────────────
{
  const why = missing('nats-server')
  if (why) {
    progress(`peers: ${why}; skipping NATS`)
    skipAll('nats', why)
  } else {
    const { connect } = await import('@nats-io/transport-node')
    const { jetstream, jetstreamManager, AckPolicy } = await import('@nats-io/jetstream')
    const server = await startNats()
    progress(`peers: nats-server on 127.0.0.1:${server.port} (pid ${server.pid})`)
    const nc = await connect({ servers: `127.0.0.1:${server.port}` })
    const jsm = await jetstreamManager(nc)
    const js = jetstream(nc)
    const bytes = new Map()
    const pool = (size) => {
      let p = bytes.get(size)
      if (!p) bytes.set(size, (p = values(size).map((v) => new TextEncoder().encode(v))))
      return p
    }
    let seq = 0
    const freshStream = async () => {
      const name = `S${seq++}`
      await jsm.streams.add({ name, subjects: [`${name}.>`], storage: 'file' })
      return { name, subject: `${name}.x`, drop: () => jsm.streams.delete(name) }
    }
    const fill = async (subject, size, n) => {
      const p = pool(size)
      for (let b = 0; b < n / 1000; b++) await Promise.all(Array.from({ length: 1000 }, (_, i) => js.publish(subject, p[(b * 1000 + i) % p.length])))
    }
    try {
      await measure('nats', { produce: 'NATS JetStream (file): publish 1,000 in flight, awaited together', single: 'NATS JetStream (file): publish', consume: 'NATS JetStream (file): durable consumer, consume() + ack' }, {
        scale: quick ? 0.3 : 0.5,
        async produce(size, n) {
          const s = await freshStream()
          const t0 = now()
          await fill(s.subject, size, n)
          const rate = n / secondsSince(t0)
          await s.drop()
          return rate
        },
        async concurrent(inFlight, n) {
          const s = await freshStream()
          const p = pool(100)
          let i = 0
          const t0 = now()
          await windowed(inFlight, n, () => js.publish(s.subject, p[i++ % p.length]))
          const rate = n / secondsSince(t0)
          await s.drop()
          return rate
        },
        async latency() {
          const s = await freshStream()
          const p = pool(100)
          let i = 0
          const r = await latencyBench(() => js.publish(s.subject, p[i++ % p.length]))
          await s.drop()
          return r
        },
        async consume(size, n) {
          const s = await freshStream()
          await fill(s.subject, size, n)
          await jsm.consumers.add(s.name, { durable_name: 'c', ack_policy: AckPolicy.Explicit })
          const consumer = await js.consumers.get(s.name, 'c')
          let got = 0
          const t0 = now()
          const msgs = await consumer.consume({ max_messages: 1000 })
          for await (const m of msgs) {
            m.ack()
            if (++got === n) break
          }
          const rate = got / secondsSince(t0)
          await msgs.close()
          await s.drop()
          return rate
        },
      })
    } finally {
      await nc.close()
      await server.stop()
    }
  }
}
