// Package httpd is Ferry's HTTP front: it gives every request its ids,
// authenticates it (SigV4), routes it to the service named by its credential
// scope, and records logs and Prometheus metrics. Ferry's own endpoints live
// under /_ferry/, a path no bucket can take (bucket names never start with '_').
package httpd

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ferrystore/ferry/internal/authz"
	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/kmsapi"
	"github.com/ferrystore/ferry/internal/query"
	"github.com/ferrystore/ferry/internal/s3api"
	"github.com/ferrystore/ferry/internal/s3controlapi"
	"github.com/ferrystore/ferry/internal/sigv4"
	"github.com/ferrystore/ferry/internal/sqs"
	"github.com/ferrystore/ferry/internal/sqsapi"
)

// Authenticated is what authentication established about a request.
type Authenticated struct {
	Principal     aws.Principal
	Region        string
	Service       string
	Presigned     bool
	Body          io.ReadCloser
	DecodedLength int64
	Trailer       func() http.Header
}

// Authenticator verifies a request's signature and yields its principal.
type Authenticator func(r *http.Request) (Authenticated, error)

// QueryService is a Query-protocol service (IAM, STS).
type QueryService interface {
	// Serve answers an authenticated request (body is the verified body)
	// and returns the operation's name for metrics and logs.
	Serve(w http.ResponseWriter, r *http.Request, p aws.Principal, body io.Reader) string
	// WriteError answers with an error in the service's shape.
	WriteError(w http.ResponseWriter, err error)
}

// Server routes requests to Ferry's services.
type Server struct {
	Auth Authenticator
	S3   *s3api.API
	// IAM and STS are global: they answer in every region.
	IAM, STS QueryService
	// IAMForward, when set, receives every request signed for IAM before
	// authentication: a follower forwards IAM's API to its IAM home.
	IAMForward http.Handler
	// Clock words clock-skew errors of the Query services (nil: system clock).
	Clock aws.Clock
	Admin http.Handler // served under /_ferry/admin/ for the admin principal
	// Diagnose serves /_ferry/doctor/, /_ferry/explain and /_ferry/events for any signed
	// caller (the operator or an account's principal).
	Diagnose http.Handler
	// Replica serves /_ferry/replica/ to any signed caller: other Ferry
	// processes' replication (it decides who may do what).
	Replica  http.Handler
	Log      *slog.Logger
	Registry *prometheus.Registry
	// IdleTimeout bounds how long a request body may stall (default BodyIdleTimeout).
	IdleTimeout time.Duration
	// KMS serves requests signed for service "kms" (nil: NotImplemented).
	KMS *kmsapi.API
	// SQS serves requests signed for service "sqs" (nil: NotImplemented).
	SQS *sqsapi.API
	// S3Control serves S3 Control job requests: signed for "s3", under
	// /v20180820/ with an x-amz-account-id header (nil: S3 answers them).
	S3Control *s3controlapi.API

	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inflight prometheus.Gauge
}

// ReservedPrefix is the path prefix of Ferry's own endpoints.
const ReservedPrefix = "/_ferry/"

type ctxKey struct{}

// FromContext returns the authenticated principal of a request to one of
// Ferry's own signed APIs.
func FromContext(ctx context.Context) (aws.Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(aws.Principal)
	return p, ok
}

// Init registers the metrics; call it once before serving.
func (s *Server) Init() {
	if s.Registry == nil {
		s.Registry = prometheus.NewRegistry()
	}
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ferry_http_requests_total", Help: "Requests served, by service, operation and HTTP status.",
	}, []string{"service", "operation", "status"})
	s.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "ferry_http_request_duration_seconds", Help: "Time to serve a request, by service and operation.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
	}, []string{"service", "operation"})
	s.inflight = prometheus.NewGauge(prometheus.GaugeOpts{Name: "ferry_http_requests_in_flight", Help: "Requests being served."})
	s.Registry.MustRegister(s.requests, s.latency, s.inflight,
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
}

func (s *Server) idleTimeout() time.Duration {
	if s.IdleTimeout > 0 {
		return s.IdleTimeout
	}
	return BodyIdleTimeout
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID, hostID := aws.NewRequestID(), aws.NewHostID()
	w.Header().Set("x-amz-request-id", reqID)
	w.Header().Set("x-amz-id-2", hostID)
	w.Header().Set("Server", "AmazonS3") // as S3 sends it; other services drop these
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	info := &s3api.Info{}
	r = r.WithContext(s3api.WithInfo(r.Context(), info))
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = newIdleBody(w, r.Body, s.idleTimeout())
	}
	s.inflight.Inc()
	service := s.route(rec, r, reqID, hostID, info)
	s.inflight.Dec()
	op := info.Op
	if op == "" {
		op = "-"
	}
	elapsed := time.Since(start)
	s.requests.WithLabelValues(service, op, strconv.Itoa(rec.status)).Inc()
	s.latency.WithLabelValues(service, op).Observe(elapsed.Seconds())
	if s.Log.Enabled(r.Context(), slog.LevelDebug) { // skip boxing the attributes otherwise
		s.Log.Debug("request", "service", service, "op", op, "method", r.Method, "path", r.URL.Path,
			"status", rec.status, "bytes", rec.bytes, "duration", elapsed, "request_id", reqID, "remote", r.RemoteAddr)
	}
}

