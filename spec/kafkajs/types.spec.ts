// Type compatibility with KafkaJS 2.2.4's own declarations: spec/kafkajs/types/assignable.ts
// assigns the facade's producer, consumer, admin and Kafka to KafkaJS's types and uses
// them as KafkaJS-typed code does; it must compile without errors.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

it('the facade is assignable where KafkaJS types are expected', () => {
  let out = ''
  try {
    execFileSync(process.execPath, [`${root}/node_modules/typescript/bin/tsc`, '-p', `${root}/spec/kafkajs/types/tsconfig.json`], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err) {
    out = String((err as { stdout?: string }).stdout ?? err)
  }
  expect(out).toBe('')
}, 120_000)
