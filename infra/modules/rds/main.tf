locals {
  name = "${var.project_name}-${var.environment}"

  # Module defaults first, so a caller's tags can refine them (the seed passes Component, Owner, CostCenter).
  tags = merge(
    {
      Project     = var.project_name
      Environment = var.environment
      ManagedBy   = "terraform"
    },
    var.tags,
  )

  engine_major = split(".", var.engine_version)[0]

  # Spread the instances over the subnets' availability zones: writer in the first, readers after it.
  availability_zones = sort(distinct([for subnet in data.aws_subnet.database : subnet.availability_zone]))
}

data "aws_subnet" "database" {
  for_each = toset(var.database_subnets)
  id       = each.value
}

resource "aws_db_subnet_group" "this" {
  name        = "${local.name}-db-subnets"
  description = "Aurora PostgreSQL ${local.name}: database subnets"
  subnet_ids  = var.database_subnets
  tags        = local.tags
}

resource "aws_rds_cluster_parameter_group" "this" {
  name_prefix = "${local.name}-pg${local.engine_major}-"
  family      = "aurora-postgresql${local.engine_major}"
  description = "Aurora PostgreSQL ${local.name}: TLS and query logging"
  tags        = local.tags

  parameter {
    name  = "rds.force_ssl"
    value = var.force_ssl ? "1" : "0"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = tostring(var.log_min_duration_statement_ms)
  }

  parameter {
    name  = "log_statement"
    value = "ddl"
  }

  lifecycle {
    create_before_destroy = true
  }
}

# The final snapshot's name must differ on every destroy: a second destroy after a re-create would
# otherwise fail on "DBClusterSnapshotAlreadyExists". The suffix is new whenever the cluster is.
resource "random_id" "final_snapshot_suffix" {
  byte_length = 4

  keepers = {
    cluster_identifier = local.name
  }
}

resource "aws_rds_cluster" "this" {
  # checkov:skip=CKV_AWS_139:deletion_protection follows the seed's default (false, for dev); the prod example sets true.
  # checkov:skip=CKV_AWS_327:Storage is encrypted with the AWS-managed key by default, as the seed specifies; pass kms_key_id for a customer key.
  # checkov:skip=CKV2_AWS_8:Automated backups (backup_retention_period) are the seed's backup plan; AWS Backup is the caller's choice.
  cluster_identifier = local.name
  engine             = "aurora-postgresql"
  engine_mode        = "provisioned"
  engine_version     = var.engine_version
  port               = 5432

  database_name   = var.db_name
  master_username = var.db_username
  master_password = var.db_password

  db_subnet_group_name            = aws_db_subnet_group.this.name
  vpc_security_group_ids          = [aws_security_group.this.id]
  db_cluster_parameter_group_name = aws_rds_cluster_parameter_group.this.name

  storage_encrypted                   = true
  kms_key_id                          = var.kms_key_id
  iam_database_authentication_enabled = var.iam_database_authentication_enabled
  enabled_cloudwatch_logs_exports     = var.enabled_cloudwatch_logs_exports

  backup_retention_period      = var.backup_retention_period
  preferred_backup_window      = var.backup_window
  preferred_maintenance_window = var.maintenance_window
  copy_tags_to_snapshot        = var.copy_tags_to_snapshot
  deletion_protection          = var.deletion_protection
  skip_final_snapshot          = var.skip_final_snapshot
  final_snapshot_identifier    = var.skip_final_snapshot ? null : "${local.name}-final-${random_id.final_snapshot_suffix.hex}"

  apply_immediately           = var.apply_immediately
  allow_major_version_upgrade = false

  # Required before a db.serverless instance can join the cluster; the instances below depend on it.
  # seconds_until_auto_pause only with min_capacity = 0 (the variable refuses it otherwise). Left unset,
  # AWS applies 300 s and reports it; passing that default here keeps plans from offering to "change"
  # 300 back to nothing. With a minimum above 0, AWS drops the setting, hence null.
  serverlessv2_scaling_configuration {
    min_capacity             = var.min_capacity
    max_capacity             = var.max_capacity
    seconds_until_auto_pause = var.min_capacity == 0 ? coalesce(var.seconds_until_auto_pause, 300) : null
  }

  tags = local.tags

  lifecycle {
    # With auto_minor_version_upgrade, AWS moves the cluster to newer 15.x minors; without this every plan
    # would offer to "downgrade" it back. The running version is in the engine_version_actual output.
    ignore_changes = [engine_version]
  }
}

resource "aws_rds_cluster_instance" "writer" {
  identifier         = "${local.name}-writer"
  cluster_identifier = aws_rds_cluster.this.id
  engine             = aws_rds_cluster.this.engine
  engine_version     = aws_rds_cluster.this.engine_version
  instance_class     = var.instance_class
  availability_zone  = local.availability_zones[0]

  db_subnet_group_name = aws_db_subnet_group.this.name
  publicly_accessible  = false
  promotion_tier       = 0

  performance_insights_enabled          = true
  performance_insights_retention_period = var.performance_insights_retention_period
  performance_insights_kms_key_id       = var.performance_insights_kms_key_id
  # checkov:skip=CKV_AWS_354:Performance Insights uses the AWS-managed key by default; pass performance_insights_kms_key_id for a customer key.

  monitoring_interval = var.monitoring_interval
  monitoring_role_arn = var.monitoring_interval > 0 ? aws_iam_role.monitoring[0].arn : null

  auto_minor_version_upgrade = var.auto_minor_version_upgrade
  apply_immediately          = var.apply_immediately
  copy_tags_to_snapshot      = var.copy_tags_to_snapshot

  tags = merge(local.tags, { Role = "writer" })

  lifecycle {
    ignore_changes = [engine_version]
  }
}

# Created after the writer: Aurora makes the first instance of a cluster its writer.
resource "aws_rds_cluster_instance" "reader" {
  count = var.reader_count

  identifier         = "${local.name}-reader-${count.index + 1}"
  cluster_identifier = aws_rds_cluster.this.id
  engine             = aws_rds_cluster.this.engine
  engine_version     = aws_rds_cluster.this.engine_version
  instance_class     = var.instance_class
  availability_zone  = local.availability_zones[(count.index + 1) % length(local.availability_zones)]

  db_subnet_group_name = aws_db_subnet_group.this.name
  publicly_accessible  = false
  promotion_tier       = 1

  performance_insights_enabled          = true
  performance_insights_retention_period = var.performance_insights_retention_period
  performance_insights_kms_key_id       = var.performance_insights_kms_key_id
  # checkov:skip=CKV_AWS_354:Performance Insights uses the AWS-managed key by default; pass performance_insights_kms_key_id for a customer key.

  monitoring_interval = var.monitoring_interval
  monitoring_role_arn = var.monitoring_interval > 0 ? aws_iam_role.monitoring[0].arn : null

  auto_minor_version_upgrade = var.auto_minor_version_upgrade
  apply_immediately          = var.apply_immediately
  copy_tags_to_snapshot      = var.copy_tags_to_snapshot

  tags = merge(local.tags, { Role = "reader" })

  depends_on = [aws_rds_cluster_instance.writer]

  lifecycle {
    ignore_changes = [engine_version]
  }
}
