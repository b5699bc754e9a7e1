// How `kafkette` fails, in child processes: one line on stderr naming the error code and
// what to do, a non-zero exit status, nothing on stdout, and nothing written.
import { spawn } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli, ok } from '../helpers/cli.js'
import { fixture } from '../helpers/child.js'
import { tempDir } from '../helpers/stores.js'

/** Expects one line on stderr matching `message`, exit status `code`, and an empty stdout. */
async function fails(args: string[], code: number, message: RegExp, options: Parameters<typeof cli>[1] = {}): Promise<string> {
  const r = await cli(args, options)
  expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code, stdout: '' })
  expect(r.stderr).toMatch(/^kafkette: [A-Z_]+: [^\n]+\n$/)
  expect(r.stderr).toMatch(message)
  return r.stderr
}

describe('kafkette errors', () => {
  it('refuses bad flags and arguments with USAGE and exit status 2', async () => {
    const dir = tempDir()
    await ok(['--dir', dir, 'topics', 'create', 't'])
    await fails(['--dir', dir, 'consume', 't', '--bogus'], 2, /^kafkette: USAGE: unknown option '--bogus'; see `kafkette consume --help`/)
    await fails(['--dir', dir, 'consume', 't', '--from-begining'], 2, /\(did you mean --from-beginning\?\)/)
    await fails(['--dir', dir, 'consume', 't', '--max', '0'], 2, /--max must be a whole number ≥ 1, got "0"/)
    await fails(['--dir', dir, 'consume', 't', '--offset', '-1'], 2, /USAGE: /)
    await fails(['--dir', dir, 'consume', 't', '--offset', '1', '--time', '2026-01-01'], 2, /cannot be used with option '--time/)
    await fails(['--dir', dir, 'consume', 't', '--from-beginning', '--offset', '1'], 2, /give one of --from-beginning, --offset and --time/)
    await fails(['--dir', dir, 'consume', 't', '--time', 'noon'], 2, /--time takes an ISO 8601 time/)
    await fails(['--dir', dir, 'consume', 't', '--format', '%x'], 2, /--format: unknown sequence %x at position 1/)
    await fails(['--dir', dir, '--json', 'consume', 't', '--format', '%s'], 2, /give --format or --json, not both/)
    await fails(['--dir', dir, 'produce', 't', '--header', 'nokey'], 2, /--header takes key=value/, { input: 'x\n' })
    await fails(['--dir', dir, 'serve', '--port', '70000'], 2, /--port must be a whole number from 0 to 65535/)
    await fails(['--dir', dir, 'frobnicate'], 2, /unknown command 'frobnicate'/)
    await fails(['--dir', dir, 'consume'], 2, /missing required argument 'topic'/)
    // Nothing was written by any of them.
    expect(await ok(['--dir', dir, '--json', 'topics'])).toBe('[{"name":"t","partitions":1,"messages":0,"bytes":0}]\n')
  })

  it('refuses an unknown topic or partition with exit status 1', async () => {
    const dir = tempDir()
    await ok(['--dir', dir, 'topics', 'create', 't', '--partitions', '2'])
    await fails(['--dir', dir, 'consume', 'nope', '--exit'], 1, /^kafkette: UNKNOWN_TOPIC_OR_PARTITION: .*; list the topics with `kafkette topics`/)
    await fails(['--dir', dir, 'consume', 't', '--partition', '2', '--exit'], 1, /^kafkette: UNKNOWN_TOPIC_OR_PARTITION: topic t has no partition 2 \(it has 2\); see the partitions of t/)
    await fails(['--dir', dir, 'consume', 't', '--offset', '3', '--exit'], 1, /^kafkette: OFFSET_OUT_OF_RANGE: offset 3 is outside t\/0, which holds 0 to 0/)
    await fails(['--dir', dir, 'groups', 'delete', 'nobody'], 1, /^kafkette: GROUP_ID_NOT_FOUND: /)
  })

  it('says LOG_NOT_FOUND where there is no log, and creates nothing', async () => {
    const parent = tempDir()
    const missing = join(parent, 'nothing-here')
    for (const args of [['inspect'], ['topics'], ['topics', 'describe', 't'], ['consume', 't'], ['groups'], ['groups', 'delete', 'g']]) {
      await fails(['--dir', missing, ...args], 1, /^kafkette: LOG_NOT_FOUND: there is no log directory .*nothing-here; give the directory with --dir or \$KAFKETTE_DIR/)
    }
    await fails(['--dir', missing, 'produce', 't'], 1, /LOG_NOT_FOUND/, { input: 'x\n' })
    expect(existsSync(missing)).toBe(false)
    // A directory that exists but holds no log is left as it was.
    await fails(['--dir', parent, 'topics'], 1, /^kafkette: LOG_NOT_FOUND: .* holds no kafkette log/)
    expect(readdirSync(parent)).toEqual([])
  })

  it('leaves nothing behind where topics create made the log and then failed', async () => {
    const parent = tempDir()
    const missing = join(parent, 'new-log')
    await fails(['--dir', missing, 'topics', 'create', 'bad name'], 1, /^kafkette: INVALID_TOPIC: /)
    await fails(['--dir', missing, 'topics', 'create', 't', '--config', 'colour=blue'], 1, /^kafkette: INVALID_CONFIG: /)
    expect(existsSync(missing)).toBe(false)
    // An empty directory stays empty.
    await fails(['--dir', parent, 'topics', 'create', 'bad name'], 1, /^kafkette: INVALID_TOPIC: /)
    expect(readdirSync(parent)).toEqual([])
    await ok(['--dir', missing, 'topics', 'create', 't'])
    expect(existsSync(join(missing, 'CURRENT'))).toBe(true)
  })

  it('says LOG_LOCKED, naming the process that holds the log and how to reach a live log', async () => {
    const dir = tempDir()
    await ok(['--dir', dir, 'topics', 'create', 't'])
    const holder = spawn(process.execPath, [fixture('hold-log.mjs'), dir], { stdio: ['pipe', 'pipe', 'inherit'] })
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve())
        holder.on('exit', (code) => reject(new Error(`the holder exited with ${code}`)))
      })
      for (const args of [['topics'], ['inspect'], ['consume', 't', '--exit'], ['topics', 'create', 'u']]) {
        const line = await fails(['--dir', dir, ...args], 1, /^kafkette: LOG_LOCKED: /)
        // /proc/locks names the holder on Linux, where these specs run.
        expect(line).toContain(`is open in process ${holder.pid} (`)
        expect(line).toContain('hold-log.mjs')
        expect(line).toContain('`kafkette serve`')
        expect(line).toContain('wire listener')
      }
    } finally {
      holder.stdin.end()
      await new Promise((resolve) => holder.on('close', resolve))
    }
    expect(await ok(['--dir', dir, '--json', 'topics'])).toBe('[{"name":"t","partitions":1,"messages":0,"bytes":0}]\n')
  })
})
