import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { IsInt, IsString, MaxLength, Min, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { Public } from '@/common/decorators/public.decorator';

class ProbeAddressDto {
  @IsString()
  city!: string;
}

class ProbeDto {
  @IsString()
  @MaxLength(200_000)
  name!: string;

  @IsInt()
  @Min(0)
  count!: number;

  @ValidateNested()
  @Type(() => ProbeAddressDto)
  address!: ProbeAddressDto;
}

/** A route that exists only in tests, to exercise conventions every real route shares. */
@Public()
@Controller('probe')
class ProbeController {
  @Post()
  echo(@Body() body: ProbeDto) {
    return body;
  }

  @Get('boom')
  boom(): never {
    throw new Error('secret internal detail: SELECT * FROM users');
  }
}

@Module({ controllers: [ProbeController] })
export class ProbeModule {}
