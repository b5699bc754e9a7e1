// A transaction of a transactional producer (KIP-98, KIP-447): records sent to any
// partitions and a group's offsets that commit together, as one store write (the markers
// and the offsets), or are aborted together. One open transaction per producer.
import { KafketteError } from '../errors.js'
import type { OffsetToCommit } from '../group/committed.js'
import type { Partition } from '../log/partition.js'
import type { TxnState } from '../log/transactions.js'
import type { Message, RecordMetadata, TopicPartitionOffset } from '../types.js'
import type { CoreLog } from '../log/log.js'
import type { GroupCoordinator, OffsetCommit } from '../group/coordinator.js'
import { isPlainObject } from '../util/validate.js'

/** What a transaction needs of its producer (producer.ts). */
export interface TransactionHost {
  readonly log: CoreLog
  readonly groups?: () => GroupCoordinator
  readonly transactionalId: string | undefined
  sendAs<V>(topic: string, messages: Message<V> | readonly Message<V>[], tx: Transaction): Promise<RecordMetadata[]>
  ended(tx: Transaction, identity: { producerId: number; producerEpoch: number } | undefined): void
  fence(): void
}

/** What `tx.sendOffsets` takes: a group and the next offsets it reads. */
export interface TransactionOffsets {
  groupId: string
  /** The offset of the next message to read, per partition (as a commit). */
  offsets: ReadonlyArray<TopicPartitionOffset & { metadata?: string | null }>
}

type TxState = 'open' | 'ending' | 'committed' | 'aborted'

/** An open transaction: send, sendOffsets, then commit or abort. */
export class Transaction {
  private state: TxState = 'open'
  /** The first send that failed: the transaction can then only be aborted. */
  private failure: unknown
  private readonly inflight = new Set<Promise<unknown>>()
  private readonly offsets = new Map<string, Map<Partition, OffsetToCommit>>()

  /** @internal Use producer.transaction(). */
  constructor(
    private readonly producer: TransactionHost,
    /** @internal The producer id and epoch the transaction's batches carry. */ readonly identity: { producerId: number; producerEpoch: number },
  ) {}

  /** True until the transaction is committed or aborted. */
  isActive(): boolean {
    return this.state === 'open' || this.state === 'ending'
  }

  /**
   * Sends messages inside the transaction: they take their offsets now (the metadata
   * says which) and become visible to read_committed consumers at commit.
   */
  async send<V>(topic: string, messages: Message<V> | readonly Message<V>[]): Promise<RecordMetadata[]> {
    this.assertOpen('send')
    const sending = this.producer.sendAs(topic, messages, this)
    this.inflight.add(sending)
    try {
      return await sending
    } catch (err) {
      // An argument refused before anything was queued leaves the transaction usable.
      if (!(err instanceof TypeError || err instanceof RangeError || (err instanceof KafketteError && ['INVALID_RECORD', 'MESSAGE_TOO_LARGE', 'UNKNOWN_TOPIC_OR_PARTITION', 'INVALID_TOPIC'].includes(err.code) && !err.context.producerId))) {
        this.failure ??= err
      }
      throw this.translate(err)
    } finally {
      this.inflight.delete(sending)
    }
  }

  /**
   * Adds a group's offsets to the transaction (KIP-447): they are committed with it, in
   * the same store write as its markers, and dropped if it aborts. Checked now: known
   * partitions, offsets up to the high watermark.
   */
  async sendOffsets(request: TransactionOffsets): Promise<void> {
    this.assertOpen('sendOffsets')
    if (!isPlainObject(request)) throw new TypeError('sendOffsets: expected { groupId, offsets: [{ topic, partition, offset }] }')
    const { groupId, offsets } = request
    const groups = this.producer.groups
    if (!groups) throw new KafketteError('NOT_IMPLEMENTED', 'sendOffsets needs a log with consumer groups')
    const resolved = groups().resolveTxnOffsets(groupId, offsets as readonly OffsetCommit[])
    const txn = this.txn()
    this.producer.log.producerStates.begin(txn)
    let map = this.offsets.get(groupId)
    if (!map) this.offsets.set(groupId, (map = new Map()))
    for (const o of resolved) map.set(o.part, o)
  }

