/**
 * Which login failures are worth waiting out. One classifier for every wait for logins (the drill's
 * ready phase, doctor's login check): a fresh endpoint that does not resolve yet, refuses, times out
 * or says it is starting up may work in a minute; a wrong password, a missing role or database, or a
 * certificate that is refused never will, and waiting only hides the real error.
 */

export type ConnectFailureKind = 'auth' | 'database' | 'network' | 'other' | 'role' | 'starting' | 'tls'

export interface ConnectFailure {
  /** The SQLSTATE or Node error code found on the error or its causes, if any. */
  code?: string
  kind: ConnectFailureKind
  /** Worth retrying: the endpoint may still be coming up. */
  transient: boolean
}

/** Node's codes for a network path that is not there yet (or not now): DNS, refused, reset, timed out. */
const networkCodes = new Set([
  'EAI_AGAIN',
  'ECONNABORTED',
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTDOWN',
  'EHOSTUNREACH',
  'ENETDOWN',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'ETIMEDOUT',
])

/** node-postgres's messages for a connection that timed out or was cut before the startup finished. */
const networkMessages =
  /^(timeout expired|Connection terminated unexpectedly|Connection terminated due to connection timeout|Connection terminated)$/

/** Node's TLS verification codes, and node-postgres's TLS negotiation failures. */
const tlsCodes = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|HOSTNAME_MISMATCH)/
const tlsMessages = /^(The server does not support SSL connections|There was an error establishing an SSL connection)$/

/** The error and its causes, outermost first (AuroraError wraps the driver's error as its cause). */
function chain(error: unknown): unknown[] {
  const found: unknown[] = []
  let current = error
  while (current && typeof current === 'object' && found.length < 5 && !found.includes(current)) {
    found.push(current)
    current = (current as {cause?: unknown}).cause
  }

  return found
}

/** What kind of login failure `error` is, from the codes node-postgres and Node put on it (or its causes). */
export function classifyConnectError(error: unknown): ConnectFailure {
  for (const item of chain(error)) {
    const code = typeof (item as {code?: unknown}).code === 'string' ? (item as {code: string}).code : undefined
    const message = item instanceof Error ? item.message : ''
    // Our own refusal of a certificate (src/lib/pg/tls.ts certificateError).
    if (code === 'TLS_UNVERIFIED') return {code, kind: 'tls', transient: false}
    if (code && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('E')) {
      // A SQLSTATE from the server.
      if (code === '57P03') return {code, kind: 'starting', transient: true} // cannot_connect_now: starting up, shutting down, in recovery
      if (code.startsWith('08')) return {code, kind: 'network', transient: true} // connection exceptions
      if (code === '28P01') return {code, kind: 'auth', transient: false} // invalid_password
      if (code === '28000') return {code, kind: 'role', transient: false} // invalid_authorization_specification: no such role, no pg_hba line
      if (code === '3D000') return {code, kind: 'database', transient: false} // invalid_catalog_name
      return {code, kind: 'other', transient: false}
    }

    if (code && networkCodes.has(code)) return {code, kind: 'network', transient: true}
    if (code && tlsCodes.test(code)) return {code, kind: 'tls', transient: false}
    if (tlsMessages.test(message)) return {code, kind: 'tls', transient: false}
    if (networkMessages.test(message)) return {code, kind: 'network', transient: true}
  }

  return {kind: 'other', transient: false}
}

/** True for failures a wait for logins should retry; false for those that end it with the real error. */
export function isTransientConnectError(error: unknown): boolean {
  return classifyConnectError(error).transient
}

/** The next step for a login that failed, by what failed: never blame the password for a certificate or the network. */
export function connectFailureHint(failure: ConnectFailure): string {
  switch (failure.kind) {
    case 'auth': {
      return 'The password was refused: check the secret (`auroractl secret get`); a rotation may have changed it.'
    }

    case 'database': {
      return 'The database does not exist on the server: check "dbname" in the secret and the cluster\'s database name.'
    }

    case 'network': {
      return 'The endpoint cannot be reached: check that the cluster is available (`auroractl status`), the security group, and --via or the endpoint map.'
    }

    case 'role': {
      return 'The user was refused: check "username" in the secret, and that the role exists on the cluster.'
    }

    case 'starting': {
      return 'The server is starting up or shutting down: try again in a minute.'
    }

    case 'tls': {
      return 'The TLS handshake failed: check the endpoint (--via, the endpoint map) and the CA (--ca-bundle); the credentials were not tried.'
    }

    default: {
      return 'Check the secret (`auroractl secret get`) and that the cluster is available (`auroractl status`).'
    }
  }
}
