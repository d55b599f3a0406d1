/**
 * Writes the OpenAPI document to openapi.json (`npm run openapi`), from a preview application:
 * the routes and decorators are read, nothing is started (no database, no Redis).
 * `npm test` fails while the committed file differs from what this writes.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AppModule } from '@/app.module';
import { API_PREFIX, UNPREFIXED } from '@/app.setup';
import { createOpenApiDocument } from '@/common/swagger/openapi-document';

export const OPENAPI_FILE = resolve(__dirname, '..', 'openapi.json');

/** The document as it is committed: two-space JSON with a final newline. */
export async function renderOpenApiDocument(): Promise<string> {
  const app = await NestFactory.create(AppModule, { preview: true, logger: false, abortOnError: false });
  try {
    app.setGlobalPrefix(API_PREFIX, { exclude: UNPREFIXED });
    return `${JSON.stringify(createOpenApiDocument(app), null, 2)}\n`;
  } finally {
    await app.close();
  }
}

if (require.main === module) {
  renderOpenApiDocument()
    .then((text) => {
      writeFileSync(OPENAPI_FILE, text);
      process.stdout.write(`wrote ${OPENAPI_FILE}\n`);
    })
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    });
}
