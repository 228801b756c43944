import { Link } from '../router';

/** Any other path: say so, and offer the way home. */
export function NotFound() {
  return (
    <section aria-labelledby="not-found-title">
      <h1 id="not-found-title" tabIndex={-1}>
        Page not found
      </h1>
      <p>There is no page at this address.</p>
      <p>
        <Link to="/">Go to the home page</Link>
      </p>
    </section>
  );
}
