// Compaction of a partition: for each key only the newest record survives, up to the
// high watermark captured when the run starts and short of records younger than
// minCompactionLagMs; a newest record with a null value (a tombstone) is removed once
// it is older than deleteRetentionMs. Survivors keep their offsets, so batches get gaps
// (offsetDeltas in the codec). The plan is a series of store writes, touching only
// batches below the captured high watermark, so appends go on while it is read and built.
//
// The rules (compaction-rules.ts) decode and re-encode every batch, a few hundred
// microseconds for a batch of a thousand records: they run in a worker thread when the
// log's modules are built (CompactionThread), else in this thread between slices of the
// event loop. Either way this module only reads batches and hands back store writes.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { KafketteError, type ErrorCode } from '../errors.js'
import { batchDamage, sealBatch } from '../storage/batch-codec.js'
import { lastOffsetOf, recordKey } from '../storage/keys.js'
import type { Store, StoreOp } from '../storage/store.js'
import type { Clock } from '../util/clock.js'
import type { ThreadPriority } from '../util/priority.js'
import { Slicer } from '../util/yield.js'
import { CompactionRules, type BatchRewrite, type CompactionEdges } from './compaction-rules.js'
import type { CompactionReply, CompactionRequest, WorkerBatch } from './compaction-requests.js'
import type { CompactionWorkerData } from './compaction-worker.js'
import { corruptBatch } from './integrity.js'
import type { Partition } from './partition.js'
import { partitionStateOp } from './retention.js'
import type { TopicConfig } from './topic-config.js'

/** What one step of a compaction writes, and what it removes. */
export interface CompactionStep {
  ops: StoreOp[]
  removedRecords: number
  /** Stored bytes after minus before (≤ 0). */
  bytesDelta: number
}

/** Where a compaction's rules run: in this thread or in a worker. */
export interface RulesRunner {
  /** True when batches are moved to another thread (each then needs a buffer of its own). */
  readonly transfers: boolean
  begin(edges: CompactionEdges): Promise<void>
  /** Scans batches (first pass); `scanning` is false once a record younger than the lag edge was seen. */
  scan(batches: WorkerBatch[]): Promise<{ scanning: boolean; cleanableEnd: number }>
  /** The second pass's verdict on each batch, up to and including the first 'stop'. */
  rewrite(batches: WorkerBatch[]): Promise<BatchRewrite[]>
}

/** The rules in this thread, yielding to the event loop between slices of work. */
export class InThreadRules implements RulesRunner {
  readonly transfers = false
  private rules: CompactionRules | undefined
  private readonly slicer = new Slicer()

  async begin(edges: CompactionEdges): Promise<void> {
    this.rules = new CompactionRules(edges)
  }

  async scan(batches: WorkerBatch[]): Promise<{ scanning: boolean; cleanableEnd: number }> {
    const rules = this.rules!
    for (const b of batches) {
      await this.slicer.next()
      if (!rules.scan(b.last, b.bytes)) return { scanning: false, cleanableEnd: rules.cleanableEnd }
    }
    return { scanning: true, cleanableEnd: rules.cleanableEnd }
  }

  async rewrite(batches: WorkerBatch[]): Promise<BatchRewrite[]> {
    const out: BatchRewrite[] = []
    for (const b of batches) {
      await this.slicer.next()
      const r = this.rules!.rewrite(b.last, b.bytes)
      out.push(r)
      if (r.kind === 'stop') break
    }
    return out
  }
}

/** Thrown by a lowered compaction thread that got no core for STARVED_MS: the compaction starts again on a thread at the process's priority. */
export class CompactionStarved extends Error {
  constructor() {
    super(`the compaction thread got no CPU for ${STARVED_MS} ms at idle priority`)
  }
}

/** How long one request may wait on a lowered thread before it is replaced by one at normal priority (on the log's clock). */
const STARVED_MS = 1_000

