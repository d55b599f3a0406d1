import { SetMetadata } from '@nestjs/common';

export const REQUEST_BUDGETS_KEY = 'requestBudgets';

/** Budget names besides `default`, each a throttler of ThrottlerModule (see AuthModule). */
export type NamedBudget = 'register';

/**
 * Counts a route's requests against named budgets of their own, on top of the default
 * per-client budget that every route counts against. A named budget applies nowhere else.
 */
export const RequestBudget = (...budgets: NamedBudget[]) => SetMetadata(REQUEST_BUDGETS_KEY, budgets);
