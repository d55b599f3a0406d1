import { ApiProperty, ApiSchema } from '@nestjs/swagger';

/** One of the caller's live sessions (logins), as `GET /auth/sessions` lists them. */
@ApiSchema({ name: 'Session' })
export class SessionResponseDto {
  @ApiProperty({ format: 'uuid', maxLength: 36, example: '9b2e6c1a-4f3d-4e8b-a7c5-1d2e3f4a5b6c' })
  id!: string;

  @ApiProperty({ format: 'date-time', maxLength: 30, description: 'When the login happened' })
  createdAt!: string;

  @ApiProperty({
    format: 'date-time',
    maxLength: 30,
    description: 'Last refresh or request with one of its access tokens, to about a minute',
  })
  lastUsedAt!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: 255,
    example: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
    description: 'User-Agent of the login (at most 255 characters); null when none was sent',
  })
  userAgent!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: 45,
    example: '203.0.113.7',
    description: 'Client address of the login, as the service sees it behind TRUST_PROXY; null when unknown',
  })
  ip!: string | null;

  @ApiProperty({ example: true, description: 'Whether this is the session of the access token making the call' })
  current!: boolean;
}