/**
 * A worker thread running a log's compaction rules (compaction-worker.js, beside this
 * module once built). Started on first use, it keeps the process alive only while it
 * has a request to answer, and close() ends it. A request the worker cannot answer (it
 * died) rejects, and the next compaction starts a new one.
 *
 * A thread at idle priority gets almost no CPU while every core is busy at normal
 * priority: a request it has not answered in STARVED_MS ends it, rejects with
 * CompactionStarved, and the compaction goes on with a thread at the process's priority
 * until settle() (the end of the run), after which the next run starts lowered again.
 */
export class CompactionThread implements RulesRunner {
  readonly transfers = true
  private worker: Worker | undefined
  private nextId = 0
  private readonly waiting = new Map<number, { resolve: (r: CompactionReply) => void; reject: (err: unknown) => void }>()
  /** The priority the next thread starts at: the configured one, or normal after starving. */
  private running: ThreadPriority

  private constructor(
    private readonly file: string,
    private readonly priority: ThreadPriority,
    private readonly clock: Clock,
  ) {
    this.running = priority
  }

  /** A compaction thread, or undefined where the worker module is not built (the sources run as TypeScript). */
  static create(priority: ThreadPriority, clock: Clock): CompactionThread | undefined {
    const file = workerFile()
    return file ? new CompactionThread(file, priority, clock) : undefined
  }

  /** After a run: a thread raised to normal priority because it starved is ended, so the next run starts lowered. */
  async settle(): Promise<void> {
    if (this.running === this.priority) return
    this.running = this.priority
    await this.close()
  }

  async begin(edges: CompactionEdges): Promise<void> {
    await this.request({ op: 'begin', edges })
  }

  async scan(batches: WorkerBatch[]): Promise<{ scanning: boolean; cleanableEnd: number }> {
    const r = await this.request({ op: 'scan', batches: batches.map(onlyWorkerBatch) })
    return { scanning: r.scanning!, cleanableEnd: r.cleanableEnd! }
  }

  async rewrite(batches: WorkerBatch[]): Promise<BatchRewrite[]> {
    return (await this.request({ op: 'rewrite', batches: batches.map(onlyWorkerBatch) })).rewrites!
  }

  async close(): Promise<void> {
    const w = this.worker
    if (!w) return
    this.stop(w, new KafketteError('LOG_IO_ERROR', 'the compaction thread was closed'))
    await w.terminate()
  }

  /** Sends a request; the batches' buffers move to the worker. */
  private request(body: DistributiveOmit<CompactionRequest, 'id'>): Promise<Extract<CompactionReply, { ok: true }>> {
    const worker = this.started()
    const id = this.nextId++
    if (this.waiting.size === 0) worker.ref()
    const starving = this.running === 'idle' ? this.clock.setTimeout(() => this.starved(worker), STARVED_MS) : undefined
    return new Promise((resolve, reject) => {
      this.waiting.set(id, {
        resolve: (reply) => {
          this.clock.clearTimeout(starving)
          if (reply.ok) resolve(reply)
          else reject(reply.code ? new KafketteError(reply.code as ErrorCode, reply.message) : new KafketteError('LOG_IO_ERROR', `compaction failed: ${reply.message}`))
        },
        reject: (err) => {
          this.clock.clearTimeout(starving)
          reject(err)
        },
      })
      worker.postMessage({ ...body, id } as CompactionRequest, 'batches' in body ? [...new Set(body.batches.map((b) => b.bytes.buffer as ArrayBuffer))] : [])
    })
  }

  /** A lowered thread left a request unanswered for STARVED_MS: end it, and start the next at normal priority. */
  private starved(worker: Worker): void {
    if (this.worker !== worker) return
    this.running = 'normal'
    this.stop(worker, new CompactionStarved())
    void worker.terminate()
  }

  /** Forgets `worker` (if it is the current one) and rejects what it was asked. */
  private stop(worker: Worker, err: Error): void {
    if (this.worker !== worker) return
    this.worker = undefined
    const pending = [...this.waiting.values()]
    this.waiting.clear()
    for (const p of pending) p.reject(err)
  }

