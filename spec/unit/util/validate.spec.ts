// The argument checks: checkOptions (unknown keys with the closest known one, types),
// closest(), and well-formed Unicode.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkOptions, closest, isWellFormedUnicode, type OptionSchema } from '../../../lib/util/validate.js'

interface Opts {
  groupId?: string
  retentionMs?: number
  sync?: boolean
  partitioner?: () => number
  assignor?: string | object
}
const schema: OptionSchema<Opts> = { groupId: 'string', retentionMs: 'number', sync: 'boolean', partitioner: 'function', assignor: ['string', 'object'] }

describe('checkOptions', () => {
  it('accepts known keys of the right type, and undefined for any', () => {
    expect(() => checkOptions('x', { groupId: 'g', retentionMs: 1, sync: true, partitioner: () => 0, assignor: {} }, schema)).not.toThrow()
    expect(() => checkOptions('x', { groupId: undefined }, schema)).not.toThrow()
    expect(() => checkOptions('x', undefined, schema)).not.toThrow()
  })

  it('names an unknown key, with the closest known one', () => {
    expect(() => checkOptions('consumer', { groupID: 'g' }, schema)).toThrow(new TypeError('consumer: unknown option "groupID" (did you mean "groupId"?); known options: groupId, retentionMs, sync, partitioner, assignor'))
    expect(() => checkOptions('x', { retentionms: 1 }, schema)).toThrow(/did you mean "retentionMs"/)
    expect(() => checkOptions('x', { partitoner: 1 }, schema)).toThrow(/did you mean "partitioner"/)
    expect(() => checkOptions('x', { zzz: 1 }, schema)).toThrow(/unknown option "zzz"; known/)
    expect(() => checkOptions('x', { toString: 1 }, schema)).toThrow(/unknown option "toString"/)
  })

  it('names a key of the wrong type and what it got', () => {
    expect(() => checkOptions('openLog', { sync: 'no' }, schema)).toThrow(new TypeError('openLog: sync must be a boolean, got the string "no"'))
    expect(() => checkOptions('x', { retentionMs: '5' }, schema)).toThrow(/retentionMs must be a number, got the string "5"/)
    expect(() => checkOptions('x', { assignor: 5 }, schema)).toThrow(/assignor must be a string or an object, got number 5/)
    expect(() => checkOptions('x', { assignor: null }, schema)).toThrow(/got null/)
  })

  it('refuses what is not an options object', () => {
    for (const bad of [null, 5, 'x', [], () => 0]) expect(() => checkOptions('x', bad, schema)).toThrow(TypeError)
  })
})

describe('closest', () => {
  it('finds a key that differs by case or by up to two edits, and nothing far', () => {
    expect(closest('GROUPID', ['groupId'])).toBe('groupId')
    expect(closest('lingerM', ['lingerMs', 'sync'])).toBe('lingerMs')
    expect(closest('ab', ['abc'])).toBeUndefined()
    expect(closest('something', ['groupId', 'sync'])).toBeUndefined()
  })
})

describe('isWellFormedUnicode', () => {
  it('agrees with String.prototype.isWellFormed', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.array(fc.integer({ min: 0xd800, max: 0xdfff }), { maxLength: 3 }), (s, lone) => {
        const t = s + String.fromCharCode(...lone)
        expect(isWellFormedUnicode(t)).toBe((t as unknown as { isWellFormed(): boolean }).isWellFormed())
      }),
    )
    expect(isWellFormedUnicode('\uD800')).toBe(false)
    expect(isWellFormedUnicode('a\uDC00')).toBe(false)
    expect(isWellFormedUnicode('😀')).toBe(true)
  })
})
