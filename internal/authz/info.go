package authz

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/netip"
)

// Info is what the transport knows about a request: where it came from and
// how it was signed. The HTTP front attaches it to the request's context
// (WithInfo) and Authorize turns it into global condition keys. Requests
// made inside Ferry (a service acting for itself) carry none.
type Info struct {
	RequestID string
	// SourceIP is the client's address (aws:SourceIp).
	SourceIP netip.Addr
	// Secure is true for requests over TLS (aws:SecureTransport).
	Secure bool
	// TLSVersion is the TLS version as a number ("1.2", "1.3") for TLS
	// requests, "" otherwise: s3:TlsVersion, which policies compare with
	// NumericLessThan.
	TLSVersion string
	// Region is the region the request was signed for (aws:RequestedRegion).
	Region string
	// Signed is true when a SigV4 signature authenticated the request;
	// Presigned when it came in the query string.
	Signed, Presigned bool
	// CalledVia lists the service principals that made the request on the
	// caller's behalf, first to last (aws:CalledVia, aws:ViaAWSService).
	CalledVia []string
}

type infoKey struct{}

// WithInfo attaches a request's transport facts to its context.
func WithInfo(ctx context.Context, info Info) context.Context {
	return context.WithValue(ctx, infoKey{}, info)
}

// InfoFrom returns the facts attached by WithInfo (the zero Info if none).
func InfoFrom(ctx context.Context) Info {
	info, _ := ctx.Value(infoKey{}).(Info)
	return info
}

// InfoOf reads the transport facts of an HTTP request.
func InfoOf(r *http.Request, requestID, region string, signed, presigned bool) Info {
	info := Info{RequestID: requestID, Region: region, Signed: signed, Presigned: presigned}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		info.SourceIP = ip.Unmap()
	}
	if r.TLS != nil {
		info.Secure = true
		switch r.TLS.Version {
		case tls.VersionTLS10:
			info.TLSVersion = "1.0"
		case tls.VersionTLS11:
			info.TLSVersion = "1.1"
		case tls.VersionTLS12:
			info.TLSVersion = "1.2"
		case tls.VersionTLS13:
			info.TLSVersion = "1.3"
		}
	}
	return info
}
