// Regenerates bench/RESULTS.md from bench/results/*.jsonl (never edit RESULTS.md by hand).
// `npm run bench` calls the same code at its end; run this alone after editing the table code.
import { writeFileSync } from 'node:fs'
import { loadRows } from './lib/results.mjs'
import { renderResults } from './lib/table.mjs'

const rows = loadRows()
writeFileSync(new URL('./RESULTS.md', import.meta.url), renderResults(rows))
console.log(`bench/RESULTS.md: ${rows.length} figures`)
