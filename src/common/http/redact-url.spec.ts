import { isSensitiveQueryParam, redactQuery, redactUrl } from './redact-url';

describe('redactUrl', () => {
  it('replaces the value of a credential parameter and keeps the others', () => {
    expect(redactUrl('/api/v1/things?access_token=secret123&page=2')).toBe(
      '/api/v1/things?access_token=[REDACTED]&page=2',
    );
  });

  it('leaves a URL without a query untouched', () => {
    expect(redactUrl('/api/v1/things/7')).toBe('/api/v1/things/7');
  });

  it.each([
    'access_token',
    'ACCESS_TOKEN',
    'Access-Token',
    '%61ccess_token',
    'refresh_token',
    'token',
    'code',
    'password',
    'secret',
    'client_secret',
    'api_key',
    'apikey',
    'API-Key',
    'key',
    'signature',
    'sig',
    'reset_token',
    'X-Amz-Signature',
    'X-Amz-Credential',
    'X-Amz-Security-Token',
    'X-Goog-Signature',
    'AWSAccessKeyId',
    'accessToken',
    'refreshToken',
    'idToken',
    'resetToken',
    'clientSecret',
    'currentPassword',
    'password[]',
    'token[x]',
    'apiKey',
  ])('redacts %s', (name) => {
    expect(isSensitiveQueryParam(name)).toBe(true);
    expect(redactQuery(`${name}=s3cr3t`)).toBe(`${name}=[REDACTED]`);
  });

  it.each([
    'page',
    'limit',
    'sort',
    'search',
    'role',
    'keyword',
    'monkey',
    'tokens_left',
    'pageToken2x',
    'sortKeyword',
  ])('keeps %s', (name) => {
    expect(isSensitiveQueryParam(name)).toBe(false);
  });

  it('redacts every occurrence of a repeated parameter, and one without a value', () => {
    expect(redactQuery('token=a&token=b&token&sort=name:asc')).toBe(
      'token=[REDACTED]&token=[REDACTED]&token=[REDACTED]&sort=name:asc',
    );
  });

  it('keeps the encoding of the parameters it does not redact, and survives a malformed escape', () => {
    expect(redactQuery('search=a%20b+c&%E0%A4%A=1&sig=x')).toBe('search=a%20b+c&%E0%A4%A=1&sig=[REDACTED]');
  });
});
