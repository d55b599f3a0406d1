import { readClientSources, renderClientSources } from '@tools/client-sdk';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const OPENAPI_FILE = resolve(__dirname, '..', '..', 'openapi.json');

/**
 * The client package's SDK is packages/client/src/generated/, generated from openapi.json
 * (which test/e2e/openapi-document.e2e-spec.ts holds to what the service serves): together,
 * a route or DTO change that was not regenerated fails `npm test`.
 */
describe('packages/client/src/generated/', () => {
  it('is what `npm run openapi` generates from openapi.json (run it if not)', async () => {
    const expected = await renderClientSources(readFileSync(OPENAPI_FILE, 'utf8'));
    expect(Object.keys(expected)).toEqual(expect.arrayContaining(['index.ts', 'sdk.gen.ts', 'types.gen.ts']));
    expect(readClientSources()).toEqual(expected);
  }, 60_000);
});
