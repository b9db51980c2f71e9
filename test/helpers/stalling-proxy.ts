import type {AddressInfo} from 'node:net'

import http from 'node:http'

/**
 * An HTTP proxy in front of the sandbox's moto that keeps one resource from ever finishing: every call is
 * forwarded, and answers that mention `id` (or, for `prefix*`, an id starting so) say `status` where moto says "available". moto finishes
 * snapshots, restores and modifications at once; behind this proxy a command really waits, as it would
 * on AWS, whatever calls it makes before and after.
 */
export async function startStallingProxy(
  motoUrl: string,
  stall: {id: string; status: string},
): Promise<{close: () => Promise<void>; url: string}> {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', async () => {
      try {
        const body = Buffer.concat(chunks)
        const headers = Object.fromEntries(
          Object.entries(request.headers).filter(([name]) => !['connection', 'content-length', 'host'].includes(name)),
        ) as Record<string, string>
        const answer = await fetch(new URL(request.url ?? '/', motoUrl), {
          body: body.length > 0 ? body : undefined,
          headers,
          method: request.method,
        })
        let text = await answer.text()
        // A trailing * stalls every resource whose id starts so (ids a command makes up, like a drill's).
        const mentioned = stall.id.endsWith('*') ? text.includes(`>${stall.id.slice(0, -1)}`) : text.includes(`>${stall.id}<`)
        if (mentioned) text = text.replaceAll('<Status>available</Status>', `<Status>${stall.status}</Status>`)
        response.statusCode = answer.status
        response.setHeader('content-type', answer.headers.get('content-type') ?? 'text/xml')
        response.end(text)
      } catch (error) {
        response.statusCode = 502
        response.end(String(error))
      }
    })
  })
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve)
  })
  return {
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  }
}
