import {describe, expect, it} from 'vitest'

import {parseEndpointMap, resolveConnectAddress} from '../../src/lib/target/endpoint-map.js'

const writer = 'nba.cluster-abc.us-east-1.rds.amazonaws.com'

describe('endpoint map', () => {
  const map = parseEndpointMap(JSON.stringify({endpoints: {[`${writer.toUpperCase()}:5432`]: '127.0.0.1:15432'}}), 'map.json')

  it('maps a reported endpoint to a local address and keeps the endpoint name for TLS', () => {
    expect(resolveConnectAddress(writer, 5432, {endpointMap: map})).toEqual({
      host: '127.0.0.1',
      port: 15_432,
      route: 'endpoint map',
      servername: writer,
    })
  })

  it('connects directly to endpoints the map does not list', () => {
    expect(resolveConnectAddress('other.example', 5432, {endpointMap: map})).toEqual({
      host: 'other.example',
      port: 5432,
      route: 'direct',
      servername: 'other.example',
    })
    expect(resolveConnectAddress(writer, 6432, {endpointMap: map}).route).toBe('direct')
  })

  it('lets --via win over the map', () => {
    expect(resolveConnectAddress(writer, 5432, {endpointMap: map, via: {host: '127.0.0.1', port: 9999}})).toEqual({
      host: '127.0.0.1',
      port: 9999,
      route: 'via',
      servername: writer,
    })
  })

  it.each([
    ['[]', 'must be {"endpoints"'],
    ['{"endpoints": {"a:5432": 5}}', 'must map to a "HOST:PORT" string'],
    ['{"endpoints": {"a": "127.0.0.1:1"}}', 'is not HOST:PORT'],
    ['nope', 'is not valid JSON'],
  ])('rejects %s', (text, message) => {
    expect(() => parseEndpointMap(text, 'map.json')).toThrow(message)
  })
})
