// Producer ids, idempotence and transactions (KIP-98): the producer-state space (0x05:
// each producer's last batches per partition, to recognise a retried batch and refuse a
// gap), transactional ids (0x07: producer id, epoch and the open transaction's
// partitions) and the aborted-transaction index (0x08). The Log's write queue is the only
// writer: each write checks its batches here against a draft of the state, adds the
// draft's puts to the same db.batch(), and applies the draft once the write succeeded.
import { KafketteError } from '../errors.js'
import { decodeValue, encodeValue } from '../storage/batch-codec.js'
import {
  abortedTxnKey,
  metaKey,
  parseAbortedTxnKey,
  parseProducerStateKey,
  producerStateKey,
  producerStateRange,
  spaceRange,
  SPACE_ABORTED_TXNS,
  SPACE_PRODUCER_STATE,
  SPACE_TRANSACTIONS,
  transactionalIdOf,
  transactionKey,
} from '../storage/keys.js'
import type { Store, StoreOp } from '../storage/store.js'
import type { Clock, TimerHandle } from '../util/clock.js'
import type { AbortedTxn, Partition } from './partition.js'

/** How many of a producer's newest batches per partition are remembered, to answer a retry with its original offsets (Kafka keeps 5). */
export const REMEMBERED_BATCHES = 5

/** The largest epoch; a transactional id at it gets a new producer id instead (as Kafka does). */
const MAX_EPOCH = 32_766

/** Sequence numbers wrap, as Kafka's int32 ones do. */
const SEQUENCE_LIMIT = 0x8000_0000

/** The producer fields an idempotent batch carries (see AppendEntry). */
export interface ProducerBatch {
  producerId: number
  producerEpoch: number
  baseSequence: number
  transactional: boolean
}

/** One remembered batch: its sequence numbers and the offsets they were given. */
interface SeqBatch {
  firstSeq: number
  lastSeq: number
  baseOffset: number
  lastOffset: number
}

/** A producer's state on one partition. */
interface ProducerPartition {
  epoch: number
  batches: SeqBatch[]
}

/** The open transaction of a transactional id. */
export interface OpenTxn {
  /** When it began, on the log's clock: it is aborted at startedAt + timeoutMs. */
  startedAt: number
  /** Each partition it wrote to, with the first offset it took there. */
  partitions: Map<Partition, number>
}

/** A transactional id's state. `owner` is the in-process producer holding it (null after a reopen). */
export interface TxnState {
  readonly transactionalId: string
  producerId: number
  epoch: number
  timeoutMs: number
  open: OpenTxn | null
  owner: object | null
  /** True while a commit or abort is queued. */
  ending: boolean
  timer: TimerHandle | undefined
  /** Serialises init and end calls on this transactional id. */
  chain: Promise<unknown>
}

interface StoredTxn {
  producerId: number
  epoch: number
  timeoutMs: number
  open: { startedAt: number; partitions: Array<[number, number, number]> } | null
}

type StoredProducerPartition = [number, Array<[number, number, number, number]>]

/** How a queued transaction end is to be written. */
export interface TxnEnd {
  txn: TxnState
  /** The epoch the caller holds: another epoch fails the end with INVALID_PRODUCER_EPOCH. */
  epoch: number
  commit: boolean
  /** The epoch stored after the end (a fence or a timeout bumps it). */
  newEpoch: number
  /** A new producer id (the epoch ran out). */
  newProducerId: number
  /** More of the same store write (a transaction's group offsets), applied after it. */
  extra?: { ops: StoreOp[]; applied: () => void }
}

const NEXT_PRODUCER_ID = metaKey('nextProducerId')

function ppKey(producerId: number, part: Partition): string {
  return `${producerId}:${part.topicId}:${part.index}`
}

/** The producer and transaction state of one log. */
export class ProducerStates {
  /** The next producer id to give; ids are never reused. */
  nextProducerId = 0
  private readonly partitions = new Map<string, { part: Partition; producerId: number; state: ProducerPartition }>()
  /** Epochs of idempotent (not transactional) producers opened in this process. */
  private readonly epochs = new Map<number, number>()
  readonly txns = new Map<string, TxnState>()
  private readonly txnByProducer = new Map<number, TxnState>()

