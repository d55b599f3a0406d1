import { Body, Controller, Get, INestApplication, Post } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ApiBearerAuth, DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ApiProblems } from './api-problems.decorator';
import { applyOpenApiConventions, PROBLEM_TYPES_EXTENSION } from './openapi-conventions';

class Body_ {
  name!: string;
}

@Controller()
class DocumentedController {
  @Get('public')
  @ApiProblems(['not_found', 'No user with this id'])
  @ApiProblems('email_taken', 'last_admin')
  find(): void {}

  @Post('api/v1/things')
  @ApiBearerAuth('bearer')
  create(@Body() _body: Body_): void {}
}

type Response = {
  description: string;
  headers: Record<string, unknown>;
  content: Record<string, { schema: { $ref: string }; examples: Record<string, { value: { type: string } }> }>;
};

describe('ApiProblems with the document conventions', () => {
  let app: INestApplication;
  let document: OpenAPIObject;
  const responsesOf = (path: string, method: 'get' | 'post') =>
    document.paths[path][method]!.responses as unknown as Record<string, Response>;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [DocumentedController] }).compile();
    app = await moduleRef.createNestApplication({ logger: false }).init();
    document = applyOpenApiConventions(SwaggerModule.createDocument(app, new DocumentBuilder().build()), 'api/v1');
  });
  afterAll(() => app.close());

  it('merges every application of the decorator, grouping the types by status, each with an example', () => {
    const responses = responsesOf('/public', 'get');
    expect(Object.keys(responses).filter((status) => status !== '200')).toEqual(['400', '404', '409', '500']);
    const conflict = responses['409'];
    expect(conflict.content['application/problem+json'].schema.$ref).toBe('#/components/schemas/Problem');
    expect(Object.keys(conflict.content['application/problem+json'].examples)).toEqual(['email_taken', 'last_admin']);
    expect(conflict.content['application/problem+json'].examples.last_admin.value.type).toBe('/problems/last_admin');
    expect((conflict as unknown as Record<string, unknown>)[PROBLEM_TYPES_EXTENSION]).toEqual([
      '/problems/email_taken',
      '/problems/last_admin',
    ]);
  });

  it("describes a type by the route's own wording, else by the registry", () => {
    const responses = responsesOf('/public', 'get');
    expect(responses['404'].description).toBe('`not_found`: No user with this id');
    expect(responses['500'].description).toMatch(/^`internal_error`: The service failed/);
  });

  it('marks a public route public, and adds what the API, bearer auth and a body bring', () => {
    expect(document.paths['/public'].get!.security).toEqual([]);
    const responses = responsesOf('/api/v1/things', 'post');
    expect(Object.keys(responses)).toEqual(expect.arrayContaining(['400', '401', '413', '415', '429', '500', '503']));
    expect(Object.keys(responses['201'].headers)).toEqual(
      expect.arrayContaining(['X-Request-Id', 'Cache-Control', 'X-RateLimit-Remaining']),
    );
    expect(Object.keys(responses['429'].headers)).toContain('Retry-After');
    expect(document.paths['/public'].get!.responses['200']).not.toHaveProperty('headers.Cache-Control');
  });

  it('refuses to apply to a class, where it would document nothing', () => {
    expect(() => ApiProblems('forbidden')(DocumentedController.prototype, 'x', undefined as never)).toThrow(
      /route methods/,
    );
  });
});
