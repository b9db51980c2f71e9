# Everything `auroractl --tf-dir` and the runbooks read, passed through from the module.
output "cluster_id" {
  value = module.rds.cluster_id
}

output "cluster_arn" {
  value = module.rds.cluster_arn
}

output "cluster_endpoint" {
  value = module.rds.cluster_endpoint
}

output "cluster_reader_endpoint" {
  value = module.rds.cluster_reader_endpoint
}

output "cluster_port" {
  value = module.rds.cluster_port
}

output "cluster_resource_id" {
  value = module.rds.cluster_resource_id
}

output "database_name" {
  value = module.rds.database_name
}

output "database_secret_arn" {
  value = module.rds.database_secret_arn
}

output "database_url" {
  value     = module.rds.database_url
  sensitive = true
}

output "master_username" {
  value = module.rds.master_username
}

output "security_group_id" {
  value = module.rds.security_group_id
}

output "engine_version_actual" {
  value = module.rds.engine_version_actual
}

output "instance_ids" {
  value = module.rds.instance_ids
}

output "writer_instance_resource_id" {
  value = module.rds.writer_instance_resource_id
}
