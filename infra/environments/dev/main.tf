# The seed's basic example: module defaults (0.5-1.0 ACU, 7-day backups, no deletion protection).
module "rds" {
  source = "../../modules/rds"

  project_name     = "nba-tracker"
  environment      = "dev"
  vpc_id           = data.aws_vpc.main.id
  database_subnets = data.aws_subnets.database.ids

  db_name     = "nbatracker"
  db_username = "nbatracker"
  db_password = var.database_password

  # Scaling: the seed's 0.5-1.0 ACU for dev (the module's defaults). A dev cluster that idles at night
  # and at weekends can opt in to scale to zero instead (infra/modules/rds/README.md, "Scale to zero"):
  #   min_capacity             = 0
  #   seconds_until_auto_pause = 1800

  # Who may connect on 5432: the application's security group (the seed's app_to_rds rule).
  allowed_security_group_ids = [data.aws_security_group.app.id]

  tags = {
    Component = "Database"
    Owner     = "Backend Team"
  }
}
