import { DECORATORS } from '@nestjs/swagger';
import type { ProblemCode } from '@/common/http/problem-types';

/** Operation extension carrying the problem types a route answers; openapi-conventions turns it into responses. */
export const PROBLEMS_EXTENSION = 'x-problems';

/** A problem type the route answers, or `[type, what it means on this route]`. */
export type ProblemEntry = ProblemCode | [ProblemCode, string];

/** Route-specific meaning of each problem type, or null for the registry's own summary. */
export type RouteProblems = Partial<Record<ProblemCode, string | null>>;

/**
 * Documents the problem types a route answers beyond those every route of its kind shares
 * (see openapi-conventions.ts: a 500 everywhere, 401 on authenticated routes, 429 on the API,
 * body errors where there is a body). Repeatable: every application adds to the route's list,
 * so `@Authenticated({ roles })` can add `forbidden` beside the route's own types.
 */
export function ApiProblems(...entries: ProblemEntry[]): MethodDecorator {
  return (_target, key, descriptor) => {
    if (!descriptor) throw new Error(`@ApiProblems applies to route methods (applied to ${String(key)})`);
    const handler = descriptor.value as object;
    const extensions = (Reflect.getMetadata(DECORATORS.API_EXTENSION, handler) ?? {}) as Record<string, unknown>;
    const problems: RouteProblems = { ...(extensions[PROBLEMS_EXTENSION] as RouteProblems | undefined) };
    for (const entry of entries) {
      const [code, meaning] = Array.isArray(entry) ? entry : [entry, null];
      problems[code] = meaning ?? problems[code] ?? null;
    }
    Reflect.defineMetadata(DECORATORS.API_EXTENSION, { ...extensions, [PROBLEMS_EXTENSION]: problems }, handler);
    return descriptor;
  };
}
