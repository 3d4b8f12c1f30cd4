package authz

import (
	"context"
	"testing"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/iam"
	"github.com/ferrystore/ferry/internal/sqs"
)

func TestSQSSeam(t *testing.T) {
	const queue = "arn:aws:sqs:us-east-1:" + acctA + ":events"
	sendAll := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}`
	src := &fakeSource{policies: map[string]iam.PrincipalPolicies{
		"arn:aws:iam::" + acctA + ":user/sender": identityDocs(sendAll),
		"arn:aws:iam::" + acctB + ":user/sender": identityDocs(sendAll),
		"arn:aws:iam::" + acctB + ":user/nobody": identityDocs(),
	}}
	a := New(Config{Source: src, Keep: 16})
	queuePolicy := `{"Version":"2012-10-17","Statement":[
		{"Sid":"other","Effect":"Allow","Principal":{"AWS":"` + acctB + `"},"Action":"sqs:SendMessage","Resource":"` + queue + `"},
		{"Sid":"s3","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"` + queue + `",
		 "Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::src"},"StringEquals":{"aws:SourceAccount":"` + acctA + `"}}}]}`
	s3 := sqs.ServicePrincipal("s3.amazonaws.com")
	tests := []struct {
		name     string
		p        aws.Principal
		policy   string
		src      string
		srcAcct  aws.AccountID
		wantCode string
	}{
		{"same account, identity policy", user(acctA, "sender"), "", "", "", ""},
		{"same account root without policies", root(acctA), "", "", "", ""},
		{"other account, no queue policy", user(acctB, "sender"), "", "", "", "AccessDenied"},
		{"other account, queue policy and identity policy", user(acctB, "sender"), queuePolicy, "", "", ""},
		{"other account, queue policy but no identity policy", user(acctB, "nobody"), queuePolicy, "", "", "AccessDenied"},
		{"S3 for the named bucket", s3, queuePolicy, "arn:aws:s3:::src", acctA, ""},
		{"S3 for another bucket", s3, queuePolicy, "arn:aws:s3:::other", acctA, "AccessDenied"},
		{"S3 for another owner", s3, queuePolicy, "arn:aws:s3:::src", acctB, "AccessDenied"},
		{"S3 without a queue policy", s3, "", "arn:aws:s3:::src", acctA, "AccessDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := a.SQS().AuthorizeSQS(context.Background(), sqs.Access{Principal: tt.p, Action: sqs.ActionSendMessage,
				Resource: queue, Account: acctA, Policy: tt.policy, SourceArn: tt.src, SourceAccount: tt.srcAcct})
			if got := code(err); got != tt.wantCode {
				t.Fatalf("code %q (%v), want %q", got, err, tt.wantCode)
			}
			if e, ok := aws.As(err); ok && (e.Status != 403 || e.Header.Get(sqs.QueryErrorHeader) != "AccessDenied;Sender") {
				t.Fatalf("denial %+v", e)
			}
		})
	}
	if err := ValidateQueuePolicy(`{"Statement":[]}`); !aws.IsCode(err, "InvalidAttributeValue") {
		t.Fatalf("ValidateQueuePolicy: %v", err)
	}
}
