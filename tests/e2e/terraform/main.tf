# IAM resources managed by the hashicorp/aws provider against keyward.
# The test drives: apply, a plan that must show no changes, an update (the
# `generation` variable), another empty plan, and destroy.

terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
    }
  }
}

variable "endpoint" { type = string }
variable "access_key" { type = string }
variable "secret_key" { type = string }
variable "prefix" { type = string }
variable "generation" {
  type    = number
  default = 1
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = var.access_key
  secret_key                  = var.secret_key
  skip_metadata_api_check     = true
  skip_region_validation      = true
  skip_credentials_validation = false
  max_retries                 = 1
  endpoints {
    iam = var.endpoint
    sts = var.endpoint
  }
}

data "aws_caller_identity" "me" {}

resource "aws_iam_account_password_policy" "strict" {
  minimum_password_length        = 12 + var.generation
  require_numbers                = true
  require_symbols                = true
  allow_users_to_change_password = true
  password_reuse_prevention      = 3
}

resource "aws_iam_user" "dev" {
  name = "${var.prefix}-dev"
  path = "/engineering/"
  tags = {
    team       = "platform"
    generation = tostring(var.generation)
  }
}

resource "aws_iam_access_key" "dev" {
  user = aws_iam_user.dev.name
}

resource "aws_iam_user_login_profile" "dev" {
  user                    = aws_iam_user.dev.name
  password_length         = 20
  password_reset_required = true
  depends_on              = [aws_iam_account_password_policy.strict]
}

resource "aws_iam_group" "devs" {
  name = "${var.prefix}-devs"
  path = "/engineering/"
}

resource "aws_iam_user_group_membership" "dev" {
  user   = aws_iam_user.dev.name
  groups = [aws_iam_group.devs.name]
}

resource "aws_iam_policy" "read_users" {
  name        = "${var.prefix}-read-users"
  path        = "/custom/"
  description = "Read IAM users (generation ${var.generation})"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "ReadUsers"
      Effect   = "Allow"
      Action   = ["iam:GetUser", "iam:ListUsers"]
      Resource = "*"
    }]
  })
}

resource "aws_iam_group_policy_attachment" "devs_read" {
  group      = aws_iam_group.devs.name
  policy_arn = aws_iam_policy.read_users.arn
}

resource "aws_iam_user_policy_attachment" "dev_change_password" {
  user       = aws_iam_user.dev.name
  policy_arn = "arn:aws:iam::aws:policy/IAMUserChangePassword"
}

resource "aws_iam_user_policy" "dev_inline" {
  name = "own-keys"
  user = aws_iam_user.dev.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["iam:ListAccessKeys", "iam:GetAccessKeyLastUsed"]
      Resource = "arn:aws:iam::*:user/engineering/$${aws:username}"
    }]
  })
}

resource "aws_iam_group_policy" "devs_inline" {
  name  = "list-groups"
  group = aws_iam_group.devs.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "iam:ListGroups", Resource = "*" }]
  })
}

resource "aws_iam_role" "app" {
  name                 = "${var.prefix}-app"
  path                 = "/service/"
  description          = "Application role (generation ${var.generation})"
  max_session_duration = 3600 * var.generation
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.me.account_id}:root" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = { app = "demo" }
}

resource "aws_iam_role_policy" "app_inline" {
  name = "read-roles"
  role = aws_iam_role.app.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["iam:GetRole", "iam:ListRoles"], Resource = "*" }]
  })
}

resource "aws_iam_role_policy_attachment" "app_readonly" {
  role       = aws_iam_role.app.name
  policy_arn = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
}

resource "aws_iam_instance_profile" "app" {
  name = "${var.prefix}-app"
  role = aws_iam_role.app.name
}

output "account_id" { value = data.aws_caller_identity.me.account_id }
output "user_arn" { value = aws_iam_user.dev.arn }
output "access_key_id" { value = aws_iam_access_key.dev.id }
output "access_key_secret" {
  value     = aws_iam_access_key.dev.secret
  sensitive = true
}
output "policy_arn" { value = aws_iam_policy.read_users.arn }
output "role_arn" { value = aws_iam_role.app.arn }
