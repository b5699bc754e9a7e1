// Runs every benchmark of bench/ in turn, each in its own process, passing the same flags
// (--quick for a short run). Each prints its table and writes bench/results/*.jsonl;
// report.mjs then regenerates bench/RESULTS.md from them.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const args = process.argv.slice(2)
for (const script of ['core.mjs', 'groups.mjs', 'open.mjs', 'kafkajs-tests.mjs', 'retention.mjs', 'report.mjs']) {
  process.stderr.write(`bench/${script}\n`)
  execFileSync(process.execPath, [fileURLToPath(new URL(script, import.meta.url)), ...args], { stdio: 'inherit' })
}