  constructor(
    private readonly store: Store,
    /** The log's clock (transaction timeouts). */
    readonly clock: Clock,
    private readonly onTimeout: (txn: TxnState) => void,
  ) {}

  /** Reads the producer state: one entry per producer and partition, per transactional id, and per aborted transaction still in the log. */
  async load(partitionOf: (topicId: number, partition: number) => Partition | undefined): Promise<void> {
    const next = await this.store.get(NEXT_PRODUCER_ID)
    if (next) this.nextProducerId = decodeValue<number>(next)
    await this.scan(SPACE_PRODUCER_STATE, (key, value) => {
      const { producerId, topicId, partition } = parseProducerStateKey(key)
      const part = partitionOf(topicId, partition)
      if (!part) return
      const [epoch, batches] = decodeValue<StoredProducerPartition>(value)
      this.partitions.set(ppKey(producerId, part), { part, producerId, state: { epoch, batches: batches.map(([firstSeq, lastSeq, baseOffset, lastOffset]) => ({ firstSeq, lastSeq, baseOffset, lastOffset })) } })
      if (producerId >= this.nextProducerId) this.nextProducerId = producerId + 1
    })
    await this.scan(SPACE_TRANSACTIONS, (key, value) => {
      const transactionalId = transactionalIdOf(key)
      const stored = decodeValue<StoredTxn>(value)
      if (!stored || typeof stored.producerId !== 'number' || typeof stored.epoch !== 'number') throw new KafketteError('LOG_CORRUPT', `transactional id ${transactionalId} has an unreadable state`)
      const txn = this.newTxn(transactionalId, stored.producerId, stored.epoch, stored.timeoutMs)
      if (stored.open) {
        const partitions = new Map<Partition, number>()
        for (const [topicId, index, first] of stored.open.partitions) {
          const part = partitionOf(topicId, index)
          if (part) partitions.set(part, first)
        }
        txn.open = { startedAt: stored.open.startedAt, partitions }
        for (const [part, first] of partitions) part.openTxns.set(txn.producerId, first)
      }
      if (txn.producerId >= this.nextProducerId) this.nextProducerId = txn.producerId + 1
    })
    await this.scan(SPACE_ABORTED_TXNS, (key, value) => {
      const { topicId, partition, markerOffset } = parseAbortedTxnKey(key)
      const part = partitionOf(topicId, partition)
      if (!part || markerOffset < part.logStartOffset) return
      const [producerId, firstOffset] = decodeValue<[number, number]>(value)
      part.aborted.push({ producerId, firstOffset, lastOffset: markerOffset })
    })
  }

  /** Arms the timeout of every open transaction found at open (after load). */
  armAll(): void {
    for (const txn of this.txns.values()) if (txn.open) this.arm(txn)
  }

  private async scan(space: number, fn: (key: Buffer, value: Buffer) => void): Promise<void> {
    const it = this.store.iterator(spaceRange(space))
    try {
      for (;;) {
        const entries = await it.nextv(256)
        if (entries.length === 0) break
        for (const [key, value] of entries) fn(key, value)
      }
    } finally {
      await it.close()
    }
  }

  private newTxn(transactionalId: string, producerId: number, epoch: number, timeoutMs: number): TxnState {
    const txn: TxnState = { transactionalId, producerId, epoch, timeoutMs, open: null, owner: null, ending: false, timer: undefined, chain: Promise.resolve() }
    this.txns.set(transactionalId, txn)
    this.txnByProducer.set(producerId, txn)
    return txn
  }

  // ── producer ids ───────────────────────────────────────────────────────────

  /** Gives a new producer id (epoch 0) to an idempotent producer, stored so it is never given again. */
  async newProducerId(sync: boolean): Promise<{ producerId: number; producerEpoch: number }> {
    const producerId = this.nextProducerId++
    await this.store.write([{ type: 'put', key: NEXT_PRODUCER_ID, value: encodeValue(this.nextProducerId) }], sync)
    this.epochs.set(producerId, 0)
    return { producerId, producerEpoch: 0 }
  }

