terraform {
  # As the module: 1.9 for its cross-variable validations, AWS provider 5.81.0 for min_capacity 0 and
  # seconds_until_auto_pause (see infra/modules/rds/versions.tf for the CHANGELOG lines).
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.81.0, < 7.0.0"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.5.0, < 4.0.0"
    }
  }
}

provider "aws" {
  region = var.aws_region
}
