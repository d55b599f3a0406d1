import { DECORATORS } from '@nestjs/swagger';
import type {
  HeaderObject,
  OpenAPIObject,
  OperationObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger';
import { exampleProblem } from '@/common/http/problem-pages';
import { PROBLEM_TYPES, ProblemCode, problemType } from '@/common/http/problem-types';
import { PROBLEMS_EXTENSION, RouteProblems } from './api-problems.decorator';

/** Operation extension listing the problem `type`s a response may carry (checked by the e2e suite). */
export const PROBLEM_TYPES_EXTENSION = 'x-problem-types';

/** Operation extension set by `@Idempotent()`: every answer of the route may be a replay, and says so. */
export const IDEMPOTENT_EXTENSION = 'x-idempotent';

const PROBLEM_JSON = 'application/problem+json';
const ref = (kind: 'schemas' | 'headers', name: string): ReferenceObject => ({ $ref: `#/components/${kind}/${name}` });

/** A count or a number of seconds, as the throttler writes them in headers. */
const COUNT = { type: 'integer', format: 'int32', minimum: 0, maximum: 2_147_483_647 } as const;

/** Headers the middleware stack (app.setup.ts) and the throttler put on responses. */
const HEADERS: Record<string, HeaderObject> = {
  'X-Request-Id': {
    description:
      'The id of this request in every log line about it: the caller’s own when it sent a sane one, else a UUID',
    required: true,
    schema: { type: 'string', pattern: '^[A-Za-z0-9._:@-]{1,128}$', maxLength: 128 },
  },
  'Cache-Control': {
    description: 'API answers are per caller: no cache may keep them',
    required: true,
    schema: { type: 'string', enum: ['no-store'] },
  },
  'X-RateLimit-Limit': {
    description: 'The client’s request budget per window (THROTTLE_LIMIT per THROTTLE_TTL)',
    schema: COUNT,
  },
  'X-RateLimit-Remaining': {
    description: 'Requests left in the current window',
    schema: COUNT,
  },
  'X-RateLimit-Reset': {
    description: 'Seconds until the current window ends',
    schema: COUNT,
  },
  'Retry-After': {
    description: 'Seconds to wait before repeating the request',
    schema: COUNT,
  },
  'Idempotent-Replayed': {
    description:
      'Present (`true`) when this is the stored answer of an earlier request with the same Idempotency-Key, ' +
      'sent again instead of running the request twice',
    schema: { type: 'string', enum: ['true'] },
  },
};

/** Types that come with Retry-After: the service refuses for now, and says when to come back. */
const RETRY_LATER: ReadonlySet<ProblemCode> = new Set([
  'rate_limited',
  'too_many_login_failures',
  'hashing_busy',
  'login_limit_unavailable',
  'rate_limit_unavailable',
  'mail_unavailable',
  'database_unavailable',
  'idempotency_in_progress',
  'idempotency_unavailable',
]);

/**
 * What any request can be refused with before it reaches a route, for its query string
 * (hostile-json.ts inspects every query, read by the route or not): prototype keys, nesting,
 * field counts, NUL characters and unpaired surrogates.
 */
const QUERY_PROBLEMS: ProblemCode[] = [
  'validation_failed',
  'too_deep',
  'too_many_fields',
  'nul_character',
  'invalid_unicode',
];

/** What every request with a body can be refused with before it reaches a route (app.setup.ts). */
const BODY_PROBLEMS: ProblemCode[] = [
  ...QUERY_PROBLEMS,
  'malformed_json',
  'unreadable_body',
  'payload_too_large',
  'unsupported_media_type',
  'unsupported_charset',
  'unsupported_content_encoding',
];

/** An operation as the decorators leave it, with the problem types of `@ApiProblems`. */
type DecoratedOperation = OperationObject & { [PROBLEMS_EXTENSION]?: RouteProblems; [IDEMPOTENT_EXTENSION]?: boolean };

interface Route {
  path: string;
  operation: DecoratedOperation;
  isApi: boolean;
}

/** The problem types a route answers: its own, then those every route of its kind shares. */
function problemsOf({ operation, isApi }: Route): RouteProblems {
  const own = operation[PROBLEMS_EXTENSION];
  const shared: ProblemCode[] = [...QUERY_PROBLEMS, 'internal_error'];
  if (operation.security?.length) shared.push('unauthorized', 'token_expired');
  if (operation.requestBody) shared.push(...BODY_PROBLEMS);
  if (isApi) shared.push('rate_limited', 'rate_limit_unavailable', 'database_unavailable');
  const problems: RouteProblems = { ...own };
  for (const code of shared) problems[code] ??= null;
  return problems;
}

/** The headers of every answer: the request id; on the API also no-store and the budget left. */
function responseHeaders(isApi: boolean): Record<string, ReferenceObject> {
  const names = [
    'X-Request-Id',
    ...(isApi ? ['Cache-Control', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'] : []),
  ];
  return Object.fromEntries(names.map((name) => [name, ref('headers', name)]));
}

function problemResponse(route: Route, codes: Array<[ProblemCode, string | null]>): ResponseObject {
  const headers = responseHeaders(route.isApi);
  if (codes.some(([code]) => RETRY_LATER.has(code))) headers['Retry-After'] = ref('headers', 'Retry-After');
  const instance = route.path.replace(/\{[^}]+\}/g, '3f1c2d4e-5b6a-4c7d-8e9f-0a1b2c3d4e5f');
  return {
    description: codes.map(([code, meaning]) => `\`${code}\`: ${meaning ?? PROBLEM_TYPES[code].summary}`).join('\n\n'),
    headers,
    content: {
      [PROBLEM_JSON]: {
        schema: ref('schemas', 'Problem'),
        examples: Object.fromEntries(
          codes.map(([code]) => [code, { summary: code, value: exampleProblem(code, instance) }]),
        ),
      },
    },
    [PROBLEM_TYPES_EXTENSION]: codes.map(([code]) => problemType(code)),
  } as ResponseObject;
}

function applyToOperation(route: Route): void {
  const { operation, isApi } = route;
  // Public routes say so: a route without security would otherwise inherit any global requirement.
  if (!operation.security?.length) operation.security = [];

  const byStatus = new Map<number, Array<[ProblemCode, string | null]>>();
  for (const [code, meaning] of Object.entries(problemsOf(route)) as Array<[ProblemCode, string | null]>) {
    const { status } = PROBLEM_TYPES[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), [code, meaning]]);
  }
  delete operation[PROBLEMS_EXTENSION];

  for (const response of Object.values(operation.responses) as ResponseObject[]) {
    response.headers = { ...responseHeaders(isApi), ...response.headers };
  }
  for (const status of [...byStatus.keys()].sort((a, b) => a - b)) {
    if (operation.responses[status]) throw new Error(`${route.path}: status ${status} documented twice`);
    operation.responses[status] = problemResponse(route, byStatus.get(status)!);
  }
  // A replay may be of any final answer the route gave, success or problem.
  if (operation[IDEMPOTENT_EXTENSION]) {
    for (const response of Object.values(operation.responses) as ResponseObject[]) {
      response.headers = { ...response.headers, 'Idempotent-Replayed': ref('headers', 'Idempotent-Replayed') };
    }
  }
  delete operation[IDEMPOTENT_EXTENSION];
}

