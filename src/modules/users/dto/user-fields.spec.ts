import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { EmailField, NameField } from './user-fields';

class Fields {
  @EmailField()
  email!: unknown;

  @NameField()
  name!: unknown;
}

const parse = (plain: Record<string, unknown>) => {
  const sut = plainToInstance(Fields, plain);
  return { sut, failed: validateSync(sut).map((error) => error.property) };
};

describe('shared user fields', () => {
  it('trims and lower-cases an email, and trims a name', () => {
    const { sut, failed } = parse({ email: '  Ada@Example.COM ', name: '  Ada Lovelace  ' });

    expect(sut).toMatchObject({ email: 'ada@example.com', name: 'Ada Lovelace' });
    expect(failed).toEqual([]);
  });

  it('folds NFD and compatibility spellings into NFKC before trimming and lower-casing', () => {
    const { sut, failed } = parse({ email: ' Rene\u0301e@\uff25xample.com ', name: 'Ren\u00e9e' });

    expect(sut).toMatchObject({ email: 'ren\u00e9e@example.com' });
    expect(failed).toEqual([]);
  });

  it.each(['\u200b', '\u200c', '\u2060', '\u202a', '\u2066', '\u061c', '\ufeff', '\u0000', '\u001b', '\u0085'])(
    'refuses an email holding an invisible or control character (case %#)',
    (character) => {
      expect(parse({ email: `ada${character}@example.com`, name: 'Ada' }).failed).toEqual(['email']);
    },
  );

  it('leaves values that are not strings as they are, for the validators to refuse', () => {
    const { sut, failed } = parse({ email: 42, name: ['Ada'] });

    expect(sut).toMatchObject({ email: 42, name: ['Ada'] });
    expect(failed).toEqual(['email', 'name']);
  });

  it('refuses a name that is only whitespace', () => {
    expect(parse({ email: 'a@x.io', name: '   ' }).failed).toEqual(['name']);
  });
});
