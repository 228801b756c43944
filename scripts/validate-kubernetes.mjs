#!/usr/bin/env node
// `npm run validate:kubernetes`: renders every kustomize overlay with `kubectl kustomize` and
// checks every rendered object against the Kubernetes API schemas (kubernetes-models), plus the
// rules the house cares about: probes, resources, graceful termination, no root, Redis AOF.
// Exits non-zero on the first overlay with a problem. kubectl: Debian's package (`.ci/run` installs it).
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const overlaysDir = join(root, 'deploy/kubernetes/overlays');

/** kubernetes-models' class for an apiVersion/kind, e.g. apps/v1 Deployment → `import { Deployment } from 'kubernetes-models/apps/v1'`. */
async function modelFor(apiVersion, kind) {
  try {
    return (await import(`kubernetes-models/${apiVersion}`))[kind] ?? null;
  } catch {
    return null;
  }
}

function houseRules(object, problems) {
  const where = `${object.kind}/${object.metadata?.name}`;
  const spec = object.kind === 'Job' || object.kind === 'Deployment' || object.kind === 'StatefulSet' ? object.spec.template.spec : null;
  if (!spec) return;
  const app = object.spec.template.metadata?.labels?.['trusted-devices/role'] === 'app';
  for (const container of spec.containers) {
    if (!container.resources?.requests?.cpu || !container.resources?.requests?.memory || !container.resources?.limits?.memory) {
      problems.push(`${where}: container ${container.name} needs cpu/memory requests and a memory limit`);
    }
    if (object.kind === 'Deployment' && app) {
      for (const probe of ['readinessProbe', 'livenessProbe'])
        if (!container[probe]) problems.push(`${where}: ${container.name} has no ${probe}`);
      if (!container.lifecycle?.preStop) problems.push(`${where}: ${container.name} has no preStop (graceful termination)`);
      if (!(spec.terminationGracePeriodSeconds > 15))
        problems.push(`${where}: terminationGracePeriodSeconds must exceed preStop + drain (15 s)`);
    }
    if (app && !(spec.securityContext?.runAsNonRoot || container.securityContext?.runAsNonRoot))
      problems.push(`${where}: must run as non-root`);
    if (container.image === 'redis' || /(^|\/)redis:/.test(container.image)) {
      const args = (container.args ?? container.command ?? []).join(' ');
      if (!/--appendonly yes/.test(args) || !/--appendfsync everysec/.test(args))
        problems.push(`${where}: Redis must run with --appendonly yes --appendfsync everysec`);
    }
  }
}

let failed = false;
for (const overlay of readdirSync(overlaysDir)) {
  const rendered = execFileSync('kubectl', ['kustomize', join(overlaysDir, overlay)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const problems = [];
  const kinds = {};
  for (const document of parseAllDocuments(rendered)) {
    if (document.errors.length) problems.push(`YAML: ${document.errors[0].message}`);
    const object = document.toJS();
    if (!object) continue;
    // kustomize wraps long base64 values; the API server's decoder skips newlines, the schema's format check does not.
    if (object.kind === 'Secret' && object.data)
      for (const key of Object.keys(object.data)) object.data[key] = object.data[key].replace(/\s+/g, '');
    const where = `${object.kind}/${object.metadata?.name}`;
    kinds[object.kind] = (kinds[object.kind] ?? 0) + 1;
    const Model = await modelFor(object.apiVersion, object.kind);
    if (!Model) {
      problems.push(`${where}: no schema for ${object.apiVersion} ${object.kind}`);
      continue;
    }
    try {
      new Model(object).validate();
    } catch (error) {
      problems.push(`${where}: ${error.message}`);
    }
    houseRules(object, problems);
  }
  const summary = Object.entries(kinds)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ');
  if (problems.length) {
    failed = true;
    console.error(`✖ ${overlay}: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  } else {
    console.log(`✔ ${overlay}: ${summary} — all valid`);
  }
}
process.exit(failed ? 1 : 0);
