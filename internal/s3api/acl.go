package s3api

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/s3"
)

func init() {
	register("GetBucketAcl", getBucketAcl)
	register("PutBucketAcl", putBucketAcl)
	register("GetObjectAcl", getObjectAcl)
	register("PutObjectAcl", putObjectAcl)
}

const xsiNS = "http://www.w3.org/2001/XMLSchema-instance"

// aclHeaders reads x-amz-acl and the x-amz-grant-* headers of a request.
func aclHeaders(h http.Header) s3.ACLInput {
	in := s3.ACLInput{Canned: h.Get("x-amz-acl")}
	for name, perm := range s3.GrantHeaders {
		if v := h.Values(name); len(v) > 0 {
			if in.Grants == nil {
				in.Grants = map[string]string{}
			}
			in.Grants[perm] = v[0]
		}
	}
	return in
}

// granteeOut is a Grantee as S3 writes it: xsi:type with its namespace.
type granteeOut struct {
	XSI          string `xml:"xmlns:xsi,attr"`
	Type         string `xml:"xsi:type,attr"`
	ID           string `xml:"ID,omitempty"`
	DisplayName  string `xml:"DisplayName,omitempty"`
	EmailAddress string `xml:"EmailAddress,omitempty"`
	URI          string `xml:"URI,omitempty"`
}

type grantOut struct {
	Grantee    granteeOut `xml:"Grantee"`
	Permission string     `xml:"Permission"`
}

type accessControlPolicyOut struct {
	XMLName xml.Name   `xml:"AccessControlPolicy"`
	NS      string     `xml:"xmlns,attr"`
	Owner   owner      `xml:"Owner"`
	Grants  []grantOut `xml:"AccessControlList>Grant"`
}

// granteeIn and its policy are the body Put*Acl accept; xsi:type is read
// by its namespace.
type granteeIn struct {
	Type         string `xml:"http://www.w3.org/2001/XMLSchema-instance type,attr"`
	ID           string `xml:"ID"`
	EmailAddress string `xml:"EmailAddress"`
	URI          string `xml:"URI"`
}

type accessControlPolicyIn struct {
	XMLName xml.Name `xml:"AccessControlPolicy"`
	Owner   *owner   `xml:"Owner"`
	Grants  []struct {
		Grantee    *granteeIn `xml:"Grantee"`
		Permission string     `xml:"Permission"`
	} `xml:"AccessControlList>Grant"`
}

func writeACL(rq *Request, acp s3.AccessControlPolicy) error {
	out := accessControlPolicyOut{NS: xmlNS, Owner: owner{ID: acp.Owner}, Grants: []grantOut{}}
	for _, g := range acp.Grants {
		out.Grants = append(out.Grants, grantOut{Permission: g.Permission, Grantee: granteeOut{XSI: xsiNS, Type: g.Type,
			ID: g.ID, URI: g.URI, EmailAddress: g.Email}})
	}
	return writeXML(rq, http.StatusOK, out)
}

// readACL reads the ACL a Put*Acl request sets: headers, or a body.
func readACL(rq *Request) (s3.ACLInput, error) {
	in := aclHeaders(rq.R.Header)
	if rq.Auth.Body == nil {
		return in, nil
	}
	body, err := io.ReadAll(io.LimitReader(rq.Auth.Body, maxXMLBody+1))
	if err != nil {
		return in, bodyError(err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return in, nil
	}
	var doc accessControlPolicyIn
	if len(body) > maxXMLBody || xml.Unmarshal(body, &doc) != nil {
		return in, aws.ErrMalformedACL()
	}
	acp := &s3.AccessControlPolicy{}
	if doc.Owner != nil {
		acp.Owner = doc.Owner.ID
	}
	for _, g := range doc.Grants {
		if g.Grantee == nil {
			return in, aws.ErrMalformedACL()
		}
		acp.Grants = append(acp.Grants, s3.Grant{Type: g.Grantee.Type, ID: g.Grantee.ID, URI: g.Grantee.URI,
			Email: g.Grantee.EmailAddress, Permission: g.Permission})
	}
	in.Policy = acp
	return in, nil
}

func getBucketAcl(a *API, rq *Request) error {
	acp, err := a.S3.GetBucketAcl(rq.R.Context(), rq.Auth.Principal, rq.Bucket)
	if err != nil {
		return err
	}
	return writeACL(rq, acp)
}

func putBucketAcl(a *API, rq *Request) error {
	in, err := readACL(rq)
	if err != nil {
		return err
	}
	if err := a.S3.PutBucketAcl(rq.R.Context(), rq.Auth.Principal, rq.Bucket, in); err != nil {
		return err
	}
	rq.Headers.Set("Content-Length", "0")
	rq.W.WriteHeader(http.StatusOK)
	return nil
}

func getObjectAcl(a *API, rq *Request) error {
	vid, err := versionIDParam(rq)
	if err != nil {
		return err
	}
	acp, shown, err := a.S3.GetObjectAcl(rq.R.Context(), rq.Auth.Principal, rq.Bucket, rq.Key, vid)
	if err != nil {
		return err
	}
	setVersionID(rq, shown)
	return writeACL(rq, acp)
}

func putObjectAcl(a *API, rq *Request) error {
	vid, err := versionIDParam(rq)
	if err != nil {
		return err
	}
	in, err := readACL(rq)
	if err != nil {
		return err
	}
	shown, err := a.S3.PutObjectAcl(rq.R.Context(), rq.Auth.Principal, rq.Bucket, rq.Key, vid, in)
	if err != nil {
		return err
	}
	setVersionID(rq, shown)
	rq.Headers.Set("Content-Length", "0")
	rq.W.WriteHeader(http.StatusOK)
	return nil
}
