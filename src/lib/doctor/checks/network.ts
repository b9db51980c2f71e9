import type {IpPermission} from '@aws-sdk/client-ec2'

import {lookup} from 'node:dns/promises'
import net from 'node:net'
import tls from 'node:tls'

import type {Check} from '../types.js'

import {ec2Sdk, rdsSdk} from '../../aws/sdk.js'
import {rdsCaBundleUrl, trustedCertificates} from '../../pg/tls.js'
import {type DoctorFacts} from '../facts.js'
import {gradeCertificate, isPrivateAddress} from '../grading.js'
import {fail, ok, skip, warn} from '../types.js'

export const networkSubnets: Check<DoctorFacts> = {
  dependsOn: ['cluster.status'],
  id: 'network.subnets',
  layer: 'network',
  async run(facts) {
    const name = (await facts.cluster()).DBSubnetGroup
    if (!name) return skip('the cluster reports no DB subnet group')
    const {DescribeDBSubnetGroupsCommand} = rdsSdk()
    const {DBSubnetGroups: [group] = []} = await (
      await facts.clients.rds()
    ).send(new DescribeDBSubnetGroupsCommand({DBSubnetGroupName: name}))
    const zones = [...new Set((group?.Subnets ?? []).map((subnet) => subnet.SubnetAvailabilityZone?.Name))].filter(Boolean).sort()
    const detail = `${name}: ${group?.Subnets?.length ?? 0} subnets in ${zones.length} AZ(s) (${zones.join(', ')})`
    return zones.length >= 2
      ? ok(detail)
      : fail(detail, "Aurora needs subnets in at least two AZs: add one to the subnet group (the module's database_subnets).")
  },
  timeoutMs: 10_000,
}

/** Whether an ingress rule lets TCP 5432 through. */
function coversPort(rule: IpPermission, port: number): boolean {
  if (rule.IpProtocol === '-1') return true
  return rule.IpProtocol === 'tcp' && (rule.FromPort ?? 0) <= port && port <= (rule.ToPort ?? 65_535)
}

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0)
}

/** Whether CIDR `outer` contains CIDR (or address) `inner`. */
export function cidrContains(outer: string, inner: string): boolean {
  const [outerAddress, outerBits = '32'] = outer.split('/')
  const [innerAddress, innerBits = '32'] = inner.split('/')
  if (Number(innerBits) < Number(outerBits)) return false
  const size = 2 ** (32 - Number(outerBits))
  return Math.floor(ipv4ToNumber(innerAddress!) / size) === Math.floor(ipv4ToNumber(outerAddress!) / size)
}

