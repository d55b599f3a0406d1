import { Registry } from 'prom-client';
import { ACTIVE_WINDOW_MINUTES, activeUsersKey, ActiveUsers } from './active-users';

describe(ActiveUsers.name, () => {
  const MINUTE = 60_000;
  const t0 = 1_000 * MINUTE;
  let sut: ActiveUsers;

  beforeEach(() => {
    sut = new ActiveUsers(null, new Registry());
  });

  it('counts distinct users, however often each is seen', async () => {
    for (const id of ['a', 'b', 'a', 'c', 'a']) sut.seen(id, t0);
    sut.seen('b', t0 + MINUTE);
    expect(await sut.count(t0 + MINUTE)).toBe(3);
  });

  it(`forgets a user not seen in the current minute or the ${ACTIVE_WINDOW_MINUTES - 1} before it`, async () => {
    sut.seen('old', t0);
    sut.seen('recent', t0 + 2 * MINUTE);
    expect(await sut.count(t0 + (ACTIVE_WINDOW_MINUTES - 1) * MINUTE)).toBe(2);
    expect(await sut.count(t0 + ACTIVE_WINDOW_MINUTES * MINUTE)).toBe(1);
    sut.seen('new', t0 + 7 * MINUTE);
    expect(await sut.count(t0 + 7 * MINUTE)).toBe(1);
  });

  it('keys every minute under one hash tag, so one PFCOUNT can merge them on a Redis Cluster', () => {
    const tags = [t0, t0 + MINUTE].map((t) => /\{([^}]*)\}/.exec(activeUsersKey(t / MINUTE))?.[1]);
    expect(tags[0]).toBeTruthy();
    expect(tags[1]).toBe(tags[0]);
    expect(activeUsersKey(1)).not.toBe(activeUsersKey(2));
  });
});
