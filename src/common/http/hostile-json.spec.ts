import type { IncomingMessage } from 'node:http';
import { MAX_JSON_FIELDS, rejectHostileJson } from './hostile-json';
import { ProblemException, ValidationProblem } from './problem';

const run = (body: unknown, query: Record<string, unknown> = {}) => {
  const next: jest.Mock = jest.fn();
  const search = new URLSearchParams(
    Object.entries(query).map(([key, value]): [string, string] => [key, String(value)]),
  );
  rejectHostileJson(
    { body, url: `/api/v1/users?${search.toString()}` } as IncomingMessage & { body: unknown },
    {},
    next,
  );
  expect(next).toHaveBeenCalledTimes(1);
  return next.mock.calls[0][0] as unknown;
};

const keys = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, i]));

describe('rejectHostileJson', () => {
  it('passes an ordinary body on', () => {
    expect(run({ email: 'a@example.com', nested: { list: [1, 2, 3] } })).toBeUndefined();
  });

  it(`passes ${MAX_JSON_FIELDS} fields on, and refuses one more before anything validates it`, () => {
    expect(run(keys(MAX_JSON_FIELDS))).toBeUndefined();
    const sut = run(keys(MAX_JSON_FIELDS + 1));
    expect(sut).toBeInstanceOf(ProblemException);
    expect(sut).toMatchObject({ code: 'too_many_fields', status: 400 });
  });

  it('counts array items and nested keys, and query parameters', () => {
    expect(run({ a: { b: Array.from({ length: MAX_JSON_FIELDS }, () => 0) } })).toMatchObject({
      code: 'too_many_fields',
    });
    expect(run({}, keys(MAX_JSON_FIELDS + 1))).toMatchObject({ code: 'too_many_fields' });
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses a %s key as an unknown field, with its path', (key) => {
    const sut = run(JSON.parse(`{"a":{"${key}":{"role":"admin"}}}`));
    expect(sut).toBeInstanceOf(ValidationProblem);
    expect(sut).toMatchObject({ errors: [{ field: `a.${key}`, message: `property ${key} should not exist` }] });
  });
});
