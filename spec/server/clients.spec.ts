// Real Kafka clients against the listener, each in a child process with a time limit:
// kcat and confluent-kafka (librdkafka 2.0.2), kafka-python 2.0.2 and KafkaJS 2.2.4. An
// interop matrix (each produces, each consumes what all produced and what the app wrote
// in-process, with identical keys, values, headers and timestamps), groups with each, a
// rebalance, and a group resuming after the log restarts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ConsumedMessage, Log, WireListener } from '../../lib/index.js'
import { jsonLines, PYTHON, run, wireFixture } from '../helpers/clients.js'
import { disk, memory } from '../helpers/stores.js'

interface Seen {
  topic: string
  offset: number
  key: string | null
  value: string | null
  headers: Array<[string, string]>
  timestamp: number
}

const hex = (v: unknown): string | null => (v === null || v === undefined ? null : Buffer.from(typeof v === 'string' ? Buffer.from(v) : (v as Uint8Array)).toString('hex'))
const str = (s: string): string => Buffer.from(s).toString('hex')

/** What the log holds, as a wire client should see it (bytes by the facade's rule). */
function asSeen(m: ConsumedMessage): Seen {
  const value = m.value === null ? null : m.value instanceof Uint8Array || typeof m.value === 'string' ? hex(m.value) : str(JSON.stringify(m.value))
  const headers: Array<[string, string]> = []
  for (const [k, v] of Object.entries(m.headers)) for (const one of Array.isArray(v) ? v : [v]) headers.push([k, hex(one)!])
  return { topic: m.topic, offset: m.offset, key: hex(m.key), value, headers, timestamp: m.timestamp }
}

async function readAll(log: Log, topic: string): Promise<ConsumedMessage[]> {
  const c = log.consumer({ fromBeginning: true })
  c.assign([{ topic, partition: 0 }])
  const out: ConsumedMessage[] = []
  const end = (await log.describeTopic(topic)).partitions[0]!.highWatermark
  while (out.length < end) out.push(...(await c.poll({ timeoutMs: 1000 })))
  await c.close()
  return out
}

/** The interop records, as every producer sends them (kcat cannot set timestamps). */
const EXPECTED = [
  { key: str('emp1'), value: str('salary:100'), headers: [['src', str('hr')]], timestamp: 1700000000001 },
  { key: str('emp2'), value: null, headers: [], timestamp: 1700000000002 },
  { key: null, value: str('no-key'), headers: [['a', str('1')], ['b', str('2')]], timestamp: 1700000000003 },
]

const kcatConsume = async (bootstrap: string, topic: string): Promise<Seen[]> => {
  const { stdout } = await run('kcat', ['-b', bootstrap, '-C', '-J', '-e', '-q', '-o', 'beginning', '-t', topic, '-p', '0'])
  return jsonLines<{ topic: string; offset: number; key: string | null; payload: string | null; headers?: string[]; ts: number }>(stdout).map((m) => {
    const headers: Array<[string, string]> = []
    for (let i = 0; i + 1 < (m.headers ?? []).length; i += 2) headers.push([m.headers![i]!, str(m.headers![i + 1]!)])
    return { topic: m.topic, offset: m.offset, key: m.key === null ? null : str(m.key), value: m.payload === null ? null : str(m.payload), headers, timestamp: m.ts }
  })
}

