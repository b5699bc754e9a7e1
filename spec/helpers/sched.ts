// What the kernel says of a thread's scheduling, for the specs of the compaction
// thread's priority (Linux only: elsewhere nothing is lowered and nothing is read).
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { CHRT } from '../../lib/util/priority.js'

export const linux = process.platform === 'linux'

/** True where util-linux's chrt is installed where lowerThisThread() looks for it. */
export const hasChrt = linux && CHRT.some((f) => spawnSync(f, ['--version']).status === 0)

/** A thread's scheduling policy (0 normal, 5 SCHED_IDLE) and nice value, from its stat file. */
export function schedOf(statPath: string): { policy: number; nice: number } {
  // Fields after "(comm) ": state is field 3, nice field 19, policy field 41.
  const rest = readFileSync(statPath, 'utf8').split(') ')[1]!.split(' ')
  return { nice: Number(rest[16]), policy: Number(rest[38]) }
}

/** How many threads of this process run under SCHED_IDLE (0 off Linux). */
export function idleThreadCount(): number {
  if (!linux) return 0
  return readdirSync('/proc/self/task').filter((t) => schedOf(`/proc/self/task/${t}/stat`).policy === 5).length
}
