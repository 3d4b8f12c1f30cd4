package query

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/ferrystore/ferry/internal/aws"
)

func str(s string) *string { return &s }

func TestDecode(t *testing.T) {
	params, _ := url.ParseQuery("Action=CreateRole&Version=2010-05-08&RoleName=app&Path=%2Fteam%2F" +
		"&AssumeRolePolicyDocument=%7B%7D&MaxSessionDuration=7200" +
		"&Tags.member.1.Key=env&Tags.member.1.Value=prod&Tags.member.2.Key=team&Tags.member.2.Value=storage")
	var in iam.CreateRoleInput
	if err := IAM.Decode("CreateRole", params, &in); err != nil {
		t.Fatal(err)
	}
	if *in.RoleName != "app" || *in.Path != "/team/" || *in.AssumeRolePolicyDocument != "{}" || *in.MaxSessionDuration != 7200 {
		t.Fatalf("decoded %+v", in)
	}
	if len(in.Tags) != 2 || *in.Tags[1].Key != "team" || *in.Tags[1].Value != "storage" {
		t.Fatalf("tags %+v", in.Tags)
	}

	params, _ = url.ParseQuery("Action=AssumeRole&RoleArn=arn:aws:iam::111111111111:role/r&RoleSessionName=s1" +
		"&PolicyArns.member.1.arn=arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess&DurationSeconds=900")
	var ar sts.AssumeRoleInput
	if err := STS.Decode("AssumeRole", params, &ar); err != nil {
		t.Fatal(err)
	}
	if len(ar.PolicyArns) != 1 || *ar.PolicyArns[0].Arn != "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" || *ar.DurationSeconds != 900 {
		t.Fatalf("decoded %+v", ar)
	}

	params, _ = url.ParseQuery("Action=UpdateAccessKey&AccessKeyId=AKIAAAAAAAAAAAAAAAAA&Status=Inactive")
	var uk iam.UpdateAccessKeyInput
	if err := IAM.Decode("UpdateAccessKey", params, &uk); err != nil || uk.Status != iamtypes.StatusTypeInactive {
		t.Fatalf("status %q, %v", uk.Status, err)
	}
}

func TestDecodeValidation(t *testing.T) {
	for _, tc := range []struct {
		model          *Model
		action, params string
		in             any
		code, message  string
	}{
		{IAM, "CreateRole", "AssumeRolePolicyDocument=%7B%7D", &iam.CreateRoleInput{}, "ValidationError",
			"1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null"},
		{IAM, "CreateUser", "", &iam.CreateUserInput{}, "ValidationError",
			"1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"},
		{IAM, "TagRole", "RoleName=r&Tags.member.1.Key=" + strings.Repeat("k", 129) + "&Tags.member.1.Value=v", &iam.TagRoleInput{}, "ValidationError",
			"1 validation error detected: Value at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128"},
		{IAM, "UpdateAccessKey", "AccessKeyId=AKIAAAAAAAAAAAAAAAAA&Status=Off", &iam.UpdateAccessKeyInput{}, "ValidationError",
			"1 validation error detected: Value at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive, Expired]"},
		{STS, "AssumeRole", "RoleArn=arn:aws:iam::111111111111:role/r&RoleSessionName=Session1:2", &sts.AssumeRoleInput{}, "ValidationError",
			`1 validation error detected: Value 'Session1:2' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*`},
		{STS, "AssumeRole", "RoleArn=arn:aws:iam::111111111111:role/r&RoleSessionName=s1&DurationSeconds=20", &sts.AssumeRoleInput{}, "ValidationError",
			"1 validation error detected: Value '20' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{STS, "AssumeRole", "", &sts.AssumeRoleInput{}, "ValidationError",
			"2 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null; Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null"},
		{IAM, "CreateGroup", "GroupName=g", &iam.CreateGroupInput{}, "InvalidAction",
			"Could not find operation CreateGroup for version NO_VERSION_SPECIFIED"},
	} {
		params, _ := url.ParseQuery(tc.params)
		err := tc.model.Decode(tc.action, params, tc.in)
		e, ok := aws.As(err)
		if !ok || e.Code != tc.code || e.Message != tc.message || e.Status != 400 {
			t.Errorf("%s %s: got %v, want %s: %s", tc.action, tc.params, err, tc.code, tc.message)
		}
	}
}

