export * from './app-config';
export * from './base.env';
export * from './load-config';
