#!/usr/bin/env node
// The `kafkette` executable (package.json "bin"): runs the command line on this process's
// streams and exits with its status once stdout has drained.
import { main } from './main.js'

main(process.argv.slice(2), { out: process.stdout, err: process.stderr, input: () => process.stdin, env: process.env, signals: process }).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`kafkette: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 1
  },
)
