// Layers point one way (DESIGN.md): storage ← log ← group ← client ← index ← outer rooms.
// This reads every import of lib/**/*.ts and fails on an upward arrow, on a store or
// msgpackr import outside lib/storage/, on an outer room reaching past the public API,
// and on an import cycle.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const lib = fileURLToPath(new URL('../../lib', import.meta.url))

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  )
}

const RANK: Record<string, number> = { util: 0, 'errors.ts': 0, 'types.ts': 0, storage: 1, log: 2, group: 3, client: 4, 'index.ts': 5, 'internal.ts': 5 }
const OUTER = new Set(['kafkajs', 'testing', 'server', 'cli', 'bridge'])
const STORE_PACKAGES = new Set(['classic-level', 'memory-level', 'level', 'abstract-level', 'msgpackr'])

function room(file: string): string {
  return relative(lib, file).split('/')[0]!
}

function staticImports(file: string): string[] {
  const src = readFileSync(file, 'utf8')
  return [...src.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]!)
}

function dynamicImports(file: string): string[] {
  const src = readFileSync(file, 'utf8')
  return [...src.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!)
}

function imports(file: string): string[] {
  return [...staticImports(file), ...dynamicImports(file)]
}

// The one arrow allowed to point up: Log.listen() loads the wire listener lazily, so the
// listener stays above the public API (it imports only index.ts) while `log.listen()` works
// on any log. Being dynamic, it creates no cycle when the modules load.
const LAZY_UP = new Set(['client/log.ts → server/index.ts'])

// The command line uses the public outer rooms as a user would, through their entry points
// (`kafkette/bridge`, `kafkette/server`): `kafkette bridge` runs the same bridge() an
// application runs. Their insides stay theirs.
const CLI_USES = new Set(['bridge/index.ts', 'server/index.ts'])

const all = files(lib)
const local = (f: string, specs: string[]): string[] => specs.filter((s) => s.startsWith('.')).map((s) => resolve(dirname(f), s.replace(/\.js$/, '.ts')))
const graph = new Map<string, string[]>()
const lazy = new Map<string, string[]>()
for (const f of all) {
  graph.set(f, local(f, staticImports(f)))
  lazy.set(f, local(f, dynamicImports(f)))
}

describe('layers', () => {
  it('every file is in a known room', () => {
    for (const f of all) expect(RANK[room(f)] !== undefined || OUTER.has(room(f)), relative(lib, f)).toBe(true)
  })

  it('no import points upward', () => {
    const bad: string[] = []
    for (const [f, deps] of graph) {
      const from = room(f)
      for (const d of [...deps, ...lazy.get(f)!]) {
        if (lazy.get(f)!.includes(d) && LAZY_UP.has(`${relative(lib, f)} → ${relative(lib, d)}`)) continue
        const to = room(d)
        if (OUTER.has(from)) {
          // The test kit may reach the KafkaJS facade (resetClusters); nothing else crosses rooms.
          const allowed =
            to === from || to === 'index.ts' || to === 'internal.ts' || to === 'types.ts' || to === 'errors.ts' || (from === 'testing' && to === 'kafkajs') || (from === 'cli' && CLI_USES.has(relative(lib, d)))
          if (!allowed) bad.push(`${relative(lib, f)} → ${relative(lib, d)}`)
        } else if (OUTER.has(to) || (RANK[to] ?? 99) > (RANK[from] ?? -1)) {
          bad.push(`${relative(lib, f)} → ${relative(lib, d)}`)
        }
      }
    }
    expect(bad).toEqual([])
  })

  it('lib/cli (the kafkette command) reaches the log through the public API alone (and the bridge and listener through their entry points)', () => {
    const cli = all.filter((f) => room(f) === 'cli')
    expect(cli.length).toBeGreaterThan(0)
    const bad = cli.flatMap((f) => (graph.get(f) ?? []).filter((d) => room(d) !== 'cli' && room(d) !== 'index.ts' && !CLI_USES.has(relative(lib, d))).map((d) => `${relative(lib, f)} → ${relative(lib, d)}`))
    expect(bad).toEqual([])
  })

  it('only lib/storage imports the store packages and msgpackr', () => {
    const bad = all.filter((f) => room(f) !== 'storage' && imports(f).some((s) => STORE_PACKAGES.has(s))).map((f) => relative(lib, f))
    expect(bad).toEqual([])
  })

  it('has no import cycle', () => {
    const state = new Map<string, 1 | 2>()
    const cycles: string[] = []
    const visit = (f: string, path: string[]): void => {
      if (state.get(f) === 2) return
      if (state.get(f) === 1) {
        cycles.push([...path.slice(path.indexOf(f)), f].map((p) => relative(lib, p)).join(' → '))
        return
      }
      state.set(f, 1)
      for (const d of graph.get(f) ?? []) visit(d, [...path, f])
      state.set(f, 2)
    }
    for (const f of graph.keys()) visit(f, [])
    expect(cycles).toEqual([])
  })
})
