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
});
