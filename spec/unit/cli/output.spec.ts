// lib/cli/output.ts: aligned tables, human sizes, colour only on a terminal without NO_COLOR.
import { describe, expect, it } from 'vitest'
import { colourOn, humanBytes, humanCount, styles, table } from '../../../lib/cli/output.js'

describe('table', () => {
  it('aligns columns, right-aligns the numeric ones, and trims trailing spaces', () => {
    expect(table(['NAME', 'N', 'NOTE'], [['a', '1', ''], ['long-name', '1234', 'x']], { right: [1] })).toEqual(['NAME          N  NOTE', 'a             1', 'long-name  1234  x'])
  })

  it('measures cells without their colour codes', () => {
    const { bold } = styles(true)
    const lines = table(['A', 'B'], [['x', 'y']], { bold })
    expect(lines[0]).toBe(`${bold('A')}  ${bold('B')}`)
    expect(lines[1]).toBe('x  y')
  })
})

describe('humanBytes and humanCount', () => {
  it('uses powers of 1024 with one decimal', () => {
    expect([0, 999, 1024, 1536, 5 * 1024 ** 2, 3.25 * 1024 ** 3].map(humanBytes)).toEqual(['0 B', '999 B', '1.0 KiB', '1.5 KiB', '5.0 MiB', '3.3 GiB'])
    expect(humanCount(1234567)).toBe('1,234,567')
  })
})

describe('colour', () => {
  it('is on only for a terminal, and off with NO_COLOR', () => {
    expect(colourOn({ isTTY: true }, {})).toBe(true)
    expect(colourOn({ isTTY: false }, {})).toBe(false)
    expect(colourOn({}, {})).toBe(false)
    expect(colourOn({ isTTY: true }, { NO_COLOR: '1' })).toBe(false)
    expect(styles(false).red('x')).toBe('x')
    expect(styles(true).red('x')).toBe('\x1b[31mx\x1b[39m')
  })
})
