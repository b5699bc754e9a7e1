// SaslHandshake (key 17), versions 0–1: the listener offers no SASL mechanism, so every
// handshake is answered UNSUPPORTED_SASL_MECHANISM with an empty list of mechanisms.
//
// | version | request | response |
// |---|---|---|
// | 0–1 | mechanism | error_code, mechanisms[] |
import { KAFKA } from '../errors.js'
import { defineApi } from './api.js'

/** The SaslHandshake API (key 17): versions, decoder, handler and encoder. */
export const saslHandshake = defineApi<string, true>({
  key: 17,
  name: 'SaslHandshake',
  minVersion: 0,
  maxVersion: 1,
  decode: (r) => r.str(),
  handle: () => true,
  encode: (w) => {
    w.int16(KAFKA.UNSUPPORTED_SASL_MECHANISM).int32(0)
  },
})
