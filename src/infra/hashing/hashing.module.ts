import { Module } from '@nestjs/common';
import { PasswordHasher } from './password-hasher';

/**
 * Password hashing for the features that store or check passwords. One hasher, and so one
 * pool of hashing threads, per application, closed at its shutdown.
 */
@Module({
  providers: [PasswordHasher],
  exports: [PasswordHasher],
})
export class HashingModule {}
