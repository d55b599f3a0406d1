import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'TokenPair' })
export class TokenPairDto {
  @ApiProperty({
    description: 'JWT (HS256) to send as `Authorization: Bearer …`',
    maxLength: 2048,
    example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIzZjFjMmQ0ZSJ9.c2lnbmF0dXJl',
  })
  accessToken!: string;

  @ApiProperty({
    description: 'Opaque, single use: each refresh returns a new one and spends the old',
    minLength: 1,
    maxLength: 512,
    example: 'mZ3vYc9QeK1tR0pL7xW2sN5uB8dF4gH6jA3kE1oI9yT',
  })
  refreshToken!: string;

  @ApiProperty({ example: 'Bearer', enum: ['Bearer'] })
  tokenType!: 'Bearer';

  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: 2_147_483_647,
    example: 900,
    description: 'Access token lifetime in seconds',
  })
  expiresIn!: number;
}
