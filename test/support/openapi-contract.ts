/**
 * Checks recorded HTTP exchanges against the OpenAPI document (openapi.json): the status, the
 * Content-Type, the JSON body and the response headers must be what the operation documents.
 * Every e2e app records its exchanges through it (see contract-violations.ts), so an answer the
 * document does not describe fails the test that caused it.
 */
import Ajv2019, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isEmail } from 'class-validator';
import { PROBLEM_TYPES_EXTENSION } from '@/common/swagger/openapi-conventions';
import { componentSchemas, isObject, toJsonSchema, type SchemaObject } from './openapi-schema';

/** One request and its answer as the client received it. */
export interface RecordedExchange {
  method: string;
  /** Without the query string. */
  path: string;
  status: number;
  /** Lower-case names. */
  headers: Record<string, string | string[] | undefined>;
  /** Raw text; '' when there is none. */
  body: string;
}

const DEFAULT_FILE = resolve(__dirname, '..', '..', 'openapi.json');
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const JSON_MEDIA_TYPE = /^application\/(?:[\w.-]+\+)?json$/;
const PROBLEM_JSON = /^application\/problem\+json\b/;

interface Operation {
  /** `METHOD /template`, as the document writes it. */
  key: string;
  responses: SchemaObject;
}

interface Route {
  pattern: RegExp;
  parameters: number;
  operations: Map<string, Operation>;
}

const contracts = new Map<string, OpenApiContract>();

/** The contract of `file` (the repository's openapi.json by default), read and prepared once. */
export function loadOpenApiContract(file: string = DEFAULT_FILE): OpenApiContract {
  const path = resolve(file);
  let contract = contracts.get(path);
  if (!contract) {
    contract = new OpenApiContract(JSON.parse(readFileSync(path, 'utf8')));
    contracts.set(path, contract);
  }
  return contract;
}

export class OpenApiContract {
  private readonly routes: Route[];
  /** Validates bodies; a second instance coerces header strings to the types their schemas name. */
  private readonly bodies: Ajv2019;
  private readonly headerValues: Ajv2019;
  /** Compiled once per schema object of the document (or the compile error). */
  private readonly validators = new Map<Ajv2019, WeakMap<object, ValidateFunction | string>>();

  constructor(private readonly document: SchemaObject) {
    const formats = new Set<string>();
    const { strict, open } = componentSchemas(this.resolve(document.components)?.schemas as SchemaObject, formats);
    this.bodies = newAjv(false);
    this.headerValues = newAjv(true);
    for (const ajv of [this.bodies, this.headerValues]) {
      addFormats(ajv);
      // What the service accepts as an address (class-validator's IsEmail): non-ASCII too.
      ajv.addFormat('idn-email', (value: string) => isEmail(value));
      // OpenAPI formats are open-ended: one ajv does not know is only an annotation.
      for (const format of formats) if (!ajv.formats[format]) ajv.addFormat(format, true);
      ajv.addSchema(strict).addSchema(open);
    }
    this.routes = this.readRoutes();
  }

  /** The documented operation express would route `method path` to, as `METHOD /template`. */
  operation(method: string, path: string): string | undefined {
    return this.find(method, path)?.key;
  }

  /** What about the exchange the document does not allow; [] when it conforms or no operation matches. */
  check(exchange: RecordedExchange): string[] {
    const operation = this.find(exchange.method, exchange.path);
    if (!operation) return [];
    const status = String(exchange.status);
    const response = this.resolve(
      operation.responses[status] ??
        operation.responses[`${status[0]}XX`] ??
        operation.responses[`${status[0]}xx`] ??
        operation.responses.default,
    );
    if (!response) {
      const documented = Object.keys(operation.responses).join(', ');
      return [`status: ${status} is not documented (documented: ${documented})`];
    }
    return [
      ...this.checkBody(exchange, response),
      ...this.checkProblemType(exchange, response),
      ...this.checkHeaders(exchange, response),
    ];
  }

  /** A problem's `type` must be one the response lists for this operation and status. */
  private checkProblemType(exchange: RecordedExchange, response: SchemaObject): string[] {
    const listed = response[PROBLEM_TYPES_EXTENSION];
    if (!Array.isArray(listed) || !PROBLEM_JSON.test(first(exchange.headers['content-type']) ?? '')) return [];
    let type: unknown;
    try {
      type = (JSON.parse(exchange.body) as { type?: unknown }).type;
    } catch {
      return []; // checkBody reports it
    }
    return listed.includes(type) ? [] : [`problem type: ${String(type)} is not listed (listed: ${listed.join(', ')})`];
  }

  private checkBody(exchange: RecordedExchange, response: SchemaObject): string[] {
    const head = exchange.method.toUpperCase() === 'HEAD';
    if (exchange.body !== '' && (head || exchange.status === 204)) {
      return [
        `body: ${head ? 'a HEAD answer' : 'a 204 answer'} must have none, got ${exchange.body.length} characters`,
      ];
    }
    const content = isObject(response.content) ? response.content : {};
    const documented = Object.keys(content);
    const mediaType = first(exchange.headers['content-type'])?.split(';')[0].trim().toLowerCase();
    // A HEAD answer says what GET would send in its Content-Type alone.
    const sent = exchange.body !== '' || (head && mediaType !== undefined);
    if (!sent) {
      if (head || exchange.status === 204 || documented.length === 0) return [];
      return [`body: none, but the document describes ${documented.join(', ')}`];
    }
    if (documented.length === 0) {
      return [`content-type: ${mediaType ?? 'a body without one'} sent, but the document describes no body`];
    }
    if (mediaType === undefined) return [`content-type: missing (documented: ${documented.join(', ')})`];
    const key = mediaTypeKey(documented, mediaType);
    if (key === undefined) {
      return [`content-type: ${mediaType} is not documented (documented: ${documented.join(', ')})`];
    }
    if (head || !JSON_MEDIA_TYPE.test(mediaType)) return [];
    const schema = (this.resolve(content[key]) ?? {}).schema;
    if (schema === undefined) return [];
    let body: unknown;
    try {
      body = JSON.parse(exchange.body);
    } catch (error) {
      return [`body: not valid JSON (${(error as Error).message})`];
    }
    return this.validate(this.bodies, schema, body, 'body', 'body');
  }

