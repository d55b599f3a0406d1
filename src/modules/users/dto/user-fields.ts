import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Length, MaxLength, MinLength, ValidateBy } from 'class-validator';
import { passwordWeakness } from '@/common/passwords/password-strength';
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

/** Refuses the commonest passwords, and says why ("password is too common"). */
const NotWeakPassword = () =>
  ValidateBy({
    name: 'notWeakPassword',
    validator: {
      // Only within the length rule: an over-long value must not cost an estimate, and gets its own error.
      validate: (value: unknown) =>
        typeof value !== 'string' || value.length < 8 || value.length > 128 || passwordWeakness(value) === undefined,
      defaultMessage: (args) => `$property ${passwordWeakness(String(args?.value)) ?? 'is too easy to guess'}`,
    },
  });

/**
 * 8–128 characters (the contract), and not one of the commonest passwords; the upper bound
 * caps the cost of hashing (and of estimating) a hostile input.
 */
export const PasswordField = () => applyDecorators(IsString(), MinLength(8), MaxLength(128), NotWeakPassword());
