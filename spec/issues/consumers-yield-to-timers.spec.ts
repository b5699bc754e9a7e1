// No way of consuming holds the event loop: however many records are ready, or redelivered
// by an eachBatch that leaves most of its batch unresolved, timers get their turn every few
// milliseconds. Each record's processing here takes a known minimum of busy time, so the
// bound is on records between two timer ticks, not on how fast the machine is: a consumer
// that never yields runs the whole backlog (or the redeliveries, until the spec stops
// them) without one tick.
import { afterEach, describe, expect, it } from 'vitest'
import { Kafka } from '../../lib/kafkajs/index.js'
import type { Consumer, Log } from '../../lib/index.js'
import { stores } from '../helpers/stores.js'

/** Busy time per record: the consumer's slice is 5 ms, so about 100 records fit in one. */
const WORK_MS = 0.05
/** The most records allowed between two ticks: 20 ms of busy time. */
const MOST_BETWEEN_TICKS = 400

function busy(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) {
    // spin: the record's processing
  }
}

/** Counts records between ticks of a 0 ms timer that re-arms itself. */
function tickCounter() {
  let since = 0
  let most = 0
  let ticks = 0
  let timer: NodeJS.Timeout | undefined
  const arm = (): void => {
    timer = setTimeout(() => {
      ticks++
      since = 0
      arm()
    }, 0)
  }
  arm()
  return {
    record(): void {
      busy(WORK_MS)
      since++
      if (since > most) most = since
    },
    stop(): { ticks: number; mostBetweenTicks: number } {
      clearTimeout(timer)
      return { ticks, mostBetweenTicks: most }
    },
  }
}

const BACKLOG = 4_000

describe.each(stores)('consumers on $name yield to timers', (store) => {
  let log: Log
  afterEach(async () => {
    await log?.close()
  })

  async function backlog(): Promise<Log> {
    log = await store.makeLog()
    await log.createTopic('t')
    const producer = log.producer()
    for (let i = 0; i < BACKLOG; i += 500) await producer.send('t', Array.from({ length: 500 }, (_, j) => ({ value: i + j })))
    return log
  }

  function member(): Consumer {
    return log.consumer({ groupId: 'g', fromBeginning: true })
  }

  it('while for await drains a backlog', async () => {
    await backlog()
    const consumer = member()
    await consumer.subscribe('t')
    const counter = tickCounter()
    let n = 0
    for await (const m of consumer) {
      counter.record()
      if (m.offset === BACKLOG - 1) break
      n++
    }
    const { mostBetweenTicks } = counter.stop()
    expect(n).toBe(BACKLOG - 1)
    expect(mostBetweenTicks).toBeLessThanOrEqual(MOST_BETWEEN_TICKS)
  })

  it('while a poll loop drains a backlog', async () => {
    await backlog()
    const consumer = member()
    await consumer.subscribe('t')
    const counter = tickCounter()
    let n = 0
    while (n < BACKLOG) {
      const batch = await consumer.poll({ maxRecords: 50, timeoutMs: 0 })
      for (const _ of batch) counter.record()
      n += batch.length
    }
    expect(counter.stop().mostBetweenTicks).toBeLessThanOrEqual(MOST_BETWEEN_TICKS)
  })

  it('while run() hands a backlog to eachMessage', async () => {
    await backlog()
    const consumer = member()
    await consumer.subscribe('t')
    const counter = tickCounter()
    let n = 0
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async () => {
          counter.record()
          if (++n === BACKLOG) resolve()
        },
      })
    })
    await consumer.stop()
    expect(counter.stop().mostBetweenTicks).toBeLessThanOrEqual(MOST_BETWEEN_TICKS)
  })

  it('while eachBatch with eachBatchAutoResolve: false gets the unresolved rest redelivered, as KafkaJS does', async () => {
    await backlog()
    const consumer = member()
    await consumer.subscribe('t')
    const counter = tickCounter()
    const firsts: number[] = []
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset }) => {
          counter.record()
          firsts.push(batch.messages[0]!.offset)
          // Only the first record is resolved: the rest comes again, from the next offset.
          resolveOffset(batch.messages[0]!.offset)
          // A consumer that never yields would run here without a tick; the spec stops it.
          if (firsts.length === 2_000) resolve()
        },
      })
    })
    await consumer.stop()
    expect(firsts.slice(0, 5)).toEqual([0, 1, 2, 3, 4])
    expect(counter.stop().mostBetweenTicks).toBeLessThanOrEqual(MOST_BETWEEN_TICKS)
  })

  it('while the KafkaJS facade redelivers a batch that resolves nothing', async () => {
    await backlog()
    const consumer = new Kafka({ brokers: ['fair'], log }).consumer({ groupId: 'kjs' })
    await consumer.subscribe({ topics: ['t'], fromBeginning: true })
    const counter = tickCounter()
    const firsts: string[] = []
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch }) => {
          counter.record()
          firsts.push(batch.messages[0]!.offset)
          if (firsts.length === 2_000) resolve()
        },
      })
    })
    await consumer.disconnect()
    expect(new Set(firsts)).toEqual(new Set(['0']))
    expect(counter.stop().mostBetweenTicks).toBeLessThanOrEqual(MOST_BETWEEN_TICKS)
  })
})
