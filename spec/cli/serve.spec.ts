// `kafkette serve` in a child process: it prints the address it listens on, serves until
// SIGINT or SIGTERM, then closes the listener and the log. A real Kafka client (kcat)
// reaches it once this build has the wire listener; until then serve says so and writes nothing.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { connect, createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli, finished, ok, startCli } from '../helpers/cli.js'
import { fixture } from '../helpers/child.js'
import { tempDir } from '../helpers/stores.js'

/** Starts `serve` and resolves with the child and its first line of stdout. */
async function startServe(args: string[], nodeArgs: string[] = []) {
  const child = startCli(args, { nodeArgs })
  const done = finished(child)
  const first = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')))
    })
    void done.then((r) => reject(new Error(`serve exited with ${r.code}: ${r.stderr}`)))
  })
  return { child, done, first }
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

describe('kafkette serve', () => {
  // A stand-in listener is preloaded only where the build has none (see the fixture).
  const standIn = ['--import', `file://${fixture('listener-stand-in.mjs')}`]

  it.each(['SIGTERM', 'SIGINT'] as const)('prints its address, serves until %s, then closes the listener and the log', async (signal) => {
    const dir = tempDir()
    await ok(['--dir', dir, 'topics', 'create', 'orders'])
    const { child, done, first } = await startServe(['--dir', dir, '--json', 'serve', '--port', '0'], standIn)
    const address = JSON.parse(first) as { host: string; port: number; dir: string }
    expect(address).toMatchObject({ host: '127.0.0.1', dir })
    expect(address.port).toBeGreaterThan(0)
    expect(await reachable(address.host, address.port)).toBe(true)
    // While it serves, the directory is the service's.
    expect((await cli(['--dir', dir, 'topics'])).stderr).toMatch(new RegExp(`^kafkette: LOG_LOCKED: .* is open in process ${child.pid} `))
    child.kill(signal)
    const r = await done
    expect(r).toMatchObject({ code: 0, stderr: '' })
    expect(await reachable(address.host, address.port)).toBe(false)
    expect(await ok(['--dir', dir, '--json', 'topics'])).toContain('"name":"orders"')
  })

  it('says where it listens, for people', async () => {
    const dir = tempDir()
    const { child, done, first } = await startServe(['--dir', dir, 'serve', '--port', '0', '--host', '127.0.0.1'], standIn)
    expect(first).toMatch(new RegExp(`^serving ${dir} on 127\\.0\\.0\\.1:\\d+ \\(Kafka wire protocol\\); Ctrl-C stops$`))
    child.kill('SIGTERM')
    expect((await done).code).toBe(0)
  })

  it('says a port in use is taken, and leaves no log behind', async () => {
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const { port } = taken.address() as AddressInfo
    try {
      const dir = join(tempDir(), 'log')
      const r = await cli(['--dir', dir, 'serve', '--port', String(port)], { nodeArgs: standIn })
      expect(r.code).toBe(1)
      expect(r.stdout).toBe('')
      expect(r.stderr).toMatch(/EADDRINUSE[^\n]*; choose another --port \(0 takes any free one\)\n$/)
      expect(existsSync(dir)).toBe(false)
    } finally {
      await new Promise((resolve) => taken.close(resolve))
    }
  })

  it('refuses a host that is not loopback without --allow-remote, and creates nothing', async () => {
    const dir = join(tempDir(), 'log')
    const r = await cli(['--dir', dir, 'serve', '--host', '0.0.0.0', '--port', '0'])
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/^kafkette: USAGE: --host 0\.0\.0\.0 is not a loopback address and the listener has no authentication: pass --allow-remote to bind it\n$/)
    expect(existsSync(dir)).toBe(false)
  })

  it('is reached by a real Kafka client (kcat)', async () => {
    const dir = join(tempDir(), 'log')
    await ok(['--dir', dir, 'topics', 'create', 'orders', '--partitions', '2'])
    const { child, done, first } = await startServe(['--dir', dir, '--json', 'serve', '--port', '0'])
    const { host, port } = JSON.parse(first) as { host: string; port: number }
    try {
      const metadata = await new Promise<string>((resolve, reject) =>
        execFile('kcat', ['-b', `${host}:${port}`, '-L', '-J', '-m', '20'], (err, stdout) => (err ? reject(err) : resolve(stdout))),
      )
      const topics = (JSON.parse(metadata) as { topics: Array<{ topic: string; partitions: unknown[] }> }).topics
      expect(topics.find((t) => t.topic === 'orders')?.partitions).toHaveLength(2)
    } finally {
      child.kill('SIGTERM')
    }
    expect((await done).code).toBe(0)
  })
})
