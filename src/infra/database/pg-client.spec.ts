import { once } from 'node:events';
import { createServer, Server, Socket } from 'node:net';
import { Client } from 'pg';
import { QueryFailedError } from 'typeorm';
import { isQueryReadTimeout, PgClient, QUERY_READ_TIMEOUT_MESSAGE } from './pg-client';

/**
 * A server that completes PostgreSQL's start-up (AuthenticationOk, ReadyForQuery) and then
 * never answers a query: a partitioned path, seen from the client.
 */
async function muteServer(): Promise<{ port: number; sockets: Socket[]; server: Server }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.once('data', () => {
      const authOk = Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0]);
      const readyForQuery = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]);
      socket.write(Buffer.concat([authOk, readyForQuery]));
      socket.on('data', () => undefined);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as { port: number }).port, sockets, server };
}

/** Long enough that "at once" is told apart from "after a timeout" on a loaded machine. */
const QUERY_TIMEOUT_MS = 400;

describe(PgClient.name, () => {
  let mute: Awaited<ReturnType<typeof muteServer>>;
  const clients: Client[] = [];

  beforeEach(async () => {
    mute = await muteServer();
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.connection.stream.destroy();
    for (const socket of mute.sockets) socket.destroy();
    await new Promise((done) => mute.server.close(done));
  });

  const connect = async (Type: typeof Client) => {
    const client = new Type({ host: '127.0.0.1', port: mute.port, user: 'app', query_timeout: QUERY_TIMEOUT_MS });
    client.on('error', () => undefined);
    clients.push(client);
    await client.connect();
    return client;
  };
  const failure = (attempt: Promise<unknown>) =>
    attempt.then(
      () => {
        throw new Error('answered');
      },
      (error: unknown) => error as Error,
    );

  it('drops the connection when a reply misses query_timeout, so the next query fails at once', async () => {
    const sut = await connect(PgClient);
    const closed = once(mute.sockets[0], 'close');

    expect(await failure(sut.query('SELECT 1'))).toMatchObject({ message: QUERY_READ_TIMEOUT_MESSAGE });
    await closed;
    const started = Date.now();
    const next = await failure(sut.query('SELECT 2'));

    // Well below another query_timeout: the query was refused, not left waiting for a reply.
    expect(Date.now() - started).toBeLessThan(QUERY_TIMEOUT_MS / 2);
    expect(next.message).not.toBe(QUERY_READ_TIMEOUT_MESSAGE);
  });

  it('also drops it for a query made with a callback', async () => {
    const sut = await connect(PgClient);
    const closed = once(mute.sockets[0], 'close');

    const error = await new Promise<Error>((done) => sut.query('SELECT 1', (err) => done(err)));

    expect(error.message).toBe(QUERY_READ_TIMEOUT_MESSAGE);
    await closed;
  });

  it('is needed: pg alone keeps the connection, and a later query waits out another timeout behind the first', async () => {
    const plain = await connect(Client);

    await failure(plain.query('SELECT 1'));
    const started = Date.now();
    const next = await failure(plain.query('SELECT 2'));

    expect(next.message).toBe(QUERY_READ_TIMEOUT_MESSAGE);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(mute.sockets[0].destroyed).toBe(false);
  });
});

describe(isQueryReadTimeout.name, () => {
  it('recognises pg’s read timeout, raw and wrapped by TypeORM', () => {
    const raw = new Error(QUERY_READ_TIMEOUT_MESSAGE);

    expect(isQueryReadTimeout(raw)).toBe(true);
    expect(isQueryReadTimeout(new QueryFailedError('SELECT 1', [], raw))).toBe(true);
  });

  it('ignores other errors and non-errors', () => {
    expect(isQueryReadTimeout(new Error('Connection terminated unexpectedly'))).toBe(false);
    expect(isQueryReadTimeout(undefined)).toBe(false);
    expect(isQueryReadTimeout(QUERY_READ_TIMEOUT_MESSAGE)).toBe(false);
  });
});
