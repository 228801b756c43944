/**
 * A rendered email: every message has both a plain-text and an HTML part. Who it goes to is
 * not the template's business: the worker looks the address up when it sends (SEC-2).
 */
export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
}
