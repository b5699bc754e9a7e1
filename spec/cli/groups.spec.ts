// `kafkette consume --group` and `kafkette groups` in child processes: a group resumes where
// the last run stopped, its lag falls to zero, Ctrl-C commits what was printed, and resets
// move it to earliest, latest, an offset or a time.
import { describe, expect, it } from 'vitest'
import { cli, finished, json, jsonLines, ok, startCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/stores.js'

interface Summary {
  groupId: string
  state: string
  members: number
  topics: string[]
  lag: number
}

interface Description {
  groupId: string
  state: string
  members: number
  lag: number
  offsets: Array<{ topic: string; partition: number; offset: number; highWatermark: number; lag: number }>
}

/** A log with topic `events` of 2 partitions holding `n` records, spread by key. */
async function filled(n: number): Promise<string> {
  const dir = tempDir()
  await ok(['--dir', dir, 'topics', 'create', 'events', '--partitions', '2'])
  const lines = Array.from({ length: n }, (_, i) => `k${i}:v${i}`).join('\n') + '\n'
  await ok(['--dir', dir, 'produce', 'events', '--key-separator', ':'], { input: lines })
  return dir
}

const values = (records: Array<{ value: unknown }>) => records.map((r) => r.value as string)

describe('kafkette consume --group', () => {
  it('commits as it goes: a second run resumes, and the lag falls to zero', async () => {
    const dir = await filled(10)
    const consume = (args: string[]) => jsonLines<{ value: string }>(['--dir', dir, 'consume', 'events', '--group', 'g', ...args])
    const first = values(await consume(['--from-beginning', '--max', '4']))
    expect(first).toHaveLength(4)
    const [summary] = await json<Summary[]>(['--dir', dir, 'groups'])
    expect(summary).toEqual({ groupId: 'g', state: 'Empty', members: 0, topics: ['events'], lag: 6 })
    const second = values(await consume(['--from-beginning', '--exit']))
    expect([...first, ...second].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `v${i}`).sort())
    const d = await json<Description>(['--dir', dir, 'groups', 'describe', 'g'])
    expect(d.lag).toBe(0)
    expect(d.offsets.map((o) => [o.partition, o.offset, o.lag])).toEqual(d.offsets.map((o) => [o.partition, o.highWatermark, 0]))
    expect(values(await consume(['--exit']))).toEqual([])
  })

  it('Ctrl-C (SIGINT) stops, commits what was printed and leaves the group', async () => {
    const dir = await filled(6)
    const child = startCli(['--dir', dir, '--json', 'consume', 'events', '--group', 'live', '--from-beginning'])
    const done = finished(child)
    let printed = ''
    await new Promise<void>((resolve) => {
      child.stdout!.on('data', (d: Buffer) => {
        printed += d.toString()
        if (printed.split('\n').length > 6) resolve()
      })
    })
    child.kill('SIGINT')
    const r = await done
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
    const seen = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { partition: number; offset: number })
    expect(seen).toHaveLength(6)
    const d = await json<Description>(['--dir', dir, 'groups', 'describe', 'live'])
    expect(d.state).toBe('Empty')
    expect(d.members).toBe(0)
    for (const o of d.offsets) expect(o.offset).toBe(Math.max(...seen.filter((s) => s.partition === o.partition).map((s) => s.offset)) + 1)
    expect(d.lag).toBe(0)
  })

  it('refuses --partition, --offset and --time with --group (the group decides), with exit status 2', async () => {
    const dir = await filled(1)
    for (const flag of [['--partition', '0'], ['--offset', '0'], ['--time', '2026-01-01']]) {
      const r = await cli(['--dir', dir, 'consume', 'events', '--group', 'g', ...flag])
      expect(r.code).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr).toMatch(new RegExp(`^kafkette: USAGE: ${flag[0]} cannot be used with --group.*\\n$`))
    }
    expect(await json<Summary[]>(['--dir', dir, 'groups'])).toEqual([])
  })
})

