import {z} from 'zod'

import type {EnvironmentConfig} from './config.js'

/** One named environment (dev, staging, prod ...): where its cluster lives and how to reach it. */
const environmentSchema = z
  .object({
    cluster: z.string().optional(),
    endpointMap: z.string().optional().describe('path to an endpoint map file, relative to the config file'),
    endpointUrl: z.string().optional(),
    profile: z.string().optional(),
    region: z.string().optional(),
    secret: z.string().optional(),
    tfDir: z.string().optional().describe('relative to the config file'),
    via: z.string().optional(),
  })
  .strict()

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    defaultEnv: z.string().optional(),
    environments: z.record(z.string(), environmentSchema),
  })
  .strict()

// Fails to compile when the hand-written interface in config.ts and this schema drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
export const schemaMatchesInterface: Same<z.infer<typeof environmentSchema>, EnvironmentConfig> = true
