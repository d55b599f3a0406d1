import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Length, MaxLength, MinLength } from 'class-validator';

/** Field rules shared by every DTO that accepts them, so register and update cannot drift apart. */

const trim = Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

/** Lower-cased and trimmed: emails are unique case-insensitively. */
export const EmailField = () =>
  applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value)),
    IsEmail(),
    MaxLength(254),
  );

export const NameField = () => applyDecorators(trim, IsString(), Length(1, 100));

/** 8–128 characters (the contract); the upper bound caps the cost of hashing a hostile input. */
export const PasswordField = () => applyDecorators(IsString(), MinLength(8), MaxLength(128));
