import type { ExecutionContext } from '@nestjs/common';
import { automock } from '@test/support/automock';
import { PerRoute } from './per-route';

class Base {
  list() {}
}
class Users extends Base {}
class Sessions extends Base {}

const route = (controller: new () => Base, handler = Base.prototype.list) =>
  automock<ExecutionContext>('ExecutionContext', { getHandler: () => handler, getClass: () => controller });

describe(PerRoute.name, () => {
  it('computes a route once and then answers from memory, falsy values included', () => {
    const compute = jest.fn(() => undefined);
    const sut = new PerRoute(compute);

    expect(sut.of(route(Users))).toBeUndefined();
    expect(sut.of(route(Users))).toBeUndefined();

    expect(compute).toHaveBeenCalledTimes(1);
    expect(compute).toHaveBeenCalledWith([Base.prototype.list, Users]);
  });

  it('keeps controllers that inherit the same handler apart', () => {
    const sut = new PerRoute(([, controller]) => controller.name);

    expect(sut.of(route(Users))).toBe('Users');
    expect(sut.of(route(Sessions))).toBe('Sessions');
  });
});