  private checkHeaders(exchange: RecordedExchange, response: SchemaObject): string[] {
    const problems: string[] = [];
    for (const [name, declared] of Object.entries(isObject(response.headers) ? response.headers : {})) {
      const lower = name.toLowerCase();
      // OpenAPI: a Content-Type entry here is ignored (the content map says it).
      if (lower === 'content-type') continue;
      const header = this.resolve(declared) ?? {};
      const value = exchange.headers[lower];
      if (value === undefined) {
        if (header.required === true) problems.push(`header: ${name} is required but missing`);
        continue;
      }
      if (header.schema === undefined) continue;
      for (const one of Array.isArray(value) ? value : [value]) {
        const what = `header ${name} (${JSON.stringify(one)})`;
        problems.push(...this.validate(this.headerValues, header.schema, one, 'header', what));
      }
    }
    return problems;
  }

  private validate(ajv: Ajv2019, schema: unknown, value: unknown, kind: string, what: string): string[] {
    if (!isObject(schema)) return [];
    let compiled = this.validators.get(ajv);
    if (!compiled) this.validators.set(ajv, (compiled = new WeakMap()));
    let validator = compiled.get(schema);
    if (validator === undefined) {
      try {
        validator = ajv.compile(toJsonSchema(schema) as SchemaObject);
      } catch (error) {
        validator = `the document's schema does not compile: ${(error as Error).message}`;
      }
      compiled.set(schema, validator);
    }
    if (typeof validator === 'string') return [`${kind}: ${validator}`];
    if (validator(value)) return [];
    return (validator.errors ?? []).map((error) => `${what}${explain(error)}`);
  }

  private find(method: string, path: string): Operation | undefined {
    const verb = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase();
    for (const route of this.routes) {
      if (!route.pattern.test(path)) continue;
      const operation = route.operations.get(verb);
      if (operation) return operation;
    }
    return undefined;
  }

  private readRoutes(): Route[] {
    const base = serverPath(this.document.servers);
    const routes: Route[] = [];
    for (const [template, item] of Object.entries(isObject(this.document.paths) ? this.document.paths : {})) {
      const pathItem = this.resolve(item) ?? {};
      const operations = new Map<string, Operation>();
      for (const method of METHODS) {
        const operation = pathItem[method];
        if (!isObject(operation)) continue;
        const responses = isObject(operation.responses) ? operation.responses : {};
        operations.set(method, { key: `${method.toUpperCase()} ${template}`, responses });
      }
      routes.push({ pattern: routePattern(base + template), parameters: template.split('{').length - 1, operations });
    }
    // /users/me before /users/{id}: the literal route is the one that answers it.
    return routes.sort((a, b) => a.parameters - b.parameters);
  }

  /** Follows a local `$ref` (`#/components/responses/…`, `#/components/headers/…`). */
  private resolve(value: unknown): SchemaObject | undefined {
    let current = value;
    for (let hops = 0; isObject(current) && typeof current.$ref === 'string'; hops++) {
      if (hops > 20 || !current.$ref.startsWith('#/')) throw new Error(`cannot follow $ref ${current.$ref}`);
      current = current.$ref
        .slice(2)
        .split('/')
        .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce<unknown>((node, token) => (isObject(node) ? node[token] : undefined), this.document);
    }
    return isObject(current) ? current : undefined;
  }
}

function newAjv(coerceTypes: boolean): Ajv2019 {
  // strictTypes off: 3.0 documents leave `type` implied (an enum, a bare `properties`).
  return new Ajv2019({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, coerceTypes });
}

/** Express matches paths case-insensitively, with or without one trailing slash. */
function routePattern(template: string): RegExp {
  const source = template
    .replace(/\/+$/, '')
    .split(/\{[^}]+\}/)
    .map((literal) => literal.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
  return new RegExp(`^${source}/?$`, 'i');
}

/** The path of the first server URL (`/`, `https://host/base`), which the paths are relative to. */
function serverPath(servers: unknown): string {
  const url = Array.isArray(servers) && isObject(servers[0]) ? servers[0].url : undefined;
  if (typeof url !== 'string') return '';
  return new URL(url, 'http://server.invalid').pathname.replace(/\/+$/, '');
}

/** The documented media type that covers `mediaType`: itself, `type/*` or `*\/*`. */
function mediaTypeKey(documented: string[], mediaType: string): string | undefined {
  const bare = (key: string) => key.split(';')[0].trim().toLowerCase();
  const range = `${mediaType.split('/')[0]}/*`;
  return (
    documented.find((key) => bare(key) === mediaType) ??
    documented.find((key) => bare(key) === range) ??
    documented.find((key) => bare(key) === '*/*')
  );
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function explain(error: ErrorObject): string {
  const at = error.instancePath === '' ? '' : ` ${error.instancePath}`;
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties')
    return `${at} has an undocumented field "${String(params.additionalProperty)}"`;
  if (error.keyword === 'unevaluatedProperties')
    return `${at} has an undocumented field "${String(params.unevaluatedProperty)}"`;
  if (error.keyword === 'enum') return `${at} must be one of ${JSON.stringify(params.allowedValues)}`;
  return `${at} ${error.message ?? error.keyword}`;
}
