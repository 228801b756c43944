import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Where the built web app is: WEB_ROOT when set, else `apps/web/dist` of the
 * repository, found from the working directory or from this file (src or dist).
 */
export function resolveWebRoot(configured: string | undefined): string {
  if (configured) return resolve(configured);
  const candidates = [
    resolve(process.cwd(), 'apps/web/dist'),
    resolve(__dirname, '../../../web/dist'),
    resolve(__dirname, '../../../../../apps/web/dist'),
  ];
  return candidates.find((candidate) => existsSync(resolve(candidate, 'index.html'))) ?? candidates[0];
}
