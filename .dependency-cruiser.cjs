// The house's arrows (../shared/docs/ARCHITECTURE.md, "Where things live"), checked by
// `npm run lint`: no import cycle anywhere, and each layer imports only the layers below it.
// There are no exceptions: any violation fails the lint.

/** Each folder of src/ and what it may import besides itself. */
const BELOW = {
  store: ['errors'],
  capture: ['protocols', 'errors'],
  flow: ['protocols', 'errors'],
  learn: ['protocols', 'flow', 'store', 'errors'],
  detect: ['protocols', 'flow', 'learn', 'store', 'errors'],
  policy: ['protocols', 'flow', 'store', 'errors'],
  enforce: ['policy', 'flow', 'protocols', 'store', 'errors'],
  config: ['policy', 'store', 'errors'],
  // Advisory import, identity matching and risk: on the inventory (learn), the policy and the store.
  risk: ['learn', 'policy', 'protocols', 'flow', 'store', 'errors'],
  gateway: ['risk', 'enforce', 'policy', 'detect', 'flow', 'protocols', 'store', 'config', 'learn', 'capture', 'errors'],
  app: ['risk', 'gateway', 'enforce', 'policy', 'detect', 'flow', 'protocols', 'store', 'config', 'learn', 'capture', 'errors'],
  // The central site and the gateway's side of it, on NATS: over the use-cases and the gateway.
  fleet: ['app', 'risk', 'gateway', 'enforce', 'policy', 'detect', 'flow', 'protocols', 'store', 'config', 'learn', 'capture', 'errors'],
  // The console and the command line use the use-cases; types of the model below are shared.
  console: ['app', 'errors'],
  // The command line is the composition root: it opens the store and hands it to the use-cases,
  // names the bypass relay and checks nft; it formats with the model's own describers.
  cli: ['app', 'fleet', 'gateway', 'console', 'config', 'errors', 'protocols', 'learn', 'policy', 'detect', 'store', 'enforce', 'risk'],
};
const layer = (name) => (name === 'protocols' ? '^protocols/' : name === 'errors' ? '^src/errors\\.ts$' : `^src/${name}/`);

const arrows = Object.entries(BELOW).map(([from, allowed]) => {
  const own = [from, ...allowed];
  return {
    name: `arrows-${from}`,
    comment: `src/${from}/ may import only ${allowed.join(', ')}`,
    severity: 'error',
    from: { path: `^src/${from}/`, pathNot: '\\.test\\.ts$' },
    to: {
      path: '^(src|protocols|testbench)/',
      pathNot: own.map(layer),
      // Types of the model may be named from above without importing its code.
      ...(from === 'console' || from === 'cli' ? { dependencyTypesNot: ['type-only'] } : {}),
    },
  };
});

module.exports = {
  forbidden: [
    { name: 'no-cycles', comment: 'an import cycle: the two ends cannot be understood (or tested) apart', severity: 'error', from: {}, to: { circular: true } },
    { name: 'protocols-pure', comment: 'protocols/ is pure: nothing from outside it', severity: 'error', from: { path: '^protocols/' }, to: { path: '^(src|testbench)/' } },
    { name: 'unit-tests-stand-alone', comment: 'unit tests never import testbench/: helpers both need go to src/test-support/', severity: 'error', from: { path: '^(src|protocols)/.*\\.test\\.ts$' }, to: { path: '^testbench/' } },
    { name: 'nothing-imports-the-command', comment: 'the command line is the top: nothing imports it', severity: 'error', from: { pathNot: ['^src/cli', '\\.test\\.ts$'] }, to: { path: '^src/cli(\\.ts$|/)' } },
    ...arrows,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|image/out)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
