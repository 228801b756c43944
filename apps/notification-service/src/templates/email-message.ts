/** A rendered email: every message has both a plain-text and an HTML part. */
export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}
