import { Controller, Get, Header, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { NotFoundProblem } from '@/common/http/problem';
import { problemIndexPage, problemPage } from '@/common/http/problem-pages';
import { isProblemCode, PROBLEM_CODES, PROBLEM_PAGES_PATH } from '@/common/http/problem-types';
import { ApiProblems } from '@/common/swagger/api-problems.decorator';
import { Public } from '@/modules/auth/decorators/public.decorator';

const MARKDOWN = 'text/markdown; charset=utf-8';
const PAGE = { type: 'string', maxLength: 100_000 } as const;

/**
 * The pages that problem `type`s resolve to (`/problems/<code>`): static text from the registry,
 * public and unthrottled like the probes, served whether or not the API docs are.
 */
@ApiTags('problems')
@Public()
@SkipThrottle()
@Controller(PROBLEM_PAGES_PATH)
export class ProblemsController {
  @Get()
  @Header('Content-Type', MARKDOWN)
  @ApiOperation({
    operationId: 'problems.list',
    summary: 'The registry of problem types (Markdown)',
    description: 'Every `type` an error answer can carry, with its status and meaning.',
  })
  @ApiProduces('text/markdown')
  @ApiOkResponse({ description: 'Every problem type with its status and meaning', schema: PAGE })
  index(): string {
    return problemIndexPage((code) => `/${PROBLEM_PAGES_PATH}/${code}`);
  }

  @Get(':code')
  @Header('Content-Type', MARKDOWN)
  @ApiOperation({
    operationId: 'problems.get',
    summary: 'The page of one problem type (Markdown)',
    description: 'What a problem `type` (`/problems/<code>`) resolves to: when it is answered, and what to do.',
  })
  @ApiParam({ name: 'code', enum: PROBLEM_CODES, description: 'The last segment of a problem `type`' })
  @ApiProduces('text/markdown')
  @ApiOkResponse({ description: 'When the service answers this type, and what to do about it', schema: PAGE })
  @ApiProblems(['not_found', 'No problem type has this code'])
  page(@Param('code') code: string): string {
    if (!isProblemCode(code)) throw new NotFoundProblem('No problem type has this code.');
    return problemPage(code);
  }
}
