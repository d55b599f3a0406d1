#!/usr/bin/env node
// Supply-chain gate for the production dependency tree (what the runtime image installs):
//   1. npm audit --omit=dev --audit-level=high, minus the exceptions justified in docs/security.md;
//      when the registry's audit service cannot be reached, says so and continues (--require-audit fails instead);
//   2. the installed tree matches the lockfile (npm ls: nothing missing, invalid or extraneous);
//   3. every locked package carries a sha512 integrity hash and comes from the public registry;
//   4. direct dependencies, the root's and each npm workspace's (packages/), are pinned to exact versions;
//   5. every production licence is on the allow-list below;
//   6. every production package with an install script has an explicit decision in package.json "allowScripts".
// Exit code 0 when all pass, 1 otherwise. Usage: node scripts/supply-chain-check.js [--require-audit]
'use strict';

const { spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '..');
const REGISTRY = 'https://registry.npmjs.org/';
const ALLOWED_LICENSES = new Set([
  'MIT',
  'MIT-0',
  'ISC',
  'Apache-2.0',
  'BSD-2-Clause',
  'BSD-3-Clause',
  '0BSD',
  'BlueOak-1.0.0',
  'Python-2.0',
  'CC0-1.0',
  'Unlicense',
  'WTFPL',
]);
/** Packages whose manifest names no licence, reviewed by hand: name@version → the licence their files grant. */
const REVIEWED_LICENSES = {
  'pause@0.0.1': 'MIT', // the MIT text is in its Readme.md
};
const BLOCKING_SEVERITIES = new Set(['high', 'critical']);

const failures = [];
const fail = (message) => failures.push(message);
const readJson = (file) => JSON.parse(readFileSync(join(ROOT, file), 'utf8'));

function npm(args) {
  return spawnSync('npm', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
}

/** Advisory ids (GHSA-…) listed in the exceptions table of docs/security.md, each with its justification there. */
function auditExceptions() {
  const doc = readFileSync(join(ROOT, 'docs', 'security.md'), 'utf8');
  return new Set(doc.match(/GHSA(-[0-9a-z]{4}){3}/g) ?? []);
}

function checkAudit(requireAudit) {
  const result = npm(['audit', '--omit=dev', '--audit-level=high', '--json']);
  let report;
  try {
    report = JSON.parse(result.stdout);
  } catch {
    report = undefined;
  }
  if (!report?.vulnerabilities) {
    const reason = report?.message || report?.error?.summary || result.stderr.split('\n').find(Boolean) || 'no answer';
    const message = `npm audit could not reach the registry's audit service (${reason.trim()}); see docs/security.md`;
    if (requireAudit) fail(message);
    else console.warn(`WARN  ${message}`);
    return;
  }
  const exceptions = auditExceptions();
  let blocking = 0;
  for (const [name, vuln] of Object.entries(report.vulnerabilities)) {
    if (!BLOCKING_SEVERITIES.has(vuln.severity)) continue;
    const advisories = vuln.via.filter((via) => typeof via === 'object');
    const unexcused = advisories.filter((via) => !exceptions.has(String(via.url).split('/').pop()));
    // A package flagged only through another flagged package is reported with that package.
    if (advisories.length > 0 && unexcused.length === 0) continue;
    if (advisories.length === 0) continue;
    blocking += 1;
    fail(`npm audit: ${name} (${vuln.severity}): ${unexcused.map((via) => `${via.title} ${via.url}`).join('; ')}`);
  }
  console.log(`ok    npm audit --omit=dev: ${blocking === 0 ? 'no' : blocking} unexcused high or critical advisories`);
}

function checkInstalledTree() {
  const result = npm(['ls', '--omit=dev', '--all', '--json']);
  const tree = JSON.parse(result.stdout || '{}');
  const problems = tree.problems ?? [];
  for (const problem of problems) fail(`npm ls: ${problem}`);
  if (problems.length === 0) console.log('ok    npm ls --omit=dev: the installed tree matches the lockfile');
}

/** A lockfile entry of an npm workspace (`packages/client`): a folder of this repository, not a registry tarball. */
const isWorkspace = (path) => path !== '' && !path.split('/').includes('node_modules');

function checkLockfile(pkg, lock) {
  if (lock.lockfileVersion < 2)
    fail(`package-lock.json: lockfileVersion ${lock.lockfileVersion}; regenerate with npm ≥ 7`);
  let checked = 0;
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.link || isWorkspace(path)) continue;
    checked += 1;
    if (!/^sha512-/.test(entry.integrity ?? '')) fail(`package-lock.json: ${path} has no sha512 integrity hash`);
    if (entry.resolved && !entry.resolved.startsWith(REGISTRY))
      fail(`package-lock.json: ${path} resolves to ${entry.resolved}`);
  }
  const manifests = [['', 'package.json', pkg]];
  for (const path of Object.keys(lock.packages).filter(isWorkspace)) {
    manifests.push([path, `${path}/package.json`, readJson(`${path}/package.json`)]);
  }
  for (const [path, file, manifest] of manifests) {
    const locked = lock.packages[path] ?? {};
    for (const field of ['dependencies', 'devDependencies']) {
      for (const [name, range] of Object.entries(manifest[field] ?? {})) {
        if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(range))
          fail(`${file}: ${name}@${range} is not pinned to an exact version`);
        if (locked[field]?.[name] !== range)
          fail(`package-lock.json: ${name} is out of step with ${file}; run npm install`);
      }
    }
  }
  console.log(
    `ok    package-lock.json: ${checked} packages with sha512 integrity from ${REGISTRY}; direct dependencies pinned`,
  );
}

