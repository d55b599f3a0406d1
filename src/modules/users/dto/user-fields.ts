import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Length, MaxLength, MinLength, ValidateBy } from 'class-validator';
import { hasInvisibleCharacters, normaliseEmail } from '../email-address';

/** Field rules shared by every DTO that accepts them, so register and update cannot drift apart. */

const trim = Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

/** Refused rather than stripped: an address that hides characters is not one a person typed. */
const NoInvisibleCharacters = () =>
  ValidateBy({
    name: 'noInvisibleCharacters',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !hasInvisibleCharacters(value),
      defaultMessage: () => '$property must not contain invisible or control characters',
    },
  });

/** Normalised (NFKC, trimmed, lower-cased): one spelling per address, unique exactly. */
export const EmailField = () =>
  applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? normaliseEmail(value) : value)),
    NoInvisibleCharacters(),
    IsEmail(),
    MaxLength(254),
  );

export const NameField = () => applyDecorators(trim, IsString(), Length(1, 100));

/** 8–128 characters (the contract); the upper bound caps the cost of hashing a hostile input. */
export const PasswordField = () => applyDecorators(IsString(), MinLength(8), MaxLength(128));
