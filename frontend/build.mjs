// Builds the committed browser bundles: `node build.mjs [outdir]` (default ../static/vendor).
// The output is byte-for-byte reproducible from package-lock.json: no timestamps, no absolute
// paths, a fixed target, entries and manifest lines in sorted order. CI rebuilds into a temporary
// directory and compares (scripts/check-assets.sh).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as esbuild from 'esbuild';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(HERE, 'package.json'));
const OUT = path.resolve(process.argv[2] || path.join(HERE, '..', 'static', 'vendor'));

// Browsers staff use, including Chromium-based domestic browsers a few versions behind.
const TARGET = [ 'es2020', 'chrome87', 'edge88', 'firefox78', 'safari15' ];

// Each bundle: a JS entry and a CSS entry of the same name in src/.
const BUNDLES = [ 'wuyeflow-form-editor', 'wuyeflow-forms', 'wuyeflow-modeler', 'wuyeflow-viewer' ].sort();

const LOCK = JSON.parse(readFileSync(path.join(HERE, 'package-lock.json'), 'utf8'));
const DIRECT = Object.keys(JSON.parse(readFileSync(path.join(HERE, 'package.json'), 'utf8')).dependencies).sort();

function lockedVersion(name) {

  // name: "pkg", "@scope/pkg" or a nested "a/node_modules/b"; a linked local package points elsewhere
  let entry = LOCK.packages[`node_modules/${name}`];
  if (entry && entry.link) {
    entry = LOCK.packages[entry.resolved];
  }
  if (!entry || !entry.version) {
    throw new Error(`${name} has no version in package-lock.json`);
  }
  return entry.version;
}

function displayName(pkg) {
  return pkg.split('/node_modules/').pop();
}

const VERSIONS = Object.fromEntries(DIRECT.map((name) => [ name, lockedVersion(name) ]));

// `import config from '../.bpmnlintrc'` → the config compiled with every rule it enables bundled.
const bpmnlintConfigPlugin = {
  name: 'bpmnlintrc',
  setup(build) {
    build.onResolve({ filter: /\.bpmnlintrc$/ }, (args) => ({
      path: path.resolve(args.resolveDir, args.path),
      namespace: 'bpmnlintrc'
    }));
    build.onLoad({ filter: /.*/, namespace: 'bpmnlintrc' }, async (args) => {
      const compileConfig = require('bpmnlint/lib/support/compile-config');
      const NodeResolver = require('bpmnlint/lib/resolver/node-resolver');
      const config = JSON.parse(readFileSync(args.path, 'utf8'));
      const resolver = new NodeResolver({ require: createRequire(path.join(HERE, 'package.json')) });
      return {
        contents: await compileConfig(config, resolver),
        resolveDir: HERE,
        loader: 'js',
        watchFiles: [ args.path ]
      };
    });
  }
};

// form-js-editor caps preact at 10.15.1 and diagram-js-ui needs ^10.29, so npm hoists 10.15.1 and
// nests 10.29 under diagram-js-ui, but hoists htm, diagram-js-ui's JSX helper: its `htm/preact`
// would then build vnodes with the other preact than the one rendering them. Resolve preact for htm
// from diagram-js-ui, its only user here, so each bundle has one preact per renderer.
const htmPreactPlugin = {
  name: 'htm-preact',
  setup(build) {
    const diagramJsUi = path.join(HERE, 'node_modules', '@bpmn-io', 'diagram-js-ui');
    build.onResolve({ filter: /^preact(\/.*)?$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]htm[\\/]/.test(args.importer) || args.pluginData === 'htm-preact') {
        return undefined;
      }
      return build.resolve(args.path, { kind: args.kind, resolveDir: diagramJsUi, pluginData: 'htm-preact' });
    });
  }
};

function packageOf(input) {

  // "node_modules/@scope/name/…" or "node_modules/name/…" (last node_modules wins); local files: null
  const parts = input.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) {
    return input.startsWith('bpmnlint-plugin-wuyeflow/') ? 'bpmnlint-plugin-wuyeflow' : null;
  }
  const name = parts[at + 1].startsWith('@') ? `${parts[at + 1]}/${parts[at + 2]}` : parts[at + 1];
  const nested = parts.slice(0, at + 1).join('/');
  return nested === 'node_modules' ? name : `${nested}/${name}`.replace(/^node_modules\//, '');
}

function packagesIn(inputs) {
  const names = new Set();
  for (const input of Object.keys(inputs)) {
    const name = packageOf(input.replace(/^bpmnlintrc:.*/, ''));
    if (name) {
      names.add(name);
    }
  }
  return [ ...names ].sort();
}

