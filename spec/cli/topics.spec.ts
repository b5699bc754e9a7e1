// `kafkette topics` and `kafkette inspect` in child processes: create, list, describe, alter
// and delete topics; what a log directory holds; JSON parsed, tables for people.
import { ClassicLevel } from 'classic-level'
import { describe, expect, it } from 'vitest'
import { DEFAULT_TOPIC_CONFIG } from '../../lib/index.js'
import { FORMAT_VERSION } from '../../lib/storage/format.js'
import { cli, json, ok } from '../helpers/cli.js'
import { tempDir } from '../helpers/stores.js'

interface Totals {
  name: string
  partitions: number
  messages: number
  bytes: number
}

interface Described {
  name: string
  config: Record<string, unknown>
  partitions: Array<{ partition: number; logStartOffset: number; highWatermark: number; sizeBytes: number }>
}

describe('kafkette topics', () => {
  it('creates topics with partitions and config (Kafka names or kafkette names), lists, describes, alters and deletes them', async () => {
    const dir = tempDir()
    expect(await ok(['--dir', dir, 'topics', 'create', 'orders', '--partitions', '3', '--config', 'retention.ms=60000', '--config', 'deleteRetentionMs=1000'])).toBe(
      'created topic orders with 3 partitions\n',
    )
    const created = await json<Described>(['--dir', dir, 'topics', 'create', 'audit'])
    expect(created).toMatchObject({ name: 'audit', config: { ...DEFAULT_TOPIC_CONFIG }, partitions: [{ partition: 0, logStartOffset: 0, highWatermark: 0 }] })
    await ok(['--dir', dir, 'produce', 'orders'], { input: 'a\nb\nc\nd\n' })

    const list = await json<Totals[]>(['--dir', dir, 'topics'])
    expect(list.map(({ bytes: _b, ...t }) => t)).toEqual([
      { name: 'audit', partitions: 1, messages: 0 },
      { name: 'orders', partitions: 3, messages: 4 },
    ])
    expect(list[1]!.bytes).toBeGreaterThan(0)
    expect(await json<Totals[]>(['--dir', dir, 'topics', 'list'])).toEqual(list)

    const d = await json<Described>(['--dir', dir, 'topics', 'describe', 'orders'])
    expect(d.config).toMatchObject({ retentionMs: 60000, deleteRetentionMs: 1000 })
    expect(d.partitions.reduce((s, p) => s + p.highWatermark, 0)).toBe(4)

    const altered = await json<{ name: string; config: Record<string, unknown> }>(['--dir', dir, 'topics', 'alter', 'orders', '--config', 'retention.ms=-1', '--config', 'max.message.bytes=100000', '--config', 'cleanup.policy=compact'])
    expect(altered.config).toMatchObject({ retentionMs: -1, maxMessageBytes: 100000, cleanupPolicy: 'compact', deleteRetentionMs: 1000 })
    expect((await json<Described>(['--dir', dir, 'topics', 'describe', 'orders'])).config).toEqual(altered.config)

    expect(await ok(['--dir', dir, 'topics', 'delete', 'audit'])).toBe('deleted topic audit\n')
    expect((await json<Totals[]>(['--dir', dir, 'topics'])).map((t) => t.name)).toEqual(['orders'])
  })

  it('prints aligned tables with human sizes for people', async () => {
    const dir = tempDir()
    await ok(['--dir', dir, 'topics', 'create', 'a-long-topic-name', '--partitions', '2'])
    await ok(['--dir', dir, 'topics', 'create', 'b'])
    await ok(['--dir', dir, 'produce', 'b'], { input: 'x'.repeat(3000) + '\n' })
    const lines = (await ok(['--dir', dir, 'topics'])).split('\n')
    expect(lines[0]).toBe('TOPIC              PARTITIONS  MESSAGES     SIZE')
    expect(lines[1]).toBe('a-long-topic-name           2         0      0 B')
    expect(lines[2]).toMatch(/^b {27}1 {9}1 {2}\d\.\d KiB$/)
    expect(lines[2]!.length).toBe(lines[0]!.length)
    expect(lines[3]).toBe('')
    const described = (await ok(['--dir', dir, 'topics', 'describe', 'b'])).split('\n')
    expect(described[0]).toMatch(/^topic b: 1 partition, 1 messages, \d\.\d KiB$/)
    expect(described).toContain('retention.ms            604800000')
    expect(described).toContain('PARTITION  LOG START  HIGH WATERMARK  MESSAGES     SIZE')
  })

  it('refuses a name that exists, a bad name, a bad config and a bad partition count, changing nothing', async () => {
    const dir = tempDir()
    await ok(['--dir', dir, 'topics', 'create', 'orders'])
    const cases: Array<[string[], number, RegExp]> = [
      [['create', 'orders'], 1, /^kafkette: TOPIC_ALREADY_EXISTS: .*`kafkette topics describe orders`/],
      [['create', 'bad name'], 1, /^kafkette: INVALID_TOPIC: /],
      [['create', 'x', '--config', 'colour=blue'], 1, /^kafkette: INVALID_CONFIG: unknown topic config key "colour"; config keys are retention.ms/],
      [['create', 'x', '--config', 'retention.ms=soon'], 1, /^kafkette: INVALID_CONFIG: retentionMs must be -1 or an integer ≥ 1, got soon\n$/],
      [['create', 'x', '--config', 'retention.ms'], 2, /^kafkette: USAGE: --config takes key=value, got "retention.ms"\n$/],
      [['create', 'x', '--partitions', 'two'], 2, /^kafkette: USAGE: --partitions must be a whole number from 1 to 100000, got "two"\n$/],
      [['alter', 'orders'], 2, /^kafkette: USAGE: topics alter needs at least one --config key=value/],
      [['alter', 'nope', '--config', 'retention.ms=1'], 1, /^kafkette: UNKNOWN_TOPIC_OR_PARTITION: /],
      [['describe', 'nope'], 1, /^kafkette: UNKNOWN_TOPIC_OR_PARTITION: .*`kafkette topics`/],
      [['delete', 'nope'], 1, /^kafkette: UNKNOWN_TOPIC_OR_PARTITION: /],
      [['create'], 2, /^kafkette: USAGE: missing required argument 'name'; see `kafkette topics create --help`\n$/],
    ]
    for (const [args, code, message] of cases) {
      const r = await cli(['--dir', dir, 'topics', ...args])
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code, stdout: '' })
      expect(r.stderr).toMatch(message)
      expect(r.stderr.split('\n')).toHaveLength(2)
    }
    expect((await json<Totals[]>(['--dir', dir, 'topics'])).map((t) => t.name)).toEqual(['orders'])
  })
})

