import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { authConfig, AuthConfig } from '@/config/configuration';
import { ConflictProblem } from '@/common/http/problem';
import { User } from './entities/user.entity';
import { normaliseEmail, UsersService } from './users.service';

/**
 * Creates the first admin from ADMIN_EMAIL/ADMIN_PASSWORD at boot. Idempotent across
 * replicas booting together: the unique email index decides, and losing that race
 * ("someone else created it") is success, not a crash. An existing account with that
 * email is left alone, never promoted, reactivated or given the password again: whoever
 * registered it chose its password, and an admin demoted or deactivated by another admin
 * stays so after a restart. Its address counts as verified: the operator configured it. The last-admin rule keeps one active admin in place; should
 * none be left (edited in the database), a new, unused ADMIN_EMAIL creates one (README).
 */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminBootstrapService.name);

  constructor(
    @Inject(authConfig.KEY) private readonly cfg: AuthConfig,
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly usersService: UsersService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { adminEmail, adminPassword } = this.cfg;
    if (!adminEmail || !adminPassword) return;
    const email = normaliseEmail(adminEmail);
    const existing = await this.users.findOneBy({ email });
    if (existing) {
      if (existing.role !== 'admin') this.logger.warn(`ADMIN_EMAIL ${email} belongs to a non-admin; not promoting it`);
      return;
    }
    try {
      await this.usersService.create(
        { email, password: adminPassword, name: 'Administrator', emailVerified: true },
        'admin',
      );
      this.logger.log(`Created the first admin ${email}`);
    } catch (error) {
      if (!(error instanceof ConflictProblem)) throw error;
      this.logger.log(`Admin ${email} was created by another instance`);
    }
  }
}
