export * from './ping';
export * from './health-server';