describe('kafkette groups', () => {
  it('reset moves a group to earliest, latest, an offset and a time; delete removes it', async () => {
    const dir = await filled(8)
    await ok(['--dir', dir, 'consume', 'events', '--group', 'g', '--from-beginning', '--exit'])
    const hw = (await json<Description>(['--dir', dir, 'groups', 'describe', 'g'])).offsets.map((o) => o.highWatermark)
    const reset = (to: string) => json<Array<{ topic: string; partition: number; offset: number }>>(['--dir', dir, 'groups', 'reset', 'g', '--topic', 'events', '--to', to])
    const lag = async () => (await json<Description>(['--dir', dir, 'groups', 'describe', 'g'])).lag

    expect((await reset('earliest')).map((o) => o.offset)).toEqual([0, 0])
    expect(await lag()).toBe(8)
    expect((await reset('latest')).map((o) => o.offset)).toEqual(hw)
    expect(await lag()).toBe(0)
    // An offset past a partition's end is clamped to its high watermark, as Kafka's tool does.
    expect((await reset('2')).map((o) => o.offset)).toEqual(hw.map((h) => Math.min(2, h)))
    expect((await reset('2000-01-01T00:00:00Z')).map((o) => o.offset)).toEqual([0, 0])
    expect((await reset('2999-01-01T00:00:00Z')).map((o) => o.offset)).toEqual(hw)

    await reset('earliest')
    const again = values(await jsonLines<{ value: string }>(['--dir', dir, 'consume', 'events', '--group', 'g', '--exit']))
    expect(again).toHaveLength(8)

    expect(await ok(['--dir', dir, 'groups', 'delete', 'g'])).toBe('deleted group g\n')
    const r = await cli(['--dir', dir, 'groups', 'describe', 'g'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^kafkette: GROUP_ID_NOT_FOUND: .*; list the groups with `kafkette groups`\n$/)
  })

  it('prints tables for people: groups, groups describe, groups reset', async () => {
    const dir = await filled(4)
    await ok(['--dir', dir, 'consume', 'events', '--group', 'payroll', '--from-beginning', '--max', '1'])
    expect(await ok(['--dir', dir, 'groups'])).toBe(['GROUP    STATE  MEMBERS  TOPICS  LAG', 'payroll  Empty        0  events    3', ''].join('\n'))
    const described = await ok(['--dir', dir, 'groups', 'describe', 'payroll'])
    expect(described.split('\n').slice(0, 3)).toEqual(['group payroll: Empty, 0 members, lag 3', '', 'TOPIC   PARTITION  COMMITTED  HIGH WATERMARK  LAG'])
    expect(await ok(['--dir', dir, 'groups', 'reset', 'payroll', '--topic', 'events', '--to', 'earliest'])).toBe(
      ['reset group payroll on events to earliest', '', 'TOPIC   PARTITION  COMMITTED', 'events          0          0', 'events          1          0', ''].join('\n'),
    )
  })

  it('refuses a bad --to, a missing --topic and an unknown topic, changing nothing', async () => {
    const dir = await filled(2)
    await ok(['--dir', dir, 'consume', 'events', '--group', 'g', '--from-beginning', '--exit'])
    const before = await json<Description>(['--dir', dir, 'groups', 'describe', 'g'])
    const cases: Array<[string[], number, RegExp]> = [
      [['--topic', 'events', '--to', 'yesterday'], 2, /^kafkette: USAGE: --to takes earliest, latest, an offset or an ISO 8601 time/],
      [['--to', 'earliest'], 2, /^kafkette: USAGE: required option '--topic <topic>' not specified; see `kafkette groups reset --help`/],
      [['--topic', 'nope', '--to', 'earliest'], 1, /^kafkette: UNKNOWN_TOPIC_OR_PARTITION: /],
    ]
    for (const [args, code, message] of cases) {
      const r = await cli(['--dir', dir, 'groups', 'reset', 'g', ...args])
      expect(r.code).toBe(code)
      expect(r.stdout).toBe('')
      expect(r.stderr).toMatch(message)
      expect(r.stderr.split('\n')).toHaveLength(2)
    }
    expect(await json<Description>(['--dir', dir, 'groups', 'describe', 'g'])).toEqual(before)
  })
})