  private started(): Worker {
    if (this.worker) return this.worker
    // The worker is plain JavaScript: none of the process's node flags (--input-type, a
    // loader, --eval) applies to it, and some would stop it from starting.
    const worker = new Worker(this.file, { execArgv: [], workerData: { priority: this.running } satisfies CompactionWorkerData })
    const fail = (err: unknown) => this.stop(worker, new KafketteError('LOG_IO_ERROR', `the compaction thread stopped: ${err instanceof Error ? err.message : String(err)}`, {}, { cause: err }))
    worker.on('message', (reply: CompactionReply) => {
      const p = this.waiting.get(reply.id)
      this.waiting.delete(reply.id)
      if (this.waiting.size === 0) worker.unref()
      p?.resolve(reply)
    })
    worker.on('error', fail)
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)))
    // A worker with no request pending does not keep the process alive; one answering does.
    // (After the listeners: adding a 'message' listener refs the worker again.)
    worker.unref()
    this.worker = worker
    return worker
  }
}

/** What the worker reads of a batch: the chunk's own fields (keys, sizes) are not cloned over. */
function onlyWorkerBatch(b: WorkerBatch): WorkerBatch {
  return { last: b.last, bytes: b.bytes }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

/** The built worker module beside this one, if there is one. */
function workerFile(): string | undefined {
  // CommonJS (dist/cjs) has __filename; ES modules have import.meta.url.
  const here = typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url)
  const file = join(dirname(here), 'compaction-worker.js')
  return existsSync(file) ? file : undefined
}

/**
 * Reads the batches of `part` in [from, end) in chunks of up to CHUNK_BATCHES batches and
 * about CHUNK_BYTES (on disk, nextv stops at that many bytes; from memory, what one read
 * returns past it waits for the next chunk). For a worker, each value must sit in a
 * buffer that can move: one read from disk has its own; small ones and those from memory
 * (the store's own bytes) are copied into one buffer per chunk, so a chunk of a thousand
 * one-record batches makes one transfer, not a thousand.
 */
async function* chunksOf(store: Store, part: Partition, from: number, end: number, transfers: boolean): AsyncGenerator<Array<WorkerBatch & { key: Buffer; size: number }>> {
  const it = store.iterator({ gte: recordKey(part.topicId, part.index, from), lt: recordKey(part.topicId, part.index, end), highWaterMarkBytes: CHUNK_BYTES })
  const moves = (value: Buffer) => store.kind === 'disk' && value.length >= OWN_TRANSFER_BYTES && ownsBuffer(value)
  let read: Array<[Buffer, Buffer]> = []
  try {
    for (;;) {
      if (read.length === 0) read = await it.nextv(CHUNK_BATCHES)
      if (read.length === 0) return
      let n = 0
      let bytes = 0
      while (n < read.length && bytes < CHUNK_BYTES) bytes += read[n++]![1].length
      const entries = n === read.length ? read : read.slice(0, n)
      read = n === read.length ? [] : read.slice(n)
      // Every batch is checked here, in the log's thread, before the rules (perhaps in the worker) decode it.
      for (const [key, value] of entries) {
        const damage = batchDamage(key, value)
        if (damage !== undefined) throw await corruptBatch(store, part, key, damage)
      }
      let packed = 0
      if (transfers) for (const [, value] of entries) if (!moves(value)) packed += value.length
      const chunk = packed > 0 ? new Uint8Array(packed) : undefined
      let at = 0
      yield entries.map(([key, value]) => {
        let batchBytes: Uint8Array = value
        if (chunk && !moves(value)) {
          chunk.set(value, at)
          batchBytes = chunk.subarray(at, (at += value.length))
        }
        return { key, last: lastOffsetOf(key), bytes: batchBytes, size: value.length }
      })
    }
  } finally {
    await it.close()
  }
}

/**
 * Yields what `source` yields, asking it for the next item as soon as it hands one out:
 * the store reads a chunk while the rules work on the one before.
 */
