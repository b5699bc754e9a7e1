// The Jest drop-in of docs/kafkajs.md: Jest loads packages through CommonJS, so this runs
// Jest itself on examples/jest, whose test mocks kafkajs with kafkette/kafkajs.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

it('runs the Jest example with kafkajs mocked by kafkette/kafkajs', () => {
  const out = execFileSync(process.execPath, [`${root}/node_modules/jest/bin/jest.js`, '--config', `${root}/examples/jest/jest.config.cjs`, '--ci', '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  const report = JSON.parse(out) as { numPassedTests: number; numFailedTests: number; success: boolean }
  expect(report).toMatchObject({ success: true, numFailedTests: 0, numPassedTests: 1 })
}, 120_000)
