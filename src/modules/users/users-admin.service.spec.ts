import { likeContains } from './users-admin.service';

describe('likeContains', () => {
  it('wraps the lower-cased term in wildcards', () => {
    expect(likeContains('Ada')).toBe('%ada%');
  });

  it('escapes LIKE wildcards and the escape character itself, and leaves quotes and backslashes as data', () => {
    expect(likeContains('100%_done!')).toBe('%100!%!_done!!%');
    expect(likeContains(`a'b\\c`)).toBe(`%a'b\\c%`);
  });
});
