import {readFile} from 'node:fs/promises'

import {AuroraError} from '../cli/errors.js'
import {parseHostPort} from '../cli/validation.js'

/**
 * Maps the database endpoints AWS reports (`host:port`) to the address to actually connect to.
 * The sandbox writes one because moto's endpoints do not resolve; users get the same mechanism
 * for port forwards through `--via` (one address for every endpoint) or a map file of their own.
 */
export type EndpointMap = Record<string, string>

export interface ConnectAddress {
  host: string
  port: number
  /** How the address was chosen, for messages: "direct", "--via" or "endpoint map". */
  route: 'direct' | 'endpoint map' | 'via'
  /** The name TLS verifies: always the endpoint AWS reports, even when connecting elsewhere. */
  servername: string
}

export function parseEndpointMap(text: string, source: string): EndpointMap {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new AuroraError('CONFIG_INVALID', `Endpoint map ${source} is not valid JSON.`)
  }

  const endpoints = (json as {endpoints?: unknown})?.endpoints
  if (!endpoints || typeof endpoints !== 'object' || Array.isArray(endpoints)) {
    throw new AuroraError('CONFIG_INVALID', `Endpoint map ${source} must be {"endpoints": {"host:port": "127.0.0.1:15432", ...}}.`)
  }

  const map: EndpointMap = {}
  for (const [from, to] of Object.entries(endpoints as Record<string, unknown>)) {
    if (typeof to !== 'string')
      throw new AuroraError('CONFIG_INVALID', `Endpoint map ${source}: "${from}" must map to a "HOST:PORT" string.`)
    parseHostPort(from, `endpoint map ${source} key`)
    parseHostPort(to, `endpoint map ${source} value`)
    map[from.toLowerCase()] = to
  }

  return map
}

export async function loadEndpointMap(file: string): Promise<EndpointMap> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new AuroraError('CONFIG_INVALID', `Cannot read endpoint map ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`, {
      hint: 'For the sandbox, run `auroractl sandbox up` and `eval "$(auroractl sandbox env)"` again.',
    })
  }

  return parseEndpointMap(text, file)
}

/** Where to open a TCP connection for `host:port`: --via wins, then the endpoint map, else the endpoint itself. */
export function resolveConnectAddress(
  host: string,
  port: number,
  options: {endpointMap?: EndpointMap; via?: {host: string; port: number}},
): ConnectAddress {
  if (options.via) return {...options.via, route: 'via', servername: host}
  const mapped = options.endpointMap?.[`${host}:${port}`.toLowerCase()]
  if (mapped) return {...parseHostPort(mapped, 'endpoint map'), route: 'endpoint map', servername: host}
  return {host, port, route: 'direct', servername: host}
}