func TestEncode(t *testing.T) {
	created := time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC)
	out := &iam.GetRoleOutput{Role: &iamtypes.Role{
		Arn: str("arn:aws:iam::111111111111:role/app"), CreateDate: &created, Path: str("/"),
		RoleId: str("AROAEXAMPLEEXAMPLE123"), RoleName: str("app"), AssumeRolePolicyDocument: str("%7B%7D"),
		MaxSessionDuration: aws32(3600), Tags: []iamtypes.Tag{{Key: str("a"), Value: str("<b>")}}, RoleLastUsed: &iamtypes.RoleLastUsed{},
	}}
	got, err := IAM.Encode("GetRole", out, "req-1")
	if err != nil {
		t.Fatal(err)
	}
	want := `<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <GetRoleResult>
    <Role>
      <Path>/</Path>
      <RoleName>app</RoleName>
      <RoleId>AROAEXAMPLEEXAMPLE123</RoleId>
      <Arn>arn:aws:iam::111111111111:role/app</Arn>
      <CreateDate>2026-11-23T13:00:00Z</CreateDate>
      <AssumeRolePolicyDocument>%7B%7D</AssumeRolePolicyDocument>
      <MaxSessionDuration>3600</MaxSessionDuration>
      <Tags>
        <member>
          <Key>a</Key>
          <Value>&lt;b&gt;</Value>
        </member>
      </Tags>
      <RoleLastUsed/>
    </Role>
  </GetRoleResult>
  <ResponseMetadata>
    <RequestId>req-1</RequestId>
  </ResponseMetadata>
</GetRoleResponse>
`
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}

	got, _ = IAM.Encode("ListUsers", &iam.ListUsersOutput{IsTruncated: false}, "req-2")
	if !strings.Contains(string(got), "<ListUsersResult>\n    <Users/>\n    <IsTruncated>false</IsTruncated>\n  </ListUsersResult>") {
		t.Fatalf("empty list:\n%s", got)
	}
	got, _ = IAM.Encode("DeleteUser", nil, "req-3")
	if string(got) != "<DeleteUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\n  <ResponseMetadata>\n    <RequestId>req-3</RequestId>\n  </ResponseMetadata>\n</DeleteUserResponse>\n" {
		t.Fatalf("no output:\n%s", got)
	}
}

func aws32(n int32) *int32 { return &n }

func TestEncodeError(t *testing.T) {
	got := IAM.EncodeError("NoSuchEntity", "The role with name app-deployer cannot be found.", 404, "5d2f9a4c-8e1b-4a7d-b3c6-2e9f1a0b7c84")
	want := `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <Error>
    <Type>Sender</Type>
    <Code>NoSuchEntity</Code>
    <Message>The role with name app-deployer cannot be found.</Message>
  </Error>
  <RequestId>5d2f9a4c-8e1b-4a7d-b3c6-2e9f1a0b7c84</RequestId>
</ErrorResponse>
`
	if string(got) != want {
		t.Fatalf("got\n%s", got)
	}
}

func TestAuthError(t *testing.T) {
	now := time.Date(2022, 1, 27, 1, 59, 28, 0, time.UTC)
	for _, tc := range []struct {
		in            error
		code, message string
		status        int
	}{
		{aws.ErrInvalidAccessKeyID("AKIA"), "InvalidClientTokenId", "The security token included in the request is invalid.", 403},
		{aws.ErrInvalidToken("t"), "InvalidClientTokenId", "The security token included in the request is invalid.", 403},
		{aws.ErrExpiredToken("t"), "ExpiredToken", "The security token included in the request is expired", 403},
		{aws.ErrRequestTimeTooSkewed("20220127T001427Z", "x"), "SignatureDoesNotMatch",
			"Signature expired: 20220127T001427Z is now earlier than 20220127T014428Z (20220127T015928Z - 15 min.)", 403},
	} {
		e, _ := aws.As(AuthError(tc.in, now))
		if e == nil || e.Code != tc.code || e.Message != tc.message || e.Status != tc.status {
			t.Errorf("%v → %v", tc.in, e)
		}
	}
}

// TestDecodeMapAndEncodeMap covers the X.entry.N.key/value convention with a
// small hand-written model (no IAM or STS operation Ferry serves has a map).
func TestDecodeMapAndEncodeMap(t *testing.T) {
	m := &Model{Namespace: "urn:test", Operations: map[string]Operation{"Op": {Input: "In", Output: "Out", ResultWrapper: "OpResult"}},
		Shapes: map[string]*Shape{
			"In":       {Type: "structure", Members: []Member{{Name: "Attrs", Shape: "AttrMap", Required: true}, {Name: "Names", Shape: "NameList"}}},
			"Out":      {Type: "structure", Members: []Member{{Name: "Attrs", Shape: "AttrMap"}}},
			"AttrMap":  {Type: "map", Key: &Member{Shape: "Str"}, Value: &Member{Shape: "Str"}, Max: 2, HasMax: true},
			"NameList": {Type: "list", Member: &Member{Shape: "Str"}},
			"Str":      {Type: "string"},
		}}
	type attrs struct {
		Attrs map[string]string
		Names []string
	}
	params, _ := url.ParseQuery("Attrs.entry.1.key=b&Attrs.entry.1.value=2&Attrs.entry.2.key=a&Attrs.entry.2.value=1&Names=")
	var in attrs
	if err := m.Decode("Op", params, &in); err != nil || in.Attrs["a"] != "1" || in.Attrs["b"] != "2" || in.Names == nil || len(in.Names) != 0 {
		t.Fatalf("%+v %v", in, err)
	}
	got, err := m.Encode("Op", &attrs{Attrs: in.Attrs}, "r")
	if err != nil || !strings.Contains(string(got), "<Attrs>\n      <entry>\n        <key>a</key>\n        <value>1</value>\n      </entry>\n      <entry>\n        <key>b</key>") {
		t.Fatalf("%s %v", got, err)
	}
	params.Add("Attrs.entry.3.key", "c")
	params.Add("Attrs.entry.3.value", "3")
	if err := m.Decode("Op", params, &in); err == nil || !strings.Contains(err.Error(), "Member must have length less than or equal to 2") {
		t.Fatalf("map too long: %v", err)
	}
}
