// Opens the log a command works on: which directory (--dir, $KAFKETTE_DIR, .kafkette), whether
// a missing one may be created, and who holds it when it is locked (Linux: /proc/locks).
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { isKafketteError, KafketteError, openLog, type Log } from '../index.js'
import { CliError } from './errors.js'

/** The directory a command uses: `--dir`, else $KAFKETTE_DIR, else `.kafkette`. */
export function logDir(option: string | undefined, env: NodeJS.ProcessEnv): string {
  return option ?? (env.KAFKETTE_DIR !== undefined && env.KAFKETTE_DIR !== '' ? env.KAFKETTE_DIR : '.kafkette')
}

/** How a command opens its log. */
export interface OpenOptions {
  /** Create the log when the directory holds none (`topics create`, `serve`); otherwise LOG_NOT_FOUND and nothing is created. */
  create?: boolean
  /** Let retention run on its timer (only `serve`, the one command that lives as long as a service). */
  retention?: boolean
}

/**
 * Opens the log in `dir`. A directory that holds no log is LOG_NOT_FOUND unless `create`;
 * a directory another process holds is LOG_LOCKED, naming that process where Linux says.
 */
export async function openDir(dir: string, options: OpenOptions = {}): Promise<Log> {
  if (!options.create && !existsSync(join(dir, 'CURRENT'))) {
    const what = existsSync(dir) ? `${dir} holds no kafkette log` : `there is no log directory ${dir}`
    throw new CliError('LOG_NOT_FOUND', what, 'give the directory with --dir or $KAFKETTE_DIR, or create a topic there with `kafkette topics create NAME`')
  }
  try {
    // Commands other than serve live briefly and read: retention (a write) is left to the service.
    return await openLog(options.retention ? { dir } : { dir, retentionCheckIntervalMs: 0 })
  } catch (err) {
    if (isKafketteError(err, 'LOG_LOCKED')) throw lockedError(dir, err)
    throw err
  }
}

/**
 * Runs `fn` on the context's log and closes it, whatever happens. Where this call created
 * the log (`create`) and the command then fails, what it created is removed again: a
 * command that fails leaves nothing behind.
 */
export async function withLog<T>(ctx: { dir: string }, fn: (log: Log) => Promise<T>, options: OpenOptions = {}): Promise<T> {
  const before = options.create && !existsSync(join(ctx.dir, 'CURRENT')) ? { entries: entriesOf(ctx.dir) } : undefined
  let log: Log | undefined
  try {
    log = await openDir(ctx.dir, options)
    return await fn(log)
  } catch (err) {
    await log?.close()
    log = undefined
    if (before) removeCreated(ctx.dir, before.entries)
    throw err
  } finally {
    await log?.close()
  }
}

/** The names in `dir`, or null where it does not exist. */
function entriesOf(dir: string): string[] | null {
  try {
    return readdirSync(dir)
  } catch {
    return null
  }
}

/** Removes what a failed command created in `dir`: all of it where it did not exist, else the entries not in `before`. */
function removeCreated(dir: string, before: string[] | null): void {
  if (before === null) return rmSync(dir, { recursive: true, force: true })
  for (const name of entriesOf(dir) ?? []) if (!before.includes(name)) rmSync(join(dir, name), { recursive: true, force: true })
}

/** A LOG_LOCKED that says who holds `dir` (where that can be known) and how to reach a live log. */
export function lockedError(dir: string, cause: unknown): KafketteError {
  const holder = lockHolder(dir)
  const who = holder ? `process ${holder.pid}${holder.command ? ` (${holder.command})` : ''}` : 'another process'
  return new KafketteError(
    'LOG_LOCKED',
    `${dir} is open in ${who}; a live log is reached through that service: run \`kafkette serve\` there instead, or have it call log.listen() and connect a Kafka client to its wire listener`,
    { dir: resolve(dir), pid: holder?.pid },
    { cause },
  )
}

/**
 * The process holding LevelDB's lock on `dir`, from /proc/locks (Linux): LevelDB locks its
 * LOCK file with fcntl, and /proc/locks lists each lock's pid with the file's device and
 * inode. Undefined where that cannot be known (another OS, another PID namespace).
 */
export function lockHolder(dir: string, procLocks = '/proc/locks'): { pid: number; command: string | undefined } | undefined {
  let locks: string
  let ino: bigint
  let major: bigint
  let minor: bigint
  try {
    const st = statSync(join(dir, 'LOCK'), { bigint: true })
    ino = st.ino
    // Linux's dev_t encoding (glibc's major()/minor()).
    major = ((st.dev >> 8n) & 0xfffn) | ((st.dev >> 32n) & ~0xfffn)
    minor = (st.dev & 0xffn) | ((st.dev >> 12n) & ~0xffn)
    locks = readFileSync(procLocks, 'utf8')
  } catch {
    return undefined
  }
  for (const line of locks.split('\n')) {
    // "1: POSIX  ADVISORY  WRITE 12258 fe:00:2146493 0 EOF"; a waiter's line has "->" after the id.
    const m = /^\d+:\s+(?:->\s+)?\S+\s+\S+\s+\S+\s+(\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/.exec(line)
    if (!m || line.includes('->')) continue
    if (BigInt(m[4]!) !== ino || BigInt(`0x${m[2]!}`) !== major || BigInt(`0x${m[3]!}`) !== minor) continue
    const pid = Number(m[1])
    if (pid <= 0) return undefined
    return { pid, command: commandOf(pid) }
  }
  return undefined
}

function commandOf(pid: number): string | undefined {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a.length > 0)
    const command = argv.join(' ')
    return command.length > 80 ? `${command.slice(0, 77)}...` : command || undefined
  } catch {
    return undefined
  }
}
