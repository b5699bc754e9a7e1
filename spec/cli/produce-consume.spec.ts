// `kafkette produce` and `kafkette consume` in child processes: lines from stdin become
// records (keys, headers, partitions), and come back in kcat's formats and as JSON lines.
import { describe, expect, it } from 'vitest'
import { murmur2Partition, openLog } from '../../lib/index.js'
import { cli, finished, json, jsonLines, ok, startCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/stores.js'

interface Meta {
  topic: string
  partition: number
  offset: number
  timestamp: number
}

interface Record_ extends Meta {
  key: unknown
  value: unknown
  headers: Record<string, unknown>
}

async function logWithTopic(partitions: number): Promise<string> {
  const dir = tempDir()
  await ok(['--dir', dir, 'topics', 'create', 'greetings', '--partitions', String(partitions)])
  return dir
}

describe('kafkette produce', () => {
  it('sends one record per line of stdin, keyed by --key-separator, and prints each partition and offset with --json', async () => {
    const dir = await logWithTopic(3)
    const metas = await jsonLines<Meta>(['--dir', dir, 'produce', 'greetings', '--key-separator', ':', '--header', 'src=cli', '--header', 'src=test'], {
      input: 'alice:hello\nbob:hi there\ncarol:a:b\n\nno separator\n',
    })
    expect(metas).toHaveLength(5)
    // Keys pick partitions with Kafka's murmur2, as a real cluster with 3 partitions would.
    expect(metas.slice(0, 3).map((m) => m.partition)).toEqual(['alice', 'bob', 'carol'].map((k) => murmur2Partition(k, 3)))
    const records = await jsonLines<Record_>(['--dir', dir, 'consume', 'greetings', '--from-beginning', '--exit'])
    const byKey = new Map(records.map((r) => [r.key, r]))
    expect(byKey.get('alice')).toMatchObject({ value: 'hello', headers: { src: ['cli', 'test'] } })
    expect(byKey.get('bob')?.value).toBe('hi there')
    expect(byKey.get('carol')?.value).toBe('a:b')
    // A line without the separator has no key; an empty line is a record with an empty value.
    expect(records.filter((r) => r.key === null).map((r) => r.value).sort()).toEqual(['', 'no separator'])
    for (const m of metas) expect(records.some((r) => r.partition === m.partition && r.offset === m.offset)).toBe(true)
  })

  it('sends to --partition, takes a last line without a newline, and says what it did without --json', async () => {
    const dir = await logWithTopic(2)
    const out = await ok(['--dir', dir, 'produce', 'greetings', '--partition', '1'], { input: 'one\ntwo\r\nthree' })
    expect(out).toBe('produced 3 records to greetings (partition 1)\n')
    const d = await json<{ partitions: Array<{ partition: number; highWatermark: number }> }>(['--dir', dir, 'topics', 'describe', 'greetings'])
    expect(d.partitions.map((p) => p.highWatermark)).toEqual([0, 3])
    expect(await ok(['--dir', dir, 'consume', 'greetings', '--partition', '1', '--from-beginning', '--exit'])).toBe('one\ntwo\nthree\n')
  })

  it('streams lines as they arrive on an open stdin, and Ctrl-C keeps what was sent and closes the log', async () => {
    const dir = await logWithTopic(1)
    const child = startCli(['--dir', dir, '--json', 'produce', 'greetings'], { input: null })
    const done = finished(child)
    let out = ''
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    child.stdin!.write('first\nsecond\n')
    await new Promise<void>((resolve) => child.stdout!.on('data', () => out.split('\n').length > 2 && resolve()))
    child.stdin!.write('half a line')
    child.kill('SIGINT')
    const r = await done
    expect(r).toMatchObject({ code: 0, stderr: '' })
    expect(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as Meta).offset)).toEqual([0, 1])
    expect(await ok(['--dir', dir, 'consume', 'greetings', '--from-beginning', '--exit'])).toBe('first\nsecond\n')
  })

  it('refuses an unknown topic or partition before reading stdin, writing nothing', async () => {
    const dir = await logWithTopic(2)
    for (const args of [['produce', 'nope'], ['produce', 'greetings', '--partition', '2']]) {
      const r = await cli(['--dir', dir, ...args], { input: 'x\n' })
      expect(r.code).toBe(1)
      expect(r.stdout).toBe('')
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).toMatch(/^kafkette: UNKNOWN_TOPIC_OR_PARTITION: /)
    }
    const d = await json<{ partitions: Array<{ highWatermark: number }> }>(['--dir', dir, 'topics', 'describe', 'greetings'])
    expect(d.partitions.every((p) => p.highWatermark === 0)).toBe(true)
  })
})

