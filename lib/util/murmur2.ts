// Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2) and the partition it
// picks for a key, bit for bit, so a key lands where a Java client would put it.

const SEED = 0x9747b28c
const M = 0x5bd1e995

/** Kafka's 32-bit murmur2 of the first `length` bytes of `data` (a signed int, as Java returns it). */
export function murmur2(data: Uint8Array, length = data.length): number {
  let h = (SEED ^ length) | 0
  const length4 = length >> 2
  for (let i = 0; i < length4; i++) {
    const i4 = i << 2
    let k = (data[i4]! & 0xff) | ((data[i4 + 1]! & 0xff) << 8) | ((data[i4 + 2]! & 0xff) << 16) | ((data[i4 + 3]! & 0xff) << 24)
    k = Math.imul(k, M)
    k ^= k >>> 24
    k = Math.imul(k, M)
    h = Math.imul(h, M)
    h ^= k
  }
  const index = length4 << 2
  switch (length % 4) {
    case 3:
      h ^= (data[index + 2]! & 0xff) << 16
    // falls through
    case 2:
      h ^= (data[index + 1]! & 0xff) << 8
    // falls through
    case 1:
      h ^= data[index]! & 0xff
      h = Math.imul(h, M)
  }
  h ^= h >>> 13
  h = Math.imul(h, M)
  h ^= h >>> 15
  return h | 0
}

/** Kafka's `toPositive(murmur2(key)) % partitions`. */
export function partitionForKey(key: Uint8Array, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions
}

let scratch = new Uint8Array(256)
const encoder = new TextEncoder()

/**
 * Kafka's partition for a string key: murmur2 of its UTF-8 bytes. An ASCII key (the
 * usual kind) is copied byte by byte into a reused buffer, so hashing it allocates
 * nothing; any other key is encoded first.
 */
export function partitionForStringKey(key: string, partitions: number): number {
  const n = key.length
  if (n > scratch.length) scratch = new Uint8Array(Math.max(n, scratch.length * 2))
  const bytes = scratch
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i)
    if (c > 0x7f) return partitionForKey(encoder.encode(key), partitions)
    bytes[i] = c
  }
  return (murmur2(bytes, n) & 0x7fffffff) % partitions
}
