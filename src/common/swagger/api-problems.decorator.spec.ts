import { Controller, Get, INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ApiProblems } from './api-problems.decorator';

@Controller()
class DocumentedController {
  @Get()
  @ApiProblems(401, [404, 'No user with this id'], 418, 499)
  find(): void {}
}

type Documented = Record<string, { description: string; content: Record<string, { schema: { $ref: string } }> }>;

describe('ApiProblems', () => {
  let app: INestApplication;
  let responses: Documented;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [DocumentedController] }).compile();
    app = await moduleRef.createNestApplication({ logger: false }).init();
    const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
    responses = document.paths['/'].get!.responses as Documented;
    expect(document.components?.schemas).toHaveProperty('ProblemDto');
  });
  afterAll(() => app.close());

  it('documents each status as an application/problem+json problem', () => {
    expect(Object.keys(responses).sort()).toEqual(['401', '404', '418', '499']);
    for (const response of Object.values(responses)) {
      expect(response.content['application/problem+json'].schema.$ref).toBe('#/components/schemas/ProblemDto');
    }
  });

  it('describes a status by the route, by our wording, by its reason phrase, or as "Error"', () => {
    expect(responses['404'].description).toBe('No user with this id');
    expect(responses['401'].description).toBe('Missing, invalid, expired or revoked credentials');
    expect(responses['418'].description).toBe("I'm a Teapot");
    expect(responses['499'].description).toBe('Error');
  });
});
