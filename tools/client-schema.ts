import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { format, resolveConfig } from 'prettier';
import { resolve } from 'node:path';

// openapi-typescript names TypeScript ^5 as its peer, but works with the project's 6
// (openapi-ts/openapi-typescript#2550): package.json `overrides` gives it that one.

/** The TypeScript types of the OpenAPI document that the client package is typed by. */
export const CLIENT_SCHEMA_FILE = resolve(__dirname, '..', 'packages', 'client', 'src', 'schema.ts');

const HEADER = `/**
 * The types of openapi.json, written by \`npm run openapi\` with openapi-typescript.
 * Edit the controllers and DTOs, not this file: a test fails while it differs from what that writes.
 */
`;

/**
 * The client's schema module for an OpenAPI document (its JSON text): openapi-typescript's
 * output, laid out by Prettier with the repository's settings, so the same document always
 * gives the same bytes and `npm run format:check` accepts them.
 */
export async function renderClientSchema(document: string): Promise<string> {
  const parsed = withoutPresenceRules(JSON.parse(document)) as OpenAPI3;
  // A default is what the server assumes when a request leaves the field out, so the field stays
  // optional (openapi-typescript would make it required: openapi-ts/openapi-typescript#1741).
  const ast = await openapiTS(parsed, { silent: true, defaultNonNullable: false });
  const source = `${HEADER}\n${astToString(ast)}`;
  const options = await resolveConfig(CLIENT_SCHEMA_FILE);
  return format(source, { ...options, filepath: CLIENT_SCHEMA_FILE });
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
 * openapi-typescript turns each such member into `unknown`, which swallows the whole union and
 * leaves the body untyped; without them the properties keep their types, and the service
 * still answers 400 for a combination the rule forbids.
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
