// lib/cli/errors.ts: every failure becomes one line naming its code, with a hint and an exit status.
import { describe, expect, it } from 'vitest'
import { CliError, describeError, usage } from '../../../lib/cli/errors.js'
import { KafketteError } from '../../../lib/index.js'

describe('describeError', () => {
  it('gives a log error its code, a hint and exit status 1', () => {
    const r = describeError(new KafketteError('UNKNOWN_TOPIC_OR_PARTITION', 'unknown topic nope', { topic: 'nope' }))
    expect(r).toEqual({ line: 'kafkette: UNKNOWN_TOPIC_OR_PARTITION: unknown topic nope; list the topics with `kafkette topics`, or create one with `kafkette topics create NAME`', exitCode: 1 })
  })

  it('gives a usage error exit status 2, and so a TypeError or RangeError from the API', () => {
    expect(describeError(usage('bad', 'do this'))).toEqual({ line: 'kafkette: USAGE: bad; do this', exitCode: 2 })
    expect(describeError(new RangeError('x must be ≥ 0'))).toEqual({ line: 'kafkette: USAGE: x must be ≥ 0', exitCode: 2 })
    expect(describeError(new CliError('LOG_NOT_FOUND', 'none')).exitCode).toBe(1)
  })

  it('keeps every report on one line', () => {
    const r = describeError(Object.assign(new Error('first\n  second\nthird'), { code: 'EACCES' }))
    expect(r).toEqual({ line: 'kafkette: EACCES: first second third', exitCode: 1 })
  })
})
