// Runs the fixture scripts in child processes (against the built package in dist/).
import { fork, type ChildProcess } from 'node:child_process'
import { assertBuilt, root } from './dist.js'

/** The path of a fixture script; fails clearly when the package is not built, or built before a change to lib/. */
export function fixture(name: string): string {
  assertBuilt()
  return `${root}/spec/fixtures/${name}`
}

/** Forks a fixture with piped stdout. */
export function spawnFixture(name: string, args: string[]): ChildProcess {
  return fork(fixture(name), args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
}

/** Runs a fixture to its exit, however it ends: its exit code or the signal that ended it, and its output. */
export async function runToExit(name: string, args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const child = spawnFixture(name, args)
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])))
  return { code, signal, stdout, stderr }
}

/** Runs a fixture to completion and returns its stdout. */
export async function runFixture(name: string, args: string[]): Promise<string> {
  const child = spawnFixture(name, args)
  let out = ''
  let err = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  if (code !== 0) throw new Error(`${name} exited with ${code}: ${err}`)
  return out
}

/**
 * Runs a fixture that prints 'ready' then JSON lines, kills it with SIGKILL after `runMs`
 * of real time (the kill must land at an arbitrary moment), and returns the JSON lines
 * it printed before dying.
 */
export async function runThenKill<T>(name: string, args: string[], runMs: number): Promise<T[]> {
  const child = spawnFixture(name, args)
  let out = ''
  let ready!: () => void
  const isReady = new Promise<void>((r) => (ready = r))
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString()
    if (out.includes('ready\n')) ready()
  })
  const exited = new Promise<void>((r) => child.on('exit', () => r()))
  await Promise.race([isReady, exited])
  await new Promise((r) => setTimeout(r, runMs))
  child.kill('SIGKILL')
  await exited
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as T)
}
