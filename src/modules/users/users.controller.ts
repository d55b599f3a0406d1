import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { HttpRequest } from '@/common/http/platform';
import { AuthUser, CurrentUser } from '@/modules/auth/decorators/current-user.decorator';
import { Authenticated } from '@/modules/auth/decorators/authenticated.decorator';
import { LookedUpProfile } from '@/modules/auth/decorators/looked-up-profile.decorator';
import { clientOf } from '@/common/http/client-address';
import { uuidParam } from '@/common/pipes/uuid-param.pipe';
import { ApiProblems } from '@/common/swagger/api-problems.decorator';
import { Idempotent } from '@/infra/idempotency/idempotent.decorator';
import { AdminCreateUserDto } from './dto/admin-create-user.dto';
import { AdminUpdateUserDto } from './dto/admin-update-user.dto';
import { DeleteMeDto } from './dto/delete-me.dto';
import { ListUsersQueryDto } from './dto/list-users-query.dto';
import { UpdateMeDto } from './dto/update-me.dto';
import { UserResponseDto, UsersPageDto } from './dto/user-response.dto';
import type { ProfileLookup } from './user-profile.cache';
import { toUserResponse } from './user.mapper';
import { UsersAdminService } from './users-admin.service';
import { UsersService } from './users.service';

