// The bytes every contender handles: message values (strings of random base64url
// characters, distinct within a send, so LevelDB's block compression cannot shrink them
// to nothing), keys, kafkette messages, and the record arrays the floor packs — the very
// layout kafkette's batch codec packs, [baseTimestamp, null, flat] with flat holding
// [timestampDelta, key, value, headers] per record.
import { randomBytes } from 'node:crypto'
import { murmur2Partition } from '../../dist/esm/index.js'

const POOL = 1000
const pools = new Map()
/** POOL distinct values of `size` characters (one byte each). */
export function values(size) {
  let pool = pools.get(size)
  if (!pool) {
    pool = Array.from({ length: POOL }, () => randomBytes(size).toString('base64url').slice(0, size))
    pools.set(size, pool)
  }
  return pool
}

/** The key of message i (used where a topic has more than one partition). */
export const keyOf = (i) => `user-${String(i % 100_000).padStart(6, '0')}`

/**
 * `sends` distinct sends of `batch` messages with `size`-character values; keyed when
 * `keyed` (then murmur2 spreads them over the partitions), else keyless.
 */
export function sends({ batch, size, keyed, distinct = 16 }) {
  const pool = values(size)
  const out = []
  for (let s = 0; s < distinct; s++) {
    const msgs = new Array(batch)
    for (let i = 0; i < batch; i++) {
      const n = s * batch + i
      msgs[i] = keyed ? { key: keyOf(n), value: pool[n % POOL] } : { value: pool[n % POOL] }
    }
    out.push(msgs)
  }
  return out
}

/**
 * The floor's view of the same sends: per send, one record array per partition
 * (partition chosen exactly as kafkette chooses it: murmur2 of the key, or all in one
 * partition without keys), in kafkette's codec layout.
 */
export function floorSends(kafketteSends, partitions) {
  return kafketteSends.map((msgs) => {
    const byPartition = new Map()
    for (const m of msgs) {
      const p = m.key === undefined ? 0 : murmur2Partition(m.key, partitions)
      let flat = byPartition.get(p)
      if (!flat) byPartition.set(p, (flat = []))
      flat.push(0, m.key ?? null, m.value, null)
    }
    return [...byPartition].map(([partition, flat]) => ({ partition, record: [0, null, flat], count: flat.length / 4 }))
  })
}

/** Payload megabytes of `messages` values of `size` bytes. */
export const megabytes = (messages, size) => (messages * size) / 1e6
