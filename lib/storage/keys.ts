// The key layout of a log's LevelDB (DESIGN.md "Storage layout"): a one-byte space
// prefix, then big-endian fields, so keys sort in the order they are read.

export const SPACE_META = 0x00
export const SPACE_TOPICS = 0x01
export const SPACE_RECORDS = 0x02
export const SPACE_PARTITION_STATE = 0x03
export const SPACE_GROUP_OFFSETS = 0x04
export const SPACE_PRODUCER_STATE = 0x05
export const SPACE_TIME_INDEX = 0x06
export const SPACE_TRANSACTIONS = 0x07
export const SPACE_ABORTED_TXNS = 0x08

const TWO_32 = 0x1_0000_0000

function writeU64(buf: Buffer, value: number, at: number): void {
  buf.writeUInt32BE(Math.floor(value / TWO_32), at)
  buf.writeUInt32BE(value >>> 0, at + 4)
}

/** Reads a u64 written by this module (always a safe integer). */
export function readU64(buf: Uint8Array, at: number): number {
  const b = buf as Buffer
  return b.readUInt32BE(at) * TWO_32 + b.readUInt32BE(at + 4)
}

/** A key in the meta space: 0x00 · name. */
export function metaKey(name: string): Buffer {
  return Buffer.concat([Buffer.of(SPACE_META), Buffer.from(name, 'utf8')])
}

/** A topic's key: 0x01 · name. */
export function topicKey(name: string): Buffer {
  return Buffer.concat([Buffer.of(SPACE_TOPICS), Buffer.from(name, 'utf8')])
}

/** The topic name held in a topic key. */
export function topicNameOf(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset + 1, key.byteLength - 1).toString('utf8')
}

/** The whole space `space`: [gte, lt). */
export function spaceRange(space: number): { gte: Buffer; lt: Buffer } {
  return { gte: Buffer.of(space), lt: Buffer.of(space + 1) }
}

/** A record batch's key: 0x02 · topicId u32 · partition u32 · last offset u64. */
export function recordKey(topicId: number, partition: number, lastOffset: number): Buffer {
  const buf = Buffer.allocUnsafe(17)
  buf[0] = SPACE_RECORDS
  buf.writeUInt32BE(topicId, 1)
  buf.writeUInt32BE(partition, 5)
  writeU64(buf, lastOffset, 9)
  return buf
}

/** The last offset held in a record batch key. */
export function lastOffsetOf(key: Uint8Array): number {
  return readU64(key, 9)
}

/** Every record batch key of one partition: [gte, lt). */
export function partitionRecordsRange(topicId: number, partition: number): { gte: Buffer; lt: Buffer } {
  return { gte: recordKey(topicId, partition, 0), lt: prefixEnd(topicPartitionPrefix(SPACE_RECORDS, topicId, partition)) }
}

/** Every key of one topic in `space` (records, partition state, time index). */
export function topicRange(space: number, topicId: number): { gte: Buffer; lt: Buffer } {
  const p = Buffer.allocUnsafe(5)
  p[0] = space
  p.writeUInt32BE(topicId, 1)
  return { gte: p, lt: prefixEnd(p) }
}

/** A partition's state key: 0x03 · topicId · partition. */
export function partitionStateKey(topicId: number, partition: number): Buffer {
  return topicPartitionPrefix(SPACE_PARTITION_STATE, topicId, partition)
}

/** A time-index key: 0x06 · topicId · partition · max timestamp u64 · last offset u64. */
export function timeIndexKey(topicId: number, partition: number, maxTimestamp: number, lastOffset: number): Buffer {
  const buf = Buffer.allocUnsafe(25)
  buf[0] = SPACE_TIME_INDEX
  buf.writeUInt32BE(topicId, 1)
  buf.writeUInt32BE(partition, 5)
  writeU64(buf, Math.max(0, maxTimestamp), 9)
  writeU64(buf, lastOffset, 17)
  return buf
}

/** Decodes a time-index key. */
export function parseTimeIndexKey(key: Uint8Array): { maxTimestamp: number; lastOffset: number } {
  return { maxTimestamp: readU64(key, 9), lastOffset: readU64(key, 17) }
}

/** Every time-index key of one partition: [gte, lt). */
export function partitionTimeIndexRange(topicId: number, partition: number): { gte: Buffer; lt: Buffer } {
  const p = topicPartitionPrefix(SPACE_TIME_INDEX, topicId, partition)
  return { gte: p, lt: prefixEnd(p) }
}

