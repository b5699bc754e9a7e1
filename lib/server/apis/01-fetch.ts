// Fetch (key 1), versions 4–11: reads each partition from the offset asked, re-encoded as
// one uncompressed record batch v2 (with its CRC-32C) per partition, and waits up to
// max_wait_ms (on the log's clock) for min_bytes, woken by appends.
//
// | version | request | response |
// |---|---|---|
// | 4 | replica_id, max_wait_ms, min_bytes, max_bytes, isolation_level, topics[name, partitions[index, fetch_offset, partition_max_bytes]] | throttle_time_ms, topics[name, partitions[index, error, high_watermark, last_stable_offset, aborted_transactions[], records]] |
// | 5–6 | + partition log_start_offset | + partition log_start_offset |
// | 7–8 | + session_id, session_epoch; forgotten_topics[] | + error_code, session_id (after throttle_time_ms) |
// | 9–10 | + partition current_leader_epoch | |
// | 11 | + rack_id | + partition preferred_read_replica |
//
// isolation_level read_committed (1) reads up to the partition's last stable offset, and the
// log leaves aborted records out before encoding, so aborted_transactions is always empty
// and batches carry no producer ids (Kafka sends aborted records along with the list, for
// the client to drop them: what the client shows is the same). Transaction markers are
// never sent for either level; where all that is left up to the end was left out, the
// answer is one control batch at the end's last offset, so clients move past it.
// Fetch sessions are not kept: session_id 0 in every answer, so clients send full fetches.
// A partition's answer starts at the batch boundary kafkette stored, so it may hold records
// below the offset asked for; clients skip them, as they do with Kafka.
import type { ConsumedMessage } from '../../index.js'
import { kafkaErrorCode, KAFKA } from '../errors.js'
import { Writer } from '../protocol.js'
import { encodeBatch, encodeSkip } from '../records.js'
import { defineApi, type RequestContext } from './api.js'

interface PartitionReq {
  index: number
  offset: number
  maxBytes: number
}
interface Req {
  maxWaitMs: number
  minBytes: number
  maxBytes: number
  readCommitted: boolean
  topics: Array<{ name: string; partitions: PartitionReq[] }>
}
interface PartitionRes {
  index: number
  errorCode: number
  highWatermark: number
  lastStableOffset: number
  logStartOffset: number
  records: Buffer | null
}
type Res = Array<{ name: string; partitions: PartitionRes[] }>

/** Roughly the bytes a message takes in a batch, to stop reading near partition_max_bytes. */
function sizeOf(m: ConsumedMessage): number {
  const v = m.value
  const valueLen = v === null || v === undefined ? 0 : v instanceof Uint8Array ? v.length : typeof v === 'string' ? v.length : 64
  const keyLen = m.key === null ? 0 : m.key.length
  return 16 + keyLen + valueLen
}

async function readPartition(ctx: RequestContext, name: string, p: PartitionReq, readCommitted: boolean, budget: { bytes: number }): Promise<PartitionRes> {
  const { log } = ctx
  try {
    const part = log.requirePartition(name, p.index)
    const base = { index: p.index, errorCode: KAFKA.NONE, highWatermark: part.highWatermark, lastStableOffset: part.lastStableOffset, logStartOffset: part.logStartOffset }
    if (p.offset < part.logStartOffset || p.offset > part.highWatermark) return { ...base, errorCode: KAFKA.OFFSET_OUT_OF_RANGE, records: null }
    // Neither end moves back, so everything the log leaves out below upTo (taken before the read) is left out of what it reads.
    const upTo = readCommitted ? base.lastStableOffset : base.highWatermark
    if (p.offset >= upTo || budget.bytes <= 0) return { ...base, records: Buffer.alloc(0) }
    const limit = Math.max(1, Math.min(p.maxBytes, budget.bytes))
    const read = await log.fetch(part, p.offset, 1, limit, readCommitted)
    const messages: ConsumedMessage[] = []
    let bytes = 0
    for (const m of read) {
      // At least one message, whatever its size, so a consumer always moves on (Kafka's rule).
      if (messages.length > 0 && bytes + sizeOf(m) > limit) break
      messages.push(m)
      bytes += sizeOf(m)
    }
    const w = new Writer(bytes + 128)
    // An empty read below upTo means the log read to upTo and left everything out.
    if (messages.length === 0) encodeSkip(w, upTo - 1, log.clock.now())
    else encodeBatch(w, messages)
    const records = Buffer.from(w.done())
    budget.bytes -= records.length
    return { ...base, records }
  } catch (err) {
    return { index: p.index, errorCode: kafkaErrorCode(err), highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, records: null }
  }
}

