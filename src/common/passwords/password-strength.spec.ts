import { passwordWeakness } from './password-strength';

describe('passwordWeakness', () => {
  it.each([
    ['password', 'is too common (one of the ten most used passwords)'],
    ['12345678', 'is too common (one of the ten most used passwords)'],
    ['password1', 'is too common'],
    ['Password123!', 'is too common (a common password with small changes)'],
    ['qwertyuiop', 'is too common (one of the hundred most used passwords)'],
    ['xxxxxxxx', 'is too easy to guess (a repeated character)'],
    ['abcdefgh', 'is too easy to guess (a sequence such as abc or 123)'],
    ['        ', 'must not be only whitespace'],
    [' \t \n \u00a0  ', 'must not be only whitespace'],
  ])('refuses %j: it %s', (password, reason) => {
    expect(passwordWeakness(password)).toBe(reason);
  });

  it.each(['a-good-password', 'correct-horse-battery', 'k7#Qm2!x', 'pw-😀-long-enough'])('accepts %j', (password) => {
    expect(passwordWeakness(password)).toBeUndefined();
  });
});
