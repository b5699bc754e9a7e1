// The floor: what the machine does with the same bytes and nothing of kafkette around
// them. msgpackr packs the same record arrays, classic-level (disk) or memory-level
// (memory) stores each packed batch as one raw value under a key laid out as kafkette's
// (one put per batch, one db.batch per send), and reads them back with iterator nextv
// and msgpackr unpack; raw fs appends the same packed bytes to a file (writeSync, no fsync,
// as kafkette's default ack is not fsynced either).
import { closeSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { MemoryLevel } from 'memory-level'
import { Packr } from 'msgpackr'
import { now, rmTmp, secondsSince, tmp } from './harness.mjs'

/** The same options kafkette's codec packs with. */
export const packr = new Packr({ moreTypes: true })

/** A raw store of the kind ('disk' | 'memory'), opened; close() also removes its directory. */
export async function rawStore(kind) {
  const opts = { keyEncoding: 'buffer', valueEncoding: 'buffer' }
  const dir = kind === 'disk' ? tmp('kafkette-floor-') : undefined
  const db = dir ? new ClassicLevel(dir, opts) : new MemoryLevel(opts)
  await db.open()
  return {
    db,
    async close() {
      await db.close()
      if (dir) rmTmp(dir)
    },
  }
}

/** A record key as kafkette lays it out: space 0x02, topic id, partition, last offset. */
export function recordKey(partition, lastOffset) {
  const k = Buffer.allocUnsafe(17)
  k[0] = 2
  k.writeUInt32BE(1, 1)
  k.writeUInt32BE(partition, 5)
  k.writeBigUInt64BE(BigInt(lastOffset), 9)
  return k
}

/** Writes `total` sends (cycling through floorSends) to a fresh store; resolves with messages/s. */
export async function floorProduce(kind, floor, total) {
  const store = await rawStore(kind)
  const next = new Map()
  let messages = 0
  const t0 = now()
  for (let s = 0; s < total; s++) {
    const parts = floor[s % floor.length]
    if (parts.length === 1) {
      const { partition, record, count } = parts[0]
      record[0] = Date.now()
      const last = (next.get(partition) ?? 0) + count
      next.set(partition, last)
      await store.db.put(recordKey(partition, last - 1), packr.pack(record))
      messages += count
    } else {
      const ops = new Array(parts.length)
      const ts = Date.now()
      for (let i = 0; i < parts.length; i++) {
        const { partition, record, count } = parts[i]
        record[0] = ts
        const last = (next.get(partition) ?? 0) + count
        next.set(partition, last)
        ops[i] = { type: 'put', key: recordKey(partition, last - 1), value: packr.pack(record) }
        messages += count
      }
      await store.db.batch(ops)
    }
  }
  const rate = messages / secondsSince(t0)
  await store.close()
  return rate
}

/** Appends `total` packed sends to a file with writeSync; resolves with messages/s. */
export async function floorAppend(floor, total) {
  const dir = tmp('kafkette-fs-')
  const fd = openSync(join(dir, 'log'), 'a')
  let messages = 0
  const t0 = now()
  for (let s = 0; s < total; s++) {
    for (const { record, count } of floor[s % floor.length]) {
      record[0] = Date.now()
      writeSync(fd, packr.pack(record))
      messages += count
    }
  }
  const rate = messages / secondsSince(t0)
  closeSync(fd)
  rmTmp(dir)
  return rate
}

/** A raw store holding `total` packed sends, for the read floor. */
export async function filledStore(kind, floor, total) {
  const store = await rawStore(kind)
  const next = new Map()
  let messages = 0
  for (let s = 0; s < total; s++) {
    const ops = floor[s % floor.length].map(({ partition, record, count }) => {
      record[0] = Date.now()
      const last = (next.get(partition) ?? 0) + count
      next.set(partition, last)
      messages += count
      return { type: 'put', key: recordKey(partition, last - 1), value: packr.pack(record) }
    })
    await store.db.batch(ops)
  }
  return { ...store, messages }
}

/** Entries per nextv call of the read floor (the fastest chunk measured on this design; see README). */
export const FLOOR_NEXTV = 64

/** Reads every batch of a filled store with nextv and unpacks it; resolves with messages/s. */
export async function floorConsume(store) {
  const t0 = now()
  let n = 0
  const it = store.db.iterator()
  for (;;) {
    const entries = await it.nextv(FLOOR_NEXTV)
    if (entries.length === 0) break
    for (const [, value] of entries) n += packr.unpack(value)[2].length >> 2
  }
  await it.close()
  if (n !== store.messages) throw new Error(`read floor read ${n} of ${store.messages} messages`)
  return n / secondsSince(t0)
}
