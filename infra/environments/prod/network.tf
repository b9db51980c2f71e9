# The network belongs to the team's VPC stack; this root module finds it by its tags
# (module.vpc in the seed's example). Database subnets carry Tier = "database".
data "aws_vpc" "main" {
  tags = {
    Name = "nba-tracker-prod"
  }
}

data "aws_subnets" "database" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.main.id]
  }

  tags = {
    Tier = "database"
  }
}

data "aws_security_group" "app" {
  vpc_id = data.aws_vpc.main.id

  tags = {
    Name = "nba-tracker-prod-app"
  }
}
