// docs/kafkajs.md quotes its examples verbatim: each block marked with a file name equals
// that file, which the suite runs (spec/kafkajs/*-dropin.spec.ts).
import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'

const root = new URL('../../', import.meta.url)
const doc = readFileSync(new URL('docs/kafkajs.md', root), 'utf8')

it('quotes every example file exactly', () => {
  const blocks = [...doc.matchAll(/<!-- example:(\S+) -->\n```\w*\n([\s\S]*?)```/g)]
  expect(blocks.length).toBe(5)
  for (const [, file, body] of blocks) expect(body!.trim()).toBe(readFileSync(new URL(file!, root), 'utf8').trim())
})
