// Minifies pulse.js into dist/pulse.min.js and reports its size.
//
//   node build.mjs                  build dist/pulse.min.js
//   node build.mjs --out FILE       build FILE instead (the up-to-date test builds into a temp dir)
//   node build.mjs --check          also exit 1 when the gzipped size exceeds the budget
//
// The output is deterministic for a given pulse.js and terser version (pinned in package.json),
// so tests/sdk/test_size.py can rebuild and compare byte for byte.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { minify } from 'terser';

const BUDGET = 1500; // bytes, gzip -9: smaller than Umami's and GoatCounter's 2.2 KB

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = outIndex >= 0 ? resolve(args[outIndex + 1]) : join(here, 'dist', 'pulse.min.js');

const source = readFileSync(join(here, 'pulse.js'), 'utf8');
const result = await minify(source, {
  ecma: 2021,
  compress: { passes: 3, unsafe_arrows: true, unsafe_methods: true, pure_getters: true },
  mangle: true,
  format: { comments: false, ascii_only: true },
});

mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, result.code + '\n');
const raw = Buffer.byteLength(result.code + '\n');
const gz = gzipSync(result.code + '\n', { level: 9 }).length;
console.log(`pulse.min.js: ${raw} bytes, ${gz} bytes gzipped (budget ${BUDGET}) -> ${out}`);
if (args.includes('--check') && gz > BUDGET) {
  console.error(`over budget by ${gz - BUDGET} bytes`);
  process.exit(1);
}
