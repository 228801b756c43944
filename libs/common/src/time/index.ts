export * from './clock';
export * from './with-timeout';
export * from './backoff';
export * from './periodic';
