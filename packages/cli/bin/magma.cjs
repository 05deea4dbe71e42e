#!/usr/bin/env node
// The `magma` command: the package's entry does the work; this file only starts it.
require("../dist/index.cjs")
  .runMagma(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
