// `kafkette bridge` against a log served by `kafkette serve` in another process, with the
// KafkaJS of this repository: 'out' forwards the local topics, --in mirrors the served
// ones, a signal stops it cleanly; without KafkaJS in the project it says to install it.
import { spawn, type ChildProcess } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it, onTestFinished } from 'vitest'
import { cli, finished, ok, root, startCli, type CliResult } from '../helpers/cli.js'
import { kafkaFor, readCluster } from '../helpers/cluster.js'
import { serveLog, stopAllServed } from '../helpers/served.js'
import { tempDir } from '../helpers/stores.js'

afterEach(async () => {
  await stopAllServed()
})

interface BridgeLine {
  event: 'started' | 'progress' | 'paused' | 'stopped'
  attempt?: number
  retryInMs?: number
  error?: string
  topic?: string
  partition?: number
  offset?: number
  lag?: number | Array<{ topic: string; partition: number; lag: number }>
}

/** Starts `kafkette --json bridge ...` and resolves once its JSON lines satisfy `until` (each line is kept). */
function startBridge(args: string[]): { child: ChildProcess; done: Promise<CliResult>; lines: BridgeLine[]; until(test: (lines: BridgeLine[]) => boolean): Promise<void> } {
  const child = startCli(['--json', ...args])
  const done = finished(child)
  const lines: BridgeLine[] = []
  const waiters: Array<() => void> = []
  let buffer = ''
  child.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString()
    let at: number
    while ((at = buffer.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buffer.slice(0, at)) as BridgeLine)
      buffer = buffer.slice(at + 1)
    }
    for (const w of waiters) w()
  })
  const until = (test: (lines: BridgeLine[]) => boolean): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the bridge printed ${JSON.stringify(lines)} in 60 s`)), 60_000)
      const check = (): void => {
        if (!test(lines)) return
        clearTimeout(timer)
        resolve()
      }
      waiters.push(check)
      void done.then((r) => reject(new Error(`the bridge exited with ${r.code ?? r.signal}: ${r.stderr}`)))
      check()
    })
  return { child, done, lines, until }
}

/** True once progress lines put every partition in `ends` (topic/partition → offset) at its offset. */
const reached = (ends: Record<string, number>) => (lines: BridgeLine[]) =>
  Object.entries(ends).every(([k, end]) => lines.some((l) => l.event === 'progress' && `${l.topic}/${l.partition}` === k && l.offset! >= end))

describe('kafkette bridge', () => {
  it('forwards the log\'s topics to a served log until SIGTERM, and a next run resumes where it stopped', async () => {
    const dir = tempDir()
    await ok(['--dir', dir, 'topics', 'create', 'orders', '--partitions', '2'])
    await ok(['--dir', dir, 'topics', 'create', 'payments'])
    await ok(['--dir', dir, 'produce', 'orders', '--key-separator', ':', '--partition', '0', '--header', 'src=cli'], { input: 'a:one\nb:two\n' })
    await ok(['--dir', dir, 'produce', 'orders', '--key-separator', ':', '--partition', '1'], { input: 'c:three\n' })
    await ok(['--dir', dir, 'produce', 'payments', '--key-separator', ':'], { input: 'p:paid\n' })
    const served = await serveLog()
    const to = served.brokers[0]!

    const run = startBridge(['--dir', dir, 'bridge', '--to', to, '--topics', 'orders,payments', '--name', 'to-served'])
    await run.until(reached({ 'orders/0': 2, 'orders/1': 1, 'payments/0': 1 }))
    expect(run.lines[0]).toMatchObject({ event: 'started', name: 'to-served', direction: 'out', topics: ['orders', 'payments'], to: [to], exactlyOnce: false, dir })
    run.child.kill('SIGTERM')
    const r = await run.done
    expect(r).toMatchObject({ code: 0, stderr: '' })
    expect(run.lines.at(-1)).toEqual({ event: 'stopped', lag: [0, 1, 0].map((partition, i) => ({ topic: i < 2 ? 'orders' : 'payments', partition, offset: [2, 1, 1][i], highWatermark: [2, 1, 1][i], lag: 0 })).sort((x, y) => x.topic.localeCompare(y.topic) || x.partition - y.partition) })

    const kafka = kafkaFor(served)
    const orders = (await readCluster(kafka, 'orders')).sort((x, y) => x.partition - y.partition || x.offset - y.offset)
    expect(orders.map((o) => [o.partition, o.message.key!.toString(), o.message.value!.toString()])).toEqual([[0, 'a', 'one'], [0, 'b', 'two'], [1, 'c', 'three']])
    expect(orders[0]!.message.headers!.src!.toString()).toBe('cli')
    expect((await readCluster(kafka, 'payments')).map((p) => p.message.value!.toString())).toEqual(['paid'])
    // The progress is the local group named after the bridge.
    expect(await ok(['--dir', dir, 'groups', 'describe', 'to-served'])).toMatch(/lag 0/)

    await ok(['--dir', dir, 'produce', 'orders', '--key-separator', ':', '--partition', '1'], { input: 'd:four\n' })
    const again = startBridge(['--dir', dir, 'bridge', '--to', to, '--topics', 'orders,payments', '--name', 'to-served'])
    await again.until(reached({ 'orders/1': 2 }))
    again.child.kill('SIGINT')
    expect((await again.done).code).toBe(0)
    const after = await readCluster(kafka, 'orders')
    expect(after.filter((o) => o.partition === 1).map((o) => o.message.value!.toString())).toEqual(['three', 'four'])
    expect(after).toHaveLength(4)
  })

  it('--in mirrors a topic of the served log into this log, created for it, in its order', async () => {
    const served = await serveLog()
    const kafka = kafkaFor(served)
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({ topics: [{ topic: 'prices', numPartitions: 2 }] })
    await admin.disconnect()
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic: 'prices', acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: i % 2 })) })
    await producer.disconnect()

    const dir = join(tempDir(), 'mirror')
    const run = startBridge(['--dir', dir, 'bridge', '--in', '--to', served.brokers[0]!, '--topics', 'prices', '--name', 'mirror'])
    await run.until(reached({ 'prices/0': 5, 'prices/1': 5 }))
    run.child.kill('SIGINT')
    expect(await run.done).toMatchObject({ code: 0, stderr: '' })
    expect(await ok(['--dir', dir, 'consume', 'prices', '--partition', '1', '--from-beginning', '--exit', '--format', '%k=%s\n'])).toBe('k1=v1\nk3=v3\nk5=v5\nk7=v7\nk9=v9\n')
  })

  it('prints paused lines while the cluster is away, and forwards once it is served again', async () => {
    const dir = tempDir()
    await ok(['--dir', dir, 'topics', 'create', 'orders'])
    await ok(['--dir', dir, 'produce', 'orders'], { input: 'one\ntwo\n' })
    const served = await serveLog()
    await served.stop()
    const run = startBridge(['--dir', dir, 'bridge', '--to', served.brokers[0]!, '--topics', 'orders'])
    await run.until((lines) => lines.filter((l) => l.event === 'paused').length >= 2)
    expect(run.lines.find((l) => l.event === 'paused')).toMatchObject({ attempt: 1, retryInMs: 300, error: expect.stringMatching(/ECONNREFUSED/) })
    await served.restart()
    await run.until(reached({ 'orders/0': 2 }))
    run.child.kill('SIGTERM')
    expect(await run.done).toMatchObject({ code: 0, stderr: '' })
    expect((await readCluster(kafkaFor(served), 'orders')).map((r) => r.message.value!.toString())).toEqual(['one', 'two'])
  })

  it('says the cluster has no transactions for --exactly-once against a served log, and exits 1', async () => {
    const dir = tempDir()
    await ok(['--dir', dir, 'topics', 'create', 'orders'])
    const served = await serveLog()
    const r = await cli(['--dir', dir, 'bridge', '--to', served.brokers[0]!, '--topics', 'orders', '--exactly-once'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^kafkette: BRIDGE_CLUSTER_ERROR: bridge kafkette-bridge: exactlyOnce needs transactions and the cluster refused a transactional producer \(INVALID_REQUEST\); kafkette's wire listener has no transactions yet[^\n]*\n$/)
  })

  it('refuses a malformed command, and leaves nothing behind', async () => {
    const dir = join(tempDir(), 'none')
    for (const [args, message] of [
      [['--to', 'localhost', '--topics', 'a'], /--to takes HOST:PORT/],
      [['--to', 'localhost:9092', '--topics', 'a,,b'], /--topics takes topic names/],
      [['--to', 'localhost:9092', '--topics', 'a', '--in', '--exactly-once'], /--exactly-once is for the out direction/],
      [['--topics', 'a'], /required option '--to <host:port>' not specified/],
      [['--to', 'localhost:9092', '--topics', 'a', '--in', '--name', 'no spaces'], /name must be 1 to 200 of/],
    ] as const) {
      const r = await cli(['--dir', dir, 'bridge', ...args])
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr).toMatch(/^kafkette: USAGE: [^\n]+\n$/)
      expect(r.stderr).toMatch(message)
    }
    expect(existsSync(dir)).toBe(false)
  })

  it('says to install kafkajs where the project has none', async () => {
    // The built package, with its dependencies but not KafkaJS, in a directory whose
    // ancestors have no node_modules/kafkajs either (a shared machine may have one in /tmp).
    const made = [tmpdir(), '/var/tmp', '/dev/shm'].filter((d) => existsSync(d)).map((d) => mkdtempSync(join(d, 'kafkette-nokafkajs-')))
    onTestFinished(() => {
      for (const d of made) rmSync(d, { recursive: true, force: true })
    })
    const base = made.find((d) => !ancestors(d).some((a) => existsSync(join(a, 'node_modules', 'kafkajs'))))
    expect(base, 'a temporary directory with no node_modules/kafkajs above it').toBeDefined()
    const staged = join(base!, 'kafkette')
    cpSync(join(root, 'dist', 'esm'), join(staged, 'dist', 'esm'), { recursive: true })
    cpSync(join(root, 'package.json'), join(staged, 'package.json'))
    // Every installed package but KafkaJS (a dependency's own dependencies are hoisted there).
    mkdirSync(join(staged, 'node_modules'))
    for (const name of readdirSync(join(root, 'node_modules'))) {
      if (name !== 'kafkajs' && !name.startsWith('.')) symlinkSync(join(root, 'node_modules', name), join(staged, 'node_modules', name))
    }
    const app = join(base!, 'app')
    mkdirSync(app)
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }))
    await ok(['--dir', join(app, 'log'), 'topics', 'create', 'orders'])
    const env: NodeJS.ProcessEnv = { ...process.env }
    delete env.NODE_PATH
    delete env.KAFKETTE_DIR
    const child = spawn(process.execPath, [join(staged, 'dist', 'esm', 'cli', 'bin.js'), '--dir', join(app, 'log'), 'bridge', '--to', '127.0.0.1:9092', '--topics', 'orders'], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] })
    const r = await finished(child)
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe('kafkette: KAFKAJS_NOT_FOUND: kafkette bridge reaches the cluster through KafkaJS, which this project does not have; install kafkajs to use kafkette bridge (npm install kafkajs@2.2.4)\n')
  })
})

function ancestors(dir: string): string[] {
  const out = [dir]
  while (dirname(out.at(-1)!) !== out.at(-1)) out.push(dirname(out.at(-1)!))
  return out
}
