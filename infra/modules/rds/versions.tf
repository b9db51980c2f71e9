terraform {
  # 1.9 or newer: validation conditions refer to other variables (min_capacity <= max_capacity, auto-pause).
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.81 added seconds_until_auto_pause to serverlessv2_scaling_configuration.
      version = ">= 5.81.0, < 7.0.0"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.5.0, < 4.0.0"
    }
  }
}
