// The two stores every conformance suite runs on: classic-level in a temp dir, and
// memory-level. A suite is a function of `makeLog`; reopen() closes and reopens the
// same log (on disk: the same directory; in memory: a fresh log is all there is, so
// suites that reopen use `store.durable`).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { openLog, type Log, type OpenLogOptions } from '../../lib/index.js'

export interface StoreKind {
  name: 'disk' | 'memory'
  /** True when a closed log can be reopened with its data. */
  durable: boolean
  /** Opens a new, empty log. */
  makeLog(options?: Omit<OpenLogOptions, 'dir' | 'memory'>): Promise<Log>
  /** Closes `log` and opens it again (disk only). */
  reopen(log: Log, options?: Omit<OpenLogOptions, 'dir' | 'memory'>): Promise<Log>
}

const dirs: string[] = []
const dirOf = new WeakMap<Log, string>()

/** A fresh temp directory, removed after the suite. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kafkette-spec-'))
  dirs.push(dir)
  return dir
}

afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

export const disk: StoreKind = {
  name: 'disk',
  durable: true,
  async makeLog(options = {}) {
    const dir = tempDir()
    const log = await openLog({ ...options, dir })
    dirOf.set(log, dir)
    return log
  },
  async reopen(log, options = {}) {
    const dir = dirOf.get(log)
    if (!dir) throw new Error('reopen: not a disk log made by this helper')
    await log.close()
    const next = await openLog({ ...options, dir })
    dirOf.set(next, dir)
    return next
  },
}

export const memory: StoreKind = {
  name: 'memory',
  durable: false,
  makeLog: (options = {}) => openLog({ ...options, memory: true }),
  async reopen() {
    throw new Error('a memory log cannot be reopened')
  },
}

/** Both stores, for describe.each. */
export const stores: StoreKind[] = [disk, memory]
