// The public Log: the core log (topics, appends, reads) plus the clients opened from it.
import { CoreLog, type OpenLogOptions } from '../log/log.js'
import { MAX_OPEN_FILES, MIN_OPEN_FILES, Store } from '../storage/store.js'
import { SystemClock } from '../util/clock.js'
import { assertDuration, assertPositiveInt, checkOptions, isPlainObject, type OptionSchema } from '../util/validate.js'
import { GroupCoordinator, type GroupListing, type OffsetCommit, type ResetTarget } from '../group/coordinator.js'
import type { GroupOffset } from '../group/committed.js'
import type { GroupDescription } from '../group/group.js'
import type { ListenOptions, TopicPartitionOffset, WireListener } from '../types.js'
import { Consumer, type ConsumerOptions } from './consumer.js'
import { Producer, type ProducerOptions } from './producer.js'

/** A log: topics of partitions, with producers, consumers and consumer groups. Open one with openLog(). */
export class Log extends CoreLog {
  private coordinator: GroupCoordinator | undefined

  /** A producer that sends to this log's topics. */
  producer(options: ProducerOptions = {}): Producer {
    this.assertOpen()
    return new Producer(this, options, () => this.groups())
  }

  /** A consumer of this log's partitions; with `groupId`, a member of that consumer group. */
  consumer(options: ConsumerOptions = {}): Consumer {
    this.assertOpen()
    return new Consumer(this, options, () => this.groups())
  }

  /** @internal The group coordinator, created on first use. */
  groups(): GroupCoordinator {
    if (!this.coordinator) this.coordinator = new GroupCoordinator(this)
    return this.coordinator
  }

  // ── consumer groups ───────────────────────────────────────────────────────────

  /** Every group with members or committed offsets: `[{ groupId, state, protocolType, members }]`, sorted by id. */
  async listGroups(): Promise<GroupListing[]> {
    this.assertOpen()
    return this.groups().listGroups()
  }

  /** A group's state, generation, assignor (`protocol`), leader and members with their assignments; an unknown group is `Dead` with no members. */
  async describeGroup(groupId: string): Promise<GroupDescription> {
    this.assertOpen()
    return this.groups().describeGroup(groupId)
  }

  /** A group's committed offsets `[{ topic, partition, offset, metadata }]` (optionally only on `topics`). */
  async fetchOffsets(groupId: string, topics?: readonly string[]): Promise<GroupOffset[]> {
    this.assertOpen()
    return this.groups().fetchOffsets(groupId, topics)
  }

  /** Sets a group's committed offsets. NON_EMPTY_GROUP while it has members; OFFSET_OUT_OF_RANGE above a high watermark. */
  async commitOffsets(groupId: string, offsets: readonly OffsetCommit[]): Promise<void> {
    this.assertOpen()
    return this.groups().commitOffsets(groupId, offsets)
  }

  /**
   * Moves a group's committed offsets on every partition of `topic` to the log start
   * ('earliest'), the high watermark ('latest'), an offset (clamped to the partition's
   * range) or the first offset at or after `{ timestamp }`. NON_EMPTY_GROUP while it has members.
   */
  async resetOffsets(groupId: string, topic: string, options: { to: ResetTarget }): Promise<TopicPartitionOffset[]> {
    this.assertOpen()
    return this.groups().resetOffsets(groupId, topic, options)
  }

  /** Deletes a group and its committed offsets. NON_EMPTY_GROUP while it has members; GROUP_ID_NOT_FOUND when unknown. */
  async deleteGroup(groupId: string): Promise<void> {
    this.assertOpen()
    return this.groups().deleteGroup(groupId)
  }

  /** Resolves once the group has no rebalance running or waiting (tests use it instead of sleeping). */
  async waitForGroup(groupId: string): Promise<void> {
    this.assertOpen()
    await this.groups().settled(groupId)
  }

  // ── the Kafka wire protocol ─────────────────────────────────────────────────

