package iamapi

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/iam"
	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/internal/query"
)

// TestEveryOperation serves every IAM action of the model: each must have a
// handler, and none may fail on the server's side, whatever the parameters
// (here: none, then a plausible set).
func TestEveryOperation(t *testing.T) {
	a := New(iam.New(meta.NewMemory(), nil), slog.New(slog.NewTextHandler(io.Discard, nil)))
	root := aws.Principal{Type: aws.PrincipalRoot, Account: "111111111111", ARN: "arn:aws:iam::111111111111:root", UserID: "111111111111"}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}]}`
	full := url.Values{
		"UserName": {"u"}, "RoleName": {"r"}, "PolicyName": {"p"}, "AssumeRolePolicyDocument": {doc},
		"PolicyDocument":      {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`},
		"PolicyArn":           {"arn:aws:iam::111111111111:policy/p"},
		"PermissionsBoundary": {"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"},
		"VersionId":           {"v1"}, "AccessKeyId": {"AKIAAAAAAAAAAAAAAAAA"}, "Status": {"Active"},
		"Tags.member.1.Key": {"k"}, "Tags.member.1.Value": {"v"}, "TagKeys.member.1": {"k"},
	}
	for action := range query.IAM.Operations {
		if _, ok := a.q.Handlers[action]; !ok {
			t.Errorf("no handler for %s", action)
			continue
		}
		for _, params := range []url.Values{{}, full} {
			form := url.Values{"Action": {action}, "Version": {"2010-05-08"}}
			for k, v := range params {
				form[k] = v
			}
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			w := httptest.NewRecorder()
			if got := a.Serve(w, r, root, r.Body); got != action {
				t.Errorf("%s: Serve returned %q", action, got)
			}
			if w.Code >= 500 || !strings.HasPrefix(w.Body.String(), "<") || w.Header().Get("Content-Type") != "text/xml" {
				t.Errorf("%s %v: %d\n%s", action, params, w.Code, w.Body)
			}
		}
	}
}
