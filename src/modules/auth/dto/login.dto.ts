import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { EmailField } from '@/modules/users/dto/user-fields';

@ApiSchema({ name: 'LoginRequest' })
export class LoginDto {
  @ApiProperty({ format: 'idn-email', maxLength: 254, example: 'ada@example.com' })
  @EmailField()
  email!: string;

  @ApiProperty({ example: 'correct horse battery', minLength: 1, maxLength: 128 })
  @IsString()
  @Length(1, 128)
  password!: string;
}
