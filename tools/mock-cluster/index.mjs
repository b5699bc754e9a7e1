// Starts librdkafka's mock Kafka cluster (mock-cluster.c beside this file) in a child
// process for tests and benchmarks: compiles the program on demand with cc, caches the
// binary by the hash of its source, and hands back the bootstrap address and a control
// channel (broker down/up, topic creation) over the child's stdin.
import { spawn, execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const source = join(here, 'mock-cluster.c')
const cacheDir = join(here, '..', '..', 'node_modules', '.cache', 'kafkette-mock-cluster')

/**
 * The path of the compiled mock-cluster program, compiling it first when the cached binary
 * is missing or was built from another version of mock-cluster.c. Needs `cc` and
 * librdkafka-dev (scripts/ci-deps.sh installs both); fails with the compiler's message.
 * @returns {string}
 */
export function buildMockCluster() {
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 16)
  const binary = join(cacheDir, `mock-cluster-${hash}`)
  if (existsSync(binary)) return binary
  mkdirSync(cacheDir, { recursive: true })
  // Compile to a name of this process's own, then rename: concurrent test workers may race
  // here, and a rename never exposes a half-written binary.
  const tmp = `${binary}.${process.pid}.tmp`
  try {
    execFileSync('cc', ['-O2', '-Wall', '-o', tmp, source, '-lrdkafka'], { stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err) {
    rmSync(tmp, { force: true })
    const stderr = err && err.stderr ? String(err.stderr) : String(err)
    throw new Error(`mock-cluster: compiling ${source} failed (needs cc and librdkafka-dev: bash scripts/ci-deps.sh):\n${stderr}`)
  }
  renameSync(tmp, binary)
  return binary
}

/**
 * Starts a mock cluster of `brokers` brokers (ids 1..N) on 127.0.0.1, on ports the kernel
 * picks, with `topics` created first (`{ name, partitions }` or 'name' for one partition).
 * @param {{ brokers?: number, topics?: Array<string | { name: string, partitions?: number }> }} [options]
 */
export async function startMockCluster(options = {}) {
  const { brokers = 1, topics = [] } = options
  const args = ['--brokers', String(brokers), ...topics.map((t) => (typeof t === 'string' ? t : `${t.name}:${t.partitions ?? 1}`))]
  const child = spawn(buildMockCluster(), args, { stdio: ['pipe', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d.toString()))
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  const lines = []
  const waiting = []
  let buffered = ''
  child.stdout.on('data', (d) => {
    buffered += d.toString()
    let nl
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl)
      buffered = buffered.slice(nl + 1)
      const w = waiting.shift()
      if (w) w.resolve(line)
      else lines.push(line)
    }
  })
  exited.then(({ code, signal }) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`mock-cluster exited (${signal ?? code}): ${stderr.trim()}`))
  })
  const nextLine = () => (lines.length ? Promise.resolve(lines.shift()) : new Promise((resolve, reject) => waiting.push({ resolve, reject })))

  const bootstrap = await nextLine()
  let stopped = false

  /** Sends one command line; resolves with its answer, rejects on "error …". */
  const command = async (line) => {
    if (stopped) throw new Error('mock-cluster: stopped')
    const answer = nextLine()
    child.stdin.write(line + '\n')
    const text = await answer
    if (!text.startsWith('ok')) throw new Error(`mock-cluster: ${line}: ${text}`)
    return text
  }

  return {
    /** The bootstrap list, "127.0.0.1:PORT,…". */
    bootstrap,
    /** One "host:port" per broker, in broker id order (id 1 first). */
    brokers: bootstrap.split(','),
    /** The child's process id. */
    pid: child.pid,
    command,
    /** Takes a broker down: its connections close and new ones are refused; the port is kept. */
    down: (id = 1) => command(`down ${id}`),
    /** Brings a broker back up on the same port. */
    up: (id = 1) => command(`up ${id}`),
    /** Answers the next `count` requests of API `apiKey` with Kafka error `code`. */
    failRequests: (apiKey, code, count = 1) => command(`error ${apiKey} ${code} ${count}`),
    /** Creates a topic (the mock has no CreateTopics API). */
    createTopic: (name, partitions = 1) => command(`topic ${name} ${partitions}`),
    /** Stops the cluster: closes its stdin, then SIGTERM, then SIGKILL, each after a bound. */
    async stop() {
      if (stopped) return exited
      stopped = true
      child.stdin.end()
      const bounded = (ms) => Promise.race([exited, new Promise((r) => setTimeout(r, ms).unref())])
      if (child.exitCode === null && child.signalCode === null) {
        await bounded(5_000)
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM')
          await bounded(5_000)
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
        }
      }
      return exited
    },
  }
}
