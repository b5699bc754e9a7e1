// Partitioners: which partition a message goes to. The default is Kafka's: murmur2 of
// the key's bytes for keyed messages, and one partition per send (sticky, rotating) for
// keyless ones.
import { partitionForKey } from '../util/murmur2.js'
import type { Key } from '../types.js'

/** What a partitioner is told about a message. */
export interface PartitionerArgs {
  topic: string
  /** The topic's partition count. */
  partitions: number
  key: Key | null
  value: unknown
}

/** Picks a partition in [0, partitions) for a message. */
export type Partitioner = (args: PartitionerArgs) => number

const encoder = new TextEncoder()

/** The bytes Kafka hashes for a key: a string's UTF-8 bytes, or the bytes themselves. */
export function keyBytes(key: Key): Uint8Array {
  return typeof key === 'string' ? encoder.encode(key) : key
}

/** Kafka's Java-compatible murmur2 partition of a key. */
export function murmur2Partition(key: Key, partitions: number): number {
  return partitionForKey(keyBytes(key), partitions)
}
