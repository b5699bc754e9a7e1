// lib/cli/format.ts: kcat's -f sequences, keys and values as text, records as JSON lines.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { asText, compileFormat, headersText, recordJson } from '../../../lib/cli/format.js'
import { CliError } from '../../../lib/cli/errors.js'
import type { ConsumedMessage } from '../../../lib/index.js'

const m: ConsumedMessage = { topic: 't', partition: 2, offset: 41, key: 'k', value: 'hello', headers: { a: '1', b: ['x', Buffer.from('y')] }, timestamp: 1700000000000 }

describe('compileFormat', () => {
  it("expands each of kcat's sequences and escapes", () => {
    expect(compileFormat('%t %p %o %k %K %s %S %h %T %%\\n\\t\\r\\\\')(m)).toBe('t 2 41 k 1 hello 5 a=1,b=x,b=y 1700000000000 %\n\t\r\\')
  })

  it('prints null keys and values as nothing, with length -1', () => {
    expect(compileFormat('[%k|%K|%s|%S]')({ ...m, key: null, value: null })).toBe('[|-1||-1]')
  })

  it('refuses an unknown or unfinished sequence with USAGE', () => {
    for (const bad of ['%x', 'abc%', '\\q', 'x\\']) {
      expect(() => compileFormat(bad)).toThrow(CliError)
      expect(() => compileFormat(bad)).toThrow(/^USAGE: --format: unknown sequence/)
    }
  })

  it('copies text without sequences as it is', () => {
    // Invariant: a format with no % or \ prints itself for every record.
    fc.assert(fc.property(fc.string().filter((s) => !s.includes('%') && !s.includes('\\')), (text) => compileFormat(text)(m) === text))
  })
})

describe('asText and headersText', () => {
  it('keeps strings, decodes bytes as UTF-8, and writes other values as JSON', () => {
    expect(asText('é')).toBe('é')
    expect(asText(new Uint8Array(Buffer.from('bytes')))).toBe('bytes')
    expect(asText({ amount: 5200, tags: ['a'] })).toBe('{"amount":5200,"tags":["a"]}')
    expect(asText(42)).toBe('42')
    expect(asText(null)).toBe('')
    expect(headersText({})).toBe('')
  })
})

describe('recordJson', () => {
  it('writes bytes as { base64 } and keeps every field', () => {
    const line = recordJson({ ...m, key: Buffer.from('kb'), value: { nested: new Uint8Array([1, 2]) } })
    expect(JSON.parse(line)).toEqual({
      topic: 't',
      partition: 2,
      offset: 41,
      timestamp: 1700000000000,
      key: { base64: Buffer.from('kb').toString('base64') },
      value: { nested: { base64: 'AQI=' } },
      headers: { a: '1', b: ['x', { base64: Buffer.from('y').toString('base64') }] },
    })
    expect(line).not.toContain('\n')
  })
})
