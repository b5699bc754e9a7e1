// The README stays true: its quickstart is the example a test runs, and its error table
// lists exactly the codes of ERROR_CODES with their retriable flags.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ERROR_CODES } from '../../lib/index.js'
import { runFixture } from '../helpers/child.js'
import { tempDir } from '../helpers/stores.js'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
const between = (start: string, end: string) => readme.slice(readme.indexOf(start) + start.length, readme.indexOf(end))

describe('README', () => {
  it('quotes examples/payroll.mjs as its quickstart', () => {
    const block = between('<!-- quickstart:start -->', '<!-- quickstart:end -->')
    const code = block.replace(/^\s*```js\n/, '').replace(/```\s*$/, '')
    const example = readFileSync(new URL('../../examples/payroll.mjs', import.meta.url), 'utf8')
    const body = example.slice(example.indexOf("import { openLog } from 'kafkette'"))
    expect(code.trim()).toBe(body.trim())
  })

  it('lists every error code with its retriable flag, and no other', () => {
    const table = between('<!-- errors:start -->', '<!-- errors:end -->')
    const rows = [...table.matchAll(/^\| `([A-Z_]+)` \| (yes|no) \|/gm)].map((m) => [m[1], m[2] === 'yes'])
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(Object.entries(ERROR_CODES).map(([code, e]) => [code, e.retriable])))
  })
})

describe('the payroll example', () => {
  it('processes every update in key order, and a second run resumes at the committed offsets', async () => {
    const dir = tempDir()
    const first = await runFixture('../../examples/payroll.mjs', [dir])
    expect(first).toContain('payroll: 4 updates processed')
    expect(first).toContain('"employee_id_123":5350')
    expect(first).toMatch(/offset 0: employee_id_123 = 5200[\s\S]*offset 2: employee_id_123 = 5350/)
    const second = await runFixture('../../examples/payroll.mjs', [dir])
    expect(second).toContain('payroll: 4 updates processed')
    expect(second).not.toMatch(/processed salary-updates\/\d offset 0:/)
  })
})