async function* readAhead<T>(source: AsyncGenerator<T>): AsyncGenerator<T> {
  let next = source.next()
  try {
    for (;;) {
      const r = await next
      if (r.done) return
      next = source.next()
      yield r.value
    }
  } finally {
    // Stopped early: let the read in flight land, then close the source (its iterator).
    await next.then(
      () => source.return(undefined),
      () => undefined,
    )
  }
}

const CHUNK_BYTES = 256 * 1024
const CHUNK_BATCHES = 1024
/** Below this, a value is cheaper to copy into its chunk's buffer than to transfer on its own. */
const OWN_TRANSFER_BYTES = 16 * 1024

function ownsBuffer(b: Uint8Array): boolean {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength
}

/**
 * Compacts `part` at time `now`, as a series of store writes the caller makes in turn.
 * Two passes over the partition, neither holding it in memory: the first finds the newest
 * offset of each key (up to the first record younger than minCompactionLagMs), the second
 * rewrites the batches that lose records, up to STEP_OPS batches or STEP_BYTES at a
 * time. Every step on its own keeps the newest record of each key, so a producer waits
 * for one step at most.
 */
export async function* compactionSteps(store: Store, part: Partition, config: TopicConfig, now: number, rules: RulesRunner): AsyncGenerator<CompactionStep> {
  // Nothing at or above the last stable offset is cleaned, as in Kafka: an open
  // transaction's records are neither removed nor allowed to hide others.
  const end = part.lastStableOffset
  const highWatermark = part.highWatermark
  const start = part.logStartOffset
  const aborted = part.aborted.filter((t) => t.firstOffset < end).map((t): [number, number, number] => [t.producerId, t.firstOffset, t.lastOffset])
  await rules.begin({ end, lagEdge: now - config.minCompactionLagMs, tombstoneEdge: now - config.deleteRetentionMs, ...(aborted.length > 0 ? { aborted } : {}) })
  let cleanableEnd = end
  for await (const chunk of readAhead(chunksOf(store, part, start, end, rules.transfers))) {
    const r = await rules.scan(chunk)
    cleanableEnd = r.cleanableEnd
    if (!r.scanning) break
  }
  let step: CompactionStep = { ops: [], removedRecords: 0, bytesDelta: 0 }
  let stepBytes = 0
  rewrite: for await (const chunk of readAhead(chunksOf(store, part, start, Math.min(end, cleanableEnd + 1), rules.transfers))) {
    const verdicts = await rules.rewrite(chunk)
    for (let i = 0; i < verdicts.length; i++) {
      const v = verdicts[i]!
      if (v.kind === 'stop') break rewrite
      if (v.kind === 'keep') continue
      const b = chunk[i]!
      step.removedRecords += v.removed
      step.bytesDelta -= b.size
      // A batch keeps its key while its last record survives.
      if (v.last !== b.last) step.ops.push({ type: 'del', key: b.key })
      if (v.bytes) {
        const bytes = Buffer.from(v.bytes.buffer, v.bytes.byteOffset, v.bytes.byteLength)
        step.bytesDelta += bytes.length
        stepBytes += bytes.length
        const key = v.last === b.last ? b.key : recordKey(part.topicId, part.index, v.last)
        step.ops.push({ type: 'put', key, value: sealBatch(key, bytes) })
      }
      if (step.ops.length >= STEP_OPS || stepBytes >= STEP_BYTES) {
        part.compacted = true
        step.ops.push(partitionStateOp(part, part.logStartOffset, highWatermark))
        yield step
        step = { ops: [], removedRecords: 0, bytesDelta: 0 }
        stepBytes = 0
      }
    }
  }
  if (step.ops.length > 0) {
    part.compacted = true
    step.ops.push(partitionStateOp(part, part.logStartOffset, highWatermark))
    yield step
  }
}

/** A step's bounds, in batches and in rewritten bytes: a producer's write may wait for one step. */
const STEP_OPS = 512
const STEP_BYTES = 256 * 1024
