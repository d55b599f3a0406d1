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

  it('leaves values that are not strings as they are, for the validators to refuse', () => {
    const { sut, failed } = parse({ email: 42, name: ['Ada'] });

    expect(sut).toMatchObject({ email: 42, name: ['Ada'] });
    expect(failed).toEqual(['email', 'name']);
  });

  it('refuses a name that is only whitespace', () => {
    expect(parse({ email: 'a@x.io', name: '   ' }).failed).toEqual(['name']);
  });
});
