#!/usr/bin/env bash
# KMS with the stock AWS CLI: a key and its alias, Encrypt/Decrypt of a
# binary file (fileb://), data keys, a disabled key, SSE-KMS and SSE-C
# objects in S3, and a key scheduled for deletion.
source "$(dirname "$0")/../lib/ferry.sh"

start_ferry
A="aws --profile ferry-a"
B="aws --profile ferry-b"

step "create a key and an alias"
key_id=$($A kms create-key --description "scenario key" --query KeyMetadata.KeyId --output text)
key_arn=$($A kms describe-key --key-id "$key_id" --query KeyMetadata.Arn --output text)
[[ "$key_arn" == arn:aws:kms:us-east-1:*:key/"$key_id" ]] || fail "unexpected key ARN $key_arn"
$A kms create-alias --alias-name alias/scenario --target-key-id "$key_id"
expect_eq "$($A kms describe-key --key-id alias/scenario --query KeyMetadata.KeyState --output text)" "Enabled" "state by alias"
expect_eq "$($A kms list-aliases --key-id "$key_id" --query 'Aliases[0].AliasName' --output text)" "alias/scenario" "alias listed"
expect_error AlreadyExistsException $A kms create-alias --alias-name alias/scenario --target-key-id "$key_id"
expect_error NotFoundException $A kms describe-key --key-id fake-key-id

step "encrypt and decrypt a binary file"
head -c 1000 /dev/urandom >"$WORK/plain.bin"
$A kms encrypt --key-id alias/scenario --plaintext fileb://"$WORK/plain.bin" --encryption-context purpose=scenario \
  --query CiphertextBlob --output text | base64 -d >"$WORK/cipher.bin"
$A kms decrypt --ciphertext-blob fileb://"$WORK/cipher.bin" --encryption-context purpose=scenario \
  --query Plaintext --output text | base64 -d >"$WORK/plain.back"
cmp -s "$WORK/plain.bin" "$WORK/plain.back" || fail "decrypt round trip differs"
expect_error InvalidCiphertextException $A kms decrypt --ciphertext-blob fileb://"$WORK/cipher.bin"
expect_error AccessDeniedException $B kms encrypt --key-id "$key_arn" --plaintext fileb://"$WORK/plain.bin" --region us-east-1
expect_eq "$($A kms generate-data-key --key-id "$key_id" --key-spec AES_256 --query 'length(Plaintext)' --output text)" "44" "data key (base64 of 32 bytes)"
expect_eq "$($A kms generate-random --number-of-bytes 16 --query 'length(Plaintext)' --output text)" "24" "random bytes"

step "SSE-KMS and SSE-C objects"
$A s3api create-bucket --bucket enc-bucket >/dev/null
expect_eq "$($A s3api get-bucket-encryption --bucket enc-bucket --query 'ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm' --output text)" "AES256" "default SSE-S3"
expect_eq "$($A s3api put-object --bucket enc-bucket --key plain.bin --body "$WORK/plain.bin" --query ServerSideEncryption --output text)" "AES256" "SSE-S3 put"
$A s3api put-object --bucket enc-bucket --key kms.bin --body "$WORK/plain.bin" \
  --server-side-encryption aws:kms --ssekms-key-id alias/scenario --bucket-key-enabled >/dev/null
expect_eq "$($A s3api head-object --bucket enc-bucket --key kms.bin --query SSEKMSKeyId --output text)" "$key_arn" "object key ARN"
expect_eq "$($A s3api head-object --bucket enc-bucket --key kms.bin --query BucketKeyEnabled --output text)" "True" "bucket key"
$A s3api get-object --bucket enc-bucket --key kms.bin "$WORK/kms.back" >/dev/null
cmp -s "$WORK/plain.bin" "$WORK/kms.back" || fail "SSE-KMS round trip differs"
$A s3api put-bucket-encryption --bucket enc-bucket --server-side-encryption-configuration \
  '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"'"$key_arn"'"},"BucketKeyEnabled":false}]}'
expect_eq "$($A s3api put-object --bucket enc-bucket --key default.bin --body "$WORK/plain.bin" --query SSEKMSKeyId --output text)" "$key_arn" "bucket default aws:kms"
head -c 32 /dev/urandom >"$WORK/customer.key"
head -c 32 /dev/urandom >"$WORK/other.key"
$A s3api put-object --bucket enc-bucket --key ssec.bin --body "$WORK/plain.bin" \
  --sse-customer-algorithm AES256 --sse-customer-key fileb://"$WORK/customer.key" >/dev/null
$A s3api get-object --bucket enc-bucket --key ssec.bin "$WORK/ssec.back" \
  --sse-customer-algorithm AES256 --sse-customer-key fileb://"$WORK/customer.key" >/dev/null
cmp -s "$WORK/plain.bin" "$WORK/ssec.back" || fail "SSE-C round trip differs"
expect_error AccessDenied $A s3api get-object --bucket enc-bucket --key ssec.bin "$WORK/out" \
  --sse-customer-algorithm AES256 --sse-customer-key fileb://"$WORK/other.key"

step "a disabled key refuses to work, in KMS and through S3"
$A kms disable-key --key-id "$key_id"
expect_eq "$($A kms describe-key --key-id "$key_id" --query KeyMetadata.KeyState --output text)" "Disabled" "disabled state"
expect_error DisabledException $A kms encrypt --key-id "$key_id" --plaintext fileb://"$WORK/plain.bin"
expect_error KMS.DisabledException $A s3api get-object --bucket enc-bucket --key default.bin "$WORK/out"
expect_error KMS.DisabledException $A s3api put-object --bucket enc-bucket --key again.bin --body "$WORK/plain.bin"
$A kms enable-key --key-id "$key_id"
$A s3api get-object --bucket enc-bucket --key default.bin "$WORK/out" >/dev/null

step "schedule the key for deletion, then cancel"
state=$($A kms schedule-key-deletion --key-id "$key_id" --pending-window-in-days 7 --query KeyState --output text)
expect_eq "$state" "PendingDeletion" "schedule-key-deletion"
expect_error KMSInvalidStateException $A kms decrypt --ciphertext-blob fileb://"$WORK/cipher.bin" --encryption-context purpose=scenario
expect_error KMS.KMSInvalidStateException $A s3api get-object --bucket enc-bucket --key kms.bin "$WORK/out"
$A kms cancel-key-deletion --key-id "$key_id" >/dev/null
expect_eq "$($A kms describe-key --key-id "$key_id" --query KeyMetadata.KeyState --output text)" "Disabled" "state after cancel"

step "restart keeps keys and encrypted objects"
$A kms enable-key --key-id "$key_id"
stop_ferry
start_ferry
$A kms decrypt --ciphertext-blob fileb://"$WORK/cipher.bin" --encryption-context purpose=scenario \
  --query Plaintext --output text | base64 -d >"$WORK/plain.back2"
cmp -s "$WORK/plain.bin" "$WORK/plain.back2" || fail "decrypt after restart differs"
$A s3api get-object --bucket enc-bucket --key kms.bin "$WORK/kms.back2" >/dev/null
cmp -s "$WORK/plain.bin" "$WORK/kms.back2" || fail "SSE-KMS object after restart differs"
echo "kms scenario passed"
