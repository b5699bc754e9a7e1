// Transactions and idempotence, on disk and in memory, each raced in the same rounds
// against what it adds to: a transaction of 1,000 messages to one partition, committed,
// against a plain send of the same 1,000 (and an idempotent send); read_committed
// consumption of a topic with no open transaction against read_uncommitted on the same
// log; and the exactly-once loop (poll 1,000, send them transformed in a transaction with
// the group's offsets, commit) on disk.
import { openLog } from '../../dist/esm/index.js'
import { megabytes, sends } from '../lib/data.mjs'
import { count, now, progress, quick, race, results, rmTmp, secondsSince, tmp } from '../lib/harness.mjs'

const { emit } = results('transactions')
const SCALE = quick ? 0.3 : 1

async function freshLog(kind) {
  const dir = kind === 'disk' ? tmp() : undefined
  const log = await openLog(dir ? { dir, retentionCheckIntervalMs: 0 } : { memory: true, retentionCheckIntervalMs: 0 })
  await log.createTopic('t', { config: { retentionMs: -1 } })
  return {
    log,
    async close() {
      await log.close()
      if (dir) rmTmp(dir)
    },
  }
}

// ── a 1,000-message transaction against a plain send of the same 1,000 ───────────
const list = sends({ batch: 1000, size: 100, keyed: false })
const batches = Math.round(300 * SCALE)
for (const kind of ['disk', 'memory']) {
  const ways = {
    plain: async () => {
      const { log, close } = await freshLog(kind)
      const p = log.producer()
      const t0 = now()
      for (let s = 0; s < batches; s++) await p.send('t', list[s % list.length])
      const rate = (batches * 1000) / secondsSince(t0)
      await close()
      return rate
    },
    idempotent: async () => {
      const { log, close } = await freshLog(kind)
      const p = log.producer({ idempotent: true })
      const t0 = now()
      for (let s = 0; s < batches; s++) await p.send('t', list[s % list.length])
      const rate = (batches * 1000) / secondsSince(t0)
      await close()
      return rate
    },
    transaction: async () => {
      const { log, close } = await freshLog(kind)
      const p = log.producer({ transactionalId: 'bench' })
      const t0 = now()
      for (let s = 0; s < batches; s++) {
        const tx = await p.transaction()
        await tx.send('t', list[s % list.length])
        await tx.commit()
      }
      const rate = (batches * 1000) / secondsSince(t0)
      await close()
      return rate
    },
  }
  const r = await race(`1,000-message transactions against plain sends, ${kind}`, ways)
  emit({
    id: `txn.produce.${kind}`,
    section: 'transactions',
    store: kind,
    scenario: 'a transaction of one 1,000-message send to 1 partition, committed (100 B values), against a plain send of the same 1,000',
    kind: 'throughput',
    ...r.transaction,
    mbps: megabytes(r.transaction.median, 100),
    floor: { name: 'plain producer.send of the same 1,000', median: r.plain.median },
    targets: [{ kind: 'floor', min: 0.77, text: 'cost ≤ 1.3× a plain send' }],
    note: `${count(batches)} transactions a run`,
  })
  emit({
    id: `txn.idempotent.${kind}`,
    section: 'transactions',
    store: kind,
    scenario: 'an idempotent producer, 1,000-message sends to 1 partition (100 B values), against a plain send of the same 1,000',
    kind: 'throughput',
    ...r.idempotent,
    mbps: megabytes(r.idempotent.median, 100),
    floor: { name: 'plain producer.send of the same 1,000', median: r.plain.median },
    note: `${count(batches)} sends a run`,
  })
}

