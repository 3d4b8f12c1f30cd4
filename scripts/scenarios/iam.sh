#!/usr/bin/env bash
# IAM and STS with the stock AWS CLI: a user and its access key, a role in
# account a trusted by account b, AssumeRole from b, the session's identity
# and its use against S3, managed policies with versions, and AWS's errors.
source "$(dirname "$0")/../lib/ferry.sh"

start_ferry
A="aws --profile ferry-a"
B="aws --profile ferry-b"
ACCT_A=$($A sts get-caller-identity --query Account --output text)
ACCT_B=$($B sts get-caller-identity --query Account --output text)
[ "$ACCT_A" != "$ACCT_B" ] || fail "accounts must differ"
expect_eq "$($A sts get-caller-identity --query Arn --output text)" "arn:aws:iam::$ACCT_A:root" "root identity"

step "a user with an access key signs its own requests"
$A iam create-user --user-name alice --path /eng/ >/dev/null
read -r AK SK < <($A iam create-access-key --user-name alice --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)
alice() { AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK AWS_DEFAULT_REGION=us-east-1 aws --endpoint-url "$ENDPOINT" "$@"; }
expect_eq "$(alice sts get-caller-identity --query Arn --output text)" "arn:aws:iam::$ACCT_A:user/eng/alice" "alice's identity"
expect_error AccessDenied alice iam get-user
cat >"$WORK/self.json" <<JSON
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetUser","iam:ListAccessKeys"],"Resource":"arn:aws:iam::$ACCT_A:user/eng/alice"}]}
JSON
$A iam put-user-policy --user-name alice --policy-name self --policy-document "file://$WORK/self.json"
expect_eq "$(alice iam get-user --query User.UserName --output text)" "alice" "get-user as alice"
expect_eq "$($A iam list-users --query 'Users[].UserName' --output text)" "alice" "list-users"
expect_eq "$($A iam list-users --region eu-west-1 --query 'length(Users)' --output text)" "1" "IAM is global"
expect_error EntityAlreadyExists $A iam create-user --user-name alice
expect_error NoSuchEntity $A iam get-user --user-name nobody
expect_error DeleteConflict $A iam delete-user --user-name alice
expect_error AccessDenied alice iam list-users

step "an inactive key no longer authenticates"
$A iam update-access-key --user-name alice --access-key-id "$AK" --status Inactive
expect_error InvalidClientTokenId alice sts get-caller-identity
expect_error InvalidAccessKeyId alice s3api list-buckets
$A iam update-access-key --user-name alice --access-key-id "$AK" --status Active
expect_eq "$(alice iam list-access-keys --query 'AccessKeyMetadata[0].Status' --output text)" "Active" "key active again"

step "a role in a, trusted by account b, with a managed policy"
cat >"$WORK/trust.json" <<JSON
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::$ACCT_B:root"},"Action":"sts:AssumeRole"}]}
JSON
ROLE_ARN=$($A iam create-role --role-name shared --assume-role-policy-document "file://$WORK/trust.json" \
  --max-session-duration 7200 --tags Key=team,Value=storage --query Role.Arn --output text)
expect_eq "$ROLE_ARN" "arn:aws:iam::$ACCT_A:role/shared" "role ARN"
expect_eq "$($A iam get-role --role-name shared --query 'Role.AssumeRolePolicyDocument.Statement[0].Principal.AWS' --output text)" \
  "arn:aws:iam::$ACCT_B:root" "trust policy (the CLI decodes the URL-encoded document)"
