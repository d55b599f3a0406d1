import { isUniqueViolation } from './unique-violation';

describe('isUniqueViolation', () => {
  it.each([
    ['PostgreSQL', { driverError: { code: '23505' } }],
    ['MySQL/MariaDB', { driverError: { code: 'ER_DUP_ENTRY' } }],
    ['SQLite unique index', { driverError: { code: 'SQLITE_CONSTRAINT_UNIQUE' } }],
    ['SQLite primary key', { driverError: { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' } }],
    ['an unwrapped driver error', { code: '23505' }],
  ])('recognises a lost unique-key race on %s', (_, error) => {
    expect(isUniqueViolation(Object.assign(new Error('duplicate'), error))).toBe(true);
  });

  it.each([
    ['another constraint', { driverError: { code: '23503' } }],
    ['a foreign key on SQLite', { driverError: { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' } }],
    ['an error without a code', {}],
  ])('does not mistake %s for one', (_, error) => {
    expect(isUniqueViolation(Object.assign(new Error('failed'), error))).toBe(false);
  });

  it.each([null, undefined, 'ER_DUP_ENTRY', 23505])('is false for %p, which is not an error object', (value) => {
    expect(isUniqueViolation(value)).toBe(false);
  });
});