describe('kafkette inspect', () => {
  it('reports the format version, every partition and every group, as JSON and as tables', async () => {
    const dir = tempDir()
    await ok(['--dir', dir, 'topics', 'create', 'orders', '--partitions', '2'])
    await ok(['--dir', dir, 'produce', 'orders', '--key-separator', ':'], { input: 'a:1\nb:2\nc:3\n' })
    await ok(['--dir', dir, 'consume', 'orders', '--group', 'billing', '--from-beginning', '--max', '1'])
    const report = await json<{ dir: string; format: number; diskBytes: number; topics: Described[]; groups: Array<{ groupId: string; lag: number }> }>(['--dir', dir, 'inspect'])
    expect(report.dir).toBe(dir)
    expect(report.format).toBe(FORMAT_VERSION)
    expect(report.diskBytes).toBeGreaterThan(0)
    expect(report.topics.map((t) => [t.name, t.partitions.length])).toEqual([['orders', 2]])
    expect(report.topics[0]!.partitions.reduce((s, p) => s + p.highWatermark, 0)).toBe(3)
    expect(report.groups).toEqual([{ groupId: 'billing', state: 'Empty', members: 0, topics: ['orders'], lag: 2 }])
    const text = await ok(['--dir', dir, 'inspect'])
    expect(text).toMatch(/^directory +.+\nformat +\d+\non disk +[\d.]+ (B|KiB|MiB)\ntopics +1\ngroups +1\n\nTOPIC +PARTITION +LOG START +HIGH WATERMARK +MESSAGES +SIZE\norders +0 .*\norders +1 .*\n\nGROUP +STATE +MEMBERS +TOPICS +LAG\nbilling +Empty +0 +orders +2\n$/)
  })

  it('--verify reports a sound log with exit status 0, and a damaged batch with status 3 and its offsets', async () => {
    const dir = tempDir()
    await ok(['--dir', dir, 'topics', 'create', 'orders'])
    await ok(['--dir', dir, 'produce', 'orders'], { input: 'a\nb\nc\n' })
    await ok(['--dir', dir, 'produce', 'orders'], { input: 'd\ne\n' })
    const sound = await json<{ verify: { ok: boolean; partitions: Array<{ batches: number; records: number; checksummed: number }> } }>(['--dir', dir, 'inspect', '--verify'])
    expect(sound.verify.ok).toBe(true)
    expect(sound.verify.partitions).toMatchObject([{ batches: 2, records: 5, checksummed: 2 }])
    expect(await ok(['--dir', dir, 'inspect', '--verify'])).toMatch(/\nverify +sound: 2 batches in 1 partitions read, 2 with a checksum\n$/)

    // Damage the second batch's bytes behind kafkette's back (the records space is 0x02).
    const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' })
    const batches = await db.iterator({ gte: Buffer.of(0x02), lt: Buffer.of(0x03) }).all()
    const [key, value] = batches[1]!
    value[value.length - 3]! ^= 0x40
    await db.put(key, value)
    await db.close()

    const damaged = await cli(['--dir', dir, '--json', 'inspect', '--verify'])
    expect(damaged.code).toBe(3)
    const report = JSON.parse(damaged.stdout) as { verify: { ok: boolean; partitions: Array<{ damaged: Array<{ fromOffset: number; toOffset: number }> }> } }
    expect(report.verify.ok).toBe(false)
    expect(report.verify.partitions[0]!.damaged).toMatchObject([{ fromOffset: 3, toOffset: 4 }])
    const text = await cli(['--dir', dir, 'inspect', '--verify'])
    expect(text.code).toBe(3)
    expect(text.stdout).toMatch(/verify +DAMAGED: 2 batches in 1 partitions read\n {2}orders\/0 offsets 3–4: /)
  })

  it('finds the directory in --dir, then $KAFKETTE_DIR, then ./.kafkette', async () => {
    const a = tempDir()
    const b = tempDir()
    await ok(['--dir', a, 'topics', 'create', 'in-a'])
    await ok(['topics', 'create', 'in-b'], { env: { KAFKETTE_DIR: b } })
    await ok(['topics', 'create', 'in-cwd'], { cwd: a })
    expect((await json<Totals[]>(['topics'], { env: { KAFKETTE_DIR: a } })).map((t) => t.name)).toEqual(['in-a'])
    expect((await json<Totals[]>(['--dir', b, 'topics'], { env: { KAFKETTE_DIR: a } })).map((t) => t.name)).toEqual(['in-b'])
    expect((await json<Totals[]>(['--dir', '.kafkette', 'topics'], { cwd: a })).map((t) => t.name)).toEqual(['in-cwd'])
    expect((await json<{ dir: string }>(['inspect'], { cwd: a })).dir).toBe(`${a}/.kafkette`)
  })
})
