# The master credentials in the JSON shape RDS rotation functions (and auroractl) expect.
resource "aws_secretsmanager_secret" "db" {
  # checkov:skip=CKV_AWS_149:Encrypted with the AWS-managed key by default, as the seed specifies; pass secret_kms_key_id for a customer key.
  # checkov:skip=CKV2_AWS_57:Rotation needs a rotation Lambda in the caller's network; attach one with aws_secretsmanager_secret_rotation.
  name                    = "${local.name}-db-credentials"
  description             = "Master credentials for Aurora PostgreSQL ${local.name}"
  kms_key_id              = var.secret_kms_key_id
  recovery_window_in_days = var.secret_recovery_window_in_days
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "db" {
  secret_id = aws_secretsmanager_secret.db.id
  secret_string = jsonencode({
    engine              = "postgres"
    host                = aws_rds_cluster.this.endpoint
    port                = aws_rds_cluster.this.port
    username            = var.db_username
    password            = var.db_password
    dbname              = var.db_name
    dbClusterIdentifier = aws_rds_cluster.this.cluster_identifier
  })
}