export const networkSecurityGroup: Check<DoctorFacts> = {
  dependsOn: ['cluster.status'],
  id: 'network.security-group',
  layer: 'network',
  async run(facts) {
    const cluster = await facts.cluster()
    const port = cluster.Port ?? 5432
    const groupIds = (cluster.VpcSecurityGroups ?? []).map((group) => group.VpcSecurityGroupId!).filter(Boolean)
    if (groupIds.length === 0) return fail('the cluster has no VPC security group', "Attach the module's security group to the cluster.")
    const {DescribeSecurityGroupsCommand} = ec2Sdk()
    const {SecurityGroups: groups = []} = await (await facts.clients.ec2()).send(new DescribeSecurityGroupsCommand({GroupIds: groupIds}))
    const rules = groups.flatMap((group) =>
      (group.IpPermissions ?? []).filter((rule) => coversPort(rule, port)).map((rule) => ({group: group.GroupId!, rule})),
    )
    const sources = rules.flatMap(({group, rule}) => [
      ...(rule.UserIdGroupPairs ?? []).map((pair) => `${group}: from ${pair.GroupId}${pair.Description ? ` (${pair.Description})` : ''}`),
      ...(rule.IpRanges ?? []).map((range) => `${group}: from ${range.CidrIp}${range.Description ? ` (${range.Description})` : ''}`),
    ])
    const {fromCidr, fromSecurityGroup} = facts.options
    const dbGroup = groupIds[0]!
    if (fromSecurityGroup) {
      const match = rules.find(({rule}) => rule.UserIdGroupPairs?.some((pair) => pair.GroupId === fromSecurityGroup))
      if (match) return ok(`${match.group} allows TCP ${port} from ${fromSecurityGroup}`, sources)
      return fail(
        `no rule in ${groupIds.join(', ')} allows TCP ${port} from ${fromSecurityGroup}`,
        `Add it: aws ec2 authorize-security-group-ingress --group-id ${dbGroup} --protocol tcp --port ${port} --source-group ${fromSecurityGroup}` +
          ` (Terraform: the module's allowed_security_group_ids, or aws_security_group_rule { type = "ingress", from_port = ${port}, to_port = ${port}, protocol = "tcp", source_security_group_id = "${fromSecurityGroup}", security_group_id = "${dbGroup}" })`,
        sources,
      )
    }

    if (fromCidr) {
      const match = rules.find(({rule}) => rule.IpRanges?.some((range) => range.CidrIp && cidrContains(range.CidrIp, fromCidr)))
      if (match) return ok(`${match.group} allows TCP ${port} from ${fromCidr}`, sources)
      return fail(
        `no rule in ${groupIds.join(', ')} allows TCP ${port} from ${fromCidr}`,
        `Add it: aws ec2 authorize-security-group-ingress --group-id ${dbGroup} --protocol tcp --port ${port} --cidr ${fromCidr} (Terraform: the module's allowed_cidr_blocks)`,
        sources,
      )
    }

    if (sources.length === 0)
      return fail(`no rule allows TCP ${port}: nothing can connect`, "Allow the application: the module's allowed_security_group_ids.")
    if (sources.some((source) => source.includes('0.0.0.0/0')))
      return warn(`TCP ${port} is open to the world (0.0.0.0/0)`, "Allow only the application's security group.", sources)
    return ok(`TCP ${port} allowed from ${sources.length} source(s); name yours with --from-sg or --from-cidr to check it`, sources)
  },
  timeoutMs: 10_000,
}

export const networkDns: Check<DoctorFacts> = {
  dependsOn: ['cluster.status'],
  id: 'network.dns',
  layer: 'network',
  async run(facts) {
    const address = await facts.address()
    const name = address.route === 'direct' ? address.servername : address.host
    try {
      const {address: resolved} = await lookup(name)
      const kind = isPrivateAddress(resolved) ? 'private' : 'public'
      const route =
        address.route === 'direct' ? '' : ` (connecting through ${address.route}; ${address.servername} itself is not looked up)`
      return ok(`${name} -> ${resolved} (${kind})${route}`)
    } catch (error) {
      return fail(
        `${name} does not resolve (${(error as NodeJS.ErrnoException).code})`,
        'From outside the VPC the endpoint may be private: use a VPN, or a port forward with --via HOST:PORT.',
      )
    }
  },
  timeoutMs: 5000,
}

export interface TcpProbe {
  error?: 'refused' | 'timed out' | string
  ms: number
}

/** One TCP connect with a timeout; refused and timed out are told apart. */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<TcpProbe> {
  const started = performance.now()
  return new Promise((resolve) => {
    const socket = net.connect({host, port})
    const done = (error?: string) => {
      socket.destroy()
      resolve({error, ms: Math.round(performance.now() - started)})
    }

    socket.setTimeout(timeoutMs, () => done('timed out'))
    socket.once('connect', () => done())
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNREFUSED' ? 'refused' : (error.code ?? error.message)))
  })
}

export const networkTcp: Check<DoctorFacts> = {
  dependsOn: ['cluster.status'],
  id: 'network.tcp',
  layer: 'network',
  async run(facts) {
    const address = await facts.address()
    const where = `${address.host}:${address.port}${address.route === 'direct' ? '' : ` (${address.route} for ${address.servername})`}`
    const probe = await probeTcp(address.host, address.port, facts.options.tcpTimeoutMs)
    if (!probe.error) return ok(`connected to ${where} in ${probe.ms} ms`)
    if (probe.error === 'refused')
      return fail(
        `${where} refused the connection (${probe.ms} ms)`,
        'Nothing listens there: check the port, and that the cluster (or your port forward) is up.',
      )
    if (probe.error === 'timed out') {
      return fail(
        `${where} timed out after ${probe.ms} ms`,
        'Packets are dropped: check the security group (--from-sg / --from-cidr), network ACLs and routes, or use --via.',
      )
    }

    return fail(`${where}: ${probe.error}`, 'Check the network path to the endpoint.')
  },
  timeoutMs: 15_000,
}

