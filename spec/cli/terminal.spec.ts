// `kafkette` on a terminal: colour there (util-linux's `script` gives the child a pty), none
// with NO_COLOR, none when the output goes to a pipe.
import { execFile } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { binPath, ok } from '../helpers/cli.js'
import { tempDir } from '../helpers/stores.js'

/** Runs `kafkette ...args` with its stdio on a pseudo-terminal, returning what the terminal showed and the exit status. */
function onTerminal(args: string[], env: Record<string, string> = {}): Promise<{ code: number; shown: string }> {
  const command = [process.execPath, binPath(), ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')
  const base: NodeJS.ProcessEnv = { ...process.env, ...env }
  if (!('NO_COLOR' in env)) delete base.NO_COLOR
  return new Promise((resolve) => execFile('script', ['-qec', command, '/dev/null'], { env: base }, (err, stdout) => resolve({ code: err ? Number(err.code) : 0, shown: stdout })))
}

describe('kafkette on a terminal', () => {
  it('draws bold table headers on a terminal, and plain text with NO_COLOR or into a pipe', async () => {
    const dir = tempDir()
    await ok(['--dir', dir, 'topics', 'create', 'orders'])
    expect(await onTerminal(['--dir', dir, 'topics'])).toMatchObject({ code: 0, shown: expect.stringContaining('\x1b[1mTOPIC\x1b[22m') })
    expect((await onTerminal(['--dir', dir, 'topics'], { NO_COLOR: '1' })).shown).not.toContain('\x1b[')
    expect(await ok(['--dir', dir, 'topics'])).not.toContain('\x1b[')
  })

  it('marks the code of an error line in red on a terminal only', async () => {
    const dir = tempDir()
    await ok(['--dir', dir, 'topics', 'create', 'orders'])
    const r = await onTerminal(['--dir', dir, 'topics', 'describe', 'nope'])
    expect(r.code).toBe(1)
    expect(r.shown).toMatch(/^\x1b\[31mkafkette:\x1b\[39m UNKNOWN_TOPIC_OR_PARTITION: [^\n]*\r\n$/)
    expect((await onTerminal(['--dir', dir, 'topics', 'describe', 'nope'], { NO_COLOR: '1' })).shown).toMatch(/^kafkette: UNKNOWN_TOPIC_OR_PARTITION: /)
  })
})
