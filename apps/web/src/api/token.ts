/** The access token lives for the tab only (sessionStorage): closing the tab signs out. */
const KEY = 'td.accessToken';

export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (token: string): void => sessionStorage.setItem(KEY, token),
  clear: (): void => sessionStorage.removeItem(KEY),
};
