// @ts-check
const { resolve } = require('node:path');

const rootDir = resolve(__dirname, '..');

/**
 * NestJS 12 ships as ES modules while this project compiles to CommonJS, so the suites
 * `require()` ES modules. Node does that itself since 22.12, and Jest's module system from
 * Node 24.9 (the npm scripts pass --experimental-vm-modules, which it needs for it). Under
 * an older Node, Jest compiles the ES-module packages the suites load to CommonJS instead,
 * their dynamic `import()`s included: those would load the compiled files as ES modules.
 */
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const jestRequiresEsm = major > 24 || (major === 24 && minor >= 9);
const ESM_PACKAGES = [
  '@nestjs',
  'cache-manager',
  '@cacheable',
  'keyv',
  '@keyv',
  'hookified',
  'hashery',
  'qified',
  'kubernetes-models',
  '@kubernetes-models',
  'zod',
  'file-type',
  'strtok3',
  'token-types',
  'uint8array-extras',
  '@tokenizer',
  '@borewit',
];

const typescript = ['ts-jest', { tsconfig: resolve(rootDir, 'tsconfig.json') }];
const esmToCommonJs = [
  'babel-jest',
  {
    babelrc: false,
    configFile: false,
    sourceType: 'unambiguous',
    plugins: [
      resolve(__dirname, 'jest/babel-local-require.js'),
      'babel-plugin-transform-import-meta',
      '@babel/plugin-transform-dynamic-import',
      '@babel/plugin-transform-modules-commonjs',
    ],
  },
];

/** Settings every suite shares: TypeScript through ts-jest, the `@/`, `@test/` and `@tools/` aliases and the client package. */
const shared = {
  rootDir,
  moduleFileExtensions: ['js', 'mjs', 'cjs', 'json', 'ts'],
  transform: jestRequiresEsm ? { '^.+\\.ts$': typescript } : { '^.+\\.ts$': typescript, '^.+\\.m?js$': esmToCommonJs },
  ...(jestRequiresEsm ? {} : { transformIgnorePatterns: [`/node_modules/(?!(${ESM_PACKAGES.join('|')})/)`] }),
  moduleNameMapper: {
    '^@/(.*)$': '<rootDir>/src/$1',
    '^@test/(.*)$': '<rootDir>/test/$1',
    '^@tools/(.*)$': '<rootDir>/tools/$1',
    // The suites use the client package from its sources: nothing to build first.
    '^@nest-enterprise-backend/client$': '<rootDir>/packages/client/src/index.ts',
  },
  resolver: resolve(__dirname, 'jest', 'client-source-resolver.js'),
  testEnvironment: 'node',
};

module.exports = { rootDir, shared };
