// Runs the built `kafkette` command (dist/esm/cli/bin.js) in a child process, as a user
// types it: arguments, stdin, environment, and what it printed and returned.
import { spawn, type ChildProcess } from 'node:child_process'
import { builtPath, root } from './dist.js'

export { root }

/** The built entry point; fails clearly when the package is not built, or built before a change to lib/. */
export function binPath(): string {
  return builtPath('esm/cli/bin.js')
}

/** What a run of the command left behind. */
export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Options of a run: stdin text, extra environment, working directory. */
export interface CliOptions {
  /** Written to stdin, which then ends; `null` leaves stdin open for the test to write. */
  input?: string | null
  env?: Record<string, string | undefined>
  cwd?: string
  /** Flags for node itself, before the script (`--import` a preload). */
  nodeArgs?: string[]
}

/** The environment a run starts from: this one without KAFKETTE_DIR or colour settings. */
function baseEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  delete env.KAFKETTE_DIR
  delete env.NO_COLOR
  delete env.FORCE_COLOR
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k]
    else env[k] = v
  }
  return env
}

/** Starts `kafkette ...args` with piped stdio. */
export function startCli(args: readonly string[], options: CliOptions = {}): ChildProcess {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), binPath(), ...args], { cwd: options.cwd ?? root, env: baseEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] })
  if (options.input !== null) child.stdin!.end(options.input ?? '')
  return child
}

/** Collects a started child's output until it exits. */
export function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })))
}

/** Runs `kafkette ...args` to its end. */
export function cli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return finished(startCli(args, options))
}

/** Runs `kafkette ...args`, expects exit status 0 and an empty stderr, and returns stdout. */
export async function ok(args: readonly string[], options: CliOptions = {}): Promise<string> {
  const r = await cli(args, options)
  if (r.code !== 0 || r.stderr !== '') throw new Error(`kafkette ${args.join(' ')} exited with ${r.code}: ${r.stderr}`)
  return r.stdout
}

/** Runs `kafkette --json ...args` and parses its one JSON document. */
export async function json<T = unknown>(args: readonly string[], options: CliOptions = {}): Promise<T> {
  return JSON.parse(await ok(['--json', ...args], options)) as T
}

/** Runs `kafkette --json ...args` and parses its JSON lines. */
export async function jsonLines<T = unknown>(args: readonly string[], options: CliOptions = {}): Promise<T[]> {
  const out = await ok(['--json', ...args], options)
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as T)
}
