const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attributes: device names are user input. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);
}

/**
 * Tagged template for HTML: every interpolated value is escaped unless it is
 * already `SafeHtml` (a fragment built by this tag), so no caller can forget.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function html(strings: TemplateStringsArray, ...values: Array<string | SafeHtml | readonly SafeHtml[]>): SafeHtml {
  let out = strings[0];
  values.forEach((value, i) => {
    out += renderValue(value) + strings[i + 1];
  });
  return new SafeHtml(out);
}

function renderValue(value: string | SafeHtml | readonly SafeHtml[]): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map((part: SafeHtml) => part.value).join('');
  return escapeHtml(value as string);
}

/** The frame every email shares: a plain, readable single column that mail clients render alike. */
export function emailDocument(title: string, body: SafeHtml): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
      </head>
      <body
        style="margin:0;padding:24px;background:#f5f5f7;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1d1d1f;line-height:1.5"
      >
        <div style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:24px">
          <h1 style="font-size:20px;margin:0 0 16px">${title}</h1>
          ${body}
          <p style="margin:24px 0 0;font-size:12px;color:#6e6e73">This is an automatic security message from Trusted Devices.</p>
        </div>
      </body>
    </html> `.value;
}

/** A two-column table of facts ("App: Web app"), the same rows as the text version. */
export function factsTable(facts: ReadonlyArray<readonly [string, string]>): SafeHtml {
  const rows = facts.map(
    ([label, value]) =>
      html`<tr>
        <th scope="row" style="text-align:left;padding:4px 12px 4px 0;font-weight:600;vertical-align:top">${label}</th>
        <td style="padding:4px 0">${value}</td>
      </tr>`,
  );
  return html`<table role="presentation" style="border-collapse:collapse;margin:16px 0">
    ${rows}
  </table>`;
}

/** The same facts as plain text lines. */
export function factsText(facts: ReadonlyArray<readonly [string, string]>): string {
  return facts.map(([label, value]) => `${label}: ${value}`).join('\n');
}
