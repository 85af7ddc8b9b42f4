// Loaded with `node --require` before madge: madge parses TypeScript with the TypeScript 5 compiler
// API, which the project's own compiler (TypeScript 7) no longer has; tools/typedoc installs it.
const Module = require('node:module');
const path = require('node:path');

const typescript5 = path.resolve(__dirname, '../../tools/typedoc/node_modules/typescript/lib/typescript.js');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'typescript') return typescript5;
  return resolve.call(this, request, ...rest);
};
