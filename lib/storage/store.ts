// The store: one abstract-level database (classic-level on disk, memory-level in
// memory). The only importer of those packages; no LEVEL_* error code escapes it.
import { mkdir, readdir, realpath, statfs } from 'node:fs/promises'
import { ClassicLevel } from 'classic-level'
import { MemoryLevel } from 'memory-level'
import { KafketteError } from '../errors.js'
import type { Clock } from '../util/clock.js'
import { newestWal, scanWal, type WalRecovery } from './wal.js'

/** One put or del of a db.batch(). */
export type StoreOp = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer }

/** A key range; bounds are binary keys. */
export interface StoreRange {
  gt?: Buffer
  gte?: Buffer
  lt?: Buffer
  lte?: Buffer
  reverse?: boolean
  limit?: number
  /** On disk, how many bytes one nextv may gather before it stops (classic-level's highWaterMarkBytes; default 16 KiB, so one large batch per call). */
  highWaterMarkBytes?: number
}

/** Reads entries (or keys) of a range in chunks. */
export interface StoreIterator<T = [Buffer, Buffer]> {
  nextv(size: number): Promise<T[]>
  close(): Promise<void>
}

/**
 * LevelDB keeps up to maxOpenFiles − 10 table files open, each memory-mapped, and every
 * page of them read stays in the process's resident set while the file is open. Its
 * default (1000 files of 2 MB) lets a process that reads a whole large log hold up to
 * 2 GB of file pages; 74, the least LevelDB accepts, bounds them to about 128 MB.
 */
export const MIN_OPEN_FILES = 74
/** The most open files LevelDB accepts. */
export const MAX_OPEN_FILES = 50_000

type Db = ClassicLevel<Buffer, Buffer> | MemoryLevel<Buffer, Buffer>

interface WriteFault {
  remaining: number
  error?: Error
  delayMs?: number
}

/** The store a log sits on. Every method maps the backend's errors to KafketteError. */
export class Store {
  private faults: WriteFault[] = []
  /** How many writes began waiting out a delay from delayNextWrites so far (a test seam). */
  heldWrites = 0
  private closed = false

  private constructor(
    private db: Db,
    /** 'disk' for classic-level, 'memory' for memory-level. */
    readonly kind: 'disk' | 'memory',
    private readonly clock: Clock,
  ) {}

  /**
   * Opens classic-level at `dir`, or memory-level when `dir` is undefined. On disk the
   * directory is resolved to its real path first, and one path is open once per process
   * (LevelDB's own lock tells processes apart, but not two opens in one process under
   * two spellings). A directory holding LevelDB files but no CURRENT is refused before
   * LevelDB sees it: LevelDB would create a new store there and delete the old tables.
   */
  static async open(dir: string | undefined, clock: Clock, options: { maxOpenFiles?: number } = {}): Promise<Store> {
    const opts = { keyEncoding: 'buffer', valueEncoding: 'buffer' } as const
    if (dir === undefined) {
      const db = new MemoryLevel<Buffer, Buffer>(opts)
      try {
        await db.open()
      } catch (err) {
        throw mapError(err, 'memory')
      }
      return new Store(db, 'memory', clock)
    }
    const real = await resolveDir(dir)
    const held = openDirs()
    if (held.has(real)) {
      throw new KafketteError('LOG_LOCKED', `the log directory ${real} is already open in this process${real === dir ? '' : ` (given as ${dir})`}: close that log first, or share it`, { dir: real })
    }
    held.add(real)
    try {
      const existing = await inspectDir(real)
      const recovery = existing ? await walRecovery(real) : []
      const db = new ClassicLevel<Buffer, Buffer>(real, opts)
      try {
        // Over an existing store, createIfMissing is off: LevelDB then never starts a new one there.
        await db.open({ maxOpenFiles: options.maxOpenFiles ?? MIN_OPEN_FILES, createIfMissing: !existing })
      } catch (err) {
        // A CURRENT naming a manifest that is gone is damage, not a passing I/O failure.
        const cause = (err as { cause?: { code?: string; message?: string } }).cause
        if (existing && cause?.code === 'LEVEL_IO_ERROR' && /MANIFEST-\d+: No such file/.test(cause.message ?? '')) {
          throw new KafketteError('LOG_CORRUPT', `the log directory ${real} cannot be opened: ${cause.message} (its CURRENT file names a manifest that is missing)`, { dir: real }, { cause: err })
        }
        throw mapError(err, real)
      }
      const store = new Store(db, 'disk', clock)
      store.dir = real
      store.maxOpenFiles = options.maxOpenFiles ?? MIN_OPEN_FILES
      store.recovery = recovery
      return store
    } catch (err) {
      held.delete(real)
      throw err
    }
  }