const USER_ID = {
  name: 'id',
  schema: { type: 'string' as const, format: 'uuid', maxLength: 36 },
  description: 'The id of a user',
};

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly admin: UsersAdminService,
  ) {}

  @Get('me')
  @Authenticated({ readsProfile: 'caller' })
  @ApiOperation({
    operationId: 'users.getMe',
    summary: 'The signed-in user',
    description: 'The account of the access token, as it is now (a change by an admin shows at once).',
  })
  @ApiOkResponse({ type: UserResponseDto })
  async me(@CurrentUser() caller: AuthUser, @LookedUpProfile() cached?: ProfileLookup): Promise<UserResponseDto> {
    return this.users.getProfile(caller.id, cached);
  }

  @Patch('me')
  @Idempotent()
  @Authenticated()
  @ApiOperation({
    operationId: 'users.updateMe',
    summary: 'Change your name, password or email',
    description:
      'A password change needs currentPassword and revokes all your other sessions; this one stays valid. ' +
      'An email change needs currentPassword too and is only requested: the answer still shows your ' +
      'current address, a link goes to the new one (the change happens when it is opened, through ' +
      'POST /auth/email/verify, valid for EMAIL_VERIFY_TTL), and your current address is told. Your ' +
      'current address again changes nothing and sends no mail. Both may come in one request; ' +
      'currentPassword is checked once. A wrong currentPassword counts as a failed login of your account ' +
      'from this client. Role and activation cannot be changed here (unknown fields are refused).',
  })
  @ApiOkResponse({ type: UserResponseDto, description: 'The user, with the current (not yet the new) email' })
  @ApiProblems(
    ['validation_failed', 'Invalid field, unknown field, or currentPassword missing or incorrect'],
    ['email_taken', 'An account with the new email exists'],
    ['too_many_login_failures', 'Too many failed password attempts (logins or currentPassword)'],
    ['rate_limited', 'Too many email changes requested, or over the request budget'],
    'hashing_busy',
    'login_limit_unavailable',
    ['mail_unavailable', 'The mails of an email change cannot be queued; nothing was changed'],
  )
  async updateMe(
    @CurrentUser() caller: AuthUser,
    @Body() dto: UpdateMeDto,
    @Req() req: HttpRequest,
  ): Promise<UserResponseDto> {
    return toUserResponse(await this.users.updateMe(caller, dto, clientOf(req)));
  }

  @Delete('me')
  @Authenticated()
  @HttpCode(204)
  @ApiOperation({
    operationId: 'users.deleteMe',
    summary: 'Delete your own account',
    description:
      'Needs currentPassword. The account is erased (docs/security.md, "Deleting an account"), every one of ' +
      'its tokens stops working on every node at once, and the email can register again. A wrong ' +
      'currentPassword counts as a failed login of your account from this client. The last active admin ' +
      'cannot delete itself (409 last_admin).',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(
    ['validation_failed', 'currentPassword missing or incorrect, or unknown field'],
    ['last_admin', 'You are the last active admin'],
    ['too_many_login_failures', 'Too many failed password attempts (logins or currentPassword)'],
    'hashing_busy',
    'login_limit_unavailable',
  )
  async deleteMe(@CurrentUser() caller: AuthUser, @Body() dto: DeleteMeDto, @Req() req: HttpRequest): Promise<void> {
    await this.users.deleteMe(caller, dto, clientOf(req));
  }

  @Post()
  @Idempotent()
  @Authenticated({ roles: ['admin'] })
  @ApiOperation({
    operationId: 'users.create',
    summary: 'Create a user (admin)',
    description:
      'In any role (default user), with a password the admin hands over; no welcome mail is sent. ' +
      'Without a password the user is invited: a mail to the address carries a link to ' +
      '<APP_PUBLIC_URL>/reset-password?token=… (valid for INVITATION_TTL, once), whose token ' +
      'POST /auth/password/reset accepts to set the password; until then the account cannot log in. ' +
      'If the invitation cannot be queued, no account is created (503 mail_unavailable).',
  })
  @ApiCreatedResponse({ type: UserResponseDto })
  @ApiProblems('email_taken', 'hashing_busy', [
    'mail_unavailable',
    'Without a password: the invitation mail cannot be queued; no account was created',
  ])
  async create(@Body() dto: AdminCreateUserDto): Promise<UserResponseDto> {
    return toUserResponse(await this.admin.create(dto));
  }

  @Get()
  @Authenticated({ roles: ['admin'] })
  @ApiOperation({
    operationId: 'users.list',
    summary: 'List users (admin)',
    description: 'Paginated; search matches name or email.',
  })
  @ApiOkResponse({ type: UsersPageDto })
  @ApiProblems(['validation_failed', 'Invalid page, limit, sort, search or role, or an unknown parameter'])
  async list(@Query() query: ListUsersQueryDto): Promise<UsersPageDto> {
    const page = await this.admin.list(query);
    return {
      data: page.users.map(toUserResponse),
      meta: {
        page: page.page,
        limit: page.limit,
        total: page.total,
        totalPages: Math.ceil(page.total / page.limit),
      },
    };
  }

  @Get(':id')
  @Authenticated({ readsProfile: { param: 'id' } })
  @ApiOperation({
    operationId: 'users.get',
    summary: 'One user (admin, or that user)',
    description: "Someone else's id answers 404 to a non-admin, so ids cannot be probed.",
  })
  @ApiParam(USER_ID)
  @ApiOkResponse({ type: UserResponseDto })
  @ApiProblems(['validation_failed', 'id is not a UUID'], ['not_found', "No such user, or someone else's"])
  async findOne(
    @CurrentUser() caller: AuthUser,
    @Param('id', uuidParam()) id: string,
    @LookedUpProfile() cached?: ProfileLookup,
  ): Promise<UserResponseDto> {
    return this.users.getVisibleTo(caller, id, cached);
  }

  @Patch(':id')
  @Authenticated({ roles: ['admin'] })
  @ApiOperation({
    operationId: 'users.update',
    summary: 'Change a user (admin)',
    description:
      'isActive: false revokes all of that user’s tokens at once. ' +
      'The last active admin cannot be demoted or deactivated (409 last_admin).',
  })
  @ApiParam(USER_ID)
  @ApiOkResponse({ type: UserResponseDto })
  @ApiProblems(['not_found', 'No user with this id'], ['last_admin', 'The change would leave no active admin'])
  async update(@Param('id', uuidParam()) id: string, @Body() dto: AdminUpdateUserDto): Promise<UserResponseDto> {
    return toUserResponse(await this.admin.update(id, dto));
  }

  @Delete(':id')
  @Authenticated({ roles: ['admin'] })
  @HttpCode(204)
  @ApiOperation({
    operationId: 'users.delete',
    summary: 'Delete a user (admin)',
    description: 'That user’s tokens stop working at once. The last active admin cannot be deleted (409 last_admin).',
  })
  @ApiParam(USER_ID)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(['not_found', 'No user with this id'], ['last_admin', 'The user is the last active admin'])
  async remove(@Param('id', uuidParam()) id: string): Promise<void> {
    await this.admin.remove(id);
  }
}
