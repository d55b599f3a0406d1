import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';

/**
 * zxcvbn's score 2 means about 10^6 guesses or more: it refuses the commonest passwords
 * ("password", "12345678", "Password123!"), keyboard rows, repeats and sequences, while any
 * password nobody else is likely to have chosen passes whatever its mix of characters.
 */
export const MIN_PASSWORD_SCORE = 2;

/** zxcvbn's warning keys, in words; the ones it reports for a password found in its lists say "too common". */
const WARNINGS: Record<string, string> = {
  topTen: 'is too common (one of the ten most used passwords)',
  topHundred: 'is too common (one of the hundred most used passwords)',
  common: 'is too common',
  similarToCommon: 'is too common (a common password with small changes)',
  wordByItself: 'is too easy to guess (a single word)',
  namesByThemselves: 'is too easy to guess (a name)',
  commonNames: 'is too easy to guess (a common name)',
  straightRow: 'is too easy to guess (a row of keys)',
  keyPattern: 'is too easy to guess (a keyboard pattern)',
  simpleRepeat: 'is too easy to guess (a repeated character)',
  extendedRepeat: 'is too easy to guess (a repeated pattern)',
  sequences: 'is too easy to guess (a sequence such as abc or 123)',
  recentYears: 'is too easy to guess (a recent year)',
  dates: 'is too easy to guess (a date)',
};

let estimator: ZxcvbnFactory | undefined;

/** Built on first use: the dictionaries take some tens of milliseconds to load. */
const zxcvbn = (): ZxcvbnFactory =>
  (estimator ??= new ZxcvbnFactory({ dictionary: { ...dictionary }, graphs: adjacencyGraphs }));

/**
 * Why a password would be refused, as the end of a sentence about it ("is too common"), or
 * undefined when it is acceptable. Only the strength: the 8–128 length rule is the caller's.
 */
export function passwordWeakness(password: string): string | undefined {
  if (password.trim() === '') return 'must not be only whitespace';
  const { score, feedback } = zxcvbn().check(password);
  if (score >= MIN_PASSWORD_SCORE) return undefined;
  return (feedback.warning && WARNINGS[feedback.warning]) || 'is too easy to guess';
}
