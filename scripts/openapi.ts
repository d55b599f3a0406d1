/**
 * Writes the OpenAPI document to openapi.json (`npm run openapi`), from a preview application:
 * the routes and decorators are read, nothing is started (no database, no Redis). Writes the
 * pages of the problem types to docs/problems/ beside it, and the client package's SDK from the
 * document (packages/client/src/generated/). `npm test` fails while the committed files differ
 * from what this writes.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppModule } from '@/app.module';
import { API_PREFIX, UNPREFIXED } from '@/app.setup';
import { problemIndexPage, problemPage } from '@/common/http/problem-pages';
import { PROBLEM_CODES } from '@/common/http/problem-types';
import { createOpenApiDocument } from '@/common/swagger/openapi-document';
import { CLIENT_GENERATED_DIR, renderClientSources, writeClientSources } from '@tools/client-sdk';

export const OPENAPI_FILE = resolve(__dirname, '..', 'openapi.json');
export const PROBLEM_PAGES_DIR = resolve(__dirname, '..', 'docs', 'problems');

/** The committed problem pages, by file name: one per type, and the registry as README.md. */
export function problemPageFiles(): Record<string, string> {
  return {
    'README.md': problemIndexPage((code) => `${code}.md`),
    ...Object.fromEntries(PROBLEM_CODES.map((code) => [`${code}.md`, problemPage(code, 'README.md')])),
  };
}

/** The document as it is committed: two-space JSON with a final newline. */
export async function renderOpenApiDocument(): Promise<string> {
  const app = await NestFactory.create(AppModule, { preview: true, logger: false, abortOnError: false });
  try {
    app.setGlobalPrefix(API_PREFIX, { exclude: UNPREFIXED });
    return `${JSON.stringify(createOpenApiDocument(app, API_PREFIX), null, 2)}\n`;
  } finally {
    await app.close();
  }
}

if (require.main === module) {
  renderOpenApiDocument()
    .then(async (text) => {
      writeFileSync(OPENAPI_FILE, text);
      mkdirSync(PROBLEM_PAGES_DIR, { recursive: true });
      for (const [name, page] of Object.entries(problemPageFiles())) writeFileSync(join(PROBLEM_PAGES_DIR, name), page);
      process.stdout.write(`wrote ${OPENAPI_FILE} and ${PROBLEM_PAGES_DIR}\n`);
      writeClientSources(await renderClientSources(text));
      process.stdout.write(`wrote ${CLIENT_GENERATED_DIR}\n`);
    })
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    });
}
