// ApiVersions (key 18), versions 0–2: the keys and versions this listener answers.
//
// | version | request | response |
// |---|---|---|
// | 0 | (empty) | error_code, api_keys[key, min, max] |
// | 1–2 | (empty) | + throttle_time_ms |
//
// A client asking with a newer version (librdkafka 2.0.2 starts with v3, whose request is
// flexible) gets UNSUPPORTED_VERSION in a v0 body with the full list, as Kafka answers, and
// retries with a version listed; the connection stays open.
import { KAFKA } from '../errors.js'
import type { Writer } from '../protocol.js'
import { defineApi, type Api } from './api.js'

let registry: readonly Api[] = []

/** Called once by the API table, which imports this module (keeps the import one-way). */
export function setApiTable(apis: readonly Api[]): void {
  registry = apis
}

/** Writes a v0 ApiVersions body with an error code (the answer to a version this listener does not know). */
export function writeVersions(w: Writer, errorCode: number, version: number): void {
  w.int16(errorCode)
  w.array(registry, (w, a) => {
    w.int16(a.key).int16(a.minVersion).int16(a.maxVersion)
  })
  if (version >= 1) w.int32(0)
}

/** The ApiVersions API (key 18): versions, decoder, handler and encoder. */
export const apiVersions = defineApi<null, true>({
  key: 18,
  name: 'ApiVersions',
  minVersion: 0,
  maxVersion: 2,
  decode: () => null,
  handle: () => true,
  encode: (w, _res, version) => writeVersions(w, KAFKA.NONE, version),
})