async function readAll(ctx: RequestContext, req: Req): Promise<{ res: Res; bytes: number }> {
  const budget = { bytes: req.maxBytes > 0 ? req.maxBytes : 0x7fffffff }
  let bytes = 0
  const res: Res = []
  let first = true
  for (const t of req.topics) {
    const partitions: PartitionRes[] = []
    for (const p of t.partitions) {
      // Each partition's batch is encoded in one go (up to partition_max_bytes): give the
      // event loop a turn between them, so a large fetch does not hold the app's process.
      if (!first) await new Promise<void>((resolve) => setImmediate(resolve))
      first = false
      const r = await readPartition(ctx, t.name, p, req.readCommitted, budget)
      if (r.errorCode !== KAFKA.NONE) bytes += 1
      bytes += r.records?.length ?? 0
      partitions.push(r)
    }
    res.push({ name: t.name, partitions })
  }
  return { res, bytes }
}

/** Resolves at the first append to any of the partitions asked for, at the deadline, or when the connection closes. */
function nextAppend(ctx: RequestContext, req: Req, waitMs: number): Promise<void> {
  const { log } = ctx
  return new Promise<void>((resolve) => {
    const cancels: Array<() => void> = []
    let timer: ReturnType<typeof log.clock.setTimeout> | undefined
    const done = (): void => {
      for (const c of cancels) c()
      log.clock.clearTimeout(timer)
      resolve()
    }
    for (const t of req.topics) {
      for (const p of t.partitions) {
        try {
          cancels.push(log.requirePartition(t.name, p.index).onNextAppend(done))
        } catch {
          // An unknown partition has no appends to wait for.
        }
      }
    }
    timer = log.clock.setTimeout(done, waitMs)
    void ctx.closed.then(done)
  })
}

/** The Fetch API (key 1): versions, decoder, handler and encoder. */
export const fetch = defineApi<Req, Res>({
  key: 1,
  name: 'Fetch',
  minVersion: 4,
  maxVersion: 11,
  decode(r, v) {
    r.int32()
    const maxWaitMs = r.int32()
    const minBytes = r.int32()
    const maxBytes = r.int32()
    const readCommitted = r.int8() === 1
    if (v >= 7) {
      r.int32()
      r.int32()
    }
    const topics = r.arr((r) => ({
      name: r.str(),
      partitions: r.arr((r) => {
        const index = r.int32()
        if (v >= 9) r.int32()
        const offset = r.int64()
        if (v >= 5) r.int64()
        return { index, offset, maxBytes: r.int32() }
      }),
    }))
    if (v >= 7) r.arr((r) => ({ name: r.str(), partitions: r.arr((r) => r.int32()) }))
    if (v >= 11) r.string()
    return { maxWaitMs, minBytes, maxBytes, readCommitted, topics }
  },
  async handle(ctx, req) {
    const deadline = ctx.log.clock.now() + Math.max(0, req.maxWaitMs)
    for (;;) {
      const { res, bytes } = await readAll(ctx, req)
      const left = deadline - ctx.log.clock.now()
      if (bytes >= Math.max(1, req.minBytes) || left <= 0 || ctx.log.isClosed) return res
      let closed = false
      void ctx.closed.then(() => (closed = true))
      await nextAppend(ctx, req, left)
      if (closed) return res
    }
  },
  encode(w, res, v) {
    w.int32(0)
    if (v >= 7) w.int16(KAFKA.NONE).int32(0)
    w.array(res, (w, t) => {
      w.string(t.name)
      w.array(t.partitions, (w, p) => {
        w.int32(p.index).int16(p.errorCode).int64(p.highWatermark).int64(p.lastStableOffset)
        if (v >= 5) w.int64(p.logStartOffset)
        w.int32(-1)
        if (v >= 11) w.int32(-1)
        w.bytes(p.records)
      })
    })
  },
})
