import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

/** Body of refresh and logout: the opaque refresh token from the last login or refresh. */
export class RefreshTokenDto {
  @ApiProperty({ example: 'mZ3v…', description: 'Opaque; single use' })
  @IsString()
  @Length(1, 512)
  refreshToken!: string;
}
