// lib/cli/bench.ts: runs bench/run.mjs of the package root with --quick and --only, passing
// its exit status on; says BENCH_NOT_FOUND where the root has no bench/.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { bench } from '../../../lib/cli/bench.js'
import { tempDir } from '../../helpers/stores.js'

describe('bench', () => {
  it('runs bench/run.mjs in the package root with the flags given, and returns its exit status', async () => {
    const root = tempDir()
    mkdirSync(join(root, 'bench'))
    // A stand-in suite runner: records its arguments and working directory, exits with 3.
    writeFileSync(join(root, 'bench', 'run.mjs'), "import { writeFileSync } from 'node:fs'\nwriteFileSync('ran.json', JSON.stringify(process.argv.slice(2)))\nprocess.exit(3)\n")
    expect(await bench({ quick: true, only: 'groups' }, root)).toBe(3)
    expect(JSON.parse(readFileSync(join(root, 'ran.json'), 'utf8'))).toEqual(['--quick', '--only=groups'])
    // --quick alone is a first look: the produce and consume suites.
    expect(await bench({ quick: true }, root)).toBe(3)
    expect(JSON.parse(readFileSync(join(root, 'ran.json'), 'utf8'))).toEqual(['--quick', '--only=produce,consume'])
    expect(await bench({}, root)).toBe(3)
    expect(JSON.parse(readFileSync(join(root, 'ran.json'), 'utf8'))).toEqual([])
  })

  it('says BENCH_NOT_FOUND where there is no bench/', async () => {
    await expect(bench({}, tempDir())).rejects.toMatchObject({ code: 'BENCH_NOT_FOUND' })
  })
})
