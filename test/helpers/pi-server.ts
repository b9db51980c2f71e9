import type {AddressInfo} from 'node:net'

import http from 'node:http'

export interface PiRequest {
  body: Record<string, unknown>
  target: string
}

/**
 * A local Performance Insights endpoint: moto has none. It speaks the service's JSON 1.1 protocol
 * (X-Amz-Target: PerformanceInsightsv20180227.*), so the real SDK client serializes and parses real
 * requests; the answers are the ones a test hands in.
 */
export async function startPiServer(
  answers: Record<string, (body: Record<string, unknown>) => unknown>,
): Promise<{close: () => Promise<void>; requests: PiRequest[]; url: string}> {
  const requests: PiRequest[] = []
  const server = http.createServer((request, response) => {
    let text = ''
    request.on('data', (chunk) => {
      text += chunk
    })
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '')
      const operation = target.replace('PerformanceInsightsv20180227.', '')
      const body = JSON.parse(text || '{}') as Record<string, unknown>
      requests.push({body, target})
      response.setHeader('content-type', 'application/x-amz-json-1.1')
      const answer = answers[operation]
      if (answer) {
        response.end(JSON.stringify(answer(body)))
      } else {
        response.statusCode = 400
        response.end(JSON.stringify({__type: 'InvalidArgumentException', message: `unexpected ${target}`}))
      }
    })
  })
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve)
  })
  return {
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
      }),
    requests,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  }
}
