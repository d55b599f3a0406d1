/** What a redacted query value reads as, in access-log lines and span attributes alike. */
export const REDACTED = '[REDACTED]';

/** Parameters that carry credentials in the wild: OAuth, signed links, API keys, reset and verify links. */
const SENSITIVE_NAMES = new Set([
  'access_token',
  'refresh_token',
  'id_token',
  'token',
  'code',
  'password',
  'passwd',
  'pwd',
  'secret',
  'client_secret',
  'api_key',
  'apikey',
  'key',
  'signature',
  'sig',
  'auth',
  'authorization',
  'jwt',
  'session',
  'credential',
  'awsaccesskeyid',
]);

/**
 * Any `…_token`, `…_secret`, `…_password`, `…_key`, `…_signature` or `…_credential`
 * (`reset_token`, `X-Amz-Signature`, `X-Goog-Credential`). With the names above, this
 * covers the OpenTelemetry HTTP instrumentation's own list as well.
 */
const SENSITIVE_SUFFIX = /_(token|secret|password|key|signature|credential)$/;

/**
 * Compared decoded, without a trailing `[…]` (`password[]`, `token[x]`), with camelCase,
 * `-` and `.` read as `_` and lower-cased, so `Access-Token`, `accessToken`,
 * `currentPassword` or `%61ccess_token` cannot slip a value past.
 */
export function isSensitiveQueryParam(rawName: string): boolean {
  const words = decodeLenient(rawName)
    .replace(/\[[^\]]*\]$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[-.]/g, '_')
    .toLowerCase();
  return SENSITIVE_NAMES.has(words) || SENSITIVE_NAMES.has(words.replace(/_/g, '')) || SENSITIVE_SUFFIX.test(words);
}

/**
 * The query part of a URL (without `?`) with the value of every sensitive parameter
 * replaced by `[REDACTED]`; other parameters, their order and their encoding are kept.
 */
export function redactQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq === -1 ? pair : pair.slice(0, eq);
      return isSensitiveQueryParam(name) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
}

/** A request target (`/path?query`) fit for a log line: the path as sent, the query redacted. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : `${url.slice(0, q + 1)}${redactQuery(url.slice(q + 1))}`;
}

function decodeLenient(value: string): string {
  const spaced = value.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    // A malformed escape: compare the text as sent.
    return spaced;
  }
}
