// Shared mocha settings: TypeScript through tsx, siblings resolved to source via the custom condition.
module.exports = {
  'node-option': ['import=tsx', 'conditions=@dyrep/source'],
  spec: ['test/**/*.test.ts'],
  timeout: 120000,
  reporter: 'dot',
};
