// The public Log: the core log (topics, appends, reads) plus the clients opened from it.
import { CoreLog, type OpenLogOptions } from '../log/log.js'
import { Store } from '../storage/store.js'
import { SystemClock } from '../util/clock.js'
import { assertPositiveInt, isPlainObject } from '../util/validate.js'
import { Consumer, type ConsumerOptions } from './consumer.js'
import { Producer, type ProducerOptions } from './producer.js'

/** A log: topics of partitions, with producers and consumers. Open one with openLog(). */
export class Log extends CoreLog {
  /** A producer that sends to this log's topics. */
  producer(options: ProducerOptions = {}): Producer {
    this.assertOpen()
    return new Producer(this, options)
  }

  /** A consumer of this log's partitions. */
  consumer(options: ConsumerOptions = {}): Consumer {
    this.assertOpen()
    return new Consumer(this, options)
  }
}

/** Opens (creating if needed) a log in a directory, or in memory with `memory: true`. */
export async function openLog(options: OpenLogOptions): Promise<Log> {
  if (!isPlainObject(options)) throw new TypeError('openLog: options must be an object with dir or memory: true')
  const { dir, memory } = options
  if (memory !== undefined && typeof memory !== 'boolean') throw new TypeError('openLog: memory must be a boolean')
  if (dir !== undefined && (typeof dir !== 'string' || dir.length === 0)) throw new TypeError('openLog: dir must be a non-empty string')
  if (memory && dir !== undefined) throw new TypeError('openLog: give dir or memory: true, not both')
  if (!memory && dir === undefined) throw new TypeError('openLog: give dir (a directory) or memory: true')
  if (options.defaultPartitions !== undefined) assertPositiveInt(options.defaultPartitions, 'openLog: defaultPartitions')
  if (options.sync !== undefined && typeof options.sync !== 'boolean') throw new TypeError('openLog: sync must be a boolean')
  const clock = options.clock ?? new SystemClock()
  const store = await Store.open(memory ? undefined : dir, clock)
  const log = new Log(store, { ...options }, clock)
  try {
    await log.load()
  } catch (err) {
    await store.close()
    throw err
  }
  return log
}
