import { ServerResponse, type IncomingMessage } from 'node:http';
import { automock } from '@test/support/automock';
import { assignRequestId, REQUEST_ID_HEADER, requestIdOf } from './request-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const buildRequest = (headers: Record<string, string | string[]> = {}, id?: unknown) =>
  ({ headers, id }) as IncomingMessage & { id?: unknown };

const buildResponse = () => {
  const headers = new Map<string, string>();
  const res: ServerResponse = automock(ServerResponse, {
    setHeader: (name, value) => {
      headers.set(name, String(value));
      return res;
    },
    hasHeader: (name) => headers.has(name),
  });
  return { res, headers };
};

describe('request ids', () => {
  it("keeps a caller's plain id and echoes it on the response", () => {
    const req = buildRequest({ 'x-request-id': 'abc-123.DEF:4@5' });
    const { res, headers } = buildResponse();

    expect(assignRequestId(req, res)).toBe('abc-123.DEF:4@5');
    expect(req.id).toBe('abc-123.DEF:4@5');
    expect(headers.get(REQUEST_ID_HEADER)).toBe('abc-123.DEF:4@5');
  });

  it.each([
    ['one that could inject into logs', 'abc\nlevel=fatal'],
    ['an overlong one', 'a'.repeat(129)],
    ['an empty one', ''],
  ])('replaces %s with a fresh UUID', (_, incoming) => {
    const { res, headers } = buildResponse();

    const id = assignRequestId(buildRequest({ 'x-request-id': incoming }), res);

    expect(id).toMatch(UUID);
    expect(headers.get(REQUEST_ID_HEADER)).toBe(id);
  });

  it('replaces a repeated header with a fresh UUID', () => {
    expect(assignRequestId(buildRequest({ 'x-request-id': ['a', 'b'] }), buildResponse().res)).toMatch(UUID);
  });

  it('assigns once: a request that already has an id (fastify asks first) keeps it, and echoes it once', () => {
    const { res, headers } = buildResponse();
    const req = buildRequest({ 'x-request-id': 'other' }, 'first');

    expect(assignRequestId(req, res)).toBe('first');
    expect(assignRequestId(req, res)).toBe('first');
    expect([...headers]).toEqual([[REQUEST_ID_HEADER, 'first']]);
  });

  it('reads the assigned id, or makes one up for a request that never got one', () => {
    expect(requestIdOf(buildRequest({}, 'given'))).toBe('given');
    expect(requestIdOf(buildRequest())).toMatch(UUID);
  });
});
