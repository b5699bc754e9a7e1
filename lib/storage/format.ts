// What the on-disk format version means. The `format` key in the meta space holds
// FORMAT_VERSION; a log written with a larger number is refused (LOG_FORMAT_TOO_NEW).
//
// Version 1: the key layout of keys.ts; record batches encoded by batch-codec.ts with
// BATCH_CODEC_VERSION 1; topic values as msgpack maps { id, partitions, config }.
// Version 2: the same, but batches are written with BATCH_CODEC_VERSION 2, which carries
// a CRC-32C. A version-1 log opened by this version is marked version 2 at open (its old
// batches stay as they are and are read without a checksum), so an older kafkette, which
// cannot read a version-2 batch, refuses it with LOG_FORMAT_TOO_NEW instead of failing
// on the first new batch.
//
// Batch codec versions (the first byte of every stored batch):
//   1: msgpack segments follow the version byte; no checksum.
//   2: a u32 big-endian CRC-32C follows the version byte, then the msgpack segments. The
//      CRC covers the batch's store key (space, topic id, partition, last offset) and
//      every byte after the header, so damage to either is found when the batch is read.
//
// Version 3: the same, and a batch segment may carry a fourth element, its producer
// fields ([producerId, epoch, baseSequence, flags]: idempotent, transactional and control
// batches, see batch-codec.ts); three more spaces are written: producer state (0x05),
// transactional ids (0x07) and aborted transactions (0x08), see keys.ts. Logs of
// versions 1 and 2 are read as they are, and marked version 3 at open, so an older
// kafkette, which cannot read a segment with producer fields, refuses the log
// (LOG_FORMAT_TOO_NEW) instead of failing on its first transactional batch. The batch
// codec version stays 2: the segments' shape is the format's.
//
// To bump: add the new version here, teach batch-codec/keys to read every version in
// READABLE_FORMATS, and write only FORMAT_VERSION.

/** The format this version writes. */
export const FORMAT_VERSION = 3

/** Every format this version can open. */
export const READABLE_FORMATS: readonly number[] = [1, 2, 3]

/** The version byte that opens every record batch this version writes. */
export const BATCH_CODEC_VERSION = 2

/** The bytes before a batch's msgpack segments for a codec version (0: not a version this reads). */
export function batchHeaderBytes(version: number): number {
  return version === 1 ? 1 : version === 2 ? 5 : 0
}

/** True when batches of this codec version carry a checksum. */
export function batchHasChecksum(version: number): boolean {
  return version === 2
}
