// The one rule that turns a stored key, value or header into bytes for a Kafka client:
// shared by the KafkaJS facade (what its readers get), the bridge (what a cluster gets) and
// the wire listener (what wire clients fetch).

/** Bytes as they are, a string as UTF-8, anything else (data a native producer wrote) as its JSON; null and undefined stay null. */
export function toBuffer(v: unknown): Buffer | null {
  if (v === null || v === undefined) return null
  if (Buffer.isBuffer(v)) return v
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength)
  if (typeof v === 'string') return Buffer.from(v, 'utf8')
  // A value a native producer wrote as data: KafkaJS readers get its JSON.
  return Buffer.from(JSON.stringify(v), 'utf8')
}
