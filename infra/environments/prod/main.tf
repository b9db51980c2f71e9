# The seed's advanced example: more capacity, 30-day backups, deletion protection and a final snapshot.
module "rds" {
  source = "../../modules/rds"

  project_name     = "nba-tracker"
  environment      = "prod"
  vpc_id           = data.aws_vpc.main.id
  database_subnets = data.aws_subnets.database.ids

  # Database
  db_name     = "nbatracker"
  db_username = "nbatracker"
  db_password = var.database_password

  # Scaling
  min_capacity = 0.5
  max_capacity = 4.0

  # Backups
  backup_retention_period = 30
  backup_window           = "03:00-04:00"
  maintenance_window      = "sun:04:00-sun:05:00"

  # Performance Insights
  performance_insights_retention_period = 7

  # Deletion protection
  deletion_protection = true
  skip_final_snapshot = false

  # Who may connect on 5432: the application's security group (the seed's app_to_rds rule).
  allowed_security_group_ids = [data.aws_security_group.app.id]

  tags = {
    Component   = "Database"
    Environment = "Production"
    CostCenter  = "Engineering"
  }
}
