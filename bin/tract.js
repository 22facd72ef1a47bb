#!/usr/bin/env node
// The `tract` command: runs the TypeScript CLI through tsx (no build step).
require('tsx/cjs');
require('../src/cli/main.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
