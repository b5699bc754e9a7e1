// Starts and stops the peer servers the bench races: redis-server and nats-server, each on
// a free port of 127.0.0.1 with its data in a temp directory, stopped by its PID at the end
// (and on exit, whatever happens). A missing binary is reported with how to install it.
import { spawn, spawnSync } from 'node:child_process'
import { createServer, createConnection } from 'node:net'
import { rmTmp, tmp } from './harness.mjs'

const INSTALL = 'apt-get install redis-server nats-server (or run bench/peers/install.sh as root)'

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

/** Why `binary` cannot run here (with how to install it), or undefined when it can. */
export function missing(binary) {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8' })
  if (r.error) return `${binary} is not installed: ${INSTALL}`
  return undefined
}

function waitForPort(port, child, ms = 10_000) {
  const until = Date.now() + ms
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new Error(`the server exited with code ${child.exitCode} before listening`))
      const sock = createConnection({ port, host: '127.0.0.1' })
      sock.once('connect', () => {
        sock.destroy()
        resolve()
      })
      sock.once('error', () => {
        sock.destroy()
        if (Date.now() > until) reject(new Error(`nothing listens on 127.0.0.1:${port} after ${ms} ms`))
        else setTimeout(attempt, 50)
      })
    }
    attempt()
  })
}

const running = new Set()
process.on('exit', () => {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {}
  }
})

async function start(binary, args, port, dir) {
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  running.add(child.pid)
  try {
    await waitForPort(port, child)
  } catch (err) {
    child.kill('SIGKILL')
    running.delete(child.pid)
    throw new Error(`${binary} did not start: ${err.message}${stderr ? `: ${stderr.trim().slice(0, 300)}` : ''}`)
  }
  return {
    port,
    pid: child.pid,
    /** Stops the server by its PID and removes its data directory. */
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        process.kill(child.pid, 'SIGTERM')
        const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 5000)
        await exited
        clearTimeout(timer)
      }
      running.delete(child.pid)
      rmTmp(dir)
    },
  }
}

/**
 * redis-server with an append-only file written at every event-loop turn but not fsynced
 * (appendfsync no): like kafkette's default, an acknowledged write survives a killed
 * process, not a power loss.
 */
export async function startRedis() {
  const port = await freePort()
  const dir = tmp('kafkette-redis-')
  return start('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'no', '--daemonize', 'no', '--loglevel', 'warning'], port, dir)
}

/** nats-server with JetStream, its file storage in a temp directory. */
export async function startNats() {
  const port = await freePort()
  const dir = tmp('kafkette-nats-')
  return start('nats-server', ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], port, dir)
}
