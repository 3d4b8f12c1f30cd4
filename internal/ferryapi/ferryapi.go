// Package ferryapi calls Ferry's own endpoints under /_ferry/ (the admin
// API and the diagnostics) the way every Ferry command does: SigV4-signed
// for service "ferry" in us-east-1, JSON in and out.
package ferryapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Client calls one server with one set of credentials.
type Client struct {
	Endpoint    string
	Credentials aws.Credentials
	// HTTP is the client used; nil means http.DefaultClient.
	HTTP *http.Client
}

// Error is a non-2xx answer.
type Error struct {
	Status int
	// Message is the answer's "error" member, or its body.
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%d: %s", e.Status, e.Message) }

// Do sends method path?query with body and returns the raw answer of a
// 2xx, or an *Error.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, body []byte) ([]byte, error) {
	u := strings.TrimRight(c.Endpoint, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("request %s: %w", path, err)
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("x-amz-content-sha256", hash)
	req.Header.Set("Content-Type", "application/json")
	if err := v4.NewSigner().SignHTTP(ctx, c.Credentials, req, hash, "ferry", "us-east-1", time.Now()); err != nil {
		return nil, fmt.Errorf("sign request: %w", err)
	}
	client := c.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reach ferry at %s: %w", c.Endpoint, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
		}
		msg := strings.TrimSpace(string(raw))
		if json.Unmarshal(raw, &e) == nil && e.Error != "" {
			msg = e.Error
		}
		return nil, &Error{Status: resp.StatusCode, Message: msg}
	}
	return raw, nil
}

// JSON is Do with the answer decoded into out.
func (c *Client) JSON(ctx context.Context, method, path string, query url.Values, body []byte, out any) error {
	raw, err := c.Do(ctx, method, path, query, body)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, out)
}
