// The esbuild settings the package's bundles share (the envelope Lambda, the command-line tool):
// Node 20 syntax, CommonJS, minified, no source maps or legal comments, a metafile for the size
// figures, and ESM builds of dependencies preferred because they tree-shake better.
export const NODE_BUNDLE = Object.freeze({
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  mainFields: ['module', 'main'],
});
