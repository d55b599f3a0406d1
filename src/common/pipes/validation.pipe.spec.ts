import { boundedValidationProblem, MAX_FIELD_ERRORS } from './validation.pipe';

const errors = (count: number) => Array.from({ length: count }, (_, i) => ({ field: `k${i}`, message: 'bad' }));

describe('boundedValidationProblem', () => {
  it('lists every error up to the bound', () => {
    const sut = boundedValidationProblem(errors(MAX_FIELD_ERRORS));
    expect(sut.errors).toHaveLength(MAX_FIELD_ERRORS);
    expect(sut.detail).toBe('The request is not valid; see errors for each field.');
  });

  it('keeps the first errors past the bound and says how many there were', () => {
    const sut = boundedValidationProblem(errors(500));
    expect(sut.errors).toEqual(errors(MAX_FIELD_ERRORS));
    expect(sut.detail).toContain(`first ${MAX_FIELD_ERRORS} of 500 field errors (the rest are omitted)`);
  });
});
