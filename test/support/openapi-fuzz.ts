/**
 * Hostile requests generated from the service's own OpenAPI document: each operation is
 * called with values that are valid, wrong in type, missing, extra, huge, odd unicode,
 * injection strings, prototype keys, deep nesting, and with bad headers and content types.
 * Everything is drawn from a seeded generator, so a failure is reproduced by its seed.
 */

export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  example?: unknown;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: Schema;
}

interface RawOperation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  security?: Record<string, unknown>[];
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, RawOperation>>;
  components?: { schemas?: Record<string, Schema> };
}

export interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body?: Schema;
  secured: boolean;
}

export interface FuzzRequest {
  /** Which operation it targets, as `METHOD /template`. */
  operation: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** What was done to it, for the failure report. */
  mutation: string;
}

/** mulberry32: small, fast and good enough to drive test inputs reproducibly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HUGE = 'A'.repeat(70_000);

export const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'nul\u0000inside',
  '\ud800',
  '\udfff lone low surrogate',
  '𝕳𝖊𝖑𝖑𝖔 🧨👩‍👩‍👧‍👦',
  '\u202eevil\u202c',
  'Z̸̢̛̗a̵̧͚͐l̶̝͂g̷̰̀o̸̰͝',
  '\uFEFFbom',
  'ａｄｍｉｎ@ｅｘａｍｐｌｅ.ｃｏｍ',
  "' OR '1'='1' --",
  "'; DROP TABLE users; --",
  '" OR ""="',
  '%',
  '_',
  '\\',
  '%00',
  '$where',
  '{"$gt": ""}',
  '<script>alert(1)</script>',
  '${7*7}',
  '{{7*7}}',
  '../../../../etc/passwd',
  '$(reboot)',
  '`id`',
  'admin@example.com\r\nBcc: x@example.com',
  'NaN',
  'Infinity',
  '-1',
  '1e309',
  '9'.repeat(400),
  'true',
  'null',
  '__proto__',
  'constructor',
  'createdAt:desc;DROP',
  'passwordHash:asc',
  'email:sideways',
  HUGE,
  'é'.repeat(5_000),
];

const HOSTILE_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  Number.MAX_SAFE_INTEGER,
  -Number.MAX_SAFE_INTEGER,
  1e308,
  [],
  [1, 2, 3],
  ['a'],
  {},
  { $gt: '' },
  { toString: 'x' },
  JSON.parse('{"__proto__": {"role": "admin", "isAdmin": true}}'),
  { constructor: { prototype: { role: 'admin' } } },
];

const BAD_CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/vnd.api+json',
  'application/json, text/plain',
  ';;;',
  'application/' + 'x'.repeat(2000),
];

const BAD_HEADERS: Record<string, string[]> = {
  'x-request-id': ['', ' ', 'x'.repeat(5000), '../../etc', '<script>', 'ä-non-ascii', '%0d%0aSet-Cookie: a=b'],
  traceparent: ['00-zz-zz-01', '00-' + '0'.repeat(32) + '-' + '0'.repeat(16) + '-01', 'garbage', 'ff-'.repeat(100)],
  accept: ['application/xml', '*/*;q=abc', 'text/html'],
  'accept-encoding': ['gzip;q=abc', 'br, zstd, x-unknown'],
  'content-encoding': ['gzip', 'deflate', 'br', 'x-unknown'],
  'x-forwarded-for': ['not-an-ip', '1.1.1.1, 2.2.2.2, ' + '3.'.repeat(500), '::ffff:127.0.0.1'],
  'x-http-method-override': ['DELETE', 'PUT'],
  origin: ['http://evil.example', 'null'],
  range: ['bytes=0-1', 'bytes=abc'],
};

const BAD_AUTHORIZATIONS = [
  'Bearer',
  'Bearer ',
  'Bearer x.y.z',
  'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIiwicm9sZSI6ImFkbWluIn0.',
  'Basic YWRtaW46YWRtaW4=',
  'bearer ' + 'a'.repeat(8000),
  'Token abc',
];

export type Pick = <T>(items: readonly T[]) => T;

export function picker(random: () => number): Pick {
  return <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
}

/** Every operation in the document, with `$ref`s resolved. */
export function operationsOf(doc: OpenApiDocument): Operation[] {
  const resolve = (schema: Schema | undefined): Schema | undefined => {
    if (!schema?.$ref) return schema;
    return doc.components?.schemas?.[schema.$ref.split('/').pop()!];
  };
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const content = op.requestBody?.content ?? {};
      const media = content['application/json'] ?? Object.values(content)[0];
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        body: resolve(media?.schema),
        secured: (op.security ?? []).length > 0,
      });
    }
  }
  return operations;
}

/** A value the schema accepts (mostly), so requests get past validation and reach handlers. */
export function validValue(schema: Schema | undefined, pick: Pick, random: () => number): unknown {
  if (!schema) return 'x';
  if (schema.enum) return pick(schema.enum);
  switch (schema.type) {
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? 0;
      const max = schema.maximum ?? min + 50;
      return min + Math.floor(random() * (max - min + 1));
    }
    case 'boolean':
      return random() < 0.5;
    case 'array':
      return [validValue(schema.items, pick, random)];
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, prop] of Object.entries(schema.properties ?? {})) {
        if (schema.required?.includes(key) || random() < 0.5) out[key] = validValue(prop, pick, random);
      }
      return out;
    }
    default: {
      if (schema.format === 'email') return `fuzz-${Math.floor(random() * 1e9)}@example.com`;
      if (schema.format === 'uuid') return crypto.randomUUID();
      if (typeof schema.example === 'string' && random() < 0.5) return schema.example;
      const length = Math.max(schema.minLength ?? 1, Math.min(schema.maxLength ?? 24, 12));
      return 'v'.repeat(length);
    }
  }
}

