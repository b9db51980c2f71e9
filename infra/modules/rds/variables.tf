# ---------------------------------------------------------------------------------------------------
# Required
# ---------------------------------------------------------------------------------------------------

variable "project_name" {
  description = "Project name, the prefix of every resource name (e.g. \"nba-tracker\")."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,39}$", var.project_name)) && !endswith(var.project_name, "-") && !strcontains(var.project_name, "--")
    error_message = "project_name must be 1-40 lowercase letters, digits or hyphens, start with a letter, and have no trailing or double hyphen (it becomes part of the cluster identifier)."
  }
}

variable "environment" {
  description = "Environment name: dev, staging or prod."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be one of dev, staging, prod."
  }
}

variable "vpc_id" {
  description = "ID of the VPC the cluster lives in."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8}([0-9a-f]{9})?$", var.vpc_id))
    error_message = "vpc_id must look like vpc-12345678 or vpc-0123456789abcdef0."
  }
}

variable "database_subnets" {
  description = "IDs of the database subnets, at least two, in at least two availability zones."
  type        = list(string)

  validation {
    condition     = length(var.database_subnets) >= 2
    error_message = "database_subnets must list at least 2 subnet IDs (Aurora needs subnets in two availability zones)."
  }

  validation {
    condition     = alltrue([for id in var.database_subnets : can(regex("^subnet-[0-9a-f]{8}([0-9a-f]{9})?$", id))])
    error_message = "database_subnets must hold subnet IDs such as subnet-12345678 or subnet-0123456789abcdef0."
  }
}

variable "db_name" {
  description = "Name of the database created in the cluster."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,62}$", var.db_name))
    error_message = "db_name must be 1-63 letters, digits or underscores and start with a letter."
  }
}

variable "db_username" {
  description = "Master user name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,62}$", var.db_username)) && !contains(["postgres", "rdsadmin", "admin", "root"], lower(var.db_username))
    error_message = "db_username must be 1-63 letters, digits or underscores, start with a letter, and not be a reserved name (postgres, rdsadmin, admin, root)."
  }
}

variable "db_password" {
  description = "Master password: at least 8 characters, without /, \", @ or spaces."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.db_password) >= 8 && length(var.db_password) <= 128 && !can(regex("[/\"@ ]", var.db_password))
    error_message = "db_password must be 8-128 characters and must not contain /, \", @ or spaces (RDS rejects them)."
  }
}

# ---------------------------------------------------------------------------------------------------
# Optional, with the seed's defaults
# ---------------------------------------------------------------------------------------------------

variable "engine_version" {
  description = "Aurora PostgreSQL engine version, major 15 (the seed's 15.4 can no longer be created)."
  type        = string
  default     = "15.14"

  validation {
    condition     = can(regex("^15\\.[0-9]+$", var.engine_version))
    error_message = "engine_version must be an Aurora PostgreSQL 15 minor version such as 15.14 (major 15, as the module documents)."
  }
}

variable "instance_class" {
  description = "Instance class of the writer and reader; db.serverless for Serverless v2."
  type        = string
  default     = "db.serverless"

  validation {
    condition     = can(regex("^db\\.[a-z0-9]+(\\.[a-z0-9]+)?$", var.instance_class))
    error_message = "instance_class must be an RDS instance class such as db.serverless or db.r6g.large."
  }
}

variable "min_capacity" {
  description = "Minimum Aurora capacity units (ACU): 0 (scale to zero and pause when idle; engine 15.7 or later) or 0.5 to 256 in steps of 0.5."
  type        = number
  default     = 0.5

  validation {
    condition     = var.min_capacity >= 0 && var.min_capacity <= 256 && floor(var.min_capacity * 2) == var.min_capacity * 2
    error_message = "min_capacity must be 0 (scale to zero and auto-pause) or from 0.5 to 256 in steps of 0.5."
  }

  validation {
    condition     = var.min_capacity <= var.max_capacity
    error_message = "min_capacity must not exceed max_capacity."
  }

  # Aurora PostgreSQL can scale to 0 ACU from 13.15, 14.12, 15.7 and 16.3, and on every later major (AWS,
  # "Scaling to Zero ACUs with automatic pause and resume for Aurora Serverless v2", Prerequisites); older
  # versions reject MinCapacity 0 at apply time, after the plan looked fine. engine_version is a
  # "major.minor" string, so the minors are compared as numbers (15.14 is later than 15.7). The table
  # covers the majors engine_version may one day admit; a malformed engine_version is left to its own
  # validation (try(..., true)) so that only one error names it.
  validation {
    condition = var.min_capacity > 0 || try(
      tonumber(split(".", var.engine_version)[1]) >= lookup(
        { "13" = 15, "14" = 12, "15" = 7, "16" = 3 },
        split(".", var.engine_version)[0],
        tonumber(split(".", var.engine_version)[0]) > 16 ? 0 : 1000,
      ),
      true,
    )
    error_message = "min_capacity may be 0 only on an engine version that can scale to zero (aurora-postgresql 15.7 or later; 13.15, 14.12, 16.3 on other majors), and engine_version is ${var.engine_version}: raise engine_version or keep min_capacity at 0.5 or more."
  }
}

