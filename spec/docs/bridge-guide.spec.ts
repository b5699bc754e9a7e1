// The README's bridge example is examples/bridge.mjs, quoted exactly, and it runs: against
// librdkafka's mock cluster, the records it writes reach the cluster.
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { runFixture } from '../helpers/child.js'
import { kafkaFor, readCluster, startMockCluster, type MockCluster } from '../helpers/cluster.js'
import { tempDir } from '../helpers/stores.js'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
const between = (start: string, end: string) => readme.slice(readme.indexOf(start) + start.length, readme.indexOf(end))

let cluster: MockCluster | undefined
afterEach(async () => {
  await cluster?.stop()
})

describe('README: from one machine to a cluster', () => {
  it('quotes examples/bridge.mjs', () => {
    const code = between('<!-- bridge:start -->', '<!-- bridge:end -->').replace(/^\s*```js\n/, '').replace(/```\s*$/, '')
    const example = readFileSync(new URL('../../examples/bridge.mjs', import.meta.url), 'utf8')
    expect(code.trim()).toBe(example.slice(example.indexOf("import { openLog } from 'kafkette'")).trim())
  })

  it('runs the example: the orders reach the cluster, and a second run forwards only its own', async () => {
    cluster = await startMockCluster({ topics: [{ name: 'orders', partitions: 3 }] })
    const dir = tempDir()
    const out = await runFixture('../../examples/bridge.mjs', [dir, cluster.bootstrap])
    expect(out).toMatch(/orders\/\d: forwarded up to offset 1/)
    await runFixture('../../examples/bridge.mjs', [dir, cluster.bootstrap])
    const values = (await readCluster(kafkaFor(cluster), 'orders')).map((r) => JSON.parse(r.message.value!.toString()) as { item: string })
    expect(values.map((v) => v.item).sort()).toEqual(['cups', 'cups', 'tea', 'tea'])
  })
})
