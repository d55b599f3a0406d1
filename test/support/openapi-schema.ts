/**
 * OpenAPI 3.0 schema objects rewritten as JSON Schema (draft 2019-09) for ajv, strict about
 * responses: an object schema that does not say what else it may hold holds nothing else, so a
 * field the document does not describe (a password hash, an internal flag) is a violation.
 * Works on copies; the document itself is never changed.
 */

export type SchemaObject = Record<string, unknown>;

/** The `$id`s the components are registered under: strict, and open at their top level (for `allOf`). */
export const STRICT_COMPONENTS = 'openapi:components:strict';
export const OPEN_COMPONENTS = 'openapi:components:open';

const COMPONENT_REF = '#/components/schemas/';

/** Keywords that document rather than constrain, or that ajv would refuse to compile. */
const DROPPED = new Set(['example', 'examples', 'xml', 'externalDocs', 'discriminator', 'nullable']);

/** Keywords whose value is one schema, and those whose value maps names to schemas. */
const ONE_SCHEMA = ['items', 'additionalProperties', 'not'];
const NAMED_SCHEMAS = ['properties', 'patternProperties'];

/**
 * `open`: the schema is one member of an `allOf`, whose holder closes the object with
 * `unevaluatedProperties` (a member cannot close it alone without refusing its siblings' fields).
 */
export function toJsonSchema(schema: unknown, open = false, formats?: Set<string>): unknown {
  if (Array.isArray(schema)) return schema.map((item) => toJsonSchema(item, open, formats));
  if (!isObject(schema)) return schema;
  // OpenAPI 3.0: a $ref replaces the whole object, its siblings are ignored.
  if (typeof schema.$ref === 'string') return { $ref: rewriteRef(schema.$ref, open) };

  const out: SchemaObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED.has(key) || key.startsWith('x-')) continue;
    if (NAMED_SCHEMAS.includes(key) && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, s]) => [name, toJsonSchema(s, false, formats)]));
    } else if (ONE_SCHEMA.includes(key) && isObject(value)) {
      // Under `not` a closed object would make the negation accept more, not less.
      out[key] = toJsonSchema(value, key === 'not', formats);
    } else if (key === 'allOf' && Array.isArray(value)) {
      out[key] = value.map((member) => toJsonSchema(member, true, formats));
    } else if ((key === 'anyOf' || key === 'oneOf') && Array.isArray(value)) {
      // Each alternative describes the whole value: strict unless the holder is itself a member.
      out[key] = value.map((alternative) => toJsonSchema(alternative, open || hasOwnFields(schema), formats));
    } else if (key === 'format' && typeof value === 'string') {
      formats?.add(value);
      out[key] = value;
    } else {
      out[key] = value;
    }
  }
  exclusiveBoundsAsNumbers(out);
  if (!open) close(out, schema);
  return schema.nullable === true ? allowNull(out) : out;
}

/** The components of a document, ready to register with ajv in both variants. */
export function componentSchemas(
  schemas: Record<string, unknown> | undefined,
  formats: Set<string>,
): { strict: SchemaObject; open: SchemaObject } {
  const entries = Object.entries(schemas ?? {});
  const variant = (open: boolean): SchemaObject => ({
    $id: open ? OPEN_COMPONENTS : STRICT_COMPONENTS,
    $defs: Object.fromEntries(entries.map(([name, schema]) => [name, toJsonSchema(schema, open, formats)])),
  });
  return { strict: variant(false), open: variant(true) };
}

function rewriteRef(ref: string, open: boolean): string {
  if (!ref.startsWith(COMPONENT_REF)) throw new Error(`unsupported schema $ref ${ref}`);
  // The name is already a JSON pointer token (escaped ~0/~1) in the document's $ref.
  return `${open ? OPEN_COMPONENTS : STRICT_COMPONENTS}#/$defs/${ref.slice(COMPONENT_REF.length)}`;
}

/** Closes an object schema that leaves its other properties unsaid. */
function close(out: SchemaObject, original: SchemaObject): void {
  if ('additionalProperties' in original || 'unevaluatedProperties' in original) return;
  const composed = Array.isArray(original.allOf) || (hasOwnFields(original) && hasAlternatives(original));
  if (composed) out.unevaluatedProperties = false;
  else if (original.type === 'object' || isObject(original.properties)) out.additionalProperties = false;
}

function hasOwnFields(schema: SchemaObject): boolean {
  return isObject(schema.properties) || isObject(schema.patternProperties);
}

function hasAlternatives(schema: SchemaObject): boolean {
  return Array.isArray(schema.anyOf) || Array.isArray(schema.oneOf);
}

/** 3.0 takes `exclusiveMinimum: true` beside `minimum`; JSON Schema takes the bound itself. */
function exclusiveBoundsAsNumbers(out: SchemaObject): void {
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof out[flag] !== 'boolean') continue;
    if (out[flag] && typeof out[bound] === 'number') {
      out[flag] = out[bound];
      delete out[bound];
    } else {
      delete out[flag];
    }
  }
}

/** `nullable: true`: null is a value too (an `enum` must list it, as 3.0.3 clarifies). */
function allowNull(out: SchemaObject): SchemaObject {
  if (typeof out.type === 'string') {
    const nullable: SchemaObject = { ...out, type: [out.type, 'null'] };
    if (Array.isArray(out.enum) && !out.enum.includes(null)) nullable.enum = [...(out.enum as unknown[]), null];
    return nullable;
  }
  return { anyOf: [out, { type: 'null' }] };
}

export function isObject(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
