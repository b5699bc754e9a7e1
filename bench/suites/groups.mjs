// Consumer groups, on disk and in memory: a group of 1, 2 and 4 members reading 8
// partitions with eachBatch and eachMessage (timed from the first subscribe until every
// record was handled, so joins and rebalances count), raced against the read floor over
// the same 8 partitions; the time a rebalance takes when a member joins or leaves; and
// end-to-end latency, produce → eachMessage, at a fixed 1,000 and 10,000 messages/s.
import { Consumer, openLog } from '../../dist/esm/index.js'
import { floorSends, megabytes, sends, values } from '../lib/data.mjs'
import { filledStore, floorConsume } from '../lib/floor.mjs'
import { count, now, percentiles, progress, quick, race, raceLatency, results, RUNS, rmTmp, secondsSince, tmp } from '../lib/harness.mjs'

const { emit } = results('groups')
const open = (kind, dir) => openLog(kind === 'disk' ? { dir, retentionCheckIntervalMs: 0 } : { memory: true, retentionCheckIntervalMs: 0 })
if (typeof Consumer.prototype.subscribe !== 'function' || typeof Consumer.prototype.run !== 'function') {
  emit({ id: 'groups', section: 'groups', scenario: 'consumer groups', skipped: 'this build has no consumer.subscribe (lib/group not landed)' })
  process.exit(0)
}

function counter(n) {
  let resolve
  const done = new Promise((r) => (resolve = r))
  let seen = 0
  return { done, add: (k) => ((seen += k) >= n ? resolve() : undefined) }
}

let seq = 0
async function groupRead(log, members, how, n) {
  const groupId = `g${seq++}`
  const seen = counter(n)
  const consumers = []
  const t0 = now()
  for (let i = 0; i < members; i++) {
    const c = log.consumer({ groupId, fromBeginning: true, maxPollRecords: 1000 })
    consumers.push(c)
    await c.subscribe('t')
    await c.run(how === 'eachBatch' ? { eachBatch: async ({ batch }) => seen.add(batch.messages.length) } : { eachMessage: async () => seen.add(1) })
  }
  await seen.done
  const rate = n / secondsSince(t0)
  for (const c of consumers) await c.close()
  return rate
}

// ── groups of 1, 2 and 4 over 8 partitions ───────────────────────────────────────
for (const kind of ['disk', 'memory']) {
  const n = quick ? 100_000 : 400_000
  progress(`groups ${kind}: writing ${count(n)} keyed messages over 8 partitions, to the log and to the floor's store`)
  const list = sends({ batch: 1000, size: 100, keyed: true })
  const log = await open(kind, tmp())
  await log.createTopic('t', { partitions: 8, config: { retentionMs: -1 } })
  const p = log.producer()
  for (let s = 0; s < n / 1000; s++) await p.send('t', list[s % list.length])
  const store = await filledStore(kind, floorSends(list, 8), n / 1000)
  const contenders = { floor: async () => floorConsume(store) }
  for (const how of ['eachBatch', 'eachMessage']) for (const m of [1, 2, 4]) contenders[`${how} ${m}`] = () => groupRead(log, m, how, n)
  const r = await race(`groups ${kind}`, contenders)
  for (const how of ['eachBatch', 'eachMessage']) {
    for (const m of [1, 2, 4]) {
      const x = r[`${how} ${m}`]
      emit({
        id: `groups.${kind}.${how}.${m}`,
        section: 'groups',
        store: kind,
        scenario: `a group of ${m} over 8 partitions, run({ ${how} }), 100 B values, incl. joins`,
        kind: 'throughput',
        ...x,
        mbps: megabytes(x.median, 100),
        floor: { name: 'iterator nextv + msgpackr unpack, 8 partitions', median: r.floor.median },
        note: `${count(n)} messages`,
      })
    }
  }
  await store.close()
  await log.close()
}

