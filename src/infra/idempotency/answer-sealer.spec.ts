import { AnswerSealer } from './answer-sealer';

const SECRET = 'a-secret-of-at-least-thirty-two-characters';

describe(AnswerSealer.name, () => {
  const sut = new AnswerSealer(SECRET);

  it('opens what it sealed, for the same storage key', () => {
    const sealed = sut.seal('{"accessToken":"eyJhbGciOi"}', 'key-1');
    expect(sut.open(sealed, 'key-1')).toBe('{"accessToken":"eyJhbGciOi"}');
  });

  it('never writes the plain text, and seals the same text differently each time', () => {
    const a = sut.seal('{"accessToken":"eyJhbGciOi"}', 'key-1');
    const b = sut.seal('{"accessToken":"eyJhbGciOi"}', 'key-1');
    expect(a).not.toBe(b);
    expect(Buffer.from(a, 'base64').toString('latin1')).not.toContain('accessToken');
  });

  it('does not open an answer moved to another key, sealed with another secret, or altered', () => {
    const sealed = sut.seal('answer', 'key-1');
    expect(sut.open(sealed, 'key-2')).toBeUndefined();
    expect(new AnswerSealer(`${SECRET}-rotated`).open(sealed, 'key-1')).toBeUndefined();
    const bytes = Buffer.from(sealed, 'base64');
    bytes[bytes.length - 1] ^= 1;
    expect(sut.open(bytes.toString('base64'), 'key-1')).toBeUndefined();
    expect(sut.open('c2hvcnQ=', 'key-1')).toBeUndefined();
  });
});
