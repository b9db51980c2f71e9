output "cluster_endpoint" {
  description = "Writer endpoint of the cluster (read-write connections)."
  value       = aws_rds_cluster.this.endpoint
}

output "cluster_reader_endpoint" {
  description = "Reader endpoint (read-only connections, load-balanced over the readers)."
  value       = aws_rds_cluster.this.reader_endpoint
}

output "cluster_port" {
  description = "Database port."
  value       = aws_rds_cluster.this.port
}

output "database_name" {
  description = "Name of the database."
  value       = aws_rds_cluster.this.database_name
}

output "database_url" {
  description = "PostgreSQL connection URL with credentials and sslmode=require, for DATABASE_URL."
  value       = "postgresql://${urlencode(var.db_username)}:${urlencode(var.db_password)}@${aws_rds_cluster.this.endpoint}:${aws_rds_cluster.this.port}/${aws_rds_cluster.this.database_name}?sslmode=require"
  sensitive   = true
}

output "security_group_id" {
  description = "ID of the cluster's security group, for extra ingress rules."
  value       = aws_security_group.this.id
}

output "database_secret_arn" {
  description = "ARN of the Secrets Manager secret with the master credentials, for IAM policies."
  value       = aws_secretsmanager_secret.db.arn
}

output "cluster_id" {
  description = "Cluster identifier, for the AWS CLI runbooks and auroractl --cluster."
  value       = aws_rds_cluster.this.id
}

output "cluster_arn" {
  description = "ARN of the cluster."
  value       = aws_rds_cluster.this.arn
}

output "cluster_resource_id" {
  description = "Cluster resource ID (cluster-...), for IAM database authentication policies."
  value       = aws_rds_cluster.this.cluster_resource_id
}

output "master_username" {
  description = "Master user name."
  value       = aws_rds_cluster.this.master_username
}

output "engine_version_actual" {
  description = "Engine version the cluster runs now (after AWS minor upgrades)."
  value       = aws_rds_cluster.this.engine_version_actual
}

output "instance_ids" {
  description = "Instance identifiers, writer first."
  value       = concat([aws_rds_cluster_instance.writer.identifier], aws_rds_cluster_instance.reader[*].identifier)
}

output "writer_instance_resource_id" {
  description = "DbiResourceId (db-...) of the writer: Performance Insights is per instance and is addressed by this ID."
  value       = aws_rds_cluster_instance.writer.dbi_resource_id
}
