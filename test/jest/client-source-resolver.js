// @ts-check
const { existsSync } = require('node:fs');
const { resolve, sep } = require('node:path');

const CLIENT_SOURCES = resolve(__dirname, '..', '..', 'packages', 'client', 'src') + sep;

/**
 * The suites load the client package from its TypeScript sources (see jest.shared.js), whose
 * relative imports name the `.js` files the build writes (`./generated/sdk.gen.js`), as Node's
 * ES-module resolution wants. Inside those sources such an import resolves to the `.ts` file
 * beside it; every other import resolves as usual.
 * @type {(request: string, options: { basedir: string, defaultResolver: (request: string, options: object) => string }) => string}
 */
module.exports = (request, options) => {
  if ((options.basedir + sep).startsWith(CLIENT_SOURCES) && /^\.{1,2}\/.*\.js$/.test(request)) {
    const source = resolve(options.basedir, request.replace(/\.js$/, '.ts'));
    if (existsSync(source)) return source;
  }
  return options.defaultResolver(request, options);
};
