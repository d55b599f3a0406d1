import { HttpStatus } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { ProblemException, ValidationProblem } from './problem';

/** No DTO nests deeper than a few levels; validation and transformation recurse, so depth is bounded before them. */
export const MAX_JSON_DEPTH = 32;

/**
 * No DTO has more than a handful of fields. Validation costs time and error entries per
 * field, so a body of thousands of unknown keys (well under the size limit) is refused
 * before the validation pipe sees it. Counted across every level: object keys and array items.
 */
export const MAX_JSON_FIELDS = 100;

/**
 * Keys that class-transformer skips without a word (`__proto__`, `constructor`) or that
 * mean prototype tampering: no DTO has them, so they are refused like any unknown field
 * instead of disappearing from the request.
 */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

type Finding =
  | { kind: 'too_deep' | 'too_many_fields' | 'nul' | 'unpaired_surrogate' }
  | { kind: 'reserved_key'; field: string; key: string };

/** Half of a UTF-16 pair on its own: not Unicode text, and validators that re-encode strings throw on it. */
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function inspectString(value: string): Finding | undefined {
  if (value.includes('\u0000')) return { kind: 'nul' };
  if (UNPAIRED_SURROGATE.test(value)) return { kind: 'unpaired_surrogate' };
  return undefined;
}

/**
 * Walks parsed JSON without recursion, so the check itself cannot overflow the stack, and
 * stops at the first finding, so its own work is bounded by {@link MAX_JSON_FIELDS}.
 */
function inspect(root: unknown): Finding | undefined {
  const stack: [unknown, number, string][] = [[root, 0, '']];
  let fields = 0;
  while (stack.length > 0) {
    const [value, depth, path] = stack.pop()!;
    if (typeof value === 'string') {
      const finding = inspectString(value);
      if (finding) return finding;
    } else if (typeof value === 'object' && value !== null) {
      if (depth >= MAX_JSON_DEPTH) return { kind: 'too_deep' };
      // for…in rather than Object.entries: no array of every key is built before the count stops.
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        fields += 1;
        if (fields > MAX_JSON_FIELDS) return { kind: 'too_many_fields' };
        const finding = inspectString(key);
        if (finding) return finding;
        const field = path ? `${path}.${key}` : key;
        if (RESERVED_KEYS.has(key)) return { kind: 'reserved_key', field, key };
        stack.push([(value as Record<string, unknown>)[key], depth + 1, field]);
      }
    }
  }
  return undefined;
}

function problemFor(finding: Finding): ProblemException {
  switch (finding.kind) {
    case 'too_deep':
      return new ProblemException(
        HttpStatus.BAD_REQUEST,
        'too_deep',
        `The request nests deeper than ${MAX_JSON_DEPTH} levels.`,
      );
    case 'too_many_fields':
      return new ProblemException(
        HttpStatus.BAD_REQUEST,
        'too_many_fields',
        `The request has more than ${MAX_JSON_FIELDS} fields.`,
      );
    case 'nul':
      return new ProblemException(HttpStatus.BAD_REQUEST, 'nul_character', 'The request contains a NUL character.');
    case 'unpaired_surrogate':
      return new ProblemException(
        HttpStatus.BAD_REQUEST,
        'invalid_unicode',
        'The request contains invalid Unicode text.',
      );
    case 'reserved_key':
      // The wording and shape of the validation pipe's own answer for an unknown field.
      return new ValidationProblem([{ field: finding.field, message: `property ${finding.key} should not exist` }]);
  }
}

/**
 * Refuses, with a 400 problem, request bodies and query strings that no route accepts but
 * that would otherwise fail deep inside or cost more than they should: JSON nested beyond
 * {@link MAX_JSON_DEPTH} (the validation pipe recurses and would overflow the stack), more
 * than {@link MAX_JSON_FIELDS} fields (each costs validation work and an error entry), NUL
 * characters, which PostgreSQL cannot store in text and rejects only after the query is
 * sent, unpaired UTF-16 surrogates (JSON's `"\ud800"`), on which the e-mail validator
 * throws, and prototype keys, which the transformer would drop silently.
 */
export function rejectHostileJson(
  req: IncomingMessage & { body?: unknown },
  _res: unknown,
  next: (error?: unknown) => void,
): void {
  const finding = inspect(req.body) ?? inspect(queryOf(req.url));
  next(finding ? problemFor(finding) : undefined);
}

/** The query string as both platforms parse it by default (express 5's "simple" parser is this one). */
function queryOf(url: string | undefined): unknown {
  const start = url?.indexOf('?') ?? -1;
  return start === -1 ? undefined : parseQuery(url!.slice(start + 1));
}
