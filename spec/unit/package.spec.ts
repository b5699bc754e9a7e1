// The published entry points: every target of package.json's exports map exists after
// the build, and `import` and `require` of each give the same names.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as {
  name: string
  exports: Record<string, string | { import: { types: string; default: string }; require: { types: string; default: string } }>
}

function names(specifier: string, how: 'import' | 'require'): string[] {
  const code =
    how === 'import'
      ? `import(${JSON.stringify(specifier)}).then((m) => console.log(JSON.stringify(Object.keys(m).filter((k) => k !== 'default').sort())))`
      : `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(specifier)})).sort()))`
  return JSON.parse(execFileSync(process.execPath, ['-e', code], { cwd: root, encoding: 'utf8' })) as string[]
}

describe('package entry points', () => {
  const entries = Object.entries(pkg.exports).filter(([, target]) => typeof target !== 'string')

  it.each(entries)('%s: built files exist', (_sub, target) => {
    if (typeof target === 'string') return
    for (const file of [target.import.types, target.import.default, target.require.default]) {
      expect(existsSync(`${root}/${file}`), file).toBe(true)
    }
  })

  it.each(entries)('%s: import and require export the same names', (sub) => {
    const specifier = sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`
    const esm = names(specifier, 'import')
    expect(esm.length).toBeGreaterThan(0)
    expect(names(specifier, 'require')).toEqual(esm)
  })

  it('exposes openLog, KafketteError and isRetriable from the root', () => {
    expect(names('kafkette', 'import')).toEqual(expect.arrayContaining(['openLog', 'KafketteError', 'isRetriable', 'ManualClock']))
  })
})
