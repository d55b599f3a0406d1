import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CLIENT_SCHEMA_FILE, renderClientSchema } from '@tools/client-schema';

const OPENAPI_FILE = resolve(__dirname, '..', '..', 'openapi.json');

/**
 * The client package is typed by packages/client/src/schema.ts, generated from openapi.json
 * (which test/e2e/openapi-document.e2e-spec.ts holds to what the service serves): together,
 * a route or DTO change that was not regenerated fails `npm test`.
 */
describe('packages/client/src/schema.ts', () => {
  it('is what `npm run openapi` generates from openapi.json (run it if not)', async () => {
    const expected = await renderClientSchema(readFileSync(OPENAPI_FILE, 'utf8'));
    expect(readFileSync(CLIENT_SCHEMA_FILE, 'utf8')).toBe(expected);
  });
});
