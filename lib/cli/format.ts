// How `consume` prints a record: kcat's -f format strings (%t %p %o %k %s %h %T and the
// lengths %K %S), or one JSON object per line; and how a stored key or value becomes text.
import type { ConsumedMessage, Headers } from '../index.js'
import { jsonReplacer } from './output.js'
import { usage } from './errors.js'

/** kcat's default when consuming: the value and a newline. */
export const DEFAULT_FORMAT = '%s\\n'

/**
 * A key or value as text: a string as it is, bytes decoded as UTF-8 (what kcat prints),
 * null as nothing, any other value (a service may store objects) as JSON.
 */
export function asText(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8')
  return JSON.stringify(value, jsonReplacer) ?? String(value)
}

/** A key or value's length as kcat's %K and %S print it: its bytes, or -1 for null. */
function lengthOf(value: unknown): number {
  if (value === null || value === undefined) return -1
  if (value instanceof Uint8Array) return value.byteLength
  return Buffer.byteLength(asText(value))
}

/** Headers as kcat's %h prints them: name=value pairs, comma-separated (a repeated header once per value). */
export function headersText(headers: Headers): string {
  const pairs: string[] = []
  for (const [name, v] of Object.entries(headers)) {
    for (const one of Array.isArray(v) ? v : [v]) pairs.push(`${name}=${asText(one)}`)
  }
  return pairs.join(',')
}

type Piece = string | ((m: ConsumedMessage) => string)

const FIELDS: Record<string, (m: ConsumedMessage) => string> = {
  t: (m) => m.topic,
  p: (m) => String(m.partition),
  o: (m) => String(m.offset),
  k: (m) => asText(m.key),
  K: (m) => String(lengthOf(m.key)),
  s: (m) => asText(m.value),
  S: (m) => String(lengthOf(m.value)),
  h: (m) => headersText(m.headers),
  T: (m) => String(m.timestamp),
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\' }

/**
 * Compiles a kcat -f format into a function of a record. `%t` topic, `%p` partition, `%o`
 * offset, `%k` key, `%K` key length, `%s` value, `%S` value length, `%h` headers, `%T`
 * timestamp (ms since the epoch), `%%` a percent sign; `\n` `\r` `\t` `\\` as in kcat.
 * An unknown sequence is a USAGE error.
 */
export function compileFormat(format: string): (m: ConsumedMessage) => string {
  const pieces: Piece[] = []
  let text = ''
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!
    if (ch === '%' || ch === '\\') {
      const next = format[i + 1]
      if (ch === '%' && next === '%') text += '%'
      else if (ch === '%' && next !== undefined && FIELDS[next]) {
        if (text) pieces.push(text)
        text = ''
        pieces.push(FIELDS[next])
      } else if (ch === '\\' && next !== undefined && ESCAPES[next] !== undefined) text += ESCAPES[next]
      else {
        throw usage(`--format: unknown sequence ${ch}${next ?? ''} at position ${i + 1}`, 'use %t %p %o %k %K %s %S %h %T %% and \\n \\r \\t \\\\')
      }
      i++
    } else text += ch
  }
  if (text) pieces.push(text)
  return (m) => {
    let out = ''
    for (const p of pieces) out += typeof p === 'string' ? p : p(m)
    return out
  }
}

/** A record as one line of JSON: `{ topic, partition, offset, timestamp, key, value, headers }` (bytes as `{ base64 }`). */
export function recordJson(m: ConsumedMessage): string {
  return JSON.stringify({ topic: m.topic, partition: m.partition, offset: m.offset, timestamp: m.timestamp, key: m.key, value: m.value, headers: m.headers }, jsonReplacer)
}
