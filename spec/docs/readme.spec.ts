// The README stays true: its quickstart is the example a test runs, its CLI session runs
// command by command, its "Running a service" is the service example a test stops with
// SIGTERM, and its error table lists exactly the codes of ERROR_CODES with their
// retriable flags.
import { execFile, spawn } from 'node:child_process'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ERROR_CODES } from '../../lib/index.js'
import { fixture, runFixture } from '../helpers/child.js'
import { binPath } from '../helpers/cli.js'
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

  it('quotes examples/service.mjs in "Running a service"', () => {
    const block = between('<!-- service:start -->', '<!-- service:end -->')
    const code = block.replace(/^\s*```js\n/, '').replace(/```\s*$/, '')
    const example = readFileSync(new URL('../../examples/service.mjs', import.meta.url), 'utf8')
    expect(code.trim()).toBe(example.slice(example.indexOf("import { openLog } from 'kafkette'")).trim())
  })

  it('lists every error code with its retriable flag, and no other', () => {
    const table = between('<!-- errors:start -->', '<!-- errors:end -->')
    const rows = [...table.matchAll(/^\| `([A-Z_]+)` \| (yes|no) \|/gm)].map((m) => [m[1], m[2] === 'yes'])
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(Object.entries(ERROR_CODES).map(([code, e]) => [code, e.retriable])))
  })
})

/**
 * The CLI section's session as steps: each `$ ` line a command, the lines after it what it
 * prints. What differs from run to run or machine to machine is made the same on both
 * sides: sizes, timestamps, the directory, and the runs of spaces that align table columns
 * around them (the specs of spec/cli/ check alignment).
 */
function cliSession(): Array<{ command: string; expected: string }> {
  const block = between('<!-- cli:start -->', '<!-- cli:end -->').replace(/^\s*```sh\n/, '').replace(/```\s*$/, '')
  const steps: Array<{ command: string; expected: string }> = []
  for (const line of block.trimEnd().split('\n')) {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2), expected: '' })
    else steps[steps.length - 1]!.expected += line + '\n'
  }
  return steps
}

const normalize = (text: string): string =>
  text
    .replace(/\d+(\.\d)? (B|KiB|MiB|GiB)\b/g, '<size>')
    .replace(/"timestamp":\d+/g, '"timestamp":<ms>')
    .replace(/^directory .*$/gm, 'directory <dir>')
    .replace(/ {2,}/g, '  ')

describe('the README CLI session', () => {
  it('prints what the README shows, command after command, in an empty directory', async () => {
    const steps = cliSession()
    expect(steps.length).toBeGreaterThan(5)
    const cwd = tempDir()
    const bin = join(cwd, 'bin')
    mkdirSync(bin)
    writeFileSync(join(bin, 'kafkette'), `#!/bin/sh\nexec "${process.execPath}" "${binPath()}" "$@"\n`)
    chmodSync(join(bin, 'kafkette'), 0o755)
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` }
    delete env.KAFKETTE_DIR
    delete env.NO_COLOR
    for (const { command, expected } of steps) {
      const { code, output } = await new Promise<{ code: number; output: string }>((resolve) =>
        execFile('sh', ['-c', `${command} 2>&1`], { cwd, env }, (err, stdout) => resolve({ code: err ? Number(err.code) : 0, output: stdout })),
      )
      expect({ command, output: normalize(output) }).toEqual({ command, output: normalize(expected) })
      // A step that shows an error line is one that fails.
      expect({ command, failed: code !== 0 }).toEqual({ command, failed: expected.startsWith('kafkette: ') })
    }
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

/**
 * Runs examples/service.mjs until it says `until` on a line of its own, then sends SIGTERM
 * and waits for it to exit by itself; its status and output.
 */
async function serviceUntil(dir: string, until: RegExp): Promise<{ code: number | null; signal: string | null; out: string; err: string }> {
  fixture('open-and-report.mjs') // fails clearly when the package is not built
  const script = fileURLToPath(new URL('../../examples/service.mjs', import.meta.url))
  const child = spawn(process.execPath, [script, dir], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  let sent = false
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString()
    if (!sent && until.test(out)) {
      sent = true
      child.kill('SIGTERM')
    }
  })
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])))
  return { code, signal, out, err }
}

describe('the service example', () => {
  it('runs until SIGTERM, then commits, closes and exits by itself; a restart reads nothing again', async () => {
    const dir = tempDir()
    await runFixture('../../examples/payroll.mjs', [dir])
    const first = await serviceUntil(dir, /(processed .*\n){4}/)
    expect(first.err).toBe('')
    expect(first).toMatchObject({ code: 0, signal: null })
    expect(first.out).toContain('payroll service: 4 updates waiting')
    expect(first.out.match(/^processed /gm)).toHaveLength(4)
    expect(first.out).toMatch(/payroll service: stopped\n$/)
    const second = await serviceUntil(dir, /updates waiting\n/)
    expect(second).toMatchObject({ code: 0, signal: null })
    expect(second.out).toContain('payroll service: 0 updates waiting')
    expect(second.out).not.toContain('processed ')
  })
})

describe('the exactly-once example', () => {
  it('pays each update once, and a second run pays nothing more', async () => {
    const dir = tempDir()
    const first = await runFixture('../../examples/exactly-once.mjs', [dir])
    expect(first).toContain('payments: employee_id_123=5200, employee_id_456=4100, employee_id_789=6100')
    const second = await runFixture('../../examples/exactly-once.mjs', [dir])
    expect(second).not.toContain('in one transaction')
    expect(second).toContain('payments: employee_id_123=5200, employee_id_456=4100, employee_id_789=6100')
  })
})
