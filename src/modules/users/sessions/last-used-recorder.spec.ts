import { Logger } from '@nestjs/common';
import { In, IsNull, LessThan, Repository, UpdateResult } from 'typeorm';
import type { AuthConfig } from '@/config/configuration';
import { automock } from '@test/support/automock';
import type { Session } from './entities/session.entity';
import { LAST_USED_BATCH_SIZE, LAST_USED_RESOLUTION_MS, LastUsedRecorder } from './last-used-recorder';

const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const FLUSH_INTERVAL_MS = 60_000;

const updated = (affected: number): UpdateResult => ({ affected, raw: [], generatedMaps: [] });

describe(LastUsedRecorder.name, () => {
  let sessions: jest.Mocked<Repository<Session>>;
  let warn: jest.SpyInstance;
  let sut: LastUsedRecorder;

  /** The ids of each UPDATE, in order. */
  const idsWritten = () =>
    sessions.update.mock.calls.map(([where]) => (where as { id: ReturnType<typeof In> }).id.value as string[]);

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    sessions = automock(Repository<Session>, {
      update: async (where) => updated(((where as { id: ReturnType<typeof In> }).id.value as string[]).length),
    });
    const cfg = automock<AuthConfig>('AuthConfig', { lastUsedFlushIntervalMs: FLUSH_INTERVAL_MS });
    sut = new LastUsedRecorder(sessions, cfg);
  });
  afterEach(() => {
    warn.mockRestore();
    jest.useRealTimers();
  });

  it('writes nothing while sessions are used: a use is only remembered until the flush', () => {
    sut.used('s1', NOW);
    sut.used('s1', NOW + 1_000);
    sut.used('s2', NOW + 2_000);

    expect(sessions.update).not.toHaveBeenCalled();
  });

  it('writes every session seen since the last flush in one conditional UPDATE, at most once a minute per session', async () => {
    sut.used('s1', NOW - 5_000);
    sut.used('s1', NOW - 1_000);
    sut.used('s2', NOW - 3_000);

    await expect(sut.flush(NOW)).resolves.toBe(2);

    expect(sessions.update).toHaveBeenCalledTimes(1);
    expect(sessions.update).toHaveBeenCalledWith(
      { id: In(['s1', 's2']), revokedAt: IsNull(), lastUsedAt: LessThan(new Date(NOW - LAST_USED_RESOLUTION_MS)) },
      { lastUsedAt: new Date(NOW) },
    );
  });

  it('forgets what it wrote: a flush with no use since the last one sends no query', async () => {
    sut.used('s1', NOW);
    await sut.flush(NOW);
    await expect(sut.flush(NOW + FLUSH_INTERVAL_MS)).resolves.toBe(0);

    expect(sessions.update).toHaveBeenCalledTimes(1);
  });

  it('counts only the rows the database changed (another instance wrote the others this minute)', async () => {
    sessions.update.mockResolvedValueOnce(updated(1));
    sut.used('s1', NOW);
    sut.used('s2', NOW);

    await expect(sut.flush(NOW)).resolves.toBe(1);
  });

  it(`splits many sessions into UPDATEs of at most ${LAST_USED_BATCH_SIZE} ids`, async () => {
    const ids = Array.from({ length: LAST_USED_BATCH_SIZE * 2 + 1 }, (_, i) => `s${i}`);
    for (const id of ids) sut.used(id, NOW);

    await expect(sut.flush(NOW)).resolves.toBe(ids.length);

    expect(idsWritten().map((batch) => batch.length)).toEqual([LAST_USED_BATCH_SIZE, LAST_USED_BATCH_SIZE, 1]);
    expect(idsWritten().flat()).toEqual(ids);
  });

  it('never rejects when the database fails: it warns once per failing streak and retries at the next flush', async () => {
    sessions.update.mockRejectedValue(new Error('connection terminated'));
    sut.used('s1', NOW);

    await expect(sut.flush(NOW)).resolves.toBe(0);
    sut.used('s2', NOW + 1_000);
    await expect(sut.flush(NOW + 1_000)).resolves.toBe(0);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][1]).toMatch(/Could not write when sessions were last used/);

    sessions.update.mockImplementation(async () => updated(2));
    await expect(sut.flush(NOW + 2_000)).resolves.toBe(2);
    expect(idsWritten().at(-1)).toEqual(['s1', 's2']);
  });

  it('keeps a batch that failed halfway for the next flush, and only that part', async () => {
    const ids = Array.from({ length: LAST_USED_BATCH_SIZE + 1 }, (_, i) => `s${i}`);
    for (const id of ids) sut.used(id, NOW);
    sessions.update.mockResolvedValueOnce(updated(LAST_USED_BATCH_SIZE)).mockRejectedValueOnce(new Error('deadlock'));

    await expect(sut.flush(NOW)).resolves.toBe(LAST_USED_BATCH_SIZE);
    await sut.flush(NOW + 1_000);

    expect(idsWritten().at(-1)).toEqual([ids.at(-1)]);
  });

  it('joins a flush already running instead of sending a second one beside it', async () => {
    let release!: () => void;
    sessions.update.mockImplementationOnce(
      () => new Promise<UpdateResult>((done) => (release = () => done(updated(1)))),
    );
    sut.used('s1', NOW);

    const first = sut.flush(NOW);
    const second = sut.flush(NOW);
    release();

    expect(await Promise.all([first, second])).toEqual([1, 1]);
    expect(sessions.update).toHaveBeenCalledTimes(1);
  });

  it('flushes on its timer from boot, and once more at shutdown after the timer stopped', async () => {
    jest.useFakeTimers({ now: NOW });
    sut.onApplicationBootstrap();
    sut.used('s1');

    await jest.advanceTimersByTimeAsync(FLUSH_INTERVAL_MS);
    expect(idsWritten()).toEqual([['s1']]);

    sut.used('s2');
    await sut.beforeApplicationShutdown();
    expect(idsWritten()).toEqual([['s1'], ['s2']]);

    sut.used('s3');
    await jest.advanceTimersByTimeAsync(FLUSH_INTERVAL_MS * 3);
    expect(sessions.update).toHaveBeenCalledTimes(2);
  });
});
