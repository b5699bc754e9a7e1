// lib/cli/open.ts: which directory a command uses, LOG_NOT_FOUND without creating anything,
// and the process holding a locked log, read from /proc/locks.
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { lockHolder, logDir, openDir } from '../../../lib/cli/open.js'
import { openLog } from '../../../lib/index.js'
import { tempDir } from '../../helpers/stores.js'

describe('logDir', () => {
  it('takes --dir, then $KAFKETTE_DIR, then .kafkette', () => {
    expect(logDir('a', { KAFKETTE_DIR: 'b' })).toBe('a')
    expect(logDir(undefined, { KAFKETTE_DIR: 'b' })).toBe('b')
    expect(logDir(undefined, { KAFKETTE_DIR: '' })).toBe('.kafkette')
    expect(logDir(undefined, {})).toBe('.kafkette')
  })
})

describe('openDir', () => {
  it('refuses a directory without a log (LOG_NOT_FOUND) unless asked to create one', async () => {
    const dir = join(tempDir(), 'log')
    await expect(openDir(dir)).rejects.toMatchObject({ code: 'LOG_NOT_FOUND' })
    expect(existsSync(dir)).toBe(false)
    const log = await openDir(dir, { create: true })
    await log.close()
    const again = await openDir(dir)
    await again.close()
  })
})

describe('lockHolder', () => {
  it('finds the process that holds the log in /proc/locks', async () => {
    const dir = tempDir()
    const log = await openLog({ dir })
    try {
      const holder = lockHolder(dir)
      expect(holder?.pid).toBe(process.pid)
      expect(holder?.command).toContain('node')
    } finally {
      await log.close()
    }
    expect(lockHolder(dir)).toBeUndefined()
  })

  it('says nothing where the lock list is missing or names another file', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'LOCK'), '')
    const locks = join(tempDir(), 'locks')
    writeFileSync(locks, '1: POSIX  ADVISORY  WRITE 4242 fe:00:1 0 EOF\n')
    expect(lockHolder(dir, locks)).toBeUndefined()
    expect(lockHolder(dir, join(dir, 'no-such-file'))).toBeUndefined()
    expect(lockHolder(join(dir, 'missing'))).toBeUndefined()
  })
})
