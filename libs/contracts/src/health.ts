/** Every service answers `<service>.ping` with its own view of its dependencies (OPS-1). */
export interface PingRequest {
  from: string;
}

export type DependencyState = 'up' | 'down';

export interface PingReply {
  service: string;
  instance: string;
  dependencies: Record<string, DependencyState>;
}