function licenseOf(path, entry) {
  if (entry.license) return entry.license;
  const reviewed = REVIEWED_LICENSES[`${path.replace(/^.*node_modules\//, '')}@${entry.version}`];
  if (reviewed) return reviewed;
  try {
    const manifest = JSON.parse(readFileSync(join(ROOT, path, 'package.json'), 'utf8'));
    if (typeof manifest.license === 'string') return manifest.license;
    const legacy = manifest.licenses ?? manifest.license;
    if (Array.isArray(legacy)) return legacy.map((l) => l.type ?? l).join(' OR ');
    return legacy?.type;
  } catch {
    return undefined;
  }
}

/** True when some choice of the SPDX expression's alternatives uses allowed licences only. */
function licenseAllowed(expression) {
  const alternatives = expression.replace(/[()]/g, '').split(/\s+OR\s+/);
  return alternatives.some((alt) => alt.split(/\s+AND\s+/).every((id) => ALLOWED_LICENSES.has(id.trim())));
}

function checkProductionPackages(pkg, lock) {
  const allowScripts = pkg.allowScripts ?? {};
  let count = 0;
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.dev || entry.devOptional || entry.link) continue;
    count += 1;
    const name = path.replace(/^.*node_modules\//, '');
    const license = licenseOf(path, entry);
    if (!license) fail(`licence: ${name} declares none`);
    else if (!licenseAllowed(license)) fail(`licence: ${name} is ${license}, which is not on the allow-list`);
    if (entry.hasInstallScript && !(name in allowScripts)) {
      fail(`install script: ${name} runs one at install; decide in package.json "allowScripts"`);
    }
  }
  console.log(`ok    ${count} production packages: licences on the allow-list, install scripts decided`);
}

const pkg = readJson('package.json');
const lock = readJson('package-lock.json');
checkAudit(process.argv.includes('--require-audit'));
checkInstalledTree();
checkLockfile(pkg, lock);
checkProductionPackages(pkg, lock);

if (failures.length > 0) {
  for (const failure of failures) console.error(`FAIL  ${failure}`);
  process.exit(1);
}
