// Precompresses what the server sends from frontend/ (run by `make build`): for each served
// file F, dist/F.br (brotli, quality 11) and dist/F.gz (gzip, level 9), with Node's own zlib,
// so no package is needed. The server (app/api/assets.py) sends one only while it is newer
// than F, so an edited file is never answered with a stale copy.
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(fileURLToPath(import.meta.url));
const VENDOR = [
  "node_modules/echarts/dist/echarts.min.js",
  "node_modules/echarts/dist/echarts.simple.min.js",
  "node_modules/@msgpack/msgpack/dist.umd/msgpack.min.js",
  "node_modules/topojson-client/dist/topojson-client.min.js",
  "node_modules/world-atlas/countries-110m.json",
  "node_modules/i18n-iso-countries/codes.json",
];
const TEXT = /\.(js|mjs|css|html|svg|json)$/;

function walk(folder) {
  return readdirSync(join(root, folder), { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return walk(path);
    return TEXT.test(entry.name) ? [path] : [];
  });
}

let before = 0;
let after = 0;
const FLAGS = walk("node_modules/flag-icons/flags/4x3");
const SOURCE_ICONS = readFileSync(join(root, "dashboard/js/source-icons.js"), "utf8")
  .match(/: "[a-z0-9]+"/g).map((m) => `node_modules/simple-icons/icons/${m.slice(3, -1)}.svg`);
const LIBRARIES = [...VENDOR, ...FLAGS, ...SOURCE_ICONS];
// The node_modules files the server sends: a wheel carries these and no others (setup.py).
mkdirSync(join(root, "dist"), { recursive: true });
writeFileSync(join(root, "dist", "served-libraries.json"), JSON.stringify(LIBRARIES, null, 0));
const PAGES = ["dashboard", "live", "settings", "embed"].flatMap((folder) => walk(folder));
for (const path of [...PAGES, ...LIBRARIES]) {
  const source = readFileSync(join(root, path));
  const out = join(root, "dist", path);
  mkdirSync(dirname(out), { recursive: true });
  const br = brotliCompressSync(source, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: source.length },
  });
  writeFileSync(`${out}.br`, br);
  writeFileSync(`${out}.gz`, gzipSync(source, { level: 9 }));
  before += source.length;
  after += br.length;
}
console.log(`precompressed ${relative(process.cwd(), join(root, "dist"))}: ${before} -> ${after} bytes (brotli)`);