variable "max_capacity" {
  description = "Maximum Aurora capacity units (ACU)."
  type        = number
  default     = 1.0

  validation {
    condition     = var.max_capacity >= 1 && var.max_capacity <= 256 && floor(var.max_capacity * 2) == var.max_capacity * 2
    error_message = "max_capacity must be from 1 to 256 in steps of 0.5."
  }
}

variable "backup_retention_period" {
  description = "Days to keep automated backups."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_period >= 1 && var.backup_retention_period <= 35 && floor(var.backup_retention_period) == var.backup_retention_period
    error_message = "backup_retention_period must be a whole number of days from 1 to 35."
  }
}

variable "backup_window" {
  description = "Daily backup window, hh24:mi-hh24:mi in UTC, at least 30 minutes."
  type        = string
  default     = "03:00-04:00"

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$", var.backup_window))
    error_message = "backup_window must be hh24:mi-hh24:mi in UTC, e.g. 03:00-04:00."
  }

  validation {
    condition = try(
      (tonumber(substr(var.backup_window, 6, 2)) * 60 + tonumber(substr(var.backup_window, 9, 2)) - tonumber(substr(var.backup_window, 0, 2)) * 60 - tonumber(substr(var.backup_window, 3, 2)) + 1440) % 1440 >= 30,
      false,
    )
    error_message = "backup_window must be at least 30 minutes long."
  }
}

variable "maintenance_window" {
  description = "Weekly maintenance window, ddd:hh24:mi-ddd:hh24:mi in UTC."
  type        = string
  default     = "sun:04:00-sun:05:00"

  validation {
    condition     = can(regex("^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$", var.maintenance_window))
    error_message = "maintenance_window must be ddd:hh24:mi-ddd:hh24:mi in UTC, e.g. sun:04:00-sun:05:00."
  }

  validation {
    condition = try(
      (
        index(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], substr(var.maintenance_window, 10, 3)) * 1440 + tonumber(substr(var.maintenance_window, 14, 2)) * 60 + tonumber(substr(var.maintenance_window, 17, 2))
        -index(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], substr(var.maintenance_window, 0, 3)) * 1440 - tonumber(substr(var.maintenance_window, 4, 2)) * 60 - tonumber(substr(var.maintenance_window, 7, 2))
        + 10080
      ) % 10080 >= 30,
      false,
    )
    error_message = "maintenance_window must be at least 30 minutes long."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the cluster while true. Set true for prod."
  type        = bool
  default     = false
}

variable "skip_final_snapshot" {
  description = "Delete the cluster without a final snapshot. Set false for prod."
  type        = bool
  default     = true
}

variable "performance_insights_retention_period" {
  description = "Days Performance Insights keeps data: 7 (free tier), a multiple of 31 up to 713, or 731."
  type        = number
  default     = 7

  validation {
    condition     = var.performance_insights_retention_period == 7 || var.performance_insights_retention_period == 731 || (var.performance_insights_retention_period >= 31 && var.performance_insights_retention_period <= 713 && var.performance_insights_retention_period % 31 == 0)
    error_message = "performance_insights_retention_period must be 7, a multiple of 31 from 31 to 713, or 731."
  }
}

variable "tags" {
  description = "Tags for every resource, merged over the module's Project, Environment and ManagedBy tags."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------------------------------------------
# Optional, beyond the seed: what a careful team needs, with safe defaults
# ---------------------------------------------------------------------------------------------------

variable "allowed_security_group_ids" {
  description = "Security groups whose members may connect on 5432. Nothing is open by default."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.allowed_security_group_ids : can(regex("^sg-[0-9a-f]{8}([0-9a-f]{9})?$", id))])
    error_message = "allowed_security_group_ids must hold security group IDs such as sg-0123456789abcdef0."
  }
}

variable "allowed_cidr_blocks" {
  description = "IPv4 CIDR blocks that may connect on 5432. 0.0.0.0/0 is refused."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for cidr in var.allowed_cidr_blocks : can(cidrhost(cidr, 0)) && can(regex("^[0-9.]+/[0-9]+$", cidr))])
    error_message = "allowed_cidr_blocks must hold IPv4 CIDR blocks such as 10.0.0.0/16."
  }

  validation {
    condition     = !contains(var.allowed_cidr_blocks, "0.0.0.0/0")
    error_message = "allowed_cidr_blocks must not contain 0.0.0.0/0: the database is never opened to the world."
  }
}

variable "kms_key_id" {
  description = "KMS key ARN for storage encryption; null uses the AWS-managed key (aws/rds)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_id == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_id))
    error_message = "kms_key_id must be a KMS key ARN (arn:aws:kms:...) or null."
  }
}