  /** Starts a new epoch of an idempotent producer (its sequence numbers start again at 0): after a write it gave up on. */
  bumpEpoch(producerId: number): number {
    const epoch = (this.epochs.get(producerId) ?? 0) + 1
    this.epochs.set(producerId, epoch)
    return epoch
  }

  /** Forgets an idempotent producer that closed (nothing can retry its batches): one store write. */
  async forget(producerId: number, sync: boolean): Promise<void> {
    this.epochs.delete(producerId)
    const mine = [...this.partitions].filter(([, v]) => v.producerId === producerId)
    if (mine.length === 0) return
    const range = producerStateRange(producerId)
    const keys = await this.store.keys(range)
    if (keys.length > 0) await this.store.write(keys.map((key) => ({ type: 'del', key })), sync)
    for (const [k] of mine) this.partitions.delete(k)
  }

  /**
   * The ops that make the stored producer state what this process holds: after the store
   * was reopened following a failed write that may still have reached LevelDB's
   * write-ahead log (whose batches the log deletes), the state that write carried is
   * deleted or put back too, so no stored batch sequence names offsets that hold nothing.
   */
  async resyncOps(): Promise<StoreOp[]> {
    const ops: StoreOp[] = [{ type: 'put', key: NEXT_PRODUCER_ID, value: encodeValue(this.nextProducerId) }]
    const held = new Set<string>()
    for (const { part, producerId, state } of this.partitions.values()) {
      const key = producerStateKey(producerId, part.topicId, part.index)
      held.add(key.toString('hex'))
      ops.push({ type: 'put', key, value: encodeValue(storedState(state)) })
    }
    for (const key of await this.store.keys(spaceRange(SPACE_PRODUCER_STATE))) if (!held.has(key.toString('hex'))) ops.push({ type: 'del', key })
    const ids = new Set<string>()
    for (const txn of this.txns.values()) {
      ids.add(transactionKey(txn.transactionalId).toString('hex'))
      ops.push({ type: 'put', key: transactionKey(txn.transactionalId), value: this.encodeTxn(txn, txn.open !== null && txn.open.partitions.size > 0 ? txn.open : null) })
    }
    for (const key of await this.store.keys(spaceRange(SPACE_TRANSACTIONS))) if (!ids.has(key.toString('hex'))) ops.push({ type: 'del', key })
    return ops
  }

  /** The transactional id's state, or undefined. */
  txn(transactionalId: string): TxnState | undefined {
    return this.txns.get(transactionalId)
  }

  /**
   * Registers a transactional id (a new producer id) or, when it exists, plans its next
   * epoch: the caller aborts what is open with that epoch (see TxnEnd) or stores it alone.
   */
  async registerTxn(transactionalId: string, timeoutMs: number, sync: boolean): Promise<TxnState | { existing: TxnState; newEpoch: number; newProducerId: number }> {
    const existing = this.txns.get(transactionalId)
    if (existing) {
      const next = this.nextEpoch(existing)
      return { existing, newEpoch: next.epoch, newProducerId: next.producerId }
    }
    const producerId = this.nextProducerId++
    const txn = this.newTxn(transactionalId, producerId, 0, timeoutMs)
    try {
      await this.store.write([
        { type: 'put', key: NEXT_PRODUCER_ID, value: encodeValue(this.nextProducerId) },
        { type: 'put', key: transactionKey(transactionalId), value: this.encodeTxn(txn, null) },
      ], sync)
    } catch (err) {
      this.txns.delete(transactionalId)
      this.txnByProducer.delete(producerId)
      throw err
    }
    return txn
  }

  /** The producer id and epoch a transactional id moves to (a new producer id once the epoch runs out, as Kafka does). */
  nextEpoch(txn: TxnState): { producerId: number; epoch: number } {
    return txn.epoch >= MAX_EPOCH ? { producerId: this.nextProducerId++, epoch: 0 } : { producerId: txn.producerId, epoch: txn.epoch + 1 }
  }

