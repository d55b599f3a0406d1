import { HttpStatus } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ProblemException } from './problem';

/** No DTO nests deeper than a few levels; validation and transformation recurse, so depth is bounded before them. */
export const MAX_JSON_DEPTH = 32;

type Finding = 'too_deep' | 'nul' | 'unpaired_surrogate';

/** Half of a UTF-16 pair on its own: not Unicode text, and validators that re-encode strings throw on it. */
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function inspectString(value: string): Finding | undefined {
  if (value.includes('\u0000')) return 'nul';
  if (UNPAIRED_SURROGATE.test(value)) return 'unpaired_surrogate';
  return undefined;
}

/** Walks parsed JSON without recursion, so the check itself cannot overflow the stack. */
function inspect(root: unknown): Finding | undefined {
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') {
      const finding = inspectString(value);
      if (finding) return finding;
    } else if (typeof value === 'object' && value !== null) {
      if (depth >= MAX_JSON_DEPTH) return 'too_deep';
      for (const [key, child] of Object.entries(value)) {
        const finding = inspectString(key);
        if (finding) return finding;
        stack.push([child, depth + 1]);
      }
    }
  }
  return undefined;
}

/**
 * Refuses, with a 400 problem, request bodies and query strings that no route accepts but
 * that would otherwise fail deep inside: JSON nested beyond {@link MAX_JSON_DEPTH} (the
 * validation pipe recurses and would overflow the stack), NUL characters, which
 * PostgreSQL cannot store in text and rejects only after the query is sent, and unpaired
 * UTF-16 surrogates (JSON's `"\ud800"`), on which the e-mail validator throws.
 */
export function rejectHostileJson(req: Request, _res: Response, next: NextFunction): void {
  const finding = inspect(req.body) ?? inspect(req.query);
  if (finding === 'too_deep') {
    next(
      new ProblemException(
        HttpStatus.BAD_REQUEST,
        'too_deep',
        `The request nests deeper than ${MAX_JSON_DEPTH} levels.`,
      ),
    );
    return;
  }
  if (finding === 'nul') {
    next(new ProblemException(HttpStatus.BAD_REQUEST, 'nul_character', 'The request contains a NUL character.'));
    return;
  }
  if (finding === 'unpaired_surrogate') {
    next(new ProblemException(HttpStatus.BAD_REQUEST, 'invalid_unicode', 'The request contains invalid Unicode text.'));
    return;
  }
  next();
}
