import { RequestMethod } from '@nestjs/common';
import { INTERCEPTORS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { IdempotencyInterceptor } from './idempotency.interceptor';

/** Every controller class of the gateway, from every `*.controller.ts` under src. */
async function gatewayControllers(): Promise<Array<new (...args: never[]) => object>> {
  const root = join(__dirname, '..');
  const files = (readdirSync(root, { recursive: true }) as string[]).filter((file) => file.endsWith('.controller.ts'));
  expect(files.length).toBeGreaterThan(5);
  const modules = await Promise.all(files.map((file) => import(join(root, file)) as Promise<Record<string, unknown>>));
  return modules.flatMap((exported) =>
    Object.values(exported).filter(
      (value): value is new (...args: never[]) => object => typeof value === 'function' && Reflect.hasMetadata(PATH_METADATA, value),
    ),
  );
}

describe('Idempotency-Key on every POST (API.md)', () => {
  it('every POST route of the gateway has the IdempotencyInterceptor, and no other route does', async () => {
    const routes = (await gatewayControllers()).flatMap((controller) =>
      Object.getOwnPropertyNames(controller.prototype)
        .map((name) => ({ name: `${controller.name}.${name}`, handler: (controller.prototype as Record<string, unknown>)[name] }))
        .filter(({ handler }) => typeof handler === 'function' && Reflect.hasMetadata(METHOD_METADATA, handler as object)),
    );
    const posts = routes.filter(({ handler }) => Reflect.getMetadata(METHOD_METADATA, handler as object) === RequestMethod.POST);
    expect(posts.length).toBeGreaterThanOrEqual(12);
    const intercepted = (handler: unknown) =>
      ((Reflect.getMetadata(INTERCEPTORS_METADATA, handler as object) as unknown[] | undefined) ?? []).includes(IdempotencyInterceptor);
    expect(posts.filter(({ handler }) => !intercepted(handler)).map(({ name }) => name)).toEqual([]);
    expect(routes.filter(({ handler }) => !posts.some((post) => post.handler === handler) && intercepted(handler))).toEqual([]);
  });
});
