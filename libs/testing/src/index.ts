export * from './device-key';
export * from './infra';
export * from './isolation';
export * from './mail-catcher';
export * from './tokens';
export * from './wait';
export * from './bus';
export * from './time-travel';