variable "performance_insights_kms_key_id" {
  description = "KMS key ARN for Performance Insights data; null uses the AWS-managed key."
  type        = string
  default     = null

  validation {
    condition     = var.performance_insights_kms_key_id == null || can(regex("^arn:aws[a-z-]*:kms:", var.performance_insights_kms_key_id))
    error_message = "performance_insights_kms_key_id must be a KMS key ARN (arn:aws:kms:...) or null."
  }
}

variable "secret_kms_key_id" {
  description = "KMS key ARN for the credentials secret; null uses the AWS-managed key (aws/secretsmanager)."
  type        = string
  default     = null

  validation {
    condition     = var.secret_kms_key_id == null || can(regex("^arn:aws[a-z-]*:kms:", var.secret_kms_key_id))
    error_message = "secret_kms_key_id must be a KMS key ARN (arn:aws:kms:...) or null."
  }
}

variable "secret_recovery_window_in_days" {
  description = "Days a deleted credentials secret can be restored: 0 (delete at once) or 7 to 30."
  type        = number
  default     = 7

  validation {
    condition     = var.secret_recovery_window_in_days == 0 || (var.secret_recovery_window_in_days >= 7 && var.secret_recovery_window_in_days <= 30)
    error_message = "secret_recovery_window_in_days must be 0 or from 7 to 30."
  }
}

variable "iam_database_authentication_enabled" {
  description = "Allow IAM database authentication (in addition to passwords)."
  type        = bool
  default     = true
}

variable "enabled_cloudwatch_logs_exports" {
  description = "Log types exported to CloudWatch Logs."
  type        = list(string)
  default     = ["postgresql"]

  validation {
    condition     = alltrue([for log in var.enabled_cloudwatch_logs_exports : contains(["postgresql", "iam-db-auth-error", "instance"], log)])
    error_message = "enabled_cloudwatch_logs_exports may contain only postgresql, iam-db-auth-error and instance."
  }
}

variable "force_ssl" {
  description = "Refuse unencrypted connections (rds.force_ssl = 1 in the cluster parameter group)."
  type        = bool
  default     = true
}

variable "log_min_duration_statement_ms" {
  description = "Log statements slower than this many milliseconds; -1 turns it off."
  type        = number
  default     = 1000

  validation {
    condition     = var.log_min_duration_statement_ms >= -1 && floor(var.log_min_duration_statement_ms) == var.log_min_duration_statement_ms
    error_message = "log_min_duration_statement_ms must be a whole number of milliseconds, or -1 to turn it off."
  }
}

variable "copy_tags_to_snapshot" {
  description = "Copy the cluster's tags to its snapshots."
  type        = bool
  default     = true
}

variable "auto_minor_version_upgrade" {
  description = "Let AWS apply minor engine upgrades in the maintenance window."
  type        = bool
  default     = true
}

variable "apply_immediately" {
  description = "Apply modifications now instead of in the next maintenance window."
  type        = bool
  default     = false
}

variable "reader_count" {
  description = "Number of reader instances beside the writer; at least 1 keeps the cluster Multi-AZ."
  type        = number
  default     = 1

  validation {
    condition     = var.reader_count >= 0 && var.reader_count <= 15 && floor(var.reader_count) == var.reader_count
    error_message = "reader_count must be a whole number from 0 to 15."
  }
}

variable "monitoring_interval" {
  description = "Seconds between Enhanced Monitoring samples: 0 (off), 1, 5, 10, 15, 30 or 60."
  type        = number
  default     = 60

  validation {
    condition     = contains([0, 1, 5, 10, 15, 30, 60], var.monitoring_interval)
    error_message = "monitoring_interval must be one of 0, 1, 5, 10, 15, 30, 60."
  }
}

variable "seconds_until_auto_pause" {
  description = "With min_capacity = 0: seconds without user connections before the instances pause, 300 (5 minutes) to 86400 (24 hours); null means AWS's default, 300. Refused with min_capacity above 0."
  type        = number
  default     = null

  validation {
    condition     = var.seconds_until_auto_pause == null ? true : var.seconds_until_auto_pause >= 300 && var.seconds_until_auto_pause <= 86400 && floor(var.seconds_until_auto_pause) == var.seconds_until_auto_pause
    error_message = "seconds_until_auto_pause must be a whole number of seconds from 300 (5 minutes) to 86400 (24 hours)."
  }

  # Refused rather than ignored: with a minimum above 0 ACU nothing pauses, and AWS drops the setting
  # (SecondsUntilAutoPause is removed from the cluster when MinCapacity is above 0).
  validation {
    condition     = var.seconds_until_auto_pause == null || var.min_capacity == 0
    error_message = "seconds_until_auto_pause may be set only with min_capacity = 0 (min_capacity is ${var.min_capacity}): a cluster whose minimum is above 0 ACU never pauses."
  }
}