cat >"$WORK/rw.json" <<'JSON'
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::shared-bucket/*"}]}
JSON
POLICY_ARN=$($A iam create-policy --policy-name shared-rw --policy-document "file://$WORK/rw.json" --query Policy.Arn --output text)
$A iam attach-role-policy --role-name shared --policy-arn "$POLICY_ARN"
$A iam attach-role-policy --role-name shared --policy-arn arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess
$A iam put-role-policy --role-name shared --policy-name inline --policy-document "file://$WORK/rw.json"
expect_eq "$($A iam list-attached-role-policies --role-name shared --query 'length(AttachedPolicies)' --output text)" "2" "attached policies"
expect_eq "$($A iam get-role-policy --role-name shared --policy-name inline --query 'PolicyDocument.Statement[0].Action[1]' --output text)" "s3:PutObject" "inline policy"
expect_error DeleteConflict $A iam delete-policy --policy-arn "$POLICY_ARN"
expect_error MalformedPolicyDocument $A iam create-role --role-name bad --assume-role-policy-document '{"Version":"2012-10-17"'
expect_error ValidationError $A iam create-role --role-name badpath --path eng --assume-role-policy-document "file://$WORK/trust.json"

step "policy versions: at most five, the default cannot be deleted"
for _ in 2 3 4 5; do $A iam create-policy-version --policy-arn "$POLICY_ARN" --policy-document "file://$WORK/rw.json" >/dev/null; done
expect_error LimitExceeded $A iam create-policy-version --policy-arn "$POLICY_ARN" --policy-document "file://$WORK/rw.json"
$A iam set-default-policy-version --policy-arn "$POLICY_ARN" --version-id v3
expect_error DeleteConflict $A iam delete-policy-version --policy-arn "$POLICY_ARN" --version-id v3
$A iam delete-policy-version --policy-arn "$POLICY_ARN" --version-id v1
expect_eq "$($A iam get-policy --policy-arn "$POLICY_ARN" --query Policy.DefaultVersionId --output text)" "v3" "default version"
expect_eq "$($A iam get-policy-version --policy-arn "$POLICY_ARN" --version-id v3 --query 'PolicyVersion.Document.Statement[0].Effect' --output text)" "Allow" "version document"
expect_eq "$($A iam get-policy-version --policy-arn arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess --version-id v3 --query 'PolicyVersion.Document.Statement[0].Action[0]' --output text)" "s3:Get*" "AWS managed policy document"
expect_eq "$($A iam list-policies --scope Local --query 'Policies[].PolicyName' --output text)" "shared-rw" "local policies"
expect_error AccessDenied $A iam delete-policy --policy-arn arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess

step "the policy simulator answers for the role and for documents"
expect_eq "$($A iam simulate-principal-policy --policy-source-arn "$ROLE_ARN" --action-names s3:PutObject s3:DeleteObject \
  --resource-arns arn:aws:s3:::shared-bucket/k --query 'EvaluationResults[].EvalDecision' --output text)" "allowed	implicitDeny" "role simulation"
expect_eq "$($A iam simulate-principal-policy --policy-source-arn "$ROLE_ARN" --action-names s3:PutObject \
  --resource-arns arn:aws:s3:::shared-bucket/k --query 'EvaluationResults[0].MatchedStatements[].[SourcePolicyType,SourcePolicyId]' --output text | sort | tr '\n\t' '  ')" \
  "role inline user-managed $POLICY_ARN " "statements behind the decision"
cat >"$WORK/deny.json" <<'JSON'
{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:PutObject","Resource":"*"}]}
JSON
cat >"$WORK/vpn.json" <<'JSON'
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}
JSON
expect_eq "$($A iam simulate-custom-policy --policy-input-list "$(cat "$WORK/rw.json")" "$(cat "$WORK/deny.json")" \
  --action-names s3:GetObject s3:PutObject --resource-arns arn:aws:s3:::shared-bucket/k \
  --query 'EvaluationResults[].[EvalDecision,MatchedStatements[0].SourcePolicyId]' --output text | tr '\n\t' '  ')" \
  "allowed PolicyInputList.1 explicitDeny PolicyInputList.2 " "custom simulation"
expect_eq "$($A iam simulate-custom-policy --policy-input-list "$(cat "$WORK/vpn.json")" --action-names s3:ListBucket \
  --query 'EvaluationResults[0].[EvalDecision,MissingContextValues[0]]' --output text)" "implicitDeny	aws:SourceIp" "missing context key"
expect_eq "$($A iam simulate-custom-policy --policy-input-list "$(cat "$WORK/vpn.json")" --action-names s3:ListBucket \
  --context-entries ContextKeyName=aws:SourceIp,ContextKeyValues=10.1.2.3,ContextKeyType=ip \
  --query 'EvaluationResults[0].EvalDecision' --output text)" "allowed" "context entry"
expect_error NoSuchEntity $A iam simulate-principal-policy --policy-source-arn "arn:aws:iam::$ACCT_A:user/nobody" --action-names s3:GetObject
expect_error InvalidInput $A iam simulate-custom-policy --policy-input-list '{"Version":"2012-10-17"}' --action-names s3:GetObject
expect_error AccessDenied alice iam simulate-custom-policy --policy-input-list "$(cat "$WORK/rw.json")" --action-names s3:GetObject

step "b assumes the role through a user (root may not)"
expect_error AccessDenied $B sts assume-role --role-arn "$ROLE_ARN" --role-session-name from-root
$B iam create-user --user-name bob >/dev/null
read -r BK BS < <($B iam create-access-key --user-name bob --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)
bob() { AWS_ACCESS_KEY_ID=$BK AWS_SECRET_ACCESS_KEY=$BS AWS_DEFAULT_REGION=us-west-2 aws --endpoint-url "$ENDPOINT" "$@"; }
expect_error ValidationError bob sts assume-role --role-arn "$ROLE_ARN" --role-session-name 'bad:name'
expect_error AccessDenied bob sts assume-role --role-arn "$ROLE_ARN" --role-session-name deploy
cat >"$WORK/assume.json" <<JSON
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"$ROLE_ARN"}]}
JSON
$B iam put-user-policy --user-name bob --policy-name assume --policy-document "file://$WORK/assume.json"
expect_error ValidationError bob sts assume-role --role-arn "$ROLE_ARN" --role-session-name long --duration-seconds 10800
read -r SAK SSK STOK < <(bob sts assume-role --role-arn "$ROLE_ARN" --role-session-name deploy \
  --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
[[ "$SAK" == ASIA* ]] || fail "temporary key id should start with ASIA, got $SAK"
session() { AWS_ACCESS_KEY_ID=$SAK AWS_SECRET_ACCESS_KEY=$SSK AWS_SESSION_TOKEN=$STOK AWS_DEFAULT_REGION=us-east-1 aws --endpoint-url "$ENDPOINT" "$@"; }
expect_eq "$(session sts get-caller-identity --query Arn --output text)" "arn:aws:sts::$ACCT_A:assumed-role/shared/deploy" "session identity"
expect_eq "$(session sts get-caller-identity --query Account --output text)" "$ACCT_A" "session account"

step "the session works against S3 in a's account"
$A s3api create-bucket --bucket shared-bucket >/dev/null
echo "from b" >"$WORK/obj"
session s3api put-object --bucket shared-bucket --key from-b.txt --body "$WORK/obj" >/dev/null
$A s3api get-object --bucket shared-bucket --key from-b.txt "$WORK/back" >/dev/null
expect_eq "$(cat "$WORK/back")" "from b" "object written by the session"
badtoken() { AWS_ACCESS_KEY_ID=$SAK AWS_SECRET_ACCESS_KEY=$SSK AWS_SESSION_TOKEN=not-the-token AWS_DEFAULT_REGION=us-east-1 aws --endpoint-url "$ENDPOINT" "$@"; }
expect_error InvalidClientTokenId badtoken sts get-caller-identity
expect_error InvalidToken badtoken s3api list-buckets

step "the session reads b's bucket only through b's bucket policy"
$B s3api create-bucket --bucket b-reports --region us-west-2 --create-bucket-configuration LocationConstraint=us-west-2 >/dev/null
echo "b's report" >"$WORK/report"
$B s3api put-object --bucket b-reports --region us-west-2 --key q3.txt --body "$WORK/report" >/dev/null
expect_error AccessDenied session s3api get-object --bucket b-reports --region us-west-2 --key q3.txt "$WORK/denied"
$B s3api put-bucket-policy --bucket b-reports --region us-west-2 --policy '{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Principal":{"AWS":"'"$ROLE_ARN"'"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b-reports/*"}]}'
session s3api get-object --bucket b-reports --region us-west-2 --key q3.txt "$WORK/report.back" >/dev/null
expect_eq "$(cat "$WORK/report.back")" "b's report" "cross-account read through the bucket policy"

step "sessions survive a restart"
stop_ferry
start_ferry
expect_eq "$(session sts get-caller-identity --query Arn --output text)" "arn:aws:sts::$ACCT_A:assumed-role/shared/deploy" "session after restart"

step "cleanup: detach, delete, and the role goes away"
$A iam detach-role-policy --role-name shared --policy-arn "$POLICY_ARN"
$A iam detach-role-policy --role-name shared --policy-arn arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess
expect_error DeleteConflict $A iam delete-role --role-name shared
$A iam delete-role-policy --role-name shared --policy-name inline
$A iam delete-role --role-name shared
$A iam delete-policy --policy-arn "$POLICY_ARN"
expect_error NoSuchEntity $A iam get-role --role-name shared
echo "iam scenario passed"
