import { Controller, Get, Header, INestApplication, Res, StreamableFile } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import type { Response } from 'express';
import { Readable } from 'node:stream';
import request from 'supertest';
import { createHttpAdapter } from '@/common/http/http-adapter';
import { parseEnv } from '@/config/env.schema';
import { ContractViolations } from '@test/support/contract-violations';
import { recordExchanges } from '@test/support/exchange-recorder';
import { OpenApiContract } from '@test/support/openapi-contract';

const LARGE = 'x'.repeat(3 * 1024 * 1024);

@Controller('stream')
class StreamController {
  /** Written in pieces of every kind res.write takes. */
  @Get('pieces')
  pieces(@Res() res: Response): void {
    res.status(200).type('application/json');
    res.write('{"id":');
    res.write(Buffer.from('7,'));
    res.write(Buffer.from('"name":"seven",').toString('hex'), 'hex');
    res.end(new TextEncoder().encode('"secret":1}'));
  }

  /** Larger than a socket takes at once, so the pipe has to wait for the client. */
  @Get('large')
  @Header('Content-Type', 'application/json')
  large(): StreamableFile {
    return new StreamableFile(Readable.from([`{"id":1,"name":"`, LARGE, `"}`]));
  }
}

/** Written the way routes answer on either platform: a returned object, serialized by the platform. */
@Controller('stream')
class PlainController {
  @Get('plain')
  plain(): object {
    return { id: 7, name: 'seven', secret: 1 };
  }
}

const item = { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } };
const CONTRACT = new OpenApiContract({
  openapi: '3.0.0',
  paths: Object.fromEntries(
    ['/stream/pieces', '/stream/large', '/stream/plain'].map((path) => [
      path,
      { get: { responses: { 200: { description: '', content: { 'application/json': { schema: item } } } } } },
    ]),
  ),
});

describe('recordExchanges', () => {
  let app: NestExpressApplication;
  const sut = new ContractViolations();

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [StreamController] }).compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ logger: false });
    app.use(recordExchanges(CONTRACT, sut));
    await app.init();
  });
  afterAll(() => app.close());
  afterEach(() => sut.drain());

  it('checks the whole body however it was written, and the client receives it unchanged', async () => {
    const res = await request(app.getHttpServer()).get('/stream/pieces').expect(200);
    const sent = '{"id":7,"name":"seven","secret":1}';
    expect(res.text).toBe(sent);
    await sut.settled();
    expect(sut.drain()).toEqual([
      {
        exchange: expect.objectContaining({ method: 'GET', path: '/stream/pieces', status: 200, body: sent }),
        operation: 'GET /stream/pieces',
        problems: ['body has an undocumented field "secret"'],
      },
    ]);
  });

  it('records a streamed body that outgrows the socket, without holding it back', async () => {
    const res = await request(app.getHttpServer()).get('/stream/large').expect(200);
    expect(res.text).toHaveLength(LARGE.length + '{"id":1,"name":""}'.length);
    expect(JSON.parse(res.text)).toEqual({ id: 1, name: LARGE });
    await sut.settled();
    expect(sut.drain()).toEqual([]);
  });

  it('records HEAD as the client gets it: headers and no body', async () => {
    const res = await request(app.getHttpServer()).head('/stream/pieces').expect(200);
    expect(res.text).toBeUndefined();
    await sut.settled();
    expect(sut.drain()).toEqual([]);
  });
});

describe('recordExchanges on the platform HTTP_ADAPTER names', () => {
  const sut = new ContractViolations();
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [PlainController] }).compile();
    const adapter = await createHttpAdapter(parseEnv());
    app = moduleRef.createNestApplication(adapter, { logger: false });
    app.use(recordExchanges(CONTRACT, sut));
    await app.init();
    if (adapter.getType() === 'fastify') await adapter.getInstance<{ ready(): Promise<unknown> }>().ready();
  });
  afterAll(() => app.close());

  // Fastify's requests reach middleware as Node.js requests, without express's `path`.
  it('checks the answers, so a run of the e2e suite on fastify is checked against the document', async () => {
    await request(app.getHttpServer()).get('/stream/plain?page=1').expect(200);
    await sut.settled();
    expect(sut.drain()).toEqual([
      {
        exchange: expect.objectContaining({ method: 'GET', path: '/stream/plain', status: 200 }),
        operation: 'GET /stream/plain',
        problems: ['body has an undocumented field "secret"'],
      },
    ]);
  });
});