async function buildBundles(staging) {
  const entryPoints = BUNDLES.flatMap((name) => [
    { in: path.join(HERE, 'src', `${name}.js`), out: name },
    { in: path.join(HERE, 'src', `${name}.css`), out: name }
  ]);
  const result = await esbuild.build({
    absWorkingDir: HERE,
    entryPoints,
    outdir: staging,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: TARGET,
    minify: true,
    legalComments: 'eof',
    banner: {
      js: '/*! WuyeFlow vendor bundle, built by frontend/build.mjs. Third-party licences: THIRD-PARTY-LICENSES.txt */',
      css: '/*! WuyeFlow vendor bundle, built by frontend/build.mjs. Third-party licences: THIRD-PARTY-LICENSES.txt */'
    },
    charset: 'ascii',
    sourcemap: false,
    metafile: true,
    write: true,
    logLevel: 'warning',
    define: {
      'process.env.NODE_ENV': '"production"',
      __WUYEFLOW_VERSIONS__: JSON.stringify(VERSIONS)
    },
    loader: {
      '.json': 'json',

      // only what our CSS references on purpose: anything else fails the build instead of bloating it
      '.woff2': 'dataurl'
    },
    plugins: [ bpmnlintConfigPlugin, htmPreactPlugin ]
  });
  if (result.errors.length) {
    throw new Error('esbuild failed');
  }

  // which packages went into each output file, for MANIFEST.txt
  const built = {};
  for (const [ file, output ] of Object.entries(result.metafile.outputs)) {
    built[path.basename(file)] = packagesIn(output.inputs);
  }
  return built;
}

function copyChart(staging) {

  // chart.js ships its own minified UMD build (sets window.Chart); drop the link to a map we don't ship
  const source = readFileSync(path.join(HERE, 'node_modules', 'chart.js', 'dist', 'chart.umd.js'), 'utf8');
  const text = source.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
  writeFileSync(path.join(staging, 'chart.umd.js'), text);
  return { 'chart.umd.js': [ 'chart.js' ] };
}

function licenceText(pkg) {
  const dir = path.join(HERE, 'node_modules', ...pkg.split('/'));
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f)).sort() : [];
  if (!files.length) {
    const declared = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).license || 'see package';
    return `(no licence file in the package; package.json says: ${declared})\n`;
  }
  return files.map((f) => readFileSync(path.join(dir, f), 'utf8').replace(/\r\n/g, '\n').trimEnd() + '\n').join('\n');
}

function writeLicences(staging, built) {
  const packages = [ ...new Set(Object.values(built).flat()) ]
    .filter((pkg) => pkg !== 'bpmnlint-plugin-wuyeflow')
    .sort();
  const parts = [
    'Third-party software bundled into the files of this directory, with its licence texts.\n' +
    'Generated by frontend/build.mjs from frontend/package-lock.json; do not edit by hand.\n'
  ];
  for (const pkg of packages) {
    parts.push(`${'='.repeat(78)}\n${displayName(pkg)} ${lockedVersion(pkg)}\n${'='.repeat(78)}\n${licenceText(pkg)}`);
  }
  writeFileSync(path.join(staging, 'THIRD-PARTY-LICENSES.txt'), parts.join('\n'));
}

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function writeManifest(staging, built) {
  const files = readdirSync(staging).filter((f) => f !== 'MANIFEST.txt').sort();
  const lines = [
    '# WuyeFlow front-end bundles, built by frontend/build.mjs from frontend/package-lock.json.',
    '# Do not edit the files here by hand: change frontend/ and run scripts/build-assets.sh.',
    `# esbuild ${lockedVersion('esbuild')}, target ${TARGET.join(',')}`,
    '# Verify: grep -v "^#" MANIFEST.txt | sha256sum -c -',
    '#',
    '# Built from (package@version):'
  ];
  for (const file of files) {
    const pkgs = [ ...new Set((built[file] || []).map((pkg) => `${displayName(pkg)}@${lockedVersion(pkg)}`)) ].sort();
    if (pkgs.length) {
      lines.push(`#   ${file}: ${pkgs.join(' ')}`);
    }
  }
  lines.push('#');
  for (const file of files) {
    lines.push(`${sha256(path.join(staging, file))}  ${file}`);
  }
  writeFileSync(path.join(staging, 'MANIFEST.txt'), lines.join('\n') + '\n');
  return files.concat('MANIFEST.txt');
}

function install(staging, files) {

  // replace only what a previous build made (listed in its MANIFEST.txt), never foreign files
  mkdirSync(OUT, { recursive: true });
  const previousManifest = path.join(OUT, 'MANIFEST.txt');
  if (existsSync(previousManifest)) {
    for (const line of readFileSync(previousManifest, 'utf8').split('\n')) {
      const match = /^[0-9a-f]{64} {2}(\S+)$/.exec(line);
      if (match && !files.includes(match[1])) {
        rmSync(path.join(OUT, match[1]), { force: true });
      }
    }
  }
  for (const file of files) {
    writeFileSync(path.join(OUT, file), readFileSync(path.join(staging, file)));
  }
}

async function main() {
  const staging = mkdtempSync(path.join(tmpdir(), 'wuyeflow-assets-'));
  try {
    const built = { ...(await buildBundles(staging)), ...copyChart(staging) };
    writeLicences(staging, built);
    const files = writeManifest(staging, built);
    install(staging, files);
    for (const file of files) {
      const size = readFileSync(path.join(OUT, file)).length;
      console.log(`${String(size).padStart(9)}  ${path.relative(process.cwd(), path.join(OUT, file))}`);
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