// route serves the request and returns the service label for metrics; the
// Query services name their operation in info (S3 fills it in itself).
func (s *Server) route(w http.ResponseWriter, r *http.Request, reqID, hostID string, info *s3api.Info) string {
	if strings.HasPrefix(r.URL.Path, ReservedPrefix) {
		w.Header().Set("Server", "Ferry")
		s.serveFerry(w, r, reqID, hostID)
		return "ferry"
	}
	if s.IAMForward != nil {
		if _, _, _, service, ok := sigv4.ParseScope(r); ok && service == "iam" {
			s.IAMForward.ServeHTTP(w, r)
			return "iam"
		}
	}
	auth, err := s.Auth(r)
	if err != nil && s.KMS != nil && kmsapi.Operation(r) != "" {
		dropS3Headers(w)
		info.Op = kmsapi.Operation(r)
		s.KMS.WriteError(w, err)
		return "kms"
	}
	if err != nil && s.SQS != nil && sqsapi.Operation(r) != "" {
		dropS3Headers(w)
		info.Op = sqsapi.Operation(r)
		s.SQS.WriteError(w, err)
		return "sqs"
	}
	control := s.S3Control != nil && s3controlapi.IsControl(r)
	if err != nil && control {
		info.Op = s3controlapi.Operation(r)
		s.S3Control.WriteError(w, err, reqID, hostID)
		return "s3control"
	}
	if err != nil {
		if _, _, _, service, ok := sigv4.ParseScope(r); ok {
			if q := s.queryService(service); q != nil {
				dropS3Headers(w)
				q.WriteError(w, query.AuthError(err, s.now()))
				return service
			}
		}
		s.S3.WriteError(w, r, err, reqID, hostID)
		return "s3"
	}
	defer auth.Body.Close()
	r = r.WithContext(authz.WithInfo(r.Context(),
		authz.InfoOf(r, reqID, auth.Region, !auth.Principal.IsAnonymous(), auth.Presigned)))
	if q := s.queryService(auth.Service); q != nil {
		dropS3Headers(w)
		info.Op = q.Serve(w, r, auth.Principal, auth.Body)
		return auth.Service
	}
	if auth.Service == "" && s.SQS != nil && sqsapi.Operation(r) != "" {
		// An unsigned SQS request: Ferry serves SQS to signed callers only.
		dropS3Headers(w)
		info.Op = sqsapi.Operation(r)
		s.SQS.WriteError(w, sqs.ErrMissingAuthenticationToken())
		return "sqs"
	}
	if control && auth.Service == "s3" {
		info.Op = s.S3Control.Serve(w, r, auth.Principal, auth.Region, auth.Body, reqID, hostID)
		return "s3control"
	}
	switch auth.Service {
	case "", "s3":
		s.S3.Serve(w, r, s3api.Auth{
			Principal: auth.Principal, Region: auth.Region, Presigned: auth.Presigned,
			Body: auth.Body, DecodedLength: auth.DecodedLength, Trailer: auth.Trailer,
		}, reqID, hostID)
		return "s3"
	case "kms":
		if s.KMS == nil {
			break
		}
		dropS3Headers(w)
		info.Op = kmsapi.Operation(r)
		s.KMS.Serve(w, r, auth.Principal, auth.Region, auth.Body, reqID)
		return "kms"
	case "sqs":
		if s.SQS == nil {
			break
		}
		dropS3Headers(w)
		info.Op = sqsapi.Operation(r)
		s.SQS.Serve(w, r, auth.Principal, auth.Region, auth.Body, reqID)
		return "sqs"
	}
	s.S3.WriteError(w, r, aws.ErrNotImplemented(), reqID, hostID)
	return auth.Service
}

// dropS3Headers removes the S3-only response headers (request and host ids,
// Server) for services that identify requests their own way.
func dropS3Headers(w http.ResponseWriter) {
	h := w.Header()
	h.Del("x-amz-request-id")
	h.Del("x-amz-id-2")
	h.Del("Server")
}

// queryService returns the Query-protocol service named by a credential
// scope's service, or nil.
func (s *Server) queryService(service string) QueryService {
	switch {
	case service == "iam" && s.IAM != nil:
		return s.IAM
	case service == "sts" && s.STS != nil:
		return s.STS
	}
	return nil
}

func (s *Server) now() time.Time {
	if s.Clock != nil {
		return s.Clock.Now()
	}
	return time.Now()
}

func (s *Server) serveFerry(w http.ResponseWriter, r *http.Request, reqID, hostID string) {
	switch path := strings.TrimPrefix(r.URL.Path, ReservedPrefix); {
	case path == "health":
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "ok\n")
	case path == "metrics":
		promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{}).ServeHTTP(w, r)
	case strings.HasPrefix(path, "admin/") && s.Admin != nil:
		s.serveSigned(w, r, reqID, hostID, s.Admin, true)
	case (strings.HasPrefix(path, "doctor/") || path == "explain" || path == "events") && s.Diagnose != nil:
		s.serveSigned(w, r, reqID, hostID, s.Diagnose, false)
	case strings.HasPrefix(path, "replica/") && s.Replica != nil:
		s.serveSigned(w, r, reqID, hostID, s.Replica, false)
	default:
		http.NotFound(w, r)
	}
}

// recorder remembers the status and size of a response.
type recorder struct {
	http.ResponseWriter
	status  int
	bytes   int64
	written bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.written {
		r.status, r.written = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	r.written = true
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Flush forwards streaming flushes.
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// serveSigned serves one of Ferry's own APIs to a SigV4-signed caller (the
// operator only, when adminOnly), with the principal in the context.
func (s *Server) serveSigned(w http.ResponseWriter, r *http.Request, reqID, hostID string, h http.Handler, adminOnly bool) {
	auth, err := s.Auth(r)
	switch {
	case err != nil:
	case auth.Principal.IsAnonymous(), adminOnly && auth.Principal.Type != aws.PrincipalAdmin:
		err = aws.ErrAccessDenied()
	}
	if err != nil {
		s.S3.WriteError(w, r, err, reqID, hostID)
		return
	}
	defer auth.Body.Close()
	r.Body = auth.Body
	h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, auth.Principal)))
}
