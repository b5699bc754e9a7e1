// Lowering the CPU priority of the calling thread, for background work (compaction)
// that must yield to the threads producers and consumers run on. Linux schedules each
// thread on its own, so one thread can be lowered and the process left as it is.
import { execFileSync } from 'node:child_process'
import { existsSync, readlinkSync } from 'node:fs'
import { setPriority } from 'node:os'

/** How a background thread runs beside the process's other threads. */
export type ThreadPriority = 'idle' | 'normal'

/** What lowering the calling thread achieved. */
export type LoweredTo = 'idle' | 'nice' | 'unchanged'

/**
 * Lowers the calling thread. On Linux it is put under SCHED_IDLE, with util-linux's
 * `chrt` (Node has no call for it; looked for where util-linux installs it, see CHRT):
 * the thread runs when a core would otherwise sit idle, and gives way as soon as any
 * other thread wakes. Any thread may lower itself so, unprivileged. Without `chrt`, the
 * thread gets the lowest nice value (19), which only shrinks its share of a busy core.
 * Elsewhere it is left as it is: there, lowering a thread by its id would lower the
 * whole process.
 */
export function lowerThisThread(run: (file: string, args: string[]) => void = runQuietly, chrt: string | null = CHRT.find((f) => existsSync(f)) ?? null): LoweredTo {
  if (process.platform !== 'linux') return 'unchanged'
  let tid: number
  try {
    // "/proc/thread-self" names the calling thread: "<pid>/task/<tid>".
    tid = Number(readlinkSync('/proc/thread-self').split('/').pop())
  } catch {
    return 'unchanged'
  }
  if (!Number.isInteger(tid) || tid <= 0) return 'unchanged'
  try {
    if (chrt) {
      run(chrt, ['--idle', '--pid', '0', String(tid)])
      return 'idle'
    }
  } catch {
    // chrt failed: fall back to nice.
  }
  try {
    setPriority(tid, 19)
    return 'nice'
  } catch {
    return 'unchanged'
  }
}

/** Where util-linux installs chrt; the PATH is not searched, so no other program of that name runs. */
export const CHRT = ['/usr/bin/chrt', '/bin/chrt']

function runQuietly(file: string, args: string[]): void {
  execFileSync(file, args, { stdio: 'ignore', timeout: 5_000 })
}
