import type { Journal, Violation } from './load';

/**
 * The closing table (issue 10): one row per probe, what the clients saw and every
 * rule it broke. Markdown, so it can go into a closing note as is.
 */
export function report(probes: string[], journal: Journal, notes: Map<string, string[]>, found: Map<string, Violation[]>): string {
  const rows = probes.map((phase) => {
    const { attempts } = journal.of(phase);
    const violations = found.get(phase) ?? journal.of(phase).violations;
    const parts = [...(notes.get(phase) ?? [])];
    if (attempts.length) {
      const count = (test: (status: number | undefined, error: string | undefined) => boolean) =>
        attempts.filter((a) => test(a.status, a.error)).length;
      const ok = count((s) => s !== undefined && s < 300);
      const unavailable = count((s) => s === 503);
      const resets = count((s, e) => s === undefined && e !== 'ECONNREFUSED');
      const refused = count((_, e) => e === 'ECONNREFUSED');
      parts.push(
        `${attempts.length} requests: ${ok} × 2xx, ${unavailable} × 503, ${resets} resets, ${refused} refused connections (retried)`,
      );
    }
    const kinds = new Map<string, string[]>();
    for (const v of violations) kinds.set(v.kind, [...(kinds.get(v.kind) ?? []), v.detail]);
    for (const [kind, details] of kinds) parts.push(`**${details.length} × ${kind}** (e.g. ${details[0]})`);
    const verdict = violations.length ? 'FAIL' : 'ok';
    return `| ${phase} | ${verdict} | ${parts.join('; ').replace(/\|/g, '\\|')} |`;
  });
  const failed = probes.filter((p) => (found.get(p) ?? journal.of(p).violations).length).length;
  return [
    `Fault suite: ${probes.length - failed} of ${probes.length} probes held; ${journal.flowsCompleted} setup → code mail → verify → approval flows completed.`,
    '',
    '| probe | verdict | what happened |',
    '| --- | --- | --- |',
    ...rows,
  ].join('\n');
}