describe('kafkette consume', () => {
  async function filled(): Promise<{ dir: string; before: number }> {
    const dir = await logWithTopic(1)
    await ok(['--dir', dir, 'produce', 'greetings', '--key-separator', '=', '--header', 'h=1'], { input: 'k0=v0\nk1=v1\n' })
    const before = Date.now()
    // The log's clock is the wall clock here: the second batch is stamped at or after `before`.
    await ok(['--dir', dir, 'produce', 'greetings', '--key-separator', '='], { input: 'k2=v2\nk3=v3\n' })
    return { dir, before }
  }

  it("prints each record in kcat's -f format: %t %p %o %k %K %s %S %h %T and escapes", async () => {
    const { dir } = await filled()
    const records = await jsonLines<Record_>(['--dir', dir, 'consume', 'greetings', '--from-beginning', '--exit'])
    const out = await ok(['--dir', dir, 'consume', 'greetings', '--from-beginning', '--exit', '--format', '%t|%p|%o|%k|%K|%s|%S|%h|%T|100%%\\t.\\n'])
    expect(out).toBe(records.map((r) => `greetings|0|${r.offset}|${String(r.key)}|2|${String(r.value)}|2|${r.offset < 2 ? 'h=1' : ''}|${r.timestamp}|100%\t.\n`).join(''))
    // kcat's default: the value and a newline.
    expect(await ok(['--dir', dir, 'consume', 'greetings', '--from-beginning', '--exit'])).toBe('v0\nv1\nv2\nv3\n')
  })

  it('prints one JSON object per line with --json', async () => {
    const { dir } = await filled()
    const records = await jsonLines<Record_>(['--dir', dir, 'consume', 'greetings', '--from-beginning', '--exit'])
    expect(records.map(({ timestamp: _t, ...r }) => r)).toEqual([
      { topic: 'greetings', partition: 0, offset: 0, key: 'k0', value: 'v0', headers: { h: '1' } },
      { topic: 'greetings', partition: 0, offset: 1, key: 'k1', value: 'v1', headers: { h: '1' } },
      { topic: 'greetings', partition: 0, offset: 2, key: 'k2', value: 'v2', headers: {} },
      { topic: 'greetings', partition: 0, offset: 3, key: 'k3', value: 'v3', headers: {} },
    ])
  })

  it('starts at --offset or --time, stops after --max, and starts at the end by default', async () => {
    const { dir, before } = await filled()
    const values = async (args: string[]) => (await jsonLines<Record_>(['--dir', dir, 'consume', 'greetings', '--exit', ...args])).map((r) => r.value)
    expect(await values(['--offset', '1'])).toEqual(['v1', 'v2', 'v3'])
    expect(await values(['--time', new Date(before).toISOString()])).toEqual(['v2', 'v3'])
    expect(await values(['--time', '2000-01-01'])).toEqual(['v0', 'v1', 'v2', 'v3'])
    expect(await values(['--from-beginning', '--max', '2'])).toEqual(['v0', 'v1'])
    expect(await values([])).toEqual([])
  })

  it('shows stored values that are not strings: objects as JSON, bytes as base64 in --json and as UTF-8 in text', async () => {
    const dir = tempDir()
    const log = await openLog({ dir })
    await log.createTopic('mixed')
    await log.producer().send<unknown>('mixed', [
      { key: Buffer.from('bk'), value: { amount: 5200 } },
      { key: 'sk', value: Buffer.from('bytes') },
      { value: null },
    ])
    await log.close()
    const records = await jsonLines<Record_>(['--dir', dir, 'consume', 'mixed', '--from-beginning', '--exit'])
    expect(records.map((r) => [r.key, r.value])).toEqual([
      [{ base64: Buffer.from('bk').toString('base64') }, { amount: 5200 }],
      ['sk', { base64: Buffer.from('bytes').toString('base64') }],
      [null, null],
    ])
    expect(await ok(['--dir', dir, 'consume', 'mixed', '--from-beginning', '--exit', '--format', '%k=%s %S\\n'])).toBe('bk={"amount":5200} 15\nsk=bytes 5\n= -1\n')
  })
})
