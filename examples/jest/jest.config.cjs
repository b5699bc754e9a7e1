module.exports = { testEnvironment: 'node', rootDir: __dirname, testMatch: ['**/*.test.cjs'], moduleFileExtensions: ['js', 'cjs', 'json'] }
