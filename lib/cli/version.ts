// Where the kafkette package this command runs from is, and its version (from package.json).
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The root of the kafkette package: this file is dist/<esm|cjs>/cli/version.js, three levels down. */
export function packageRoot(): string {
  // CommonJS (dist/cjs) has __filename; ES modules have import.meta.url.
  const here = typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url)
  return join(dirname(here), '..', '..', '..')
}

/** The version in kafkette's package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version
}
