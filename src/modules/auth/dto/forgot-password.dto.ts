import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { EmailField } from '@/modules/users/dto/user-fields';

@ApiSchema({ name: 'ForgotPasswordRequest' })
export class ForgotPasswordDto {
  @ApiProperty({ format: 'idn-email', example: 'ada@example.com', maxLength: 254 })
  @EmailField()
  email!: string;
}
