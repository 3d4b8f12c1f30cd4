package stsapi

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/iam"
	"github.com/ferrystore/ferry/internal/meta"
	"github.com/ferrystore/ferry/internal/sts"
)

func TestServe(t *testing.T) {
	store := meta.NewMemory()
	a := New(sts.New(sts.Config{Store: store, IAM: iam.New(store, nil)}), slog.New(slog.NewTextHandler(io.Discard, nil)))
	root := aws.Principal{Type: aws.PrincipalRoot, Account: "111111111111", ARN: "arn:aws:iam::111111111111:root", UserID: "111111111111"}
	for _, tc := range []struct {
		p            aws.Principal
		form         string
		status       int
		op, contains string
	}{
		{root, "Action=GetCallerIdentity&Version=2011-06-15", 200, "GetCallerIdentity",
			"<GetCallerIdentityResult>\n    <UserId>111111111111</UserId>\n    <Account>111111111111</Account>\n    <Arn>arn:aws:iam::111111111111:root</Arn>\n  </GetCallerIdentityResult>"},
		{root, "Action=AssumeRoleWithSAML&Version=2011-06-15", 400, "", "<Code>InvalidAction</Code>"},
		{root, "Version=2011-06-15", 400, "", "<Code>MissingAction</Code>"},
		{aws.Anonymous, "Action=GetCallerIdentity", 403, "", "<Code>MissingAuthenticationToken</Code>"},
	} {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.form))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		w := httptest.NewRecorder()
		op := a.Serve(w, r, tc.p, r.Body)
		body := w.Body.String()
		if w.Code != tc.status || op != tc.op || !strings.Contains(body, tc.contains) ||
			!strings.HasPrefix(body, `<`) || !strings.Contains(body, `xmlns="https://sts.amazonaws.com/doc/2011-06-15/"`) {
			t.Errorf("%s: %d %q\n%s", tc.form, w.Code, op, body)
		}
	}
}
