// The published package: every target of package.json's exports map exists after the
// build, `import` and `require` of each give the same names, the tarball `npm pack` makes
// passes the ecosystem's own checks (@arethetypeswrong/cli, publint), every package lib/
// imports is a declared dependency, and the two builds share state.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt } from '../helpers/dist.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as {
  name: string
  dependencies: Record<string, string>
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

describe('the tarball npm pack makes', () => {
  let dir: string
  let tarball: string
  beforeAll(() => {
    assertBuilt()
    dir = mkdtempSync(join(tmpdir(), 'kafkette-pack-'))
    // --ignore-scripts: npm test built dist/ already, and a rebuild would pull it from under the other specs
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: root, stdio: 'ignore' })
    tarball = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!)
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('has no problem @arethetypeswrong/cli finds (CommonJS users get CommonJS declarations)', () => {
    const run = spawnSync(process.execPath, [`${root}/node_modules/@arethetypeswrong/cli/dist/index.js`, tarball, '--format', 'json'], { encoding: 'utf8' })
    const report = JSON.parse(run.stdout) as { problems: unknown }
    expect(report.problems).toEqual({})
    expect(run.status).toBe(0)
  })

  it('has no problem publint finds, warnings and suggestions included', () => {
    const run = spawnSync(process.execPath, [`${root}/node_modules/publint/src/cli.js`, 'run', tarball, '--strict', '--level', 'suggestion'], { encoding: 'utf8' })
    expect(run.stdout + run.stderr).toContain('All good!')
    expect(run.status).toBe(0)
  })

  it('ships its license, changelog and readme, and no install-time script', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n')
    for (const f of ['package/LICENSE', 'package/CHANGELOG.md', 'package/README.md', 'package/dist/cjs/index.d.ts']) expect(files, f).toContain(f)
    const packed = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' })) as { scripts?: Record<string, string> }
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) expect(packed.scripts?.[hook], hook).toBeUndefined()
  })
})

describe('dependencies', () => {
  const lib = fileURLToPath(new URL('../../lib', import.meta.url))
  function sources(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [readFileSync(join(dir, e.name), 'utf8')] : []))
  }
  const all = sources(lib)

  it('declares every package lib/ imports', () => {
    const builtins = new Set(builtinModules)
    const imported = new Set(
      all
        .flatMap((src) => [...src.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"./][^'"]*)['"]/gm)].map((m) => m[1]!))
        .filter((s) => !s.startsWith('node:') && !builtins.has(s))
        .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!)),
    )
    for (const name of imported) expect(pkg.dependencies, name).toHaveProperty([name])
  })

  it('names in lib/ every package it declares (loaded by import, require or a loader of optional codecs)', () => {
    for (const name of Object.keys(pkg.dependencies)) expect(all.some((src) => src.includes(`'${name}'`)), name).toBe(true)
  })
})

describe('the ES module and CommonJS builds', () => {
  it('recognise each other\'s errors and share the KafkaJS facade\'s clusters', () => {
    const code = `
      const esm = await import('kafkette'); const esmKafka = await import('kafkette/kafkajs')
      const { createRequire } = await import('node:module'); const require = createRequire(process.cwd() + '/')
      const cjs = require('kafkette'); const cjsKafka = require('kafkette/kafkajs')
      const fromCjs = new cjs.KafketteError('LOG_CLOSED'); const fromEsm = new esm.KafketteError('LOG_CLOSED')
      await new cjsKafka.Kafka({ brokers: ['shared:9092'] }).admin().createTopics({ topics: [{ topic: 'seen' }] })
      const seen = await new esmKafka.Kafka({ brokers: ['shared:9092'] }).admin().listTopics()
      await esmKafka.resetClusters()
      const after = await new cjsKafka.Kafka({ brokers: ['shared:9092'] }).admin().listTopics()
      await cjsKafka.resetClusters()
      console.log(JSON.stringify({
        esmKnowsCjs: esm.isKafketteError(fromCjs, 'LOG_CLOSED') && fromCjs instanceof esm.KafketteError && esm.isRetriable(new cjs.KafketteError('LOG_IO_ERROR')),
        cjsKnowsEsm: cjs.isKafketteError(fromEsm) && fromEsm instanceof cjs.KafketteError,
        plainErrorIsNot: !(new Error('x') instanceof esm.KafketteError) && !esm.isKafketteError({ code: 'LOG_CLOSED' }),
        seen, after,
      }))`
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' })
    expect(JSON.parse(out)).toEqual({ esmKnowsCjs: true, cjsKnowsEsm: true, plainErrorIsNot: true, seen: ['seen'], after: [] })
  })
})