  /** The ops that store a transactional id with `open` (and the next producer id when it got a new one). */
  txnOps(txn: TxnState, producerId: number, epoch: number, open: OpenTxn | null): StoreOp[] {
    const ops: StoreOp[] = [{ type: 'put', key: transactionKey(txn.transactionalId), value: encodeValue({ producerId, epoch, timeoutMs: txn.timeoutMs, open: storedOpen(open) } satisfies StoredTxn) }]
    if (producerId >= this.nextProducerId) this.nextProducerId = producerId + 1
    if (producerId !== txn.producerId) ops.push({ type: 'put', key: NEXT_PRODUCER_ID, value: encodeValue(this.nextProducerId) })
    return ops
  }

  private encodeTxn(txn: TxnState, open: OpenTxn | null): Buffer {
    return encodeValue({ producerId: txn.producerId, epoch: txn.epoch, timeoutMs: txn.timeoutMs, open: storedOpen(open) } satisfies StoredTxn)
  }

  /** Sets a transactional id's producer id and epoch (after its new epoch was stored). */
  setEpoch(txn: TxnState, producerId: number, epoch: number): void {
    if (producerId !== txn.producerId) {
      this.txnByProducer.delete(txn.producerId)
      txn.producerId = producerId
      this.txnByProducer.set(producerId, txn)
    }
    txn.epoch = epoch
  }

  /** Marks a transaction open (with no partitions yet: sendOffsets alone) and arms its timeout. */
  begin(txn: TxnState): void {
    if (txn.open) return
    txn.open = { startedAt: this.clock.now(), partitions: new Map() }
    this.arm(txn)
  }

  /** @internal (Re)starts the timeout of an open transaction. */
  arm(txn: TxnState): void {
    this.clock.clearTimeout(txn.timer)
    const open = txn.open!
    txn.timer = this.clock.setTimeout(() => {
      txn.timer = undefined
      if (txn.open === open) this.onTimeout(txn)
    }, Math.max(0, open.startedAt + txn.timeoutMs - this.clock.now()))
  }

  /** Stops every timer (the log closes). */
  close(): void {
    for (const txn of this.txns.values()) {
      this.clock.clearTimeout(txn.timer)
      txn.timer = undefined
    }
  }

  /** A draft for one store write. */
  draft(): WriteDraft {
    return new WriteDraft(this)
  }

  /** @internal */ partitionState(producerId: number, part: Partition): ProducerPartition | undefined {
    return this.partitions.get(ppKey(producerId, part))?.state
  }

  /** @internal */ setPartitionState(producerId: number, part: Partition, state: ProducerPartition): void {
    this.partitions.set(ppKey(producerId, part), { part, producerId, state })
  }

  /** @internal */ txnOf(producerId: number): TxnState | undefined {
    return this.txnByProducer.get(producerId)
  }

  /** @internal */ knownEpoch(producerId: number): number | undefined {
    return this.epochs.get(producerId)
  }

  /** Forgets the producer state of a deleted topic's partitions (in memory; their keys are never read again). */
  dropTopic(topicId: number): void {
    for (const [k, v] of this.partitions) if (v.part.topicId === topicId) this.partitions.delete(k)
    for (const txn of this.txns.values()) {
      if (!txn.open) continue
      for (const part of txn.open.partitions.keys()) if (part.topicId === topicId) txn.open.partitions.delete(part)
    }
  }
}

function storedState(state: ProducerPartition): StoredProducerPartition {
  return [state.epoch, state.batches.map((x) => [x.firstSeq, x.lastSeq, x.baseOffset, x.lastOffset])]
}

function storedOpen(open: OpenTxn | null): StoredTxn['open'] {
  if (!open) return null
  return { startedAt: open.startedAt, partitions: [...open.partitions].map(([p, first]) => [p.topicId, p.index, first]) }
}

/** What a batch turned out to be: new (write it), or a retry of one already written. */
export type BatchVerdict = { duplicate: false } | { duplicate: true; baseOffset: number }

/**
 * The producer state one store write changes, drafted as its batches are checked in queue
 * order. A pending append is checked whole (fork), then kept (merge) or refused.
 */
export class WriteDraft {
  private readonly pp = new Map<string, { producerId: number; part: Partition; state: ProducerPartition }>()
  private readonly opens = new Map<TxnState, OpenTxn>()
  private readonly ends: Array<{ end: TxnEnd; markers: Map<Partition, number> }> = []

