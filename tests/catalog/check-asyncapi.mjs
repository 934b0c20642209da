// Parses an AsyncAPI document (a file path or an http URL) with the official parser.
// Prints every diagnostic; exits 1 when any has error severity.
import { readFile } from 'node:fs/promises';
import { Parser } from '@asyncapi/parser';

const target = process.argv[2];
if (!target) {
  console.error('usage: node check-asyncapi.mjs <asyncapi.yaml | http://.../asyncapi.yaml>');
  process.exit(2);
}
const text = /^https?:\/\//.test(target)
  ? await (await fetch(target)).text()
  : await readFile(target, 'utf8');

const SEVERITY = ['error', 'warning', 'info', 'hint'];
const parser = new Parser();
const { document, diagnostics } = await parser.parse(text);
let errors = 0;
let warnings = 0;
for (const d of diagnostics) {
  const severity = SEVERITY[d.severity] ?? String(d.severity);
  if (d.severity === 0) errors += 1;
  if (d.severity === 1) warnings += 1;
  console.log(`${severity}: ${d.code}: ${d.message} at /${(d.path || []).join('/')}`);
}
const summary = {
  parsed: Boolean(document),
  errors,
  warnings,
  channels: document ? document.channels().length : 0,
  messages: document ? document.components().messages().length : 0,
  operations: document ? document.operations().length : 0,
};
console.log(JSON.stringify(summary));
process.exit(document && errors === 0 ? 0 : 1);