  /** On disk, the directory's real path (its lock in this process is released on close). */
  dir: string | undefined
  /** What opening dropped from the write-ahead log (a torn last write, damaged blocks); empty when nothing. */
  recovery: WalRecovery[] = []
  private maxOpenFiles = MIN_OPEN_FILES
  /**
   * The I/O error a write failed with on disk (a full disk, mostly). LevelDB then refuses
   * every later write until it is reopened, so the next write reopens it (see recover()).
   */
  private failed: KafketteError | undefined
  /** Runs after the store was reopened, before the write that reopened it: the log drops writes that failed but reached the write-ahead log. */
  afterReopen: (() => Promise<void>) | undefined
  private reopening: Promise<void> | undefined

  async get(key: Buffer): Promise<Buffer | undefined> {
    try {
      return (await this.db.get(key)) ?? undefined
    } catch (err) {
      throw this.error(err)
    }
  }

  /** Writes `ops` atomically; with `sync`, fsyncs before resolving. */
  async write(ops: StoreOp[], sync = false): Promise<void> {
    const fault = this.faults[0]
    if (fault) {
      if (--fault.remaining <= 0) this.faults.shift()
      if (fault.delayMs !== undefined) {
        this.heldWrites++
        await new Promise<void>((resolve) => this.clock.setTimeout(resolve, fault.delayMs!))
      }
      if (fault.error) throw new KafketteError('LOG_IO_ERROR', `a store write failed: ${fault.error.message}`, {}, { cause: fault.error })
    }
    if (this.closed) throw new KafketteError('LOG_CLOSED', 'the store is closed')
    if (this.failed) await this.recover()
    if (this.diskFull) {
      // As LevelDB fails a write on a full disk: this one, and every one after it until the store is reopened.
      this.failed = new KafketteError('LOG_IO_ERROR', 'IO error: No space left on device (a simulated full disk)')
      throw this.failed
    }
    try {
      // The ops are already binary, as both stores keep them: abstract-level's batch()
      // would only copy and re-check each op (about a microsecond an op) before calling this.
      await (this.db as unknown as { _batch(ops: StoreOp[], options: { sync: boolean }): Promise<void> })._batch(ops, { sync })
    } catch (err) {
      const mapped = this.error(err)
      if (mapped.code === 'LOG_IO_ERROR' && this.kind === 'disk' && !this.closed) this.failed = mapped
      throw mapped
    }
  }

  /**
   * After a failed write, reopens LevelDB so that writes work again once the disk has
   * room: first checks there is room for what reopening writes (its memtable, flushed to
   * a table, and a new write-ahead log), and throws the retriable LOG_IO_ERROR while there
   * is not. Reads go on meanwhile. One recovery at a time; concurrent writers wait for it.
   */
  private async recover(): Promise<void> {
    if (!this.reopening) {
      this.reopening = (async () => {
        const failed = this.failed!
        if (this.kind === 'memory') {
          // Only a simulated full disk fails a write in memory, and there is nothing to reopen.
          if (this.diskFull) throw new KafketteError('LOG_IO_ERROR', `the store's last write failed (${failed.message}) and the (simulated) disk is still full; writes work again once there is room`, {}, { cause: failed })
          this.failed = undefined
          return
        }
        const dir = this.dir!
        const db = this.db as ClassicLevel<Buffer, Buffer>
        let memtable = 4 * 1024 * 1024
        try {
          memtable = Number.parseInt(db.getProperty('leveldb.approximate-memory-usage'), 10) || memtable
        } catch {
          // the default write buffer bounds it
        }
        const need = memtable + REOPEN_MARGIN_BYTES
        let free: number
        try {
          const fs = await statfs(dir)
          free = this.diskFull ? 0 : fs.bavail * fs.bsize
        } catch {
          free = need
        }
        if (free < need) {
          throw new KafketteError(
            'LOG_IO_ERROR',
            `the store's last write failed (${failed.message}) and the disk holding ${dir} has ${free} bytes free; ${need} are needed to reopen it. Writes work again, without reopening the log, once there is room`,
            { dir },
            { cause: failed },
          )
        }
        const next = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' })
        await db.close()
        try {
          await next.open({ maxOpenFiles: this.maxOpenFiles, createIfMissing: false })
        } catch (err) {
          // The old handle is closed: reopen it as it was, so reads go on, and try again at the next write.
          await db.open({ maxOpenFiles: this.maxOpenFiles, createIfMissing: false }).catch(() => undefined)
          throw new KafketteError('LOG_IO_ERROR', `the store could not be reopened after a failed write: ${mapError(err).message}`, { dir }, { cause: err })
        }
        this.db = next
        this.failed = undefined
        await this.afterReopen?.()
      })().finally(() => {
        this.reopening = undefined
      })
    }
    await this.reopening
  }