  /**
   * Starts a listener that speaks the Kafka wire protocol on `host:port` (default
   * 127.0.0.1:9092; port 0 picks a free one), so Kafka clients in other processes and
   * languages read and write this log. There is no authentication: binding anything but
   * loopback needs `allowRemote: true`. `log.close()` closes it too.
   */
  async listen(options: ListenOptions = {}): Promise<WireListener> {
    this.assertOpen()
    // A lazy import: the listener (above the public API, like the KafkaJS facade) loads
    // only when a log listens, and layers.spec.ts allows this one edge for that reason.
    const server = await import('../server/index.js')
    return server.listen(this, options)
  }

  /** Closes every producer and consumer (group members commit and leave, without rebalancing each other), then the store. */
  override async close(): Promise<void> {
    this.coordinator?.close()
    return super.close()
  }

  /** Closes the log, as close() does: `await using log = await openLog(...)`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }
}

const OPEN_LOG_OPTIONS: OptionSchema<OpenLogOptions> = {
  dir: 'string',
  memory: 'boolean',
  autoCreateTopics: 'boolean',
  defaultPartitions: 'number',
  clock: 'any',
  sync: 'boolean',
  retentionCheckIntervalMs: 'number',
  maxOpenFiles: 'number',
  compactionPriority: 'string',
}

/** Opens (creating if needed) a log in a directory, or in memory with `memory: true`. */
export async function openLog(options: OpenLogOptions): Promise<Log> {
  if (!isPlainObject(options)) throw new TypeError('openLog: options must be an object with dir or memory: true')
  checkOptions<OpenLogOptions>('openLog', options, OPEN_LOG_OPTIONS)
  const { dir, memory } = options
  if (memory !== undefined && typeof memory !== 'boolean') throw new TypeError('openLog: memory must be a boolean')
  if (dir !== undefined && (typeof dir !== 'string' || dir.length === 0)) throw new TypeError('openLog: dir must be a non-empty string')
  if (memory && dir !== undefined) throw new TypeError('openLog: give dir or memory: true, not both')
  if (!memory && dir === undefined) throw new TypeError('openLog: give dir (a directory) or memory: true')
  if (options.defaultPartitions !== undefined) assertPositiveInt(options.defaultPartitions, 'openLog: defaultPartitions')
  if (options.sync !== undefined && typeof options.sync !== 'boolean') throw new TypeError('openLog: sync must be a boolean')
  if (options.retentionCheckIntervalMs !== undefined) assertDuration(options.retentionCheckIntervalMs, 'openLog: retentionCheckIntervalMs')
  const { maxOpenFiles } = options
  if (maxOpenFiles !== undefined && (typeof maxOpenFiles !== 'number' || !Number.isInteger(maxOpenFiles) || maxOpenFiles < MIN_OPEN_FILES || maxOpenFiles > MAX_OPEN_FILES)) {
    throw new RangeError(`openLog: maxOpenFiles must be an integer from ${MIN_OPEN_FILES} to ${MAX_OPEN_FILES}, got ${String(maxOpenFiles)}`)
  }
  const { compactionPriority } = options
  if (compactionPriority !== undefined && compactionPriority !== 'idle' && compactionPriority !== 'normal') {
    throw new TypeError(`openLog: compactionPriority must be 'idle' or 'normal', got ${typeof compactionPriority === 'string' ? JSON.stringify(compactionPriority) : String(compactionPriority)}`)
  }
  const { clock: given } = options
  if (given !== undefined && (given === null || typeof given !== 'object' || typeof given.now !== 'function' || typeof given.setTimeout !== 'function' || typeof given.clearTimeout !== 'function')) {
    throw new TypeError('openLog: clock must be a Clock (now, setTimeout, clearTimeout), such as SystemClock or ManualClock')
  }
  const clock = given ?? new SystemClock()
  const store = await Store.open(memory ? undefined : dir, clock, { maxOpenFiles })
  const log = new Log(store, { ...options }, clock)
  try {
    await log.load()
    log.armRetention()
  } catch (err) {
    await store.close()
    throw err
  }
  // On the next turn, so that a listener added as openLog resolves hears it.
  if (store.recovery.length > 0) setImmediate(() => log.emit('log.recovery', [...store.recovery]))
  return log
}
