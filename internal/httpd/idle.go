package httpd

import (
	"io"
	"net/http"
	"time"
)

// BodyIdleTimeout is how long a request body may send nothing before the
// request fails with S3's RequestTimeout.
const BodyIdleTimeout = 60 * time.Second

// idleBody extends the connection's read deadline as the body keeps
// arriving, so a large upload may take as long as it needs while a client
// that stops sending is cut off. The deadline moves at most once a second.
type idleBody struct {
	io.ReadCloser
	rc       *http.ResponseController
	timeout  time.Duration
	deadline time.Time
}

func newIdleBody(w http.ResponseWriter, body io.ReadCloser, timeout time.Duration) io.ReadCloser {
	return &idleBody{ReadCloser: body, rc: http.NewResponseController(w), timeout: timeout}
}

func (b *idleBody) Read(p []byte) (int, error) {
	if now := time.Now(); b.deadline.Sub(now) < b.timeout-time.Second {
		b.deadline = now.Add(b.timeout)
		b.rc.SetReadDeadline(b.deadline) // best effort: not every writer supports deadlines
	}
	return b.ReadCloser.Read(p)
}
