// What the compaction thread (compaction-worker.ts) does with the log's requests: it
// decodes, judges and re-encodes batches with the rules (compaction-rules.ts), so the
// thread producers run on only reads and writes the store. One compaction at a time;
// requests are answered in order.
import { parentPort } from 'node:worker_threads'
import { KafketteError } from '../errors.js'
import { CompactionRules, type BatchRewrite, type CompactionEdges } from './compaction-rules.js'

/** A stored batch sent to the worker: its last offset and its bytes (transferred). */
export interface WorkerBatch {
  last: number
  bytes: Uint8Array
}

export type CompactionRequest =
  | { id: number; op: 'begin'; edges: CompactionEdges }
  | { id: number; op: 'scan'; batches: WorkerBatch[] }
  | { id: number; op: 'rewrite'; batches: WorkerBatch[] }

export type CompactionReply =
  | { id: number; ok: true; scanning?: boolean; cleanableEnd?: number; rewrites?: BatchRewrite[] }
  | { id: number; ok: false; code?: string; message: string }

let rules: CompactionRules | undefined

function handle(req: CompactionRequest): { reply: CompactionReply; transfer: ArrayBuffer[] } {
  if (req.op === 'begin') {
    rules = new CompactionRules(req.edges)
    return { reply: { id: req.id, ok: true }, transfer: [] }
  }
  if (!rules) throw new Error('compaction worker: no compaction begun')
  if (req.op === 'scan') {
    let scanning = true
    for (const b of req.batches) {
      scanning = rules.scan(b.last, b.bytes)
      if (!scanning) break
    }
    return { reply: { id: req.id, ok: true, scanning, cleanableEnd: rules.cleanableEnd }, transfer: [] }
  }
  const rewrites: BatchRewrite[] = []
  const transfer: ArrayBuffer[] = []
  for (const b of req.batches) {
    const r = rules.rewrite(b.last, b.bytes)
    if (r.kind === 'rewrite' && r.bytes) {
      // The codec's bytes may be a view into a larger buffer: send an exact copy.
      const own = new Uint8Array(r.bytes)
      transfer.push(own.buffer)
      rewrites.push({ ...r, bytes: own })
    } else rewrites.push(r)
    if (r.kind === 'stop') break
  }
  return { reply: { id: req.id, ok: true, rewrites }, transfer }
}

parentPort?.on('message', (req: CompactionRequest) => {
  try {
    const { reply, transfer } = handle(req)
    parentPort!.postMessage(reply, transfer)
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    const reply: CompactionReply =
      err instanceof KafketteError
        ? { id: req.id, ok: false, code: err.code, message: message.startsWith(`${err.code}: `) ? message.slice(err.code.length + 2) : message }
        : { id: req.id, ok: false, message }
    parentPort!.postMessage(reply)
  }
})