export interface TlsProbe {
  authorizationError?: string
  authorized: boolean
  daysLeft?: number
  hostnameError?: string
  protocol?: null | string
  refused?: boolean
}

/** PostgreSQL's SSLRequest on a fresh connection, then the TLS handshake with the endpoint's name. */
export async function probeTls(options: {
  ca?: string[]
  host: string
  port: number
  servername: string
  timeoutMs: number
}): Promise<TlsProbe> {
  const socket = net.connect({host: options.host, port: options.port})
  socket.setTimeout(options.timeoutMs, () => socket.destroy(new Error('timed out')))
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    const request = Buffer.alloc(8)
    request.writeInt32BE(8, 0)
    request.writeInt32BE(80_877_103, 4) // SSLRequest code
    socket.write(request)
    const answer = await new Promise<string>((resolve, reject) => {
      socket.once('data', (data) => resolve(data.subarray(0, 1).toString()))
      socket.once('error', reject)
    })
    if (answer !== 'S') return {authorized: false, refused: true}
    const secure = tls.connect({ca: options.ca, rejectUnauthorized: false, servername: options.servername, socket})
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve)
      secure.once('error', reject)
    })
    const certificate = secure.getPeerCertificate()
    const hostnameError = tls.checkServerIdentity(options.servername, certificate)?.message
    const daysLeft = Math.floor((Date.parse(certificate.valid_to) - Date.now()) / 86_400_000)
    const probe = {
      authorizationError: secure.authorizationError ? String(secure.authorizationError) : undefined,
      authorized: secure.authorized,
      daysLeft,
      hostnameError,
      protocol: secure.getProtocol(),
    }
    secure.destroy()
    return probe
  } finally {
    socket.destroy()
  }
}

export const networkTls: Check<DoctorFacts> = {
  dependsOn: ['network.tcp'],
  id: 'network.tls',
  layer: 'network',
  async run(facts) {
    const address = await facts.address()
    // The same trust the connections use: --ca-bundle, else PGSSLROOTCERT, else the bundled RDS CAs and the system store.
    const {tls} = facts
    const ca = await trustedCertificates(tls)
    const trust = tls.trustLabel
    const probe = await probeTls({
      ca,
      host: address.host,
      port: address.port,
      servername: address.servername,
      timeoutMs: facts.options.tcpTimeoutMs,
    })
    if (probe.refused)
      return fail('the server refused TLS (SSLRequest answered N)', 'Aurora always offers TLS: is this really the cluster endpoint?')
    // Node counts a name mismatch as an authorisation error too; tell it apart from an untrusted chain.
    const nameMismatch =
      probe.hostnameError ?? (probe.authorizationError === 'ERR_TLS_CERT_ALTNAME_INVALID' ? 'not in the certificate' : undefined)
    if (nameMismatch)
      return fail(
        `certificate does not match ${address.servername}: ${nameMismatch}`,
        'Connect to the cluster endpoint name (with --via, TLS still checks that name).',
      )
    if (!probe.authorized) {
      return fail(
        `certificate chain not verified with ${trust}: ${probe.authorizationError}`,
        `Is ${address.servername} really the cluster (check --via and the endpoint map)? If it is, pass --ca-bundle FILE with the CA that signed it (for RDS: ${rdsCaBundleUrl}).`,
      )
    }

    const detail = `${probe.protocol}, chain verified with ${trust}, name ${address.servername} matches, expires in ${probe.daysLeft} days`
    if (tls.mode === 'require')
      return warn(
        `${detail}; but connections skip verification (--tls require)`,
        'Leave out --tls require: this certificate would pass verify-full.',
      )
    const status = gradeCertificate(probe.daysLeft ?? 0)
    if (status === 'ok') return ok(detail)
    return status === 'warn'
      ? warn(detail, 'Rotate the server certificate (aws rds modify-db-instance --ca-certificate-identifier).')
      : fail(
          `certificate expired ${-(probe.daysLeft ?? 0)} days ago`,
          'Rotate the CA: aws rds modify-db-instance --ca-certificate-identifier rds-ca-rsa2048-g1.',
        )
  },
  timeoutMs: 15_000,
}
