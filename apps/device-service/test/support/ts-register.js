/**
 * Lets a child process run TypeScript sources directly (`node -r ./ts-register.js src/worker.ts`)
 * in tests that must kill and restart a real process (DEPROV-2). Transpile only, as ts-jest
 * does with isolatedModules; `@td/*` aliases resolve to libs/*\/src.
 */
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const ts = require('typescript');

const root = path.resolve(__dirname, '../../../..');
const aliases = { '@td/contracts': 'libs/contracts/src', '@td/common': 'libs/common/src', '@td/testing': 'libs/testing/src' };

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolveAliased(request, ...rest) {
  for (const [alias, target] of Object.entries(aliases)) {
    if (request === alias || request.startsWith(`${alias}/`)) {
      return resolveFilename.call(this, path.join(root, target, request.slice(alias.length)), ...rest);
    }
  }
  return resolveFilename.call(this, request, ...rest);
};

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  esModuleInterop: true,
  inlineSourceMap: true,
};

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), { fileName: filename, compilerOptions });
  module._compile(outputText, filename);
};
