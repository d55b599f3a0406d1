// @ts-check
/**
 * Runs @hey-api/openapi-ts for tools/client-sdk.ts, in a process of its own: the generator is
 * an ES module only, which the CommonJS build of the scripts and suites cannot require().
 *
 *   node tools/client-sdk-generate.mjs <document.json> <output folder> <tsconfig.json>
 *
 * Writes the SDK functions (one per operationId), the types of the document and the fetch
 * client they run on (its code copied into the output: no runtime dependency) to the folder.
 */
import { createClient } from '@hey-api/openapi-ts';
import { readFileSync } from 'node:fs';

const [input, output, tsconfig] = process.argv.slice(2);
if (!input || !output || !tsconfig) {
  process.stderr.write('usage: node tools/client-sdk-generate.mjs <document.json> <output folder> <tsconfig.json>\n');
  process.exit(2);
}

const HEADER = [
  '// Written by `npm run openapi` (@hey-api/openapi-ts) from openapi.json: edit the controllers',
  '// and DTOs, not this file; a test fails while it differs from what that writes.',
];

try {
  const jobs = await createClient({
    input: JSON.parse(readFileSync(input, 'utf8')),
    output: {
      path: output,
      header: HEADER,
      tsConfigPath: tsconfig,
      module: { extension: '.js' },
    },
    // No log folder, no crash report, no prompt: the caller reports what went wrong.
    logs: { level: 'silent', file: false },
    interactive: false,
    plugins: [
      { name: '@hey-api/client-fetch' },
      { name: '@hey-api/typescript' },
      { name: '@hey-api/sdk', operations: { strategy: 'flat' } },
    ],
  });
  // A document it cannot read ends in no job rather than an error.
  if (jobs.length === 0) throw new Error(`@hey-api/openapi-ts generated nothing from ${input}`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