// ── rebalance time when a member joins or leaves ─────────────────────────────────
for (const kind of ['memory', 'disk']) {
  const rounds = quick ? 40 : 150
  const joins = []
  const leaves = []
  const once = async () => {
    const dir = kind === 'disk' ? tmp() : undefined
    const log = await open(kind, dir)
    await log.createTopic('r', { partitions: 8 })
    const base = log.consumer({ groupId: 'rb' })
    await base.subscribe('r')
    await base.run({ eachMessage: async () => undefined })
    const j = []
    const l = []
    for (let i = 0; i < rounds; i++) {
      const t0 = now()
      const c = log.consumer({ groupId: 'rb' })
      await c.subscribe('r')
      await c.run({ eachMessage: async () => undefined })
      await log.waitForGroup('rb')
      j.push(secondsSince(t0) * 1e3)
      const t1 = now()
      await c.close()
      await log.waitForGroup('rb')
      l.push(secondsSince(t1) * 1e3)
    }
    await log.close()
    if (dir) rmTmp(dir)
    joins.push(percentiles(j))
    leaves.push(percentiles(l))
    return percentiles(j)
  }
  const r = await raceLatency(`rebalance ${kind}`, { join: once })
  const measured = (xs) => xs.slice(-r.join.runs)
  for (const [what, xs] of [['join', measured(joins)], ['leave', measured(leaves)]]) {
    const p50s = xs.map((x) => x.p50).sort((a, b) => a - b)
    const mid = (k) => xs.map((x) => x[k]).sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]
    emit({
      id: `rebalance.${kind}.${what}`,
      section: 'groups',
      store: kind,
      scenario: `rebalance when a member ${what}s a group of ${what === 'join' ? 1 : 2} over 8 partitions (until the group is stable)`,
      kind: 'latency',
      unit: 'ms',
      p50: mid('p50'),
      p99: mid('p99'),
      p999: mid('p999'),
      median: mid('p50'),
      min: p50s[0],
      max: p50s[p50s.length - 1],
      runs: xs.length,
      ...(kind === 'memory' ? { targets: [{ kind: 'max', stat: 'p50', value: 5, text: 'p50 < 5 ms' }] } : {}),
      note: `${rounds} ${what}s a run`,
    })
  }
}

// ── end-to-end latency at a fixed rate ───────────────────────────────────────────
// Sends are paced by a 1 ms interval timer that sends whatever is due by then (a busy
// loop would take a core from LevelDB and make garbage the collector must chase), and
// the first WARM seconds of each run (a fresh log, a group joining) are not counted.
const seconds = quick ? 0.5 : 3
const WARM = quick ? 0.25 : 0.5
for (const kind of ['disk', 'memory']) {
  for (const rate of [1000, 10_000]) {
    const value = values(100)[0]
    const r = await raceLatency(
      `end-to-end at ${rate} msg/s, ${kind}`,
      {
        e2e: async () => {
          const dir = kind === 'disk' ? tmp() : undefined
          const log = await open(kind, dir)
          await log.createTopic('e', { partitions: 1 })
          const total = Math.round(rate * (WARM + seconds))
          const counted = Math.round(rate * WARM)
          const sentAt = new Float64Array(total)
          const lat = []
          let seen = 0
          let allSeen
          const done = new Promise((resolve) => (allSeen = resolve))
          const c = log.consumer({ groupId: 'e2e' })
          await c.subscribe('e')
          await c.run({
            eachMessage: async ({ message }) => {
              const i = Number(message.key)
              if (i >= counted) lat.push(performance.now() - sentAt[i])
              if (++seen === total) allSeen()
            },
          })
          const p = log.producer()
          const t0 = performance.now()
          let i = 0
          // Acknowledgements are counted, not kept: holding every send's promise (and its
          // metadata) would make each young-generation collection copy them all.
          let failed
          await new Promise((resolve) => {
            const tick = () => {
              const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate) + 1)
              for (; i < due; i++) {
                sentAt[i] = performance.now()
                p.send('e', { key: String(i), value }).catch((err) => (failed = err))
              }
              if (i >= total) {
                clearInterval(timer)
                resolve()
              }
            }
            const timer = setInterval(tick, 1)
            tick()
          })
          await p.flush()
          if (failed) throw failed
          await done
          await log.close()
          if (dir) rmTmp(dir)
          return percentiles(lat)
        },
      },
      { runs: quick ? 2 : RUNS },
    )
    emit({
      id: `e2e.${kind}.${rate}`,
      section: 'latency',
      store: kind,
      scenario: `end-to-end, produce → eachMessage, at a fixed ${count(rate)} msg/s (single sends, 100 B; after ${WARM} s of warm-up)`,
      kind: 'latency',
      unit: 'ms',
      ...r.e2e,
      ...(kind === 'disk' && rate === 10_000 ? { targets: [{ kind: 'max', stat: 'p99', value: 2, text: 'p99 ≤ 2 ms' }] } : {}),
      note: `${count(rate * seconds)} messages counted a run`,
    })
  }
}
