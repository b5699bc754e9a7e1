// A real full disk (Linux, root): mounts a 4 MB tmpfs, fills it with a log and a filler
// file until sends fail, frees the filler, and checks the next send succeeds on the same
// log (the store reopens LevelDB itself), with every acknowledged record readable after.
// Usage: npm run build && sudo node scripts/full-disk.mjs
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openLog } from '../dist/esm/index.js'

const mnt = mkdtempSync(join(tmpdir(), 'kafkette-full-disk-'))
execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt])
let failed = true
let log
try {
  writeFileSync(join(mnt, 'filler'), Buffer.alloc(3 * 1024 * 1024))
  log = await openLog({ dir: join(mnt, 'log'), retentionCheckIntervalMs: 0 })
  await log.createTopic('t')
  const p = log.producer()
  const acked = []
  let error
  for (let i = 0; i < 10_000 && !error; i++) {
    await p.send('t', [{ value: `${i} ${'x'.repeat(8000)}` }]).then(([m]) => acked.push(m.offset), (e) => (error = e))
  }
  console.log(`full after ${acked.length} sends: ${error?.code} retriable=${error?.retriable}: ${error?.message}`)
  const again = await p.send('t', [{ value: 'still full' }]).then(() => 'accepted', (e) => `${e.code}: ${e.message}`)
  console.log(`while full: ${again}`)
  rmSync(join(mnt, 'filler'))
  const [meta] = await p.send('t', [{ value: 'after' }])
  console.log(`after freeing 3 MB: send acknowledged at offset ${meta.offset}`)
  const c = log.consumer({ fromBeginning: true })
  c.assign([{ topic: 't', partition: 0 }])
  let read = 0
  for (;;) {
    const batch = await c.poll({ timeoutMs: 0, maxRecords: 10_000 })
    if (batch.length === 0) break
    read += batch.length
  }
  const report = await log.verify()
  console.log(`read ${read} records (acknowledged ${acked.length + 1}); verify ok=${report.ok}`)
  failed = read !== acked.length + 1 || !report.ok || meta.offset !== acked.length
} finally {
  await log?.close().catch(() => undefined)
  execFileSync('umount', [mnt])
  rmSync(mnt, { recursive: true, force: true })
}
console.log(failed ? 'FAILED' : 'ok')
process.exitCode = failed ? 1 : 0