// ── read_committed against read_uncommitted, no open transaction ────────────────
// The targeted figure reads a topic half written in committed transactions, half plainly
// (markers to skip, no aborted record); a second one, for information, aborts one
// transaction in ten (read_committed then returns 5% fewer records for the same reading).
for (const kind of ['disk', 'memory']) {
  for (const aborts of [false, true]) {
    const n = Math.round((quick ? 100_000 : 300_000) / 1000) * 1000
    progress(`read_committed ${kind}${aborts ? ', with aborts' : ''}: writing ${count(n)} messages`)
    const dir = kind === 'disk' ? tmp() : undefined
    const log = await openLog(dir ? { dir, retentionCheckIntervalMs: 0 } : { memory: true, retentionCheckIntervalMs: 0 })
    await log.createTopic('t', { config: { retentionMs: -1 } })
    const p = log.producer({ transactionalId: 'fill' })
    const plain = log.producer()
    for (let s = 0; s < n / 1000; s++) {
      if (s % 2 === 0) {
        await plain.send('t', list[s % list.length])
        continue
      }
      const tx = await p.transaction()
      await tx.send('t', list[s % list.length])
      await (aborts && s % 20 === 1 ? tx.abort() : tx.commit())
    }
    const read = (isolationLevel) => async () => {
      const c = log.consumer({ fromBeginning: true, isolationLevel })
      c.assign([{ topic: 't', partition: 0 }])
      let got = 0
      const t0 = now()
      for (;;) {
        const batch = await c.poll({ maxRecords: 1000, timeoutMs: 0 })
        if (batch.length === 0) break
        got += batch.length
      }
      const rate = got / secondsSince(t0)
      await c.close()
      return rate
    }
    const r = await race(`read_committed against read_uncommitted${aborts ? ', with aborts' : ''}, ${kind}`, { read_uncommitted: read('read_uncommitted'), read_committed: read('read_committed') })
    emit({
      id: `txn.consume.${kind}${aborts ? '.aborts' : ''}`,
      section: 'transactions',
      store: kind,
      scenario: `consume 1 partition read_committed with poll, no open transaction (half the records in committed transactions${aborts ? ', and 1 transaction in 10 aborted' : ''}), against read_uncommitted on the same log`,
      kind: 'throughput',
      ...r.read_committed,
      mbps: megabytes(r.read_committed.median, 100),
      floor: { name: 'read_uncommitted poll of the same log', median: r.read_uncommitted.median },
      ...(aborts ? {} : { targets: [{ kind: 'floor', min: 0.95 }] }),
      note: `${count(n)} records written; records/s delivered`,
    })
    await log.close()
    if (dir) rmTmp(dir)
  }
}

// ── the exactly-once loop on disk ───────────────────────────────────────────────
{
  const n = Math.round((quick ? 100_000 : 300_000) / 1000) * 1000
  const loop = async () => {
    const dir = tmp()
    const log = await openLog({ dir, retentionCheckIntervalMs: 0 })
    await log.createTopic('in', { config: { retentionMs: -1 } })
    await log.createTopic('out', { config: { retentionMs: -1 } })
    const input = log.producer()
    for (let s = 0; s < n / 1000; s++) await input.send('in', list[s % list.length])
    const consumer = log.consumer({ groupId: 'eos', autoCommit: false, fromBeginning: true, maxPollRecords: 1000 })
    await consumer.subscribe(['in'])
    const producer = log.producer({ transactionalId: 'eos' })
    let done = 0
    const t0 = now()
    while (done < n) {
      const batch = await consumer.poll({ maxRecords: 1000, timeoutMs: 1000 })
      if (batch.length === 0) continue
      const tx = await producer.transaction()
      await tx.send('out', batch.map((m) => ({ key: m.key, value: m.value })))
      const last = batch[batch.length - 1]
      await tx.sendOffsets({ groupId: 'eos', offsets: [{ topic: 'in', partition: last.partition, offset: last.offset + 1 }] })
      await tx.commit()
      done += batch.length
    }
    const rate = n / secondsSince(t0)
    await consumer.close()
    await log.close()
    rmTmp(dir)
    return rate
  }
  const r = await race('the exactly-once loop, disk', { loop })
  emit({
    id: 'txn.eos.disk',
    section: 'transactions',
    store: 'disk',
    scenario: 'exactly-once loop: poll 1,000, send them in a transaction with the group offsets, commit (100 B values)',
    kind: 'throughput',
    ...r.loop,
    mbps: megabytes(r.loop.median, 100),
    targets: [{ kind: 'min', stat: 'median', value: 100_000, text: '≥ 100,000 records/s' }],
    note: `${count(n)} records a run`,
  })
}
