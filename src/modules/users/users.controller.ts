import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { AuthUser, CurrentUser } from '@/modules/auth/decorators/current-user.decorator';
import { Authenticated } from '@/modules/auth/decorators/authenticated.decorator';
import { clientOf } from '@/common/http/client-address';
import { uuidParam } from '@/common/pipes/uuid-param.pipe';
import { ApiProblems, HASHING_BUSY, PASSWORD_CHECK_UNAVAILABLE } from '@/common/swagger/api-problems.decorator';
import { AdminCreateUserDto } from './dto/admin-create-user.dto';
import { AdminUpdateUserDto } from './dto/admin-update-user.dto';
import { DeleteMeDto } from './dto/delete-me.dto';
import { ListUsersQueryDto } from './dto/list-users-query.dto';
import { UpdateMeDto } from './dto/update-me.dto';
import { UserResponseDto, UsersPageDto } from './dto/user-response.dto';
import { toUserResponse } from './user.mapper';
import { UsersAdminService } from './users-admin.service';
import { UsersService } from './users.service';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly admin: UsersAdminService,
  ) {}

  @Get('me')
  @Authenticated()
  @ApiOperation({ summary: 'The signed-in user' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiProblems(401, 429)
  async me(@CurrentUser() caller: AuthUser): Promise<UserResponseDto> {
    return this.users.getProfile(caller.id);
  }

  @Patch('me')
  @Authenticated()
  @ApiOperation({
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
    [400, 'Invalid field, unknown field, or currentPassword missing or incorrect'],
    401,
    [409, 'email_taken: an account with the new email exists'],
    [
      429,
      'Too many failed password attempts (logins or currentPassword) for this account or client, ' +
        'too many email changes requested (rate_limited), or over the request budget; see Retry-After',
    ],
    [
      503,
      PASSWORD_CHECK_UNAVAILABLE[1] +
        '; or, for an email change, its budget cannot be checked (rate_limit_unavailable, with ' +
        'THROTTLE_FAIL_CLOSED) or its mails cannot be queued (mail_unavailable); nothing was changed',
    ],
  )
  async updateMe(
    @CurrentUser() caller: AuthUser,
    @Body() dto: UpdateMeDto,
    @Req() req: Request,
  ): Promise<UserResponseDto> {
    return toUserResponse(await this.users.updateMe(caller, dto, clientOf(req)));
  }

  @Delete('me')
  @Authenticated()
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete your own account',
    description:
      'Needs currentPassword. The account is erased (docs/security.md, "Deleting an account"), every one of ' +
      'its tokens stops working on every node at once, and the email can register again. A wrong ' +
      'currentPassword counts as a failed login of your account from this client. The last active admin ' +
      'cannot delete itself (409 last_admin).',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(
    [400, 'currentPassword missing or incorrect, or unknown field'],
    401,
    [409, 'last_admin: you are the last active admin'],
    [
      429,
      'Too many failed password attempts (logins or currentPassword) for this account or client, ' +
        'or over the request budget; see Retry-After',
    ],
    PASSWORD_CHECK_UNAVAILABLE,
  )
  async deleteMe(@CurrentUser() caller: AuthUser, @Body() dto: DeleteMeDto, @Req() req: Request): Promise<void> {
    await this.users.deleteMe(caller, dto, clientOf(req));
  }

  @Post()
  @Authenticated({ roles: ['admin'] })
  @ApiOperation({
    summary: 'Create a user (admin)',
    description:
      'In any role (default user), with a password the admin hands over; no welcome mail is sent. ' +
      'Without a password the user is invited: a mail to the address carries a link to ' +
      '<APP_PUBLIC_URL>/reset-password?token=… (valid for INVITATION_TTL, once), whose token ' +
      'POST /auth/password/reset accepts to set the password; until then the account cannot log in. ' +
      'If the invitation cannot be queued, no account is created (503 mail_unavailable).',
  })
  @ApiCreatedResponse({ type: UserResponseDto })
  @ApiProblems(
    [400, 'Invalid or unknown field'],
    401,
    403,
    [409, 'email_taken: an account with this email exists'],
    429,
    [503, HASHING_BUSY[1] + '; or, without a password, the invitation mail cannot be queued (mail_unavailable)'],
  )
  async create(@Body() dto: AdminCreateUserDto): Promise<UserResponseDto> {
    return toUserResponse(await this.admin.create(dto));
  }

  @Get()
  @Authenticated({ roles: ['admin'] })
  @ApiOperation({ summary: 'List users (admin)', description: 'Paginated; search matches name or email.' })
  @ApiOkResponse({ type: UsersPageDto })
  @ApiProblems([400, 'Invalid page, limit, sort, search or role'], 401, 403, 429)
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
  @Authenticated()
  @ApiOperation({
    summary: 'One user (admin, or that user)',
    description: "Someone else's id answers 404 to a non-admin, so ids cannot be probed.",
  })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiProblems([400, 'id is not a UUID'], 401, [404, "No such user, or someone else's"], 429)
  async findOne(@CurrentUser() caller: AuthUser, @Param('id', uuidParam()) id: string): Promise<UserResponseDto> {
    return toUserResponse(await this.users.getVisibleTo(caller, id));
  }

  @Patch(':id')
  @Authenticated({ roles: ['admin'] })
  @ApiOperation({
    summary: 'Change a user (admin)',
    description:
      'isActive: false revokes all of that user’s tokens at once. ' +
      'The last active admin cannot be demoted or deactivated (409 last_admin).',
  })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiProblems(400, 401, 403, 404, [409, 'last_admin: the change would leave no active admin'], 429)
  async update(@Param('id', uuidParam()) id: string, @Body() dto: AdminUpdateUserDto): Promise<UserResponseDto> {
    return toUserResponse(await this.admin.update(id, dto));
  }

  @Delete(':id')
  @Authenticated({ roles: ['admin'] })
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete a user (admin)',
    description: 'That user’s tokens stop working at once. The last active admin cannot be deleted (409 last_admin).',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(400, 401, 403, 404, [409, 'last_admin: the user is the last active admin'], 429)
  async remove(@Param('id', uuidParam()) id: string): Promise<void> {
    await this.admin.remove(id);
  }
}
