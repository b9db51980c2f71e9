variable "aws_region" {
  description = "Region of the VPC and the cluster."
  type        = string
  default     = "us-east-1"
}

variable "database_password" {
  description = "Master password (TF_VAR_database_password, never a file in git): 8+ characters, no /, \", @ or spaces."
  type        = string
  sensitive   = true
}
