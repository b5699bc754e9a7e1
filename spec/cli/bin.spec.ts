// The `kafkette` executable as installed: --version and --help on every command, `npx
// kafkette` in this repository and in a project that depends on the package, and `bench`.
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli, ok, root } from '../helpers/cli.js'
import { tempDir } from '../helpers/stores.js'

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> }

const COMMANDS = [
  [],
  ['inspect'],
  ['topics'],
  ['topics', 'list'],
  ['topics', 'create'],
  ['topics', 'describe'],
  ['topics', 'alter'],
  ['topics', 'delete'],
  ['produce'],
  ['consume'],
  ['groups'],
  ['groups', 'list'],
  ['groups', 'describe'],
  ['groups', 'reset'],
  ['groups', 'delete'],
  ['serve'],
  ['bridge'],
  ['bench'],
]

/** Runs `npx --no-install kafkette ...args` in `cwd`, returning its exit status and output. */
function npx(cwd: string, args: string[]): { status: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync('npx', ['--no-install', 'kafkette', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    return { status: 0, stdout, stderr: '' }
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string }
    return { status: e.status, stdout: e.stdout, stderr: e.stderr }
  }
}

describe('the kafkette executable', () => {
  it('prints its version', async () => {
    expect(await ok(['--version'])).toBe(`${pkg.version}\n`)
    expect(pkg.bin.kafkette).toBe('dist/esm/cli/bin.js')
  })

  it.each(COMMANDS.map((c) => [c.join(' ') || '(none)', c]))('has --help on %s', async (_name, command) => {
    const out = await ok([...command, '--help'])
    expect(out.startsWith(`Usage: kafkette${command.length ? ` ${command.join(' ')}` : ''} `)).toBe(true)
    expect(out).toContain('-h, --help')
  })

  it('runs through npx in this repository', () => {
    const r = npx(root, ['--version'])
    expect(r).toEqual({ status: 0, stdout: `${pkg.version}\n`, stderr: '' })
  })

  it('runs through npx in a project that depends on the package, where bench says the suite is not shipped', () => {
    const base = tempDir()
    // The package as npm would publish it (package.json "files"), with the dependencies of this checkout.
    const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' })) as Array<{ files: Array<{ path: string }> }>
    const staged = join(base, 'kafkette')
    for (const { path } of packed[0]!.files) {
      mkdirSync(dirname(join(staged, path)), { recursive: true })
      cpSync(join(root, path), join(staged, path))
    }
    symlinkSync(join(root, 'node_modules'), join(staged, 'node_modules'))
    const app = join(base, 'app')
    mkdirSync(app)
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }))
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', staged], { cwd: app, stdio: 'ignore' })

    expect(npx(app, ['--version'])).toEqual({ status: 0, stdout: `${pkg.version}\n`, stderr: '' })
    expect(npx(app, ['topics', 'create', 'orders']).stdout).toBe('created topic orders with 1 partition\n')
    expect(npx(app, ['--json', 'topics']).stdout).toBe('[{"name":"orders","partitions":1,"messages":0,"bytes":0}]\n')
    const bench = npx(app, ['bench', '--quick'])
    expect(bench.status).toBe(1)
    expect(bench.stdout).toBe('')
    expect(bench.stderr).toMatch(/^kafkette: BENCH_NOT_FOUND: there is no benchmark suite at .*: the npm package ships without bench\/; run `npm ci && npx kafkette bench` in a clone of kafkette's repository\n$/)
  })

  it('bench refuses --json and a malformed --only before running anything', async () => {
    for (const args of [['--json', 'bench'], ['bench', '--only', 'produce;rm']]) {
      const r = await cli(args)
      expect(r.code).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr).toMatch(/^kafkette: USAGE: [^\n]+\n$/)
    }
  })
})
