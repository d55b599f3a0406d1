import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { EmailField } from '@/modules/users/dto/user-fields';

export class LoginDto {
  @ApiProperty({ format: 'email', example: 'ada@example.com' })
  @EmailField()
  email!: string;

  @ApiProperty({ example: 'correct horse battery', maxLength: 128 })
  @IsString()
  @Length(1, 128)
  password!: string;
}
