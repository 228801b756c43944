import { connect, type Socket } from 'node:net';
import { MailCatcher } from './mail-catcher';

/** Reads until the server's reply line starting with `code` arrives. */
function reply(socket: Socket, code: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (new RegExp(`^${code} `, 'm').test(seen)) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

describe('MailCatcher', () => {
  it('survives a sender killed in the middle of a mail (the fault suite SIGKILLs notification-services while they send)', async () => {
    const catcher = await new MailCatcher().start();
    try {
      const { port } = new URL(catcher.url);
      const socket = connect(Number(port), '127.0.0.1');
      await reply(socket, '220');
      socket.write('EHLO sender\r\n');
      await reply(socket, '250');
      socket.write('MAIL FROM:<a@example.com>\r\n');
      await reply(socket, '250');
      socket.resetAndDestroy(); // what the kernel does for a SIGKILLed sender: RST, mid-transaction
      await new Promise((resolve) => setTimeout(resolve, 200));

      // Unhandled, the error would fail the whole suite ("Test suite failed to run: read ECONNRESET").
      expect(catcher.connectionErrors.map((e) => (e as NodeJS.ErrnoException).code)).toEqual(['ECONNRESET']);
    } finally {
      await catcher.stop();
    }
  });
});
