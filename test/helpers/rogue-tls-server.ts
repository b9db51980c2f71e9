import net from 'node:net'
import tls from 'node:tls'

/**
 * A server that poses as PostgreSQL on 127.0.0.1: it answers the SSLRequest with 'S', completes TLS
 * with whatever certificate it is given, and then asks for the password in clear text, recording
 * every byte a client sends after the handshake. A client that verifies the certificate never gets
 * that far, so `received()` stays empty; one that does not hands over its startup message and password.
 */
export interface RogueServer {
  close: () => Promise<void>
  port: number
  /** Everything clients sent inside TLS, concatenated. */
  received: () => Buffer
  /** How many SSLRequests were answered 'S' (clients that reached the TLS handshake). */
  sslRequests: () => number
}

const sslRequestCode = 80_877_103
const gssEncRequestCode = 80_877_104

export async function startRogueTlsServer(options: {cert: string; key: string}): Promise<RogueServer> {
  const chunks: Buffer[] = []
  const sockets = new Set<net.Socket>()
  let sslRequests = 0
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let pending = Buffer.alloc(0)
    const onPlain = (data: Buffer) => {
      pending = Buffer.concat([pending, data])
      while (pending.length >= 8) {
        const code = pending.readInt32BE(4)
        pending = pending.subarray(8)
        if (code === gssEncRequestCode) {
          socket.write('N')
          continue
        }

        if (code !== sslRequestCode) {
          socket.destroy()
          return
        }

        socket.off('data', onPlain)
        sslRequests++
        socket.write('S')
        const secure = new tls.TLSSocket(socket, {cert: options.cert, isServer: true, key: options.key})
        secure.on('error', () => {})
        let answered = false
        secure.on('data', (inside: Buffer) => {
          chunks.push(inside)
          if (answered) {
            // The password message: that is all it wanted.
            secure.end()
            return
          }

          // The startup message: ask for the password in clear text, as a rogue would.
          answered = true
          const cleartext = Buffer.alloc(9)
          cleartext.write('R', 0)
          cleartext.writeInt32BE(8, 1)
          cleartext.writeInt32BE(3, 5)
          secure.write(cleartext)
        })
        return
      }
    }

    socket.on('data', onPlain)
  })
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve)
  })
  return {
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
      })
    },
    port: (server.address() as net.AddressInfo).port,
    received: () => Buffer.concat(chunks),
    sslRequests: () => sslRequests,
  }
}