function hostileValue(pick: Pick, random: () => number): unknown {
  return random() < 0.55 ? pick(HOSTILE_STRINGS) : pick(HOSTILE_VALUES);
}

function deepNesting(depth: number, random: () => number): string {
  return random() < 0.5 ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** A body for the operation: valid, or broken in one of many ways. Returns the raw bytes and what was done. */
function fuzzBody(schema: Schema | undefined, pick: Pick, random: () => number): [string, string] {
  const valid = (validValue(schema ?? { type: 'object' }, pick, random) ?? {}) as Record<string, unknown>;
  const keys = Object.keys(schema?.properties ?? {});
  const roll = random();
  if (roll < 0.12) return [JSON.stringify(valid), 'valid body'];
  if (roll < 0.4 && keys.length > 0) {
    const key = pick(keys);
    return [JSON.stringify({ ...valid, [key]: hostileValue(pick, random) }), `hostile ${key}`];
  }
  if (roll < 0.5 && keys.length > 0) {
    const copy = { ...valid };
    delete copy[pick(keys)];
    return [JSON.stringify(copy), 'missing field'];
  }
  if (roll < 0.6) {
    const extra = pick(['__proto__', 'constructor', 'prototype', 'role', 'isActive', 'id', 'passwordHash', '$where']);
    const raw = JSON.stringify(valid).replace(/^\{/, `{"${extra}":${JSON.stringify(hostileValue(pick, random))},`);
    return [raw.replace(/,\}$/, '}'), `extra ${extra}`];
  }
  if (roll < 0.67) return [deepNesting(pick([64, 1_000, 10_000, 40_000]), random), 'deep nesting'];
  if (roll < 0.75) return [JSON.stringify(hostileValue(pick, random)), 'non-object body'];
  if (roll < 0.83) {
    return [
      pick(['{', '{"a":}', "{'a':1}", '{"a":1,}', 'undefined', '\u0000', '{"a":"\\ud800"}', ']']),
      'malformed JSON',
    ];
  }
  if (roll < 0.9) {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < 2_000; i += 1) out[`k${i}`] = i;
    return [JSON.stringify(out), 'many keys'];
  }
  return [JSON.stringify({ ...valid, name: HUGE.repeat(2) }), 'over the body limit'];
}

function fuzzParam(param: Parameter, ids: readonly string[], pick: Pick, random: () => number): string {
  if (param.in === 'path' && random() < 0.6) return pick(ids);
  if (random() < 0.4) return String(validValue(param.schema, pick, random));
  const value = hostileValue(pick, random);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Like encodeURIComponent, but lone surrogates become U+FFFD (as on any real client) instead of throwing. */
function percentEncode(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) =>
      /[\w.~-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).padStart(2, '0')}`,
    )
    .join('');
}

export interface FuzzContext {
  /** Authorization header values, valid ones included; `undefined` sends none. */
  tokens: readonly (string | undefined)[];
  /** Candidate values for path ids: real users, unknown uuids and garbage. */
  ids: readonly string[];
}

/** One hostile request against one operation. */
export function fuzzRequest(op: Operation, ctx: FuzzContext, random: () => number): FuzzRequest {
  const pick = picker(random);
  const mutations: string[] = [];
  let path = op.path;
  const query = new URLSearchParams();
  for (const param of op.parameters) {
    if (param.in === 'path') {
      path = path.replace(`{${param.name}}`, percentEncode(fuzzParam(param, ctx.ids, pick, random)));
    } else if (param.in === 'query' && random() < 0.7) {
      query.append(param.name, fuzzParam(param, ctx.ids, pick, random));
      if (random() < 0.1) query.append(param.name, fuzzParam(param, ctx.ids, pick, random));
    }
  }
  if (random() < 0.1) query.append(pick(['__proto__[role]', 'constructor[prototype]', 'extra', 'page[]']), '1');
  if (random() < 0.03) path = `${path}/${pick(['..', '%2e%2e', '%00', '%ff', 'extra'])}`;
  const search = query.toString();
  const headers: Record<string, string> = {};
  const token = pick(ctx.tokens);
  if (token !== undefined) headers.authorization = token;
  if (random() < 0.1) {
    headers.authorization = pick(BAD_AUTHORIZATIONS);
    mutations.push('bad authorization');
  }

  let method = op.method;
  if (random() < 0.04) {
    method = pick(['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE']);
    mutations.push(`method ${method}`);
  }
  let body: string | undefined;
  if (op.body || random() < 0.05) {
    const [raw, mutation] = fuzzBody(op.body, pick, random);
    body = raw;
    mutations.push(mutation);
    headers['content-type'] = 'application/json';
    if (random() < 0.1) {
      headers['content-type'] = pick(BAD_CONTENT_TYPES);
      mutations.push(`content-type ${headers['content-type']}`);
    }
  }
  if (random() < 0.15) {
    const name = pick(Object.keys(BAD_HEADERS));
    headers[name] = pick(BAD_HEADERS[name]);
    mutations.push(`header ${name}`);
  }
  return {
    operation: `${op.method} ${op.path}`,
    method,
    path: search ? `${path}?${search}` : path,
    headers,
    body: body === undefined ? undefined : Buffer.from(body),
    mutation: mutations.join(', ') || 'valid',
  };
}
