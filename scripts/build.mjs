// Builds dist/esm (tsc: JavaScript + type declarations) and dist/cjs (esbuild: the
// same modules as CommonJS, for require() and Jest).
import { execFileSync } from 'node:child_process'
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildSync } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))
const dist = join(root, 'dist')
rmSync(dist, { recursive: true, force: true })

execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' })

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  )
}

buildSync({
  entryPoints: sources(join(root, 'lib')),
  outdir: join(dist, 'cjs'),
  outbase: join(root, 'lib'),
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // compaction.ts reads import.meta.url only where __filename is missing (ES modules)
  logOverride: { 'empty-import-meta': 'silent' },
})
mkdirSync(join(dist, 'cjs'), { recursive: true })
writeFileSync(join(dist, 'cjs', 'package.json'), JSON.stringify({ type: 'commonjs' }) + '\n')
// The "bin" targets run as programs (`npx kafkette` in this checkout): tsc writes them without the execute bit.
for (const target of Object.values(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin ?? {})) chmodSync(join(root, target), 0o755)
// CommonJS users get declarations of their own: the same files, in the tree whose
// package.json says commonjs, so TypeScript reads them as CommonJS (not ESM in disguise).
for (const file of declarations(join(dist, 'esm'))) {
  const target = join(dist, 'cjs', relative(join(dist, 'esm'), file))
  mkdirSync(dirname(target), { recursive: true })
  copyFileSync(file, target)
}

function declarations(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? declarations(join(dir, e.name)) : e.name.endsWith('.d.ts') ? [join(dir, e.name)] : []))
}
console.log(`built ${relative(root, dist)}/esm and ${relative(root, dist)}/cjs`)
