export * from './dependency-failure';
export * from './domain-error';
export * from './rpc-error.filter';
export * from './payload-validation';
export * from './validation-metadata-cache';