  /**
   * Commits: a commit marker in every partition the transaction wrote to, and the offsets
   * given to sendOffsets, as one store write. Waits for the transaction's sends first;
   * INVALID_TXN_STATE when one of them failed (abort instead). PRODUCER_FENCED when a newer
   * producer took the transactionalId; INVALID_PRODUCER_EPOCH when the transaction timed
   * out (the log aborted it). A retriable store failure leaves it open: commit again.
   */
  async commit(): Promise<void> {
    this.assertOpen('commit')
    this.state = 'ending'
    try {
      await Promise.allSettled([...this.inflight])
      this.check(this.txn())
      if (this.failure !== undefined) {
        throw new KafketteError('INVALID_TXN_STATE', `a send of this transaction failed (${this.failure instanceof Error ? this.failure.message : String(this.failure)}): abort it`, this.context(), { cause: this.failure })
      }
      const txn = this.txn()
      const log = this.producer.log
      await log.serialTxn(txn, async () => {
        this.check(txn)
        const groups = this.producer.groups
        const extras = groups ? await Promise.all([...this.offsets].map(([groupId, m]) => groups().offsetOps(groupId, [...m.values()]))) : []
        this.check(txn)
        if (txn.open === null && extras.length === 0) return
        await log.endTransaction({
          txn,
          epoch: this.identity.producerEpoch,
          commit: true,
          newEpoch: txn.epoch,
          newProducerId: txn.producerId,
          extra: extras.length === 0 ? undefined : { ops: extras.flatMap((e) => e.ops), applied: () => extras.forEach((e) => e.applied()) },
        })
      })
    } catch (err) {
      this.state = 'open'
      throw this.translate(err)
    }
    this.state = 'committed'
    this.producer.ended(this, undefined)
  }

  /**
   * Aborts: an abort marker in every partition the transaction wrote to (read_committed
   * consumers skip its records), its offsets dropped. The producer's next transaction
   * starts a new epoch. Resolves as well when the log already aborted it (a timeout).
   */
  async abort(): Promise<void> {
    this.assertOpen('abort')
    this.state = 'ending'
    try {
      await Promise.allSettled([...this.inflight])
      const txn = this.txn()
      const log = this.producer.log
      await log.serialTxn(txn, async () => {
        if (txn.owner !== this.producer) this.check(txn)
        if (txn.producerId !== this.identity.producerId || txn.epoch !== this.identity.producerEpoch) return
        const next = log.producerStates.nextEpoch(txn)
        await log.endTransaction({ txn, epoch: this.identity.producerEpoch, commit: false, newEpoch: next.epoch, newProducerId: next.producerId })
      })
    } catch (err) {
      this.state = 'open'
      throw this.translate(err)
    }
    this.state = 'aborted'
    const txn = this.producer.log.producerStates.txn(this.producer.transactionalId!)
    this.producer.ended(this, txn && txn.owner === this.producer ? { producerId: txn.producerId, producerEpoch: txn.epoch } : undefined)
  }

  /** @internal Throws unless the transaction may still send (open, not fenced, not timed out). */
  assertCurrent(): void {
    if (this.state !== 'open') throw new KafketteError('INVALID_TXN_STATE', `the transaction is ${this.state === 'ending' ? 'ending' : this.state}: it cannot send`, this.context())
    this.check(this.txn())
  }

  private assertOpen(what: string): void {
    if (this.state !== 'open') {
      throw new KafketteError('INVALID_TXN_STATE', `${what}: the transaction is ${this.state === 'ending' ? 'ending' : `already ${this.state}`}`, this.context())
    }
  }

  private txn(): TxnState {
    const id = this.producer.transactionalId!
    const txn = this.producer.log.producerStates.txn(id)
    if (!txn) throw new KafketteError('INVALID_TXN_STATE', `transactional id ${id} is unknown to the log`, this.context())
    return txn
  }

  /** PRODUCER_FENCED when another producer holds the id; INVALID_PRODUCER_EPOCH when the log moved on (the transaction timed out). */
  private check(txn: TxnState): void {
    if (txn.owner !== this.producer) {
      this.producer.fence()
      throw new KafketteError('PRODUCER_FENCED', `producer ${txn.transactionalId} was fenced by a newer producer with the same transactionalId`, this.context())
    }
    if (txn.producerId !== this.identity.producerId || txn.epoch !== this.identity.producerEpoch) {
      throw new KafketteError('INVALID_PRODUCER_EPOCH', `the transaction of ${txn.transactionalId} outlived its transactionTimeoutMs (${txn.timeoutMs} ms) and was aborted: abort it and begin another`, this.context())
    }
  }

  /** A stale epoch the log refused, seen from this producer: fenced, or timed out. */
  private translate(err: unknown): unknown {
    if (!(err instanceof KafketteError) || err.code !== 'INVALID_PRODUCER_EPOCH') return err
    const txn = this.producer.log.producerStates.txn(this.producer.transactionalId!)
    if (txn && txn.owner !== this.producer) {
      this.producer.fence()
      return new KafketteError('PRODUCER_FENCED', `producer ${txn.transactionalId} was fenced by a newer producer with the same transactionalId`, this.context(), { cause: err })
    }
    return err
  }

  private context(): { transactionalId: string; producerId: number; producerEpoch: number } {
    return { transactionalId: this.producer.transactionalId!, ...this.identity }
  }
}
