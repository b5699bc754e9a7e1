// The built package in dist/, for the specs that run it (child processes, the compaction
// worker thread, the CommonJS build): they fail clearly when dist/ is missing or older than
// a source in lib/, rather than testing yesterday's build.
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository's root directory. */
export const root = fileURLToPath(new URL('../..', import.meta.url))

function newestSource(dir: string): { path: string; mtimeMs: number } {
  let newest = { path: dir, mtimeMs: 0 }
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name)
    const found = e.isDirectory() ? newestSource(path) : e.name.endsWith('.ts') ? { path, mtimeMs: statSync(path).mtimeMs } : newest
    if (found.mtimeMs > newest.mtimeMs) newest = found
  }
  return newest
}

/** Throws unless dist/ holds both builds, each newer than every source in lib/. */
export function assertBuilt(): void {
  const source = newestSource(join(root, 'lib'))
  for (const entry of ['dist/esm/index.js', 'dist/cjs/index.js']) {
    let built: number
    try {
      built = statSync(join(root, entry)).mtimeMs
    } catch {
      throw new Error(`${entry} is missing: run \`npm run build\` (npm test does it first)`)
    }
    if (built < source.mtimeMs) {
      throw new Error(`${entry} is older than ${source.path.slice(root.length)}: run \`npm run build\` (npm test does it first)`)
    }
  }
}

/** The path of a built module (e.g. 'esm/index.js'), once assertBuilt() passed. */
export function builtPath(path: string): string {
  assertBuilt()
  return join(root, 'dist', path)
}