/** A producer's state on one partition: 0x05 · producerId u64 · topicId · partition. */
export function producerStateKey(producerId: number, topicId: number, partition: number): Buffer {
  const buf = Buffer.allocUnsafe(17)
  buf[0] = SPACE_PRODUCER_STATE
  writeU64(buf, producerId, 1)
  buf.writeUInt32BE(topicId, 9)
  buf.writeUInt32BE(partition, 13)
  return buf
}

/** Decodes a producer-state key. */
export function parseProducerStateKey(key: Uint8Array): { producerId: number; topicId: number; partition: number } {
  const b = key as Buffer
  return { producerId: readU64(key, 1), topicId: b.readUInt32BE(9), partition: b.readUInt32BE(13) }
}

/** Every producer-state key of one producer: [gte, lt). */
export function producerStateRange(producerId: number): { gte: Buffer; lt: Buffer } {
  const p = Buffer.allocUnsafe(9)
  p[0] = SPACE_PRODUCER_STATE
  writeU64(p, producerId, 1)
  return { gte: p, lt: prefixEnd(p) }
}

/** A transactional id's state: 0x07 · transactionalId (UTF-8). */
export function transactionKey(transactionalId: string): Buffer {
  return Buffer.concat([Buffer.of(SPACE_TRANSACTIONS), Buffer.from(transactionalId, 'utf8')])
}

/** The transactional id held in a transaction key. */
export function transactionalIdOf(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset + 1, key.byteLength - 1).toString('utf8')
}

/** An aborted transaction of one partition (Kafka's transaction index): 0x08 · topicId · partition · marker offset u64. */
export function abortedTxnKey(topicId: number, partition: number, markerOffset: number): Buffer {
  const buf = Buffer.allocUnsafe(17)
  buf[0] = SPACE_ABORTED_TXNS
  buf.writeUInt32BE(topicId, 1)
  buf.writeUInt32BE(partition, 5)
  writeU64(buf, markerOffset, 9)
  return buf
}

/** Decodes an aborted-transaction key. */
export function parseAbortedTxnKey(key: Uint8Array): { topicId: number; partition: number; markerOffset: number } {
  const b = key as Buffer
  return { topicId: b.readUInt32BE(1), partition: b.readUInt32BE(5), markerOffset: readU64(key, 9) }
}

function groupPrefix(groupId: string): Buffer {
  const id = Buffer.from(groupId, 'utf8')
  const buf = Buffer.allocUnsafe(3 + id.length)
  buf[0] = SPACE_GROUP_OFFSETS
  buf.writeUInt16BE(id.length, 1)
  id.copy(buf, 3)
  return buf
}

/** A committed offset's key: 0x04 · groupId (u16 length + UTF-8) · topicId · partition. */
export function groupOffsetKey(groupId: string, topicId: number, partition: number): Buffer {
  const prefix = groupPrefix(groupId)
  const buf = Buffer.allocUnsafe(prefix.length + 8)
  prefix.copy(buf, 0)
  buf.writeUInt32BE(topicId, prefix.length)
  buf.writeUInt32BE(partition, prefix.length + 4)
  return buf
}

/** Every committed offset of one group: [gte, lt). */
export function groupOffsetsRange(groupId: string): { gte: Buffer; lt: Buffer } {
  const p = groupPrefix(groupId)
  return { gte: p, lt: prefixEnd(p) }
}

/** Decodes a committed offset's key. */
export function parseGroupOffsetKey(key: Uint8Array): { groupId: string; topicId: number; partition: number } {
  const b = Buffer.from(key.buffer, key.byteOffset, key.byteLength)
  const len = b.readUInt16BE(1)
  return {
    groupId: b.toString('utf8', 3, 3 + len),
    topicId: b.readUInt32BE(3 + len),
    partition: b.readUInt32BE(7 + len),
  }
}

function topicPartitionPrefix(space: number, topicId: number, partition: number): Buffer {
  const buf = Buffer.allocUnsafe(9)
  buf[0] = space
  buf.writeUInt32BE(topicId, 1)
  buf.writeUInt32BE(partition, 5)
  return buf
}

/** The smallest key greater than every key starting with `prefix`. */
export function prefixEnd(prefix: Uint8Array): Buffer {
  const end = Buffer.from(prefix)
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1
      return end.subarray(0, i + 1)
    }
  }
  return Buffer.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
}
