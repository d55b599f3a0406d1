import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { HashingModule } from '@/infra/hashing/hashing.module';
import { SessionsModule } from '@/modules/auth/sessions/sessions.module';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { User } from './entities/user.entity';
import { UserProfileCache } from './user-profile.cache';
import { UsersAdminService } from './users-admin.service';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([User]), HashingModule, SessionsModule],
  controllers: [UsersController],
  providers: [UsersService, UsersAdminService, AdminBootstrapService, UserProfileCache],
  exports: [UsersService],
})
export class UsersModule {}
