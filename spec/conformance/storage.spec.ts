// What a log directory guarantees: one owner process (LOG_LOCKED), a format version it
// refuses when newer (LOG_FORMAT_TOO_NEW), a refusal to treat foreign data as a log
// (LOG_CORRUPT), and opening in O(partitions).
import { readdirSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { basename, join, relative } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { describe, expect, it } from 'vitest'
import { openLog, KafketteError } from '../../lib/index.js'
import { metaKey } from '../../lib/storage/keys.js'
import { encodeValue } from '../../lib/storage/batch-codec.js'
import { FORMAT_VERSION } from '../../lib/storage/format.js'
import { runFixture } from '../helpers/child.js'
import { tempDir } from '../helpers/stores.js'

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (err: unknown) => (err instanceof KafketteError ? err.code : String(err)),
  )
}

/** Every file of a directory with its size and modification time. */
function listing(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .map((name) => {
      const st = statSync(join(dir, name))
      return `${name} ${st.size} ${st.mtimeMs}`
    })
}

describe('a log directory', () => {
  it('is locked against a second process while open (LOG_LOCKED)', async () => {
    const dir = tempDir()
    const log = await openLog({ dir })
    const report = JSON.parse(await runFixture('open-and-report.mjs', [dir]))
    expect(report).toMatchObject({ ok: false, code: 'LOG_LOCKED', name: 'KafketteError' })
    await log.close()
    expect(JSON.parse(await runFixture('open-and-report.mjs', [dir]))).toEqual({ ok: true })
  })

  it('is locked against a second open in the same process', async () => {
    const dir = tempDir()
    const log = await openLog({ dir })
    expect(await codeOf(openLog({ dir }))).toBe('LOG_LOCKED')
    await log.close()
  })

  it('reports the format version it opened, on a new log and on one reopened', async () => {
    const dir = tempDir()
    const log = await openLog({ dir })
    expect(log.formatVersion).toBe(FORMAT_VERSION)
    await log.close()
    const again = await openLog({ dir })
    expect(again.formatVersion).toBe(FORMAT_VERSION)
    await again.close()
  })

  it('is one log whatever path reaches it: a second open under another spelling is LOG_LOCKED, not retriable, naming the directory', async () => {
    const dir = tempDir()
    const real = realpathSync(dir)
    const link = join(tempDir(), 'link')
    symlinkSync(dir, link)
    const aliases = [dir + '/', dir + '/.', join(dir, '..', basename(dir)), relative(process.cwd(), dir), link, link + '/']
    const log = await openLog({ dir })
    for (const alias of aliases) {
      const err = await openLog({ dir: alias }).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err, alias).toBeInstanceOf(KafketteError)
      expect((err as KafketteError).code).toBe('LOG_LOCKED')
      expect((err as KafketteError).retriable).toBe(false)
      expect((err as KafketteError).message).toContain(`${real} is already open in this process`)
    }
    // another process, through the symlink
    expect(JSON.parse(await runFixture('open-and-report.mjs', [link]))).toMatchObject({ ok: false, code: 'LOG_LOCKED' })
    await log.close()
    const again = await openLog({ dir: link })
    expect(await codeOf(openLog({ dir }))).toBe('LOG_LOCKED')
    await again.close()
  })

  it('refuses LevelDB files without CURRENT (LOG_CORRUPT) and touches nothing', async () => {
    const dir = tempDir()
    let log = await openLog({ dir })
    await log.createTopic('t')
    await log.producer().send('t', Array.from({ length: 2000 }, (_, i) => ({ value: `record ${i}` })))
    await log.close()
    rmSync(join(dir, 'CURRENT'))
    const before = listing(dir)
    const err = await openLog({ dir }).then(
      () => undefined,
      (e: unknown) => e as KafketteError,
    )
    expect(err?.code).toBe('LOG_CORRUPT')
    expect(err?.message).toMatch(/holds store files .* but no CURRENT file/)
    expect(listing(dir)).toEqual(before)
    // a CURRENT naming no manifest is refused too
    writeFileSync(join(dir, 'CURRENT'), 'MANIFEST-999999\n')
    expect(await codeOf(openLog({ dir }))).toBe('LOG_CORRUPT')
    writeFileSync(join(dir, 'CURRENT'), 'garbage')
    expect(await codeOf(openLog({ dir }))).toBe('LOG_CORRUPT')
    // an empty directory, or one with only the files a failed open leaves, is a new log
    const empty = tempDir()
    writeFileSync(join(empty, 'LOG'), '')
    log = await openLog({ dir: empty })
    await log.close()
  })

  it('refuses a newer format (LOG_FORMAT_TOO_NEW) and foreign data (LOG_CORRUPT)', async () => {
    const newer = tempDir()
    const db = new ClassicLevel<Buffer, Buffer>(newer, { keyEncoding: 'buffer', valueEncoding: 'buffer' })
    await db.put(metaKey('format'), encodeValue(FORMAT_VERSION + 1))
    await db.close()
    expect(await codeOf(openLog({ dir: newer }))).toBe('LOG_FORMAT_TOO_NEW')

    const foreign = tempDir()
    const other = new ClassicLevel<string, string>(foreign)
    await other.put('some', 'thing')
    await other.close()
    expect(await codeOf(openLog({ dir: foreign }))).toBe('LOG_CORRUPT')
    // a refused open releases the directory
    expect(await codeOf(openLog({ dir: foreign }))).toBe('LOG_CORRUPT')
  })

  it('reports an unreadable record batch as LOG_CORRUPT when read', async () => {
    const dir = tempDir()
    let log = await openLog({ dir })
    await log.createTopic('t')
    await log.producer().send('t', [{ value: 1 }, { value: 2 }])
    await log.close()
    const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' })
    for await (const key of db.keys({ gte: Buffer.of(2), lt: Buffer.of(3) })) await db.put(key, Buffer.from([9, 9, 9]))
    await db.close()
    log = await openLog({ dir })
    const c = log.consumer({ fromBeginning: true })
    c.assign([{ topic: 't', partition: 0 }])
    expect(await codeOf(c.poll({ timeoutMs: 0 }))).toBe('LOG_CORRUPT')
    await log.close()
  })

  it('validates openLog options', async () => {
    await expect(openLog({} as never)).rejects.toThrow(TypeError)
    await expect(openLog({ dir: 'x', memory: true })).rejects.toThrow(TypeError)
    await expect(openLog({ memory: true, defaultPartitions: 0 })).rejects.toThrow(RangeError)
    await expect(openLog(null as never)).rejects.toThrow(TypeError)
    await expect(openLog({ memory: true, maxOpenFiles: 73 })).rejects.toThrow(/maxOpenFiles must be an integer from 74 to 50000, got 73/)
    await expect(openLog({ memory: true, maxOpenFiles: 100.5 })).rejects.toThrow(RangeError)
    await expect(openLog({ memory: true, maxOpenFiles: '100' as never })).rejects.toThrow(TypeError)
  })

  it('opens a disk log with a larger maxOpenFiles and reads back what it holds', async () => {
    const dir = tempDir()
    let log = await openLog({ dir, maxOpenFiles: 500 })
    await log.createTopic('t')
    await log.producer().send('t', [{ value: 'a' }, { value: 'b' }])
    await log.close()
    log = await openLog({ dir, maxOpenFiles: 74 })
    const c = log.consumer({ fromBeginning: true })
    c.assign([{ topic: 't', partition: 0 }])
    expect((await c.poll({ timeoutMs: 0 })).map((m) => m.value)).toEqual(['a', 'b'])
    await log.close()
  })
})
