import { defineConfig } from 'vitest/config'

// Specs that run the built package (dist/) rather than the sources: child processes, the
// compaction worker thread, the CommonJS build, the packed tarball, the docs' examples.
// `npm run test:fast` (KAFKETTE_SPECS=sources) leaves them out and builds nothing; they fail
// clearly when dist/ is older than lib/ (spec/helpers/dist.ts).
const BUILT = [
  'spec/cli/**',
  'spec/crash/**',
  'spec/bridge/kill.spec.ts',
  'spec/bridge/wire.spec.ts',
  'spec/docs/**',
  'spec/conformance/compaction-thread.spec.ts',
  'spec/conformance/storage.spec.ts',
  'spec/unit/util/priority.spec.ts',
  'spec/unit/package.spec.ts',
  'spec/kafkajs/jest-dropin.spec.ts',
  'spec/kafkajs/vitest-dropin.spec.ts',
  'spec/issues/consumer-service-stays-up.spec.ts',
  'spec/unit/util/keep-alive.spec.ts',
]

export default defineConfig({
  test: {
    include: ['spec/**/*.spec.ts'],
    exclude: ['**/node_modules/**', 'examples/**', ...(process.env.KAFKETTE_SPECS === 'sources' ? BUILT : [])],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
})
