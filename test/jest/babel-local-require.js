// @ts-check
/**
 * Babel plugin for compiling ES-module packages to CommonJS under Jest: a module that
 * declares its own top-level `require` (`const require = createRequire(import.meta.url)`,
 * as @nestjs/typeorm does) would shadow the `require` its compiled imports call, so the
 * binding is renamed before the module transform runs.
 * @returns {import('@babel/core').PluginObj}
 */
module.exports = function renameLocalRequire() {
  return {
    name: 'rename-local-require',
    visitor: {
      Program(path) {
        if (path.scope.hasOwnBinding('require')) path.scope.rename('require', '_localRequire');
      },
    },
  };
};
