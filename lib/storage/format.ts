// What the on-disk format version means. The `format` key in the meta space holds
// FORMAT_VERSION; a log written with a larger number is refused (LOG_FORMAT_TOO_NEW).
//
// Version 1: the key layout of keys.ts; record batches encoded by batch-codec.ts with
// BATCH_CODEC_VERSION 1; topic values as msgpack maps { id, partitions, config }.
//
// To bump: add the new version here, teach batch-codec/keys to read every version in
// READABLE_FORMATS, and write only FORMAT_VERSION.

/** The format this version writes. */
export const FORMAT_VERSION = 1

/** Every format this version can open. */
export const READABLE_FORMATS: readonly number[] = [1]

/** The version byte that opens every encoded record batch. */
export const BATCH_CODEC_VERSION = 1
