export * from './code-hash';
export * from './keys';
export * from './seal';
export * from './access-token-hash';
export * from './canonical-base64url';
