// Partitioners: which partition a message goes to. The default is Kafka's: murmur2 of
// the key's bytes for keyed messages, and one partition per send (sticky, rotating) for
// keyless ones.
import { partitionForKey, partitionForStringKey } from '../util/murmur2.js'
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

/** Kafka's Java-compatible murmur2 partition of a key. */
export function murmur2Partition(key: Key, partitions: number): number {
  return typeof key === 'string' ? partitionForStringKey(key, partitions) : partitionForKey(key, partitions)
}
