import { PasswordHasher } from './password-hasher';

describe(PasswordHasher.name, () => {
  const sut = new PasswordHasher();

  it('hashes with argon2id at 19 MiB, t=2, p=1 and a random salt', async () => {
    const [a, b] = await Promise.all([sut.hash('correct horse'), sut.hash('correct horse')]);
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,(t=2,p=1|p=1,t=2)\$/);
    expect(a).not.toBe(b);
  });

  it('verifies the right password, and answers false for a wrong one or a corrupt hash', async () => {
    const hash = await sut.hash('correct horse');
    await expect(sut.verify(hash, 'correct horse')).resolves.toBe(true);
    await expect(sut.verify(hash, 'wrong horse')).resolves.toBe(false);
    await expect(sut.verify('not-a-hash', 'correct horse')).resolves.toBe(false);
  });

  it('runs no more hashes at once than its concurrency allows', async () => {
    const single = new PasswordHasher({ hashConcurrency: 1 });
    const argon2 = jest.requireActual<typeof import('argon2')>('argon2');
    let running = 0;
    let peak = 0;
    const spy = jest.spyOn(argon2, 'hash').mockImplementation(async () => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setImmediate(resolve));
      running -= 1;
      return 'hashed';
    });
    try {
      await Promise.all([single.hash('a'), single.hash('b'), single.hash('c')]);
      expect(peak).toBe(1);
      expect(spy).toHaveBeenCalledTimes(3);
    } finally {
      spy.mockRestore();
    }
  });
});
