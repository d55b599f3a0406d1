import { Body, CanActivate, Controller, ForbiddenException, Get, Module, Param, Post, UseGuards } from '@nestjs/common';
import { IsInt, IsString, MaxLength, Min, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { Public } from '@/modules/auth/decorators/public.decorator';

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

class DenyAll implements CanActivate {
  canActivate(): boolean {
    throw new ForbiddenException('Probe routes behind this guard refuse everyone.');
  }
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

  /** Refused by a guard, which runs before any interceptor: request metrics must still count it. */
  @Get('forbidden')
  @UseGuards(DenyAll)
  forbidden(): never {
    throw new Error('unreachable: the guard refuses first');
  }

  /** A parameterised route: logs and metrics must show the `:id` template, never the value. */
  @Get(':id')
  byId(@Param('id') id: string) {
    return { id };
  }
}

@Module({ controllers: [ProbeController] })
export class ProbeModule {}
