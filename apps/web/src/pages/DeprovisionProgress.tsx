import { useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import { poll } from '../api/poll';
import type { Job } from '../api/types';
import { ErrorMessage } from '../ui/ErrorMessage';

interface Props {
  jobId: string;
  email: string;
  onFinished: () => void;
}

const POLL_MS = 500;

/** Progress of a deprovisioning job (DEPROV-1), polled from GET /v1/workspace/jobs/{id} until it ends. */
export function DeprovisionProgress({ jobId, email, onFinished }: Props) {
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<unknown>(null);
  const finished = useRef(onFinished);
  finished.current = onFinished;

  useEffect(
    () =>
      poll(
        async () => {
          const fresh = await api.job(jobId);
          setJob(fresh);
          setError(null);
          if (fresh.state !== 'completed' && fresh.state !== 'failed') return true;
          finished.current();
          return false;
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
        {!job
          ? 'Starting…'
          : job.state === 'completed'
            ? `Done: ${disabled} of ${total} devices disabled.`
            : job.state === 'failed'
              ? 'Deprovisioning failed; it will be retried.'
              : `${disabled} of ${total} devices disabled…`}
      </p>
      <ErrorMessage error={error} />
    </div>
  );
}
