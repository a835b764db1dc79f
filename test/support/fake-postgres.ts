import { createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, TLSSocket } from 'node:tls';

/** What a client did on a fake server: how far it got before it gave up or sent its password. */
export interface FakePostgresVisit {
  /** The host name the client sent in SNI (undefined when it sent none). */
  servername: string | undefined;
  /** The client sent a StartupMessage after the TLS handshake. */
  startup: boolean;
  /** The client answered the cleartext password request: the password left the client. */
  password: boolean;
}

export interface FakePostgres {
  host: string;
  port: number;
  /** One entry per connection, in arrival order. */
  visits: FakePostgresVisit[];
  close(): Promise<void>;
}

export interface FakePostgresOptions {
  /** Certificate and key (PEM) the server presents; without them it answers 'N' (no TLS) to SSLRequest. */
  cert?: string;
  key?: string;
  host?: string;
  /** Close the connection as soon as the StartupMessage is read (a server that goes away mid-login). */
  hangUpAfterStartup?: boolean;
}

const SSL_REQUEST_CODE = 80877103;

/**
 * A PostgreSQL server that is not one: it answers an SSLRequest with 'S' and upgrades with the chosen
 * certificate (or answers 'N'), reads the StartupMessage, asks for a cleartext password and records
 * whether a PasswordMessage arrived; then it refuses the login with 28P01. An attacker's server does
 * the same, so a client that sends it the password would send it to anyone.
 */
export async function startFakePostgres(options: FakePostgresOptions = {}): Promise<FakePostgres> {
  const visits: FakePostgresVisit[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const visit: FakePostgresVisit = { servername: undefined, startup: false, password: false };
    visits.push(visit);
    socket.once('data', (first) => {
      const isSslRequest = first.length >= 8 && first.readInt32BE(4) === SSL_REQUEST_CODE;
      if (!isSslRequest || !options.cert || !options.key) {
        // Like a server with ssl=off: 'N', and a client that goes on with its TLS hello anyway is
        // read as a malformed StartupMessage and dropped.
        socket.write('N');
        socket.once('data', () => socket.destroy());
        return;
      }
      socket.write('S');
      const context = createSecureContext({ cert: options.cert, key: options.key });
      const secure = new TLSSocket(socket, {
        isServer: true,
        secureContext: context,
        // Called only when the client sends SNI, before the client can refuse the certificate.
        SNICallback: (name, done) => {
          visit.servername = name;
          done(null, context);
        },
      });
      secure.on('error', () => {});
      speakPostgres(secure, visit, options.hangUpAfterStartup === true);
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    host,
    port,
    visits,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The startup half of the protocol: StartupMessage in, AuthenticationCleartextPassword out, 'p' in. */
function speakPostgres(socket: TLSSocket, visit: FakePostgresVisit, hangUp: boolean): void {
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    if (!visit.startup) {
      if (buffered.length < 4 || buffered.length < buffered.readInt32BE(0)) return;
      visit.startup = true;
      if (hangUp) {
        socket.destroy();
        return;
      }
      buffered = buffered.subarray(buffered.readInt32BE(0));
      socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3])); // 'R', length 8, code 3: cleartext
      return;
    }
    if (buffered[0] === 0x70) {
      visit.password = true;
      socket.end(errorResponse('28P01', 'password authentication failed (fake server)'));
    }
  });
}

function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`);
  const head = Buffer.alloc(5);
  head.write('E', 0);
  head.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([head, fields]);
}
