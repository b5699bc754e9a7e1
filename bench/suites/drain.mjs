// Draining a backlog of 1,000,000 records (100 B values, 1,000-record sends, one partition)
// on disk and in memory with for await, poll and run({ eachBatch }): the throughput and the
// longest gap between ticks of a 0 ms timer while it drains (how long the consumer held the
// event loop). With `--before=<a built dist/esm/index.js>` (another build of kafkette, say
// the main branch's), that build drains the same records in the same rounds, taking turns
// with this one, and each row gives the ratio of this build's throughput to it, by wall
// time and by CPU time (process.cpuUsage: on a shared machine, the steadier of the two).
import { pathToFileURL } from 'node:url'
import { resolve } from 'node:path'
import * as after from '../../dist/esm/index.js'
import { count, now, progress, quick, race, results, secondsSince, tmp } from '../lib/harness.mjs'

const { emit } = results('drain')
const beforeArg = process.argv.find((a) => a.startsWith('--before='))?.slice('--before='.length)
const builds = { after, ...(beforeArg ? { before: await import(pathToFileURL(resolve(beforeArg)).href) } : {}) }
const N = quick ? 200_000 : 1_000_000
const SEND = 1000
const value = 'x'.repeat(100)

/** Runs `drain`, ticking a 0 ms timer beside it; resolves with the longest gap between ticks, in ms. */
async function withTicks(drain) {
  let last = performance.now()
  let longest = 0
  let timer
  const arm = () => {
    timer = setTimeout(() => {
      const t = performance.now()
      longest = Math.max(longest, t - last)
      last = t
      arm()
    }, 0)
  }
  arm()
  await drain()
  clearTimeout(timer)
  return Math.max(longest, performance.now() - last)
}

let groups = 0
const WAYS = {
  'for await': async (log) => {
    const c = log.consumer({ fromBeginning: true, maxPollRecords: 1000 })
    c.assign([{ topic: 't', partition: 0 }])
    let got = 0
    for await (const _m of c) if (++got === N) break
    await c.close()
  },
  poll: async (log) => {
    const c = log.consumer({ fromBeginning: true })
    c.assign([{ topic: 't', partition: 0 }])
    let got = 0
    while (got < N) got += (await c.poll({ maxRecords: 1000, timeoutMs: 0 })).length
    await c.close()
  },
  eachBatch: async (log) => {
    const c = log.consumer({ groupId: `g${groups++}`, fromBeginning: true, maxPollRecords: 1000 })
    let got = 0
    let done
    const all = new Promise((r) => (done = r))
    await c.subscribe('t')
    await c.run({ eachBatch: async ({ batch }) => ((got += batch.messages.length) >= N ? done() : undefined) })
    await all
    await c.close()
  },
}

async function fill(api, options) {
  const log = await api.openLog({ ...options, retentionCheckIntervalMs: 0 })
  if (!log.hasTopic('t')) {
    await log.createTopic('t', { config: { retentionMs: -1 } })
    const p = log.producer()
    const send = Array.from({ length: SEND }, () => ({ value }))
    for (let s = 0; s < N / SEND; s++) await p.send('t', send)
  }
  return log
}

for (const kind of ['disk', 'memory']) {
  progress(`drain ${kind}: writing ${count(N)} records${builds.before ? ' (for each build, in memory)' : ''}`)
  const dir = kind === 'disk' ? tmp() : undefined
  // On disk both builds open the same directory in turn; in memory each has its own log.
  const memoryLogs = {}
  if (kind === 'disk') await (await fill(after, { dir })).close()
  else for (const [name, api] of Object.entries(builds)) memoryLogs[name] = await fill(api, { memory: true })
  for (const [way, drain] of Object.entries(WAYS)) {
    const gaps = Object.fromEntries(Object.keys(builds).map((b) => [b, []]))
    const cpuRates = Object.fromEntries(Object.keys(builds).map((b) => [b, []]))
    const contenders = {}
    for (const [name, api] of Object.entries(builds)) {
      contenders[name] = async () => {
        const log = kind === 'disk' ? await api.openLog({ dir, retentionCheckIntervalMs: 0 }) : memoryLogs[name]
        const t0 = now()
        const cpu0 = process.cpuUsage()
        const gap = await withTicks(() => drain(log))
        const rate = N / secondsSince(t0)
        const cpu = process.cpuUsage(cpu0)
        gaps[name].push(gap)
        cpuRates[name].push(N / ((cpu.user + cpu.system) / 1e6))
        if (kind === 'disk') await log.close()
        return rate
      }
    }
    const r = await race(`drain ${kind}, ${way}`, contenders)
    for (const name of Object.keys(builds)) {
      // the warm-up run's gap is not counted
      const g = gaps[name].slice(1).sort((a, b) => a - b)
      const ratio = name === 'after' && builds.before ? r.after.median / r.before.median : undefined
      const cpuMedian = (b) => cpuRates[b].slice(1).sort((x, y) => x - y)[Math.floor((cpuRates[b].length - 2) / 2)]
      const cpuRatio = ratio !== undefined ? cpuMedian('after') / cpuMedian('before') : undefined
      const scenario = `drain ${count(N)} records (100 B) with ${way === 'eachBatch' ? 'run({ eachBatch })' : way === 'poll' ? 'poll({ maxRecords: 1000 })' : 'for await'}${name === 'before' ? ' — the --before build' : ''}`
      emit({
        id: `drain.${kind}.${way.replace(' ', '')}${name === 'before' ? '.before' : ''}`,
        section: 'drain',
        store: kind,
        scenario,
        kind: 'throughput',
        ...r[name],
        ...(ratio !== undefined ? { ratioToBefore: ratio, cpuRatioToBefore: cpuRatio, targets: [{ kind: 'min', stat: 'cpuRatioToBefore', value: 0.95, text: '≥ 0.95× the --before build (CPU time)' }] } : {}),
        note: `${ratio !== undefined ? `${ratio.toFixed(3)}× the --before build's ${count(r.before.median)} msg/s by wall time, ${cpuRatio.toFixed(3)}× by CPU time; ` : ''}longest timer gap: median ${g[Math.floor((g.length - 1) / 2)].toFixed(1)} ms, max ${g[g.length - 1].toFixed(1)} ms`,
      })
      emit({
        id: `drain.${kind}.${way.replace(' ', '')}.gap${name === 'before' ? '.before' : ''}`,
        section: 'drain',
        store: kind,
        scenario: `longest gap between ticks of a 0 ms timer, ${scenario}`,
        kind: 'value',
        unit: 'ms',
        ...{ median: g[Math.floor((g.length - 1) / 2)], min: g[0], max: g[g.length - 1], runs: g.length },
        ...(name === 'after' ? { targets: [{ kind: 'max', stat: 'max', value: 20, text: 'every run < 20 ms' }] } : {}),
      })
    }
  }
  for (const log of Object.values(memoryLogs)) await log.close()
}
