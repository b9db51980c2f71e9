terraform {
  # 1.9 or newer: validation conditions refer to other variables (min_capacity <= max_capacity, min_capacity 0
  # only on an engine_version that supports it, seconds_until_auto_pause only with min_capacity 0). Older
  # Terraform rejects such a validation as invalid, so an older CLI fails loudly instead of skipping the checks.
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.81.0 is the first release that takes both halves of scale-to-zero, per its CHANGELOG:
      #   5.80.0: "resource/aws_rds_cluster: Adjust `serverlessv2_scaling_configuration.max_capacity` and
      #            `serverlessv2_scaling_configuration.min_capacity` minimum values to `0` ..." (#40230)
      #   5.81.0: "resource/aws_rds_cluster: Add `serverlessv2_scaling_configuration.seconds_until_auto_pause`
      #            argument" (#40441)
      # Before 5.80.0 the provider refused min_capacity 0 at plan time (range 0.5 - 256).
      version = ">= 5.81.0, < 7.0.0"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.5.0, < 4.0.0"
    }
  }
}
