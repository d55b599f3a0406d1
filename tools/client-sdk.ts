import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { format, resolveConfig } from 'prettier';

const ROOT = resolve(__dirname, '..');

/** The client package's generated sources: SDK functions, the document's types and the fetch client. */
export const CLIENT_GENERATED_DIR = join(ROOT, 'packages', 'client', 'src', 'generated');

const CLIENT_TSCONFIG = join(ROOT, 'packages', 'client', 'tsconfig.json');
const GENERATOR = join(__dirname, 'client-sdk-generate.mjs');

/** Generated files by path relative to CLIENT_GENERATED_DIR (with `/`), in path order. */
export type ClientSources = Record<string, string>;

/**
 * The client package's generated sources for an OpenAPI document (its JSON text):
 * @hey-api/openapi-ts's output (tools/client-sdk-generate.mjs, in a process of its own),
 * laid out by Prettier with the repository's settings, so the same document always gives the
 * same bytes and `npm run format:check` accepts them.
 */
export async function renderClientSources(document: string): Promise<ClientSources> {
  const scratch = mkdtempSync(join(tmpdir(), 'client-sdk-'));
  try {
    const input = join(scratch, 'openapi.json');
    const output = join(scratch, 'generated');
    writeFileSync(input, JSON.stringify(withoutPresenceRules(JSON.parse(document))));
    // Run from the scratch folder: the generator looks for a configuration file of its own there.
    execFileSync(process.execPath, [GENERATOR, input, output, CLIENT_TSCONFIG], { cwd: scratch, stdio: 'pipe' });
    const generated = readClientSources(output);
    if (!generated['index.ts']) throw new Error(`@hey-api/openapi-ts wrote no index.ts to ${output}`);
    const sources: ClientSources = {};
    for (const [path, text] of Object.entries(generated)) {
      const target = join(CLIENT_GENERATED_DIR, path);
      const options = await resolveConfig(target);
      sources[path] = await format(text, { ...options, filepath: target });
    }
    return sources;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The files under `dir` (CLIENT_GENERATED_DIR by default); none when it does not exist. */
export function readClientSources(dir = CLIENT_GENERATED_DIR): ClientSources {
  if (!existsSync(dir)) return {};
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
  return Object.fromEntries(files.map((path) => [path, readFileSync(join(dir, path), 'utf8')]));
}

/** Replaces CLIENT_GENERATED_DIR with `sources`: a file the generator no longer writes goes. */
export function writeClientSources(sources: ClientSources): void {
  rmSync(CLIENT_GENERATED_DIR, { recursive: true, force: true });
  for (const [path, text] of Object.entries(sources)) {
    const target = join(CLIENT_GENERATED_DIR, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
}

const PRESENCE_KEYWORDS = new Set(['required', 'not', 'anyOf', 'oneOf', 'allOf', 'description']);

/** A subschema that says only which properties must (not) be present together, nothing of their types. */
function isPresenceRule(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return false;
  return Object.entries(schema).every(
    ([key, value]) =>
      PRESENCE_KEYWORDS.has(key) &&
      (key === 'required' ||
        key === 'description' ||
        (Array.isArray(value) ? value.every(isPresenceRule) : isPresenceRule(value))),
  );
}

/**
 * The document without the `anyOf`/`oneOf`/`allOf` lists of an object schema whose members are
 * all presence rules (`UpdateMeRequest`: currentPassword when password or email is sent).
 * @hey-api/openapi-ts types each such member as `unknown` and joins them to the properties
 * (`unknown & { name?: string; … }`); without them the body type is the plain object of typed
 * properties, and the service still answers 400 for a combination the rule forbids.
 */
function withoutPresenceRules(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutPresenceRules);
  if (typeof node !== 'object' || node === null) return node;
  const object = node as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(object)
      .filter(
        ([key, value]) =>
          !(
            'properties' in object &&
            ['anyOf', 'oneOf', 'allOf'].includes(key) &&
            Array.isArray(value) &&
            value.every(isPresenceRule)
          ),
      )
      .map(([key, value]) => [key, withoutPresenceRules(value)]),
  );
}
