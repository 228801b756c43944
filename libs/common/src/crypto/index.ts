export * from './code-hash';
export * from './keys';
export * from './seal';
