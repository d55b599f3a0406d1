import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

/** Body of refresh and logout: the opaque refresh token from the last login or refresh. */
@ApiSchema({ name: 'RefreshTokenRequest' })
export class RefreshTokenDto {
  @ApiProperty({
    example: 'mZ3vYc9QeK1tR0pL7xW2sN5uB8dF4gH6jA3kE1oI9yT',
    description: 'Opaque; single use',
    minLength: 1,
    maxLength: 512,
  })
  @IsString()
  @Length(1, 512)
  refreshToken!: string;
}