  /**
   * An iterator over a range, read in chunks with nextv. On disk, classic-level keeps the
   * last chunk an iterator read in native memory until the iterator object is garbage
   * collected, which can be long after close() (the object is tiny, so nothing hurries
   * the collector); a reader that opens an iterator per fetch then holds every chunk it
   * read. So a forward iterator closed before its end is first moved past its range and
   * read once more: that empty read frees the chunk at once.
   */
  iterator(range: StoreRange): StoreIterator {
    return this.chunked<[Buffer, Buffer]>((this.db as ClassicLevel<Buffer, Buffer>).iterator(range), range)
  }

  /** An iterator over the keys of a range: the store reads no value into JavaScript. */
  keyIterator(range: StoreRange): StoreIterator<Buffer> {
    return this.chunked<Buffer>((this.db as ClassicLevel<Buffer, Buffer>).keys(range), range)
  }

  private chunked<T>(it: { nextv(size: number): Promise<unknown[]>; seek(target: Buffer): void; close(): Promise<void> }, range: StoreRange): StoreIterator<T> {
    let holding = false
    return {
      nextv: async (size) => {
        try {
          const entries = (await it.nextv(size)) as T[]
          holding = entries.length > 0
          return entries
        } catch (err) {
          throw this.error(err)
        }
      },
      close: async () => {
        if (holding && this.kind === 'disk' && !range.reverse && range.limit === undefined) {
          holding = false
          try {
            it.seek(pastEnd(range))
            await it.nextv(1)
          } catch {
            // the chunk is then freed with the iterator, as before
          }
        }
        await it.close()
      },
    }
  }

  /** Every key of a range (keys only). */
  async keys(range: StoreRange): Promise<Buffer[]> {
    try {
      return (await (this.db as ClassicLevel<Buffer, Buffer>).keys(range).all()) as Buffer[]
    } catch (err) {
      throw this.error(err)
    }
  }

  /** The first entry of a range, or undefined. */
  async first(range: StoreRange): Promise<[Buffer, Buffer] | undefined> {
    const it = this.iterator({ ...range, limit: 1 })
    try {
      const [entry] = await it.nextv(1)
      return entry
    } finally {
      await it.close()
    }
  }

  /** Deletes every key of a range (not atomic with other writes). */
  async clear(range: StoreRange): Promise<void> {
    try {
      await this.db.clear(range)
    } catch (err) {
      throw this.error(err)
    }
  }

  /** Asks the disk store to reclaim the space of a deleted range; memory frees at once. */
  async compactRange(start: Buffer, end: Buffer): Promise<void> {
    if (this.kind !== 'disk') return
    try {
      await (this.db as ClassicLevel<Buffer, Buffer>).compactRange(start, end)
    } catch (err) {
      throw this.error(err)
    }
  }

  /** The store's estimate of the bytes a range takes on disk (0 in memory). */
  async approximateSize(start: Buffer, end: Buffer): Promise<number> {
    if (this.kind !== 'disk') return 0
    try {
      return await (this.db as ClassicLevel<Buffer, Buffer>).approximateSize(start, end)
    } catch (err) {
      throw this.error(err)
    }
  }

  /** A backend error as a KafketteError: while the store is being reopened (not closed), a read of the old handle is a retriable LOG_IO_ERROR, not LOG_CLOSED. */
  private error(err: unknown): KafketteError {
    const mapped = mapError(err)
    if (mapped.code === 'LOG_CLOSED' && !this.closed) return new KafketteError('LOG_IO_ERROR', 'the store is being reopened after a failed write; retry', {}, { cause: err })
    return mapped
  }

  /** Makes the next `count` writes fail with LOG_IO_ERROR (a test seam). */
  failNextWrites(count: number, error: Error = new Error('injected write fault')): void {
    if (count > 0) this.faults.push({ remaining: count, error })
  }

