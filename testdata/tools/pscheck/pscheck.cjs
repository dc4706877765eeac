#!/usr/bin/env node
// pscheck: parse PowerShell files with tree-sitter-powershell (the grammar's
// WebAssembly build, loaded by web-tree-sitter: no native compilation) and
// print one JSON document on stdout:
//
//   {"grammar":"tree-sitter-powershell@0.26.4","files":[{"path":"…","problems":[
//     {"kind":"ERROR"|"MISSING","type":"…","line":1,"column":1,"endLine":1,"endColumn":5,"text":"…"}]}]}
//
// Lines and columns are 1-based; columns count UTF-16 code units as
// web-tree-sitter reports them. Exit 0 when the files were parsed (with or
// without problems), 2 on usage or read errors.
'use strict';
// V8's optimising wasm compiler spends tens of seconds on the grammar's large
// lexer function; the baseline compiler alone parses in about a second. The
// flag must be set before any WebAssembly is compiled (the Go runner also
// passes --liftoff-only on the command line).
require('v8').setFlagsFromString('--liftoff-only');
const fs = require('fs');
const path = require('path');
const { Parser, Language } = require('web-tree-sitter');

async function main(argv) {
  if (argv.length === 0) {
    process.stderr.write('usage: pscheck FILE...\n');
    return 2;
  }
  await Parser.init();
  const wasm = require.resolve('tree-sitter-powershell/tree-sitter-powershell.wasm');
  const lang = await Language.load(wasm);
  const parser = new Parser();
  parser.setLanguage(lang);
  const grammarVersion = require('tree-sitter-powershell/package.json').version;
  const files = [];
  for (const f of argv) {
    let src;
    try {
      src = fs.readFileSync(f, 'utf8');
    } catch (e) {
      process.stderr.write(`pscheck: ${e.message}\n`);
      return 2;
    }
    // A UTF-8 byte order mark is not PowerShell syntax; PowerShell skips it.
    if (src.charCodeAt(0) === 0xfeff) src = src.slice(1);
    const tree = parser.parse(src);
    const problems = [];
    const walk = (n) => {
      if (n.isError || n.isMissing) {
        problems.push({
          kind: n.isMissing ? 'MISSING' : 'ERROR',
          type: n.type,
          line: n.startPosition.row + 1,
          column: n.startPosition.column + 1,
          endLine: n.endPosition.row + 1,
          endColumn: n.endPosition.column + 1,
          text: n.text.length > 120 ? n.text.slice(0, 120) + '…' : n.text,
        });
        if (n.isMissing) return;
      }
      if (!n.hasError) return;
      for (const c of n.children) walk(c);
    };
    walk(tree.rootNode);
    files.push({ path: f, problems });
    tree.delete();
  }
  process.stdout.write(JSON.stringify({ grammar: `tree-sitter-powershell@${grammarVersion}`, files }) + '\n');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`pscheck: ${err && err.stack || err}\n`); process.exitCode = 2; },
);
