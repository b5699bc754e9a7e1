// Damage to a log directory on disk is an error or a reported recovery, never a wrong
// value and never silently fewer records: one bit flipped in a table file, the
// write-ahead log cut at a random byte or one of its bits flipped, CURRENT removed.
// Each trial copies a prepared log, damages the copy, opens it, reads every partition
// and verifies it. The trials are seeded (KAFKETTE_DAMAGE_SEED) and bounded in number.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { KafketteError, openLog, type Log, type WalRecovery } from '../../lib/index.js'
import { runToExit } from '../helpers/child.js'
import { tempDir } from '../helpers/stores.js'

const TOPIC = 'd'
const PARTITIONS = 2
/** Records per partition in the table files, then in the write-ahead log. */
const IN_TABLES = 1500
const IN_WAL = 300
const TRIALS = Number(process.env.KAFKETTE_DAMAGE_TRIALS ?? 25)
const seed = Number(process.env.KAFKETTE_DAMAGE_SEED ?? Date.now() % 100_000)

/** A small seeded generator (mulberry32), so a failing trial can be replayed. */
function rng(s: number): () => number {
  return () => {
    s = (s + 0x6d2b79f5) | 0
    let t = Math.imul(s ^ (s >>> 15), 1 | s)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

/** The value stored at an offset: it names its own partition and offset. */
const valueAt = (p: number, o: number) => `${p}:${o}:${'x'.repeat(40 + (o % 50))}`

let template: string

async function produce(log: Log, from: number, count: number): Promise<void> {
  const p = log.producer()
  for (let at = from; at < from + count; at += 50) {
    for (let part = 0; part < PARTITIONS; part++) {
      await p.send(TOPIC, Array.from({ length: 50 }, (_, i) => ({ partition: part, key: `k${(at + i) % 97}`, value: valueAt(part, at + i) })))
    }
  }
}

beforeAll(async () => {
  template = tempDir()
  let log = await openLog({ dir: template, retentionCheckIntervalMs: 0 })
  await log.createTopic(TOPIC, { partitions: PARTITIONS })
  await produce(log, 0, IN_TABLES)
  await log.close()
  // Reopening moves the write-ahead log into a table file.
  log = await openLog({ dir: template, retentionCheckIntervalMs: 0 })
  await produce(log, IN_TABLES, IN_WAL)
  await log.close()
})

function copyOf(dir: string): string {
  const to = join(tempDir(), 'log')
  mkdirSync(to)
  for (const name of readdirSync(dir)) if (name !== 'LOCK') copyFileSync(join(dir, name), join(to, name))
  return to
}

type Outcome = 'open refused' | 'read refused' | 'verify reports' | 'intact' | 'recovered (reported)' | 'prefix at a write boundary'

/**
 * Opens `dir` and reads everything. Every value read must be the one written at its
 * offset, offsets dense from 0. Returns how the trial ended and the records read.
 */
async function openAndRead(dir: string): Promise<{ outcome: Outcome; read: number; recovered: readonly WalRecovery[] }> {
  let log: Log
  try {
    log = await openLog({ dir, retentionCheckIntervalMs: 0 })
  } catch (err) {
    expect(err).toBeInstanceOf(KafketteError)
    expect(['LOG_CORRUPT', 'LOG_IO_ERROR']).toContain((err as KafketteError).code)
    return { outcome: 'open refused', read: 0, recovered: [] }
  }
  try {
    let read = 0
    for (let part = 0; part < PARTITIONS; part++) {
      const c = log.consumer({ fromBeginning: true })
      c.assign([{ topic: TOPIC, partition: part }])
      let expected = 0
      for (;;) {
        let batch
        try {
          batch = await c.poll({ maxRecords: 1000, timeoutMs: 0 })
        } catch (err) {
          expect(err).toBeInstanceOf(KafketteError)
          expect((err as KafketteError).code).toBe('LOG_CORRUPT')
          expect((await log.verify()).ok).toBe(false)
          return { outcome: 'read refused', read, recovered: log.recovered }
        }
        if (batch.length === 0) break
        for (const m of batch) {
          expect(m.offset).toBe(expected++)
          expect(m.value).toBe(valueAt(part, m.offset))
        }
        read += batch.length
      }
      await c.close()
    }
    const report = await log.verify()
    if (!report.ok) return { outcome: 'verify reports', read, recovered: log.recovered }
    return { outcome: read === PARTITIONS * (IN_TABLES + IN_WAL) ? 'intact' : log.recovered.length > 0 ? 'recovered (reported)' : 'prefix at a write boundary', read, recovered: log.recovered }
  } finally {
    await log.close()
  }
}

/** The byte offsets where whole writes end in a write-ahead log (a cut there drops whole writes, which LevelDB cannot tell from none). */
function writeBoundaries(file: Buffer): Set<number> {
  const ends = new Set<number>([0])
  let at = 0
  while (at + 7 <= file.length) {
    const left = 32768 - (at % 32768)
    if (left < 7) {
      at += left
      ends.add(at)
      continue
    }
    const length = file.readUInt16LE(at + 4)
    const type = file[at + 6]!
    at += 7 + length
    if (type === 1 || type === 4) {
      ends.add(at)
      // the block's padding after it drops nothing either
      const rest = 32768 - (at % 32768)
      if (rest < 7) for (let i = 1; i <= rest; i++) ends.add(at + i)
    }
  }
  return ends
}

function files(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir).filter((n) => pattern.test(n)).sort()
}

describe(`a damaged log directory (seed ${seed})`, () => {
  it('has table files and a write-ahead log to damage', () => {
    expect(files(template, /\.ldb$/).length).toBeGreaterThan(0)
    expect(statSync(join(template, files(template, /\.log$/).at(-1)!)).size).toBeGreaterThan(10_000)
  })

  // LevelDB 1.20, as classic-level builds it, does not verify a table block's checksum when
  // it reads one, and may abort the process (an assertion in its own code) on a damaged
  // block: each trial runs in a child process, and an abort counts as an outcome, never a
  // wrong value. The README says so (Integrity).
  it(`one flipped bit in a table file: an error or an abort, never a wrong value or fewer records (${TRIALS} trials)`, { timeout: 180_000 }, async () => {
    const random = rng(seed)
    const seen: Record<string, number> = {}
    for (let trial = 0; trial < TRIALS; trial++) {
      const dir = copyOf(template)
      const tables = files(dir, /\.ldb$/)
      const table = join(dir, tables[Math.floor(random() * tables.length)]!)
      const bytes = readFileSync(table)
      const at = Math.floor(random() * bytes.length)
      bytes[at]! ^= 1 << Math.floor(random() * 8)
      writeFileSync(table, bytes)
      const child = await runToExit('damaged-read.mjs', [dir, TOPIC, String(PARTITIONS)])
      const where = `trial ${trial} (seed ${seed}): byte ${at} of ${table.slice(dir.length + 1)}`
      if (child.signal !== null) {
        expect(child.signal, where).toBe('SIGABRT')
        seen['store aborted'] = (seen['store aborted'] ?? 0) + 1
      } else {
        expect(child.code, `${where}: ${child.stderr}`).toBe(0)
        const r = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { outcome: string; read: number; problems: string[]; code?: string }
        expect(r.problems, where).toEqual([])
        if (r.outcome === 'open refused') expect(['LOG_CORRUPT', 'LOG_IO_ERROR'], where).toContain(r.code)
        // A table holds no write-ahead log: nothing may go missing without an error.
        if (r.outcome === 'read') expect(r.read, where).toBe(PARTITIONS * (IN_TABLES + IN_WAL))
        seen[r.outcome] = (seen[r.outcome] ?? 0) + 1
      }
      rmSync(dir, { recursive: true, force: true })
    }
    expect(Object.keys(seen).length).toBeGreaterThan(0)
  })

  it(`the write-ahead log cut at a random byte: what is lost is reported, what is read is right (${TRIALS} trials)`, { timeout: 120_000 }, async () => {
    const random = rng(seed + 1)
    let reported = 0
    for (let trial = 0; trial < TRIALS; trial++) {
      const dir = copyOf(template)
      const wal = join(dir, files(dir, /\.log$/).at(-1)!)
      const original = readFileSync(wal)
      const cut = Math.floor(random() * original.length)
      truncateSync(wal, cut)
      const { outcome, read, recovered } = await openAndRead(dir)
      expect(['intact', 'recovered (reported)', 'prefix at a write boundary']).toContain(outcome)
      if (outcome === 'prefix at a write boundary') expect(writeBoundaries(original).has(cut), `trial ${trial}: cut at ${cut} is not a write boundary, yet nothing was reported`).toBe(true)
      if (outcome === 'recovered (reported)') {
        reported++
        expect(recovered).toEqual([expect.objectContaining({ reason: 'torn tail', fromByte: expect.any(Number), droppedBytes: cut - recovered[0]!.fromByte, droppedWrites: 1 })])
        expect(read).toBeLessThan(PARTITIONS * (IN_TABLES + IN_WAL))
      }
      rmSync(dir, { recursive: true, force: true })
    }
    expect(reported).toBeGreaterThan(0)
  })

  it('a flipped bit in the write-ahead log is reported as a checksum mismatch, and the records it held are not read as others', { timeout: 120_000 }, async () => {
    const random = rng(seed + 2)
    for (let trial = 0; trial < Math.ceil(TRIALS / 3); trial++) {
      const dir = copyOf(template)
      const wal = join(dir, files(dir, /\.log$/).at(-1)!)
      const bytes = readFileSync(wal)
      const at = Math.floor(random() * bytes.length)
      bytes[at]! ^= 1 << Math.floor(random() * 8)
      writeFileSync(wal, bytes)
      const { outcome, recovered } = await openAndRead(dir)
      expect(outcome).not.toBe('prefix at a write boundary')
      if (outcome !== 'intact' && outcome !== 'open refused') expect(recovered.length).toBeGreaterThan(0)
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('the event tells a listener added as openLog resolves', async () => {
    const dir = copyOf(template)
    const wal = join(dir, files(dir, /\.log$/).at(-1)!)
    truncateSync(wal, statSync(wal).size - 3)
    const log = await openLog({ dir, retentionCheckIntervalMs: 0 })
    const heard = await new Promise<WalRecovery[]>((resolve) => log.once('log.recovery', resolve))
    expect(heard).toEqual([...log.recovered])
    expect(heard[0]).toMatchObject({ reason: 'torn tail', droppedWrites: 1, droppedOps: expect.any(Number) })
    await log.close()
  })

  it('without CURRENT the directory is refused and left as it was', async () => {
    const dir = copyOf(template)
    rmSync(join(dir, 'CURRENT'))
    const before = readdirSync(dir).sort()
    expect((await openAndRead(dir)).outcome).toBe('open refused')
    expect(readdirSync(dir).sort()).toEqual(before)
  })
})
