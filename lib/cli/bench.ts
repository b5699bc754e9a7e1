// `kafkette bench`: runs the benchmark suite (bench/run.mjs) of the kafkette checkout this
// command belongs to. The npm package ships no bench/, so in a dependent project it says where to get it.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { CliError, usage } from './errors.js'
import { packageRoot } from './version.js'

/** The suites `bench --quick` runs when --only does not say. */
export const QUICK_SUITES = 'produce,consume'

/** `bench [--quick] [--only SUITES]`: the exit status of `root`/bench/run.mjs, its table on stdout and progress on stderr. */
export async function bench(options: { quick?: boolean; only?: string; json?: boolean }, root = packageRoot()): Promise<number> {
  if (options.json) throw usage('bench has no --json: every figure is a JSON line in bench/results/<suite>.jsonl')
  if (options.only !== undefined && !/^[a-z]+(,[a-z]+)*$/.test(options.only)) throw usage(`--only takes suite names separated by commas, got ${JSON.stringify(options.only)}`)
  const script = join(root, 'bench', 'run.mjs')
  if (!existsSync(script)) {
    throw new CliError(
      'BENCH_NOT_FOUND',
      `there is no benchmark suite at ${script}: the npm package ships without bench/`,
      'run `npm ci && npx kafkette bench` in a clone of kafkette\'s repository',
    )
  }
  // --quick is a first look: the produce and consume suites, smaller and fewer runs (about a minute), unless --only says which.
  const only = options.only ?? (options.quick ? QUICK_SUITES : undefined)
  const args = [script, ...(options.quick ? ['--quick'] : []), ...(only !== undefined ? [`--only=${only}`] : [])]
  return new Promise<number>((resolve, reject) => {
    // run.mjs draws its own progress on stderr and prints the table on stdout.
    const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' })
    child.on('error', reject)
    child.on('exit', (code, signal) => resolve(signal ? 1 : (code ?? 1)))
  })
}
