#!/usr/bin/env node
// Runs the whole test suite N times in a row (not in CI) and reports every failure with its
// spec file and test name, to find specs that fail at random. Builds once, then runs vitest
// with its JSON reporter each time.
//   node scripts/repeat-tests.mjs [N=10] [vitest filters...]
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const [count = '10', ...filters] = process.argv.slice(2)
const runs = Number(count)
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`usage: node scripts/repeat-tests.mjs [N] [vitest filters...]; N must be a positive integer, got ${count}`)
  process.exit(2)
}

execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' })
const tmp = mkdtempSync(join(tmpdir(), 'kafkette-repeat-'))
const failures = []
let passedRuns = 0
let firstCounts
for (let run = 1; run <= runs; run++) {
  const out = join(tmp, `run-${run}.json`)
  const started = Date.now()
  const result = spawnSync(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=json', `--outputFile=${out}`, ...filters], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  })
  const seconds = ((Date.now() - started) / 1000).toFixed(0)
  let report
  try {
    report = JSON.parse(readFileSync(out, 'utf8'))
  } catch {
    failures.push({ run, spec: '(the run itself)', test: `vitest exited ${result.status} without a report`, message: result.stderr.slice(-2000) })
    console.log(`run ${run}/${runs}: no report (exit ${result.status}, ${seconds} s)`)
    continue
  }
  const failed = []
  for (const file of report.testResults) {
    for (const t of file.assertionResults) {
      if (t.status === 'failed') failed.push({ run, spec: relative(root, file.name), test: t.fullName, message: (t.failureMessages ?? []).join('\n').split('\n')[0] })
    }
    if (file.status === 'failed' && file.assertionResults.every((t) => t.status !== 'failed')) {
      failed.push({ run, spec: relative(root, file.name), test: '(the file failed to load or run)', message: String(file.message ?? '').split('\n')[0] })
    }
  }
  // A run that reports fewer tests than the first did lost some without failing them (a
  // file that stopped collecting, a worker that died): name the files whose counts moved.
  const counts = new Map(report.testResults.map((f) => [relative(root, f.name), f.assertionResults.length]))
  if (firstCounts === undefined) firstCounts = counts
  for (const [spec, n] of firstCounts) {
    const now = counts.get(spec) ?? 0
    if (now !== n) failed.push({ run, spec, test: `(ran ${now} tests, the first run ran ${n})`, message: '' })
  }
  failures.push(...failed)
  if (failed.length === 0 && result.status === 0) passedRuns++
  const other = report.numTotalTests - report.numPassedTests - report.numFailedTests
  console.log(`run ${run}/${runs}: ${report.numPassedTests} passed, ${report.numFailedTests} failed${other > 0 ? `, ${other} neither` : ''} of ${report.numTotalTests} (${seconds} s)`)
  for (const f of failed) console.log(`  FAIL ${f.spec} > ${f.test}\n       ${f.message}`)
}
rmSync(tmp, { recursive: true, force: true })

console.log(`\n${passedRuns} of ${runs} runs passed`)
const bySpec = new Map()
for (const f of failures) {
  const key = `${f.spec} > ${f.test}`
  bySpec.set(key, (bySpec.get(key) ?? 0) + 1)
}
for (const [name, n] of [...bySpec].sort((a, b) => b[1] - a[1])) console.log(`  ${n}× ${name}`)
process.exit(failures.length === 0 ? 0 : 1)
