// Model-based test of the core log against a plain array per partition. Invariants:
// offsets are dense and rising from 0 in every partition; reads equal appends (same
// keys, values, order); a keyed message lands on murmur2(key) % partitions; a refused
// send writes nothing; all of it survives close-and-reopen on disk; memory ≡ disk.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { KafketteError, murmur2Partition, type Log, type Producer } from '../../lib/index.js'
import { stores, type StoreKind } from '../helpers/stores.js'

interface Entry {
  key: string | null
  value: number
}
interface Model {
  topics: Map<string, Entry[][]>
  positions: Map<string, number>
}
interface Real {
  log: Log
  producer: Producer
  store: StoreKind
}

const TOPICS = ['a', 'b']
const tp = (topic: string, partition: number) => `${topic}/${partition}`

class CreateTopic implements fc.AsyncCommand<Model, Real> {
  constructor(readonly topic: string, readonly partitions: number) {}
  check = () => true
  async run(m: Model, r: Real) {
    if (m.topics.has(this.topic)) {
      await expect(r.log.createTopic(this.topic, { partitions: this.partitions })).rejects.toMatchObject({ code: 'TOPIC_ALREADY_EXISTS' })
      return
    }
    await r.log.createTopic(this.topic, { partitions: this.partitions })
    m.topics.set(this.topic, Array.from({ length: this.partitions }, () => []))
  }
  toString = () => `createTopic(${this.topic}, ${this.partitions})`
}

class Send implements fc.AsyncCommand<Model, Real> {
  constructor(readonly topic: string, readonly messages: Array<{ key: string | null; value: number; partition?: number }>) {}
  check = () => true
  async run(m: Model, r: Real) {
    const parts = m.topics.get(this.topic)
    const send = r.producer.send(this.topic, this.messages.map((x) => ({ key: x.key, value: x.value, ...(x.partition === undefined ? {} : { partition: x.partition }) })))
    if (!parts) {
      await expect(send).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' })
      return
    }
    if (this.messages.some((x) => x.partition !== undefined && x.partition >= parts.length)) {
      await expect(send).rejects.toBeInstanceOf(KafketteError)
      return
    }
    const meta = await send
    sends++
    expect(meta).toHaveLength(this.messages.length)
    const keyless = new Set<number>()
    meta.forEach((md, i) => {
      const x = this.messages[i]!
      if (x.partition !== undefined) expect(md.partition).toBe(x.partition)
      else if (x.key !== null) expect(md.partition).toBe(murmur2Partition(x.key, parts.length))
      else keyless.add(md.partition)
      const list = parts[md.partition]!
      expect(md.offset).toBe(list.length)
      list.push({ key: x.key, value: x.value })
    })
    expect(keyless.size).toBeLessThanOrEqual(1)
  }
  toString = () => `send(${this.topic}, ${JSON.stringify(this.messages)})`
}

class Poll implements fc.AsyncCommand<Model, Real> {
  constructor(readonly topic: string, readonly partition: number, readonly max: number) {}
  check = (m: Readonly<Model>) => (m.topics.get(this.topic)?.length ?? 0) > this.partition
  async run(m: Model, r: Real) {
    const list = m.topics.get(this.topic)![this.partition]!
    const from = m.positions.get(tp(this.topic, this.partition)) ?? 0
    const c = r.log.consumer()
    c.assign([{ topic: this.topic, partition: this.partition }])
    c.seek({ topic: this.topic, partition: this.partition, offset: from })
    const got = await c.poll({ maxRecords: this.max, timeoutMs: 0 })
    await c.close()
    const want = list.slice(from, from + this.max)
    expect(got.map((x) => ({ key: x.key, value: x.value }))).toEqual(want)
    expect(got.map((x) => x.offset)).toEqual(want.map((_, i) => from + i))
    m.positions.set(tp(this.topic, this.partition), from + got.length)
  }
  toString = () => `poll(${this.topic}/${this.partition}, ${this.max})`
}

class Seek implements fc.AsyncCommand<Model, Real> {
  constructor(readonly topic: string, readonly partition: number, readonly fraction: number) {}
  check = (m: Readonly<Model>) => (m.topics.get(this.topic)?.length ?? 0) > this.partition
  async run(m: Model) {
    const len = m.topics.get(this.topic)![this.partition]!.length
    m.positions.set(tp(this.topic, this.partition), Math.floor(len * this.fraction))
  }
  toString = () => `seek(${this.topic}/${this.partition}, ${this.fraction})`
}

class Reopen implements fc.AsyncCommand<Model, Real> {
  check = () => true
  async run(m: Model, r: Real) {
    if (!r.store.durable) return
    r.log = await r.store.reopen(r.log)
    r.producer = r.log.producer()
    for (const [topic, parts] of m.topics) {
      const d = await r.log.describeTopic(topic)
      expect(d.partitions.map((p) => p.highWatermark)).toEqual(parts.map((p) => p.length))
    }
    expect(await r.log.listTopics()).toEqual([...m.topics.keys()].sort())
  }
  toString = () => 'reopen()'
}

const topicArb = fc.constantFrom(...TOPICS)
const message = fc.record({
  key: fc.option(fc.constantFrom('alice', 'bob', 'carol', 'dave', 'employee_id_123', 'ü-ключ'), { nil: null }),
  value: fc.integer(),
  partition: fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 4 }) }),
})
const send = fc.tuple(topicArb, fc.array(message, { minLength: 1, maxLength: 8 })).map(([t, ms]) => new Send(t, ms))
const commands = [
  fc.tuple(topicArb, fc.integer({ min: 1, max: 4 })).map(([t, p]) => new CreateTopic(t, p)),
  send,
  send,
  send,
  fc.tuple(topicArb, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 20 })).map(([t, p, n]) => new Poll(t, p, n)),
  fc.tuple(topicArb, fc.integer({ min: 0, max: 3 }), fc.double({ min: 0, max: 1, noNaN: true })).map(([t, p, f]) => new Seek(t, p, f)),
  fc.constant(new Reopen()),
]

let sends = 0

describe.each(stores)('the log against its model on $name', (store) => {
  it('keeps offsets dense, reads equal to appends, across reopen', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 60, size: 'medium' }), async (cmds) => {
        const log = await store.makeLog()
        const real: Real = { log, producer: log.producer(), store }
        try {
          await log.createTopic('a', { partitions: 3 })
          const model: Model = { topics: new Map([['a', [[], [], []]]]), positions: new Map() }
          await fc.asyncModelRun(() => ({ model, real }), cmds)
        } finally {
          await real.log.close()
        }
      }),
      { numRuns: store.durable ? 25 : 60 },
    )
    // the generated runs must exercise the log, not only its refusals
    expect(sends).toBeGreaterThan(100)
    sends = 0
  })
})