  constructor(
    private readonly states: ProducerStates,
    private readonly parent?: WriteDraft,
  ) {}

  /** A child draft for one pending append: merge() it when the append is kept. */
  fork(): WriteDraft {
    return new WriteDraft(this.states, this)
  }

  merge(): void {
    const p = this.parent!
    for (const [k, v] of this.pp) p.pp.set(k, v)
    for (const [k, v] of this.opens) p.opens.set(k, v)
    p.ends.push(...this.ends)
  }

  private stateOf(producerId: number, part: Partition): ProducerPartition | undefined {
    const k = ppKey(producerId, part)
    for (let d: WriteDraft | undefined = this; d; d = d.parent) {
      const s = d.pp.get(k)
      if (s) return s.state
    }
    return this.states.partitionState(producerId, part)
  }

  private openOf(txn: TxnState): OpenTxn | null {
    for (let d: WriteDraft | undefined = this; d; d = d.parent) {
      const o = d.opens.get(txn)
      if (o) return o
    }
    return txn.open
  }

  /**
   * Checks an idempotent batch of `count` records bound for `part` at `baseOffset`
   * (if new), Kafka's rules: a known batch (one of the last five) is a duplicate; a new
   * epoch starts at sequence 0; otherwise the sequence follows the last one. Throws
   * OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH, UNKNOWN_PRODUCER_ID or
   * INVALID_TXN_STATE.
   */
  check(b: ProducerBatch, part: Partition, count: number, baseOffset: number): BatchVerdict {
    const ctx = { topic: part.topic, partition: part.index, producerId: b.producerId }
    if (b.producerId < 0 || b.producerId >= this.states.nextProducerId) throw new KafketteError('UNKNOWN_PRODUCER_ID', `producer id ${b.producerId} was not given by this log`, ctx)
    const txn = this.states.txnOf(b.producerId)
    if (b.transactional) {
      if (!txn) throw new KafketteError('INVALID_TXN_STATE', `producer id ${b.producerId} has no transactional id`, ctx)
      if (b.producerEpoch !== txn.epoch) throw new KafketteError('INVALID_PRODUCER_EPOCH', `producer ${b.producerId} epoch ${b.producerEpoch} is not the current epoch ${txn.epoch} of transactional id ${txn.transactionalId}`, ctx)
      if (txn.ending) throw new KafketteError('INVALID_TXN_STATE', `the transaction of ${txn.transactionalId} is ending`, ctx)
    } else if (txn) {
      throw new KafketteError('INVALID_TXN_STATE', `producer id ${b.producerId} is transactional: its batches must be sent in a transaction`, ctx)
    } else {
      const epoch = this.states.knownEpoch(b.producerId)
      if (epoch !== undefined && b.producerEpoch < epoch) throw new KafketteError('INVALID_PRODUCER_EPOCH', `producer ${b.producerId} epoch ${b.producerEpoch} is older than its epoch ${epoch}`, ctx)
    }
    const lastSeq = (b.baseSequence + count - 1) % SEQUENCE_LIMIT
    const state = this.stateOf(b.producerId, part)
    let batches: SeqBatch[] = []
    if (state && b.producerEpoch < state.epoch) {
      throw new KafketteError('INVALID_PRODUCER_EPOCH', `producer ${b.producerId} epoch ${b.producerEpoch} is older than epoch ${state.epoch} it wrote ${part.topic}/${part.index} with`, ctx)
    }
    if (state && b.producerEpoch === state.epoch) {
      const known = state.batches.find((x) => x.firstSeq === b.baseSequence && x.lastSeq === lastSeq)
      if (known) return { duplicate: true, baseOffset: known.baseOffset }
      const last = state.batches.length > 0 ? state.batches[state.batches.length - 1]!.lastSeq : -1
      if (b.baseSequence !== (last + 1) % SEQUENCE_LIMIT) {
        throw new KafketteError('OUT_OF_ORDER_SEQUENCE_NUMBER', `producer ${b.producerId} sent sequence ${b.baseSequence} to ${part.topic}/${part.index}, expected ${(last + 1) % SEQUENCE_LIMIT}`, ctx)
      }
      batches = state.batches
    } else if (b.baseSequence !== 0) {
      throw new KafketteError('OUT_OF_ORDER_SEQUENCE_NUMBER', `producer ${b.producerId} epoch ${b.producerEpoch} starts ${part.topic}/${part.index} at sequence ${b.baseSequence}, expected 0`, ctx)
    }
    const next = batches.slice(Math.max(0, batches.length - REMEMBERED_BATCHES + 1))
    next.push({ firstSeq: b.baseSequence, lastSeq, baseOffset, lastOffset: baseOffset + count - 1 })
    this.pp.set(ppKey(b.producerId, part), { producerId: b.producerId, part, state: { epoch: b.producerEpoch, batches: next } })
    if (b.transactional && txn) {
      const open = this.openOf(txn)
      if (!open || !open.partitions.has(part)) {
        const partitions = new Map(open?.partitions ?? [])
        partitions.set(part, baseOffset)
        this.opens.set(txn, { startedAt: open?.startedAt ?? this.states.clock.now(), partitions })
      }
    }
    return { duplicate: false }
  }

