import {badInput} from '../cli/errors.js'

/** Aurora's two storage configurations: I/O billed per request (Standard), or included at higher ACU and storage prices. */
export type StorageConfiguration = 'io-optimized' | 'standard'

interface RegionPrices {
  /** USD per ACU-hour of Aurora PostgreSQL Serverless v2. */
  acuHour: Record<StorageConfiguration, number>
  /** USD per million I/O requests, billed on Aurora Standard only. */
  ioPerMillion: number
  /** USD per GB-month of cluster storage (the volume's bytes used). */
  storageGbMonth: Record<StorageConfiguration, number>
}

/** us-east-1's prices, which us-east-2 and us-west-2 share. */
const usEastPrices: RegionPrices = {
  acuHour: {'io-optimized': 0.16, standard: 0.12},
  ioPerMillion: 0.2,
  storageGbMonth: {'io-optimized': 0.225, standard: 0.1},
}

/**
 * On-demand list prices of Aurora PostgreSQL-Compatible Serverless v2, in USD, for common regions. A small table
 * kept by hand rather than the AWS Price List API at run time: that API is large, slow and needs its own permission,
 * and an estimate to the cent is not the point. Where a region is missing, `metrics cost --price` gives the
 * ACU-hour price and the report shows ACU-hours and storage in GB.
 *
 * us-east-1: AWS Price List API (service AmazonRDS, usage types Aurora:ServerlessV2Usage, ServerlessV2IOOptimizedUsage,
 * StorageUsage, IO-OptimizedStorageUsage, StorageIOUsage), prices effective 2025-10-01. us-east-2 and us-west-2 are
 * priced as us-east-1 on the pricing page. ap-northeast-1: https://aws.amazon.com/rds/aurora/pricing/ as of 2025-12-01.
 */
export const priceTable = {
  asOf: '2025-12-01',
  regions: {
    'ap-northeast-1': {
      acuHour: {'io-optimized': 0.2, standard: 0.15},
      ioPerMillion: 0.24,
      storageGbMonth: {'io-optimized': 0.27, standard: 0.12},
    },
    'us-east-1': usEastPrices,
    'us-east-2': usEastPrices,
    'us-west-2': usEastPrices,
  } as Record<string, RegionPrices>,
  source: 'https://aws.amazon.com/rds/aurora/pricing/ (Aurora PostgreSQL-Compatible, Serverless v2, on-demand) and the AWS Price List API',
}

/** The table's prices for a region, or undefined when it has none. */
export const regionPrices = (region: string): RegionPrices | undefined => priceTable.regions[region]

/** What DescribeDBClusters' StorageType says: "aurora-iopt1" is I/O-Optimized; "aurora" (or anything else) Standard. */
export const storageConfiguration = (storageType: string | undefined): StorageConfiguration =>
  storageType === 'aurora-iopt1' ? 'io-optimized' : 'standard'

/** A month as AWS prices it: 730 hours. */
export const hoursPerMonth = 730

/** --price: USD per ACU-hour, above 0 and at most 100 (refused with exit 2 otherwise). */
export function parsePrice(text: string, flag: string): number {
  const value = Number(text)
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(value > 0) || value > 100) {
    throw badInput(`${flag} "${text}" is not a price: USD per ACU-hour above 0 and at most 100, e.g. 0.12.`)
  }

  return value
}
