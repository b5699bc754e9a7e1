// Runs real Kafka clients (kcat, Debian's python3 with kafka-python and confluent-kafka,
// KafkaJS in a node child) against a listener, each in a child process with a time limit.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** Debian's python3: the one with python3-kafka and python3-confluent-kafka (a pyenv shim on PATH lacks them). */
export const PYTHON = '/usr/bin/python3'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** A wire-client fixture's path. */
export function wireFixture(name: string): string {
  return `${root}/spec/fixtures/wire/${name}`
}

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a command to its end (killed after `timeoutMs`); rejects with its output when it fails. */
export async function run(cmd: string, args: readonly string[], options: { input?: string; timeoutMs?: number; allowFailure?: boolean } = {}): Promise<RunResult> {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], cwd: root, env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1' } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  child.stdin.end(options.input ?? '')
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000)
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)))
  clearTimeout(timer)
  const result = { code, stdout, stderr }
  if (code !== 0 && !options.allowFailure) throw new Error(`${cmd} ${args.join(' ')} exited with ${code}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`)
  return result
}

/** Parses one JSON object per non-empty line. */
export function jsonLines<T = Record<string, unknown>>(text: string): T[] {
  return text
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as T)
}
