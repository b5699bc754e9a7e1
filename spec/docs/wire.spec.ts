// The README's wire-protocol example runs as written, against the built package.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const readme = readFileSync(`${root}/README.md`, 'utf8')

describe('README wire protocol section', () => {
  it('runs its example: a listener on a free port, then closed', () => {
    const block = readme.slice(readme.indexOf('<!-- wire:start -->'), readme.indexOf('<!-- wire:end -->'))
    const code = block.slice(block.indexOf('```js\n') + 6, block.lastIndexOf('```'))
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 60_000 })
    expect(out).toMatch(/^bootstrap\.servers=127\.0\.0\.1:\d+$/m)
  })
})
