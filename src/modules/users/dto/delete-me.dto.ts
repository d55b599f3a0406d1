import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { IsDefined, IsString, MaxLength } from 'class-validator';

/** Deleting your own account: only the password proves it is you and not a stolen access token. */
@ApiSchema({ name: 'DeleteMeRequest' })
export class DeleteMeDto {
  @ApiProperty({ description: 'Your current password', maxLength: 128, example: 'correct horse battery' })
  @IsDefined({ message: 'currentPassword is required to delete the account' })
  @IsString()
  @MaxLength(128)
  currentPassword!: string;
}