  /** Checks a transaction end whose markers take `markers` (offset per partition). Throws INVALID_PRODUCER_EPOCH. */
  end(end: TxnEnd, markers: Map<Partition, number>): void {
    if (end.txn.epoch !== end.epoch) throw new KafketteError('INVALID_PRODUCER_EPOCH', `transactional id ${end.txn.transactionalId} has epoch ${end.txn.epoch}, not ${end.epoch}`, { transactionalId: end.txn.transactionalId })
    this.ends.push({ end, markers })
  }

  /** The puts (and deletes) of the draft, added to the write. */
  ops(): StoreOp[] {
    const ops: StoreOp[] = []
    for (const { producerId, part, state } of this.pp.values()) {
      ops.push({ type: 'put', key: producerStateKey(producerId, part.topicId, part.index), value: encodeValue(storedState(state)) })
    }
    const ended = new Set(this.ends.map((e) => e.end.txn))
    for (const [txn, open] of this.opens) if (!ended.has(txn)) ops.push(...this.states.txnOps(txn, txn.producerId, txn.epoch, open))
    for (const { end, markers } of this.ends) {
      const { txn } = end
      ops.push(...this.states.txnOps(txn, end.newProducerId, end.newEpoch, null))
      if (!end.commit) {
        const open = this.openOf(txn)
        for (const [part, marker] of markers) {
          const first = open?.partitions.get(part) ?? marker
          ops.push({ type: 'put', key: abortedTxnKey(part.topicId, part.index, marker), value: encodeValue([txn.producerId, first]) })
        }
      }
      if (end.extra) ops.push(...end.extra.ops)
    }
    return ops
  }

  /** Applies the draft to the state, once the write succeeded. */
  apply(): void {
    for (const { producerId, part, state } of this.pp.values()) this.states.setPartitionState(producerId, part, state)
    for (const [txn, open] of this.opens) {
      // The same OpenTxn object stays while the transaction is open: its timeout knows it by it.
      const wasOpen = txn.open !== null
      if (txn.open) txn.open.partitions = open.partitions
      else txn.open = open
      for (const [part, first] of open.partitions) if (!part.openTxns.has(txn.producerId)) part.openTxns.set(txn.producerId, first)
      if (!wasOpen) this.states.arm(txn)
    }
    for (const { end, markers } of this.ends) {
      const { txn } = end
      const open = txn.open
      if (!end.commit && open) {
        for (const [part, marker] of markers) {
          const first = open.partitions.get(part) ?? marker
          part.aborted.push({ producerId: txn.producerId, firstOffset: first, lastOffset: marker } satisfies AbortedTxn)
        }
      }
      if (open) for (const part of open.partitions.keys()) part.openTxns.delete(txn.producerId)
      txn.open = null
      this.states.clock.clearTimeout(txn.timer)
      txn.timer = undefined
      this.states.setEpoch(txn, end.newProducerId, end.newEpoch)
      end.extra?.applied()
    }
  }

  /** True when the draft has nothing to write. */
  get empty(): boolean {
    return this.pp.size === 0 && this.opens.size === 0 && this.ends.length === 0
  }
}
