import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { uuidParam } from '@/common/pipes/uuid-param.pipe';
import { ApiProblems } from '@/common/swagger/api-problems.decorator';
import { SESSIONS_LISTED, SessionsService } from '@/modules/users/sessions/sessions.service';
import { Authenticated } from './decorators/authenticated.decorator';
import { AuthUser, CurrentUser } from './decorators/current-user.decorator';
import { SessionResponseDto } from './dto/session-response.dto';
import { toSessionResponse } from './session.mapper';

/** The caller's own logins: see where they are signed in, and end any of them. */
@ApiTags('auth')
@ApiExtraModels(SessionResponseDto)
@Controller('auth/sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @Authenticated()
  @ApiOperation({
    operationId: 'auth.listSessions',
    summary: 'Your live sessions, newest first',
    description:
      'Each login is a session until it is revoked or expires; `current` marks this one. ' +
      `At most the newest ${SESSIONS_LISTED} are listed.`,
  })
  @ApiOkResponse({
    schema: { type: 'array', maxItems: SESSIONS_LISTED, items: { $ref: getSchemaPath(SessionResponseDto) } },
  })
  async list(@CurrentUser() caller: AuthUser): Promise<SessionResponseDto[]> {
    return (await this.sessions.listLive(caller.id)).map((session) => toSessionResponse(session, caller.sessionId));
  }

  @Delete()
  @Authenticated()
  @HttpCode(204)
  @ApiOperation({
    operationId: 'auth.endOtherSessions',
    summary: 'End every session but this one',
    description: 'Their access and refresh tokens stop working on every instance at once.',
  })
  @ApiNoContentResponse({ description: 'The other sessions are revoked' })
  async revokeOthers(@CurrentUser() caller: AuthUser): Promise<void> {
    await this.sessions.revokeAllForUser(caller.id, 'user_revoked_others', caller.sessionId);
  }

  @Delete(':id')
  @Authenticated()
  @HttpCode(204)
  @ApiOperation({
    operationId: 'auth.endSession',
    summary: 'End one of your sessions',
    description:
      'Its access and refresh tokens stop working on every instance at once. Ending the current ' +
      "session is a logout. Someone else's session id answers 404, exactly like an unknown one.",
  })
  @ApiParam({
    name: 'id',
    schema: { type: 'string', format: 'uuid', maxLength: 36 },
    description: 'The id of one of your sessions',
  })
  @ApiNoContentResponse({ description: 'The session is revoked' })
  @ApiProblems(
    ['validation_failed', 'id is not a UUID'],
    ['not_found', "No such live session of yours (unknown, ended, or someone else's)"],
  )
  async revoke(@CurrentUser() caller: AuthUser, @Param('id', uuidParam()) id: string): Promise<void> {
    await this.sessions.revokeOwn(caller.id, id);
  }
}
