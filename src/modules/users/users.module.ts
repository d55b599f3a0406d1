import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SessionsModule } from '@/modules/auth/sessions/sessions.module';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { User } from './entities/user.entity';
import { PasswordHasher } from './password-hasher';
import { UserProfileCache } from './user-profile.cache';
import { UsersAdminService } from './users-admin.service';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([User]), SessionsModule],
  controllers: [UsersController],
  providers: [UsersService, UsersAdminService, PasswordHasher, AdminBootstrapService, UserProfileCache],
  exports: [UsersService, PasswordHasher],
})
export class UsersModule {}
