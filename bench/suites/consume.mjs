// Consume one partition from its beginning, on disk and in memory, four ways — poll,
// for await, and run() with eachBatch and eachMessage in a group of one — each raced in
// the same rounds against the read floor on the same bytes (iterator nextv over the same
// packed batches + msgpackr unpack). poll also races itself over a copy of the log whose
// batches are rewritten as codec version 1 (no checksum, as written before format 2): the
// difference is what checking each batch's CRC-32C costs.
import { openLog } from '../../dist/esm/index.js'
import { floorSends, megabytes, sends } from '../lib/data.mjs'
import { filledStore, floorConsume } from '../lib/floor.mjs'
import { count, now, progress, quick, race, results, secondsSince, tmp } from '../lib/harness.mjs'

const { emit } = results('consume')

/** Resolves `done` once add() has counted n. */
function counter(n) {
  let resolve
  const done = new Promise((r) => (resolve = r))
  let seen = 0
  return { done, add: (k) => ((seen += k) >= n ? resolve() : undefined) }
}

let groups = 0
/** The four ways, each reading all `n` records of topic t from offset 0 of a fresh consumer. */
const WAYS = {
  poll: async (log, n) => {
    const c = log.consumer({ fromBeginning: true })
    c.assign([{ topic: 't', partition: 0 }])
    let got = 0
    while (got < n) got += (await c.poll({ maxRecords: 1000, timeoutMs: 0 })).length
    await c.close()
  },
  'for await': async (log, n) => {
    const c = log.consumer({ fromBeginning: true, maxPollRecords: 1000 })
    c.assign([{ topic: 't', partition: 0 }])
    let got = 0
    for await (const _m of c) if (++got === n) break
    await c.close()
  },
  eachBatch: async (log, n) => {
    const c = log.consumer({ groupId: `g${groups++}`, fromBeginning: true, maxPollRecords: 1000 })
    const seen = counter(n)
    await c.subscribe('t')
    await c.run({ eachBatch: async ({ batch }) => seen.add(batch.messages.length) })
    await seen.done
    await c.close()
  },
  eachMessage: async (log, n) => {
    const c = log.consumer({ groupId: `g${groups++}`, fromBeginning: true, maxPollRecords: 1000 })
    const seen = counter(n)
    await c.subscribe('t')
    await c.run({ eachMessage: async () => seen.add(1) })
    await seen.done
    await c.close()
  },
}

/**
 * Rewrites every stored batch of `log` as codec version 1 (no checksum): the version byte,
 * then the same msgpack segments. Through the log's store (internal), so both stores work.
 */
async function uncheck(log) {
  const it = log.store.iterator({ gte: Buffer.of(2), lt: Buffer.of(3) })
  for (;;) {
    const entries = await it.nextv(1000)
    if (entries.length === 0) break
    await log.store.write(entries.map(([key, value]) => ({ type: 'put', key, value: Buffer.concat([Buffer.of(1), value.subarray(5)]) })))
  }
  await it.close()
  for (const p of log.topics.get('t').partitions) p.dropCache()
}

const timed = (fn) => async () => {
  const t0 = now()
  const n = await fn()
  return n / secondsSince(t0)
}

for (const kind of ['disk', 'memory']) {
  for (const size of [100, 1024]) {
    const n = Math.round((quick ? 100_000 : 300_000) / (size > 100 ? 3 : 1) / 1000) * 1000
    const list = sends({ batch: 1000, size, keyed: false })
    progress(`consume ${kind}, ${size} B: writing ${count(n)} messages to the log and to the floor's store`)
    const log = await openLog(kind === 'disk' ? { dir: tmp(), retentionCheckIntervalMs: 0 } : { memory: true, retentionCheckIntervalMs: 0 })
    await log.createTopic('t', { config: { retentionMs: -1 } })
    const p = log.producer()
    for (let s = 0; s < n / 1000; s++) await p.send('t', list[s % list.length])
    const store = await filledStore(kind, floorSends(list, 1), n / 1000)
    const legacy = await openLog(kind === 'disk' ? { dir: tmp(), retentionCheckIntervalMs: 0 } : { memory: true, retentionCheckIntervalMs: 0 })
    await legacy.createTopic('t', { config: { retentionMs: -1 } })
    const lp = legacy.producer()
    for (let s = 0; s < n / 1000; s++) await lp.send('t', list[s % list.length])
    await uncheck(legacy)
    // 1 KB values: poll only (the other ways cost the same per message whatever its size).
    const ways = size === 100 ? Object.keys(WAYS) : ['poll']
    const contenders = { floor: timed(() => floorConsume(store).then(() => n)) }
    for (const w of ways) contenders[w] = timed(() => WAYS[w](log, n).then(() => n))
    contenders['poll unchecked'] = timed(() => WAYS.poll(legacy, n).then(() => n))
    const r = await race(`consume ${kind}, ${size === 100 ? '100 B' : '1 KB'}`, contenders)
    for (const w of ways) {
      const targets = []
      if (size === 100 && (w === 'poll' || w === 'eachBatch')) targets.push({ kind: 'floor', min: 0.6 })
      if (size === 100 && w === 'poll') targets.push({ kind: 'peer', peer: 'redis', min: 10 })
      emit({
        id: `consume.${kind}.${w.replace(' ', '')}.${size}`,
        section: 'consume',
        store: kind,
        scenario: `consume 1 partition with ${w === 'poll' ? 'poll({ maxRecords: 1000 })' : w === 'for await' ? 'for await' : `run({ ${w} }) in a group of 1`}, ${size === 100 ? '100 B' : '1 KB'} values`,
        kind: 'throughput',
        ...r[w],
        mbps: megabytes(r[w].median, size),
        floor: { name: 'iterator nextv + msgpackr unpack', median: r.floor.median },
        ...(w === 'poll' || w === 'eachBatch' ? { peers: { redis: `peer.redis.consume.${size}`, nats: `peer.nats.consume.${size}` } } : {}),
        ...(targets.length ? { targets } : {}),
        note: `${count(n)} messages`,
      })
    }
    emit({
      id: `consume.${kind}.poll.unchecked.${size}`,
      section: 'consume',
      store: kind,
      scenario: `consume 1 partition with poll, ${size === 100 ? '100 B' : '1 KB'} values, batches without a checksum (codec 1): checked ÷ this is the checksum's cost`,
      kind: 'throughput',
      ...r['poll unchecked'],
      mbps: megabytes(r['poll unchecked'].median, size),
      floor: { name: 'iterator nextv + msgpackr unpack', median: r.floor.median },
      note: `${count(n)} messages; checked poll ÷ unchecked = ${(r.poll.median / r['poll unchecked'].median).toFixed(3)}`,
    })
    emit({ id: `floor.read.${kind}.${size}`, section: 'floor', store: kind, scenario: `${kind === 'disk' ? 'classic-level' : 'memory-level'} iterator nextv + msgpackr unpack of 1000-record batches, ${size === 100 ? '100 B' : '1 KB'} values`, kind: 'throughput', ...r.floor, mbps: megabytes(r.floor.median, size) })
    await store.close()
    await log.close()
    await legacy.close()
  }
}
