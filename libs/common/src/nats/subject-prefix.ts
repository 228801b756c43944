/**
 * Every subject, stream and queue group carries the deployment's NATS_PREFIX
 * (empty in production), so test files sharing one NATS never see each other.
 */
export function prefixed(prefix: string, subject: string): string {
  if (!prefix) return subject;
  return subject.startsWith(`${prefix}.`) ? subject : `${prefix}.${subject}`;
}

/** JetStream names allow no dots: `TD_EVENTS` → `t123_TD_EVENTS`. */
export function prefixedName(prefix: string, name: string): string {
  return prefix ? `${prefix}_${name}` : name;
}