/**
 * Closes a request body schema, as the validation pipe does (forbidNonWhitelisted): a field the
 * schema does not name is refused, so the document says so. Nested schemas are closed too.
 */
function close(schemas: Record<string, SchemaObject>, name: string, seen = new Set<string>()): void {
  const schema = schemas[name];
  if (!schema || seen.has(name)) return;
  seen.add(name);
  schema.additionalProperties = false;
  for (const property of Object.values(schema.properties ?? {})) {
    const target = (property as ReferenceObject).$ref ?? ((property as SchemaObject).items as ReferenceObject)?.$ref;
    if (target) close(schemas, target.split('/').pop()!, seen);
  }
}

/** Nest wraps an enum reference in a one-member allOf; with nothing beside it, the reference alone says the same. */
function unwrapLoneAllOf(schema: SchemaObject): void {
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const { allOf, ...rest } = property as SchemaObject;
    if (allOf?.length === 1 && Object.keys(rest).length === 0) schema.properties![name] = allOf[0];
  }
}

type SchemaClass = abstract new (...args: never[]) => unknown;

const schemaRules = new Map<SchemaClass, SchemaObject>();

/**
 * Schema keywords that property decorators cannot express, such as a field that requires
 * another (`anyOf`), merged into the class's schema in the document.
 */
export function ApiSchemaRules(rules: SchemaObject): (target: SchemaClass) => void {
  return (target) => {
    schemaRules.set(target, rules);
  };
}

function schemaNameOf(target: SchemaClass): string {
  const [options] = (Reflect.getMetadata(DECORATORS.API_SCHEMA, target) ?? []) as Array<{ name?: string }>;
  return options?.name ?? target.name;
}

/**
 * What every route shares, written once here instead of on each route: the response headers,
 * the problem answers that middleware, guards and pipes give (each with an example body),
 * explicit `security: []` on public routes, closed request bodies.
 */
export function applyOpenApiConventions(document: OpenAPIObject, apiPrefix: string): OpenAPIObject {
  const components = (document.components ??= {});
  components.headers = { ...components.headers, ...HEADERS };
  const schemas = (components.schemas ??= {}) as Record<string, SchemaObject>;

  for (const [path, item] of Object.entries(document.paths)) {
    for (const operation of Object.values(item) as OperationObject[]) {
      if (typeof operation !== 'object' || !operation.responses) continue;
      applyToOperation({ path, operation, isApi: path.startsWith(`/${apiPrefix}/`) });
      const body = (operation.requestBody as { content?: Record<string, { schema?: ReferenceObject }> } | undefined)
        ?.content?.['application/json']?.schema?.$ref;
      if (body) close(schemas, body.split('/').pop()!);
    }
  }
  for (const schema of Object.values(schemas)) unwrapLoneAllOf(schema);
  for (const [target, rules] of schemaRules) {
    const name = schemaNameOf(target);
    if (schemas[name]) Object.assign(schemas[name], rules);
  }
  return document;
}