describe('real clients (memory log)', () => {
  let log: Log
  let server: WireListener
  let bootstrap: string

  beforeAll(async () => {
    log = await memory.makeLog()
    server = await log.listen({ port: 0 })
    bootstrap = `127.0.0.1:${server.port}`
  })
  afterAll(async () => {
    await log.close()
  })

  const producers = ['kcat', 'kafka-python', 'confluent', 'kafkajs'] as const
  const topicOf = (p: string): string => `from-${p}`

  it('each client produces keys, null values, headers, timestamps and compressed batches that in-process readers see as bytes', async () => {
    const b = bootstrap
    await run('kcat', ['-b', b, '-P', '-t', topicOf('kcat'), '-p', '0', '-K', '\t', '-H', 'src=hr', '-z', 'snappy'], { input: 'emp1\tsalary:100\n' })
    await run('kcat', ['-b', b, '-P', '-t', topicOf('kcat'), '-p', '0', '-K', '\t', '-Z', '-z', 'gzip'], { input: 'emp2\t\n' })
    await run('kcat', ['-b', b, '-P', '-t', topicOf('kcat'), '-p', '0', '-H', 'a=1', '-H', 'b=2', '-z', 'lz4'], { input: 'no-key\n' })
    await run(PYTHON, [wireFixture('kafka_python.py'), b, 'produce', topicOf('kafka-python')])
    await run(PYTHON, [wireFixture('confluent.py'), b, 'produce', topicOf('confluent')])
    await run(process.execPath, [wireFixture('kafkajs.mjs'), b, 'produce', topicOf('kafkajs')])
    for (const p of producers) {
      const read = await readAll(log, topicOf(p))
      expect(read.map((m) => [m.key === null ? null : m.key instanceof Uint8Array, m.value === null ? null : Buffer.isBuffer(m.value)])).toEqual([[true, true], [true, null], [null, true]])
      const seen = read.map(asSeen)
      expect(seen.map(({ key, value, headers }) => ({ key, value, headers }))).toEqual(EXPECTED.map(({ key, value, headers }) => ({ key, value, headers })))
      if (p !== 'kcat') expect(seen.map((s) => s.timestamp)).toEqual(EXPECTED.map((e) => e.timestamp))
    }
  })

  it('each client consumes what every client produced and what the app wrote in-process, identically', async () => {
    await log.createTopic('from-kafkette')
    await log.producer().send<unknown>('from-kafkette', [
      { key: 'emp1', value: 'salary:100', headers: { src: 'hr' }, timestamp: 1700000000001 },
      { key: 'emp2', value: null, timestamp: 1700000000002 },
      { key: null, value: Buffer.from('no-key'), headers: { a: '1', b: '2' }, timestamp: 1700000000003 },
      { key: new Uint8Array([1, 127]), value: { amount: 5200 }, headers: { dept: Buffer.from([1, 2]) }, timestamp: 1700000000004 },
    ])
    const topics = [...producers.map(topicOf), 'from-kafkette']
    const truth = new Map<string, Seen[]>()
    for (const t of topics) truth.set(t, (await readAll(log, t)).map(asSeen))
    expect(truth.get('from-kafkette')![3]).toMatchObject({ key: '017f', value: str('{"amount":5200}'), headers: [['dept', '0102']] })

    const consumers: Record<string, () => Promise<Seen[]>> = {
      kcat: async () => (await Promise.all(topics.map((t) => kcatConsume(bootstrap, t)))).flat(),
      'kafka-python': async () => jsonLines<Seen>((await run(PYTHON, [wireFixture('kafka_python.py'), bootstrap, 'consume', ...topics])).stdout),
      confluent: async () => jsonLines<Seen>((await run(PYTHON, [wireFixture('confluent.py'), bootstrap, 'consume', ...topics])).stdout),
      kafkajs: async () => jsonLines<Seen>((await run(process.execPath, [wireFixture('kafkajs.mjs'), bootstrap, 'consume', ...topics])).stdout),
    }
    for (const [name, consume] of Object.entries(consumers)) {
      const seen = await consume()
      for (const t of topics) {
        const got = seen.filter((s) => s.topic === t).sort((a, b) => a.offset - b.offset)
        expect(got, `${name} reading ${t}`).toEqual(truth.get(t))
      }
    }
  })

  it('kcat: metadata, list offsets by time, and a group that resumes at its committed offsets', async () => {
    const b = bootstrap
    const meta = JSON.parse((await run('kcat', ['-b', b, '-L', '-J'])).stdout) as { brokers: Array<{ id: number; name: string }>; topics: Array<{ topic: string }> }
    expect(meta.brokers).toEqual([{ id: 0, name: `127.0.0.1:${server.port}` }])
    expect(meta.topics.map((t) => t.topic)).toContain('from-kafkajs')
    const q = await run('kcat', ['-b', b, '-Q', '-t', 'from-kafkajs:0:1700000000002'])
    expect(q.stdout).toMatch(/offset 1\b/)
    const group = ['-b', b, '-G', 'payroll-kcat', '-X', 'auto.offset.reset=earliest', '-e', '-q', '-f', '%o|%k\n', 'from-kafkajs']
    expect((await run('kcat', group)).stdout.trim().split('\n')).toEqual(['0|emp1', '1|emp2', '2|'])
    expect(await log.fetchOffsets('payroll-kcat')).toEqual([{ topic: 'from-kafkajs', partition: 0, offset: 3, metadata: expect.anything() }])
    await log.producer().send('from-kafkajs', [{ key: 'emp3', value: 'x', partition: 0 }])
    expect((await run('kcat', group)).stdout.trim()).toBe('3|emp3')
  })

  it('confluent-kafka: a second member rebalances the group, and its leaving gives everything back', async () => {
    await log.createTopic('shared', { partitions: 2 })
    const { stdout } = await run(PYTHON, [wireFixture('confluent.py'), bootstrap, 'rebalance', 'shared', 'sharing'])
    const phases = jsonLines<{ phase: string; a: number[]; b?: number[] }>(stdout)
    expect(phases[0]).toEqual({ phase: 'one', a: [0, 1] })
    expect(phases[1]!.a.length + phases[1]!.b!.length).toBe(2)
    expect([...phases[1]!.a, ...phases[1]!.b!].sort()).toEqual([0, 1])
    expect(phases[2]).toEqual({ phase: 'three', a: [0, 1] })
  })

  it('KafkaJS: a consumer group commits, and describeGroup and fetchOffsets see it', async () => {
    await run(process.execPath, [wireFixture('kafkajs.mjs'), bootstrap, 'group', 'from-confluent', 'jsgroup', '3'])
    expect(await log.fetchOffsets('jsgroup')).toEqual([{ topic: 'from-confluent', partition: 0, offset: 3, metadata: null }])
    const d = await log.describeGroup('jsgroup')
    expect(d.state).toBe('Empty')
    expect(d.generation).toBeGreaterThan(0)
  })

  it('admin calls of KafkaJS and kafka-python: topics, partitions, records, groups', async () => {
    const js = JSON.parse((await run(process.execPath, [wireFixture('kafkajs.mjs'), bootstrap, 'admin'])).stdout) as Record<string, unknown>
    expect(js).toMatchObject({ created: true, again: false, partitions: 3, offsets: { partition: 0, offset: '3', high: '3', low: '2' }, groupOffsets: { partition: 0, offset: '3' } })
    expect(js.groups).toContain('admin-group')
    expect(js.described).toEqual([{ groupId: 'admin-group', state: 'Empty' }])
    expect(js.groupsAfter).not.toContain('admin-group')
    expect(js.topics).not.toContain('admin-js')
    const py = JSON.parse((await run(PYTHON, [wireFixture('kafka_python_admin.py'), bootstrap])).stdout) as Record<string, unknown>
    expect(py).toMatchObject({ again: 'TopicAlreadyExistsError', partitions: [0, 1] })
    expect(py.topics).not.toContain('admin-py')
  })

  it('a group of wire members refuses an in-process consumer (and the reverse) with INCONSISTENT_GROUP_PROTOCOL', async () => {
    const member = log.consumer({ groupId: 'mixed' })
    await member.subscribe(['from-kcat'])
    await log.waitForGroup('mixed')
    const r = await run('kcat', ['-b', bootstrap, '-G', 'mixed', '-e', 'from-kcat'], { allowFailure: true, timeoutMs: 30_000 })
    expect(r.stderr).toMatch(/INCONSISTENT_GROUP_PROTOCOL|Inconsistent group protocol/i)
    await member.close()
  })
})

describe('the payroll example with kafka-python, and a restart (disk log)', () => {
  it('processes every update, commits, and a second run after the log restarts reads only the new ones', async () => {
    let log = await disk.makeLog()
    let server = await log.listen({ port: 0 })
    const first = await run(PYTHON, [wireFixture('payroll.py'), `127.0.0.1:${server.port}`])
    expect(first.stdout).toMatch(/payroll: 4 updates processed/)
    expect(await log.fetchOffsets('payroll')).toHaveLength(3)
    log = await disk.reopen(log)
    expect((await log.describeTopic('salary-updates')).partitions.reduce((n, p) => n + p.highWatermark, 0)).toBe(4)
    server = await log.listen({ port: 0 })
    const second = await run(PYTHON, [wireFixture('payroll.py'), `127.0.0.1:${server.port}`])
    expect(second.stdout).toMatch(/payroll: 4 updates processed/)
    const groups = await log.fetchOffsets('payroll')
    expect(groups.reduce((n, o) => n + o.offset, 0)).toBe(8)
    await log.close()
  })
})
