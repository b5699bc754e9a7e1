// A kafkette log behind its Kafka wire listener in another process (`kafkette serve` of the
// built package): a real Kafka endpoint for the bridge's specs, which can be stopped and
// served again on the same port and directory.
import type { ChildProcess } from 'node:child_process'
import { finished, startCli, type CliResult } from './cli.js'
import { tempDir } from './stores.js'

/** A served log: its address, and how to take it away and bring it back. */
export interface ServedLog {
  readonly host: string
  readonly port: number
  readonly dir: string
  /** `host:port`, for KafkaJS's `brokers`. */
  readonly brokers: string[]
  readonly pid: number
  /** Stops the serving process with SIGTERM; it must exit 0 (the listener and the log closed). Idempotent. */
  stop(): Promise<void>
  /** Serves the same directory on the same port again, in a new process (after stop()). */
  restart(): Promise<void>
}

/** Starts `kafkette --json serve --port PORT --dir DIR` and resolves once it printed its address. */
async function start(dir: string, port: number): Promise<{ child: ChildProcess; done: Promise<CliResult>; host: string; port: number }> {
  const child = startCli(['--dir', dir, '--json', 'serve', '--port', String(port)])
  const done = finished(child)
  const first = await new Promise<string>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error('kafkette serve printed no address in 60 s')), 60_000)
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('\n')) {
        clearTimeout(timer)
        resolve(out.slice(0, out.indexOf('\n')))
      }
    })
    void done.then((r) => {
      clearTimeout(timer)
      reject(new Error(`kafkette serve exited with ${r.code ?? r.signal}: ${r.stderr}`))
    })
  })
  const address = JSON.parse(first) as { host: string; port: number }
  return { child, done, host: address.host, port: address.port }
}

const running = new Set<ServedLog>()

/**
 * Serves the log in `dir` (a new temporary directory by default) on a free port in a child
 * process. Call stop() when done; stopAllServed() ends whatever a failed spec left running.
 */
export async function serveLog(dir: string = tempDir()): Promise<ServedLog> {
  let current = await start(dir, 0)
  const port = current.port
  let live = true
  const served: ServedLog = {
    host: current.host,
    port,
    dir,
    brokers: [`${current.host}:${port}`],
    get pid() {
      return current.child.pid!
    },
    async stop() {
      if (!live) return
      live = false
      running.delete(served)
      current.child.kill('SIGTERM')
      const r = await current.done
      if (r.code !== 0) throw new Error(`kafkette serve exited with ${r.code ?? r.signal} on SIGTERM: ${r.stderr}`)
    },
    async restart() {
      if (live) throw new Error('restart() of a served log that still runs')
      current = await start(dir, port)
      live = true
      running.add(served)
    },
  }
  running.add(served)
  return served
}

/** Stops every served log still running (for afterEach). */
export async function stopAllServed(): Promise<void> {
  for (const s of [...running]) await s.stop()
}
