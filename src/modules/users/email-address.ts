/**
 * One spelling per address. NFKC folds the canonical and compatibility variants a keyboard,
 * a paste or another platform may produce (NFC "é" and NFD "e" + U+0301, full-width letters)
 * into one; trim and lower-case then make case and stray spaces irrelevant. The stored value
 * is this string, and every store compares it exactly (binary collation on MySQL).
 */
export const normaliseEmail = (email: string): string => email.normalize('NFKC').trim().toLowerCase();

/**
 * Format (Cf: zero-width spaces and joiners, bidi embeddings, overrides and isolates, the BOM)
 * and control (Cc) characters: invisible, so two addresses that look the same would differ.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}]/u;

export const hasInvisibleCharacters = (value: string): boolean => INVISIBLE.test(value);