  /** Delays the next `count` writes by `ms` on the log's clock (a test seam). */
  delayNextWrites(count: number, ms: number): void {
    if (count > 0) this.faults.push({ remaining: count, delayMs: ms })
  }

  /** Forgets every injected fault. */
  clearFaults(): void {
    this.faults = []
  }

  /** While set, writes fail as on a full disk and the store finds no room to reopen (a test seam); cleared, the next write reopens it. */
  diskFull = false

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    // A reopen in flight ends first: the handle it opens is the one to close.
    await this.reopening?.catch(() => undefined)
    try {
      await this.db.close()
    } finally {
      if (this.dir !== undefined) openDirs().delete(this.dir)
    }
  }
}

/**
 * The real paths of the log directories open in this process. Kept on globalThis so
 * that the ES module and CommonJS builds, both loaded in one process, share it.
 */
function openDirs(): Set<string> {
  const g = globalThis as { [OPEN_DIRS]?: Set<string> }
  return (g[OPEN_DIRS] ??= new Set<string>())
}
const OPEN_DIRS = Symbol.for('kafkette.openLogDirectories')

/** Creates `dir` if missing and returns its real path (symlinks, `.`, `..` and trailing slashes resolved). */
async function resolveDir(dir: string): Promise<string> {
  try {
    await mkdir(dir, { recursive: true })
    return await realpath(dir)
  } catch (err) {
    throw new KafketteError('LOG_IO_ERROR', `the log directory ${dir} cannot be created or resolved: ${(err as Error).message}`, { dir }, { cause: err })
  }
}

/** What LevelDB will drop from the newest write-ahead log of `dir` when it opens; a file it cannot read is left to LevelDB. */
async function walRecovery(dir: string): Promise<WalRecovery[]> {
  try {
    const file = await newestWal(dir)
    return file === undefined ? [] : await scanWal(dir, file)
  } catch {
    return []
  }
}

/** LevelDB's files: the manifest, tables (.ldb, or .sst from older versions) and write-ahead logs. */
const STORE_FILE = /^(MANIFEST-\d+|\d+\.(ldb|sst|log))$/

/**
 * Whether `dir` holds a store (its CURRENT file). LevelDB files without a CURRENT are
 * refused with LOG_CORRUPT, before anything in the directory is touched. Other files
 * (LOCK and LOG, which any open leaves, or the application's own) do not count.
 */
async function inspectDir(dir: string): Promise<boolean> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (err) {
    throw new KafketteError('LOG_IO_ERROR', `the log directory ${dir} cannot be read: ${(err as Error).message}`, { dir }, { cause: err })
  }
  if (names.includes('CURRENT')) return true
  const found = names.filter((n) => STORE_FILE.test(n))
  if (found.length > 0) {
    throw new KafketteError(
      'LOG_CORRUPT',
      `the log directory ${dir} holds store files (${found.slice(0, 3).join(', ')}${found.length > 3 ? ', …' : ''}) but no CURRENT file: it is not a store that can be opened, and a new one is not created over it (nothing was changed)`,
      { dir },
    )
  }
  return false
}

/** @internal A key after every key of a forward range: its upper bound, or one past every key space. */
export function pastEnd(range: StoreRange): Buffer {
  if (range.lt) return range.lt
  if (range.lte) return Buffer.concat([range.lte, ZERO])
  return AFTER_ALL
}
/** Room kept beyond the memtable when reopening after a failed write: a new manifest and write-ahead log. */
const REOPEN_MARGIN_BYTES = 256 * 1024

const ZERO = Buffer.from([0])
const AFTER_ALL = Buffer.from([0xff])

function mapError(err: unknown, where?: string): KafketteError {
  if (err instanceof KafketteError) return err
  const e = err as { code?: string; cause?: { code?: string }; message?: string }
  const codes = [e.code, e.cause?.code]
  if (codes.includes('LEVEL_LOCKED')) {
    return new KafketteError('LOG_LOCKED', `the log directory ${where ?? ''} is open in another process`, {}, { cause: err })
  }
  if (codes.includes('LEVEL_CORRUPTION')) {
    return new KafketteError('LOG_CORRUPT', `the store reports corruption: ${e.message ?? ''}`, {}, { cause: err })
  }
  if (codes.includes('LEVEL_DATABASE_NOT_OPEN') && where === undefined) {
    return new KafketteError('LOG_CLOSED', 'the store is closed', {}, { cause: err })
  }
  return new KafketteError('LOG_IO_ERROR', e.message ?? String(err), {}, { cause: err })
}
