import { useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import { poll } from '../api/poll';
import type { Job } from '../api/types';
import { ErrorMessage } from '../ui/ErrorMessage';

interface Props {
  jobId: string;
  email: string;
  /** Each time the count moves (and at the end): the page reloads its rows, so chips and rows agree. */
  onProgress: () => void;
}

const POLL_MS = 500;

/** Progress of a deprovisioning job (DEPROV-1), polled from GET /v1/workspace/jobs/{id} until it ends. */
export function DeprovisionProgress({ jobId, email, onProgress }: Props) {
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<unknown>(null);
  const progressed = useRef(onProgress);
  progressed.current = onProgress;
  const lastDisabled = useRef(-1);

  useEffect(
    () =>
      poll(
        async () => {
          const fresh = await api.job(jobId);
          setJob(fresh);
          setError(null);
          const done = fresh.state === 'completed' || fresh.state === 'failed';
          if (done || fresh.progress.disabled !== lastDisabled.current) progressed.current();
          lastDisabled.current = fresh.progress.disabled;
          return !done;
        },
        { intervalMs: POLL_MS, maxIntervalMs: 5000, maxFailures: 8, immediate: true, onGiveUp: setError },
      ),
    [jobId],
  );

  const { disabled = 0, total = 0 } = job?.progress ?? {};
  const label = `Deprovisioning ${email}`;
  return (
    <div className="progress-box" data-testid="deprovision-progress">
      <label htmlFor={`job-${jobId}`}>{label}</label>
      <progress id={`job-${jobId}`} max={Math.max(total, 1)} value={job?.state === 'completed' && total === 0 ? 1 : disabled} />
      <p role="status" aria-live="polite">
        {!job || (job.state !== 'completed' && total === 0)
          ? 'Starting…'
          : job.state === 'completed'
            ? `Done: ${email} is deprovisioned; ${disabled} of ${total} ${total === 1 ? 'device' : 'devices'} disabled.`
            : job.state === 'failed'
              ? 'Deprovisioning failed; it will be retried.'
              : `${disabled} of ${total} devices disabled…`}
      </p>
      <ErrorMessage error={error} />
    </div>
  );
}
