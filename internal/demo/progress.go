package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// pollInterval is how often the demo asks for the objects' statuses.
const pollInterval = 200 * time.Millisecond

// upload puts the objects into src as A, every other one with tags; the
// bucket's default encryption (Ks) applies.
func (d *demo) upload(ctx context.Context) ([]ObjectResult, error) {
	d.printf("\nUploading %d objects to %s (A)\n", d.o.Objects, d.src)
	objects := make([]ObjectResult, d.o.Objects)
	for i := range objects {
		o := &objects[i]
		o.Key = fmt.Sprintf("demo/object-%d.txt", i+1)
		o.Tagged = i%2 == 0
		in := &s3.PutObjectInput{Bucket: aws.String(d.src), Key: aws.String(o.Key),
			Body: strings.NewReader(fmt.Sprintf("Ferry replication demo, object %d\n", i+1))}
		if o.Tagged {
			in.Tagging = aws.String(fmt.Sprintf("project=ferry&object=%d", i+1))
		}
		var detail string
		if err := d.step("put "+o.Key, func() (string, error) {
			out, err := d.s3A.PutObject(ctx, in)
			if err != nil {
				return "", err
			}
			o.VersionID, o.Uploaded = aws.ToString(out.VersionId), time.Now()
			detail = fmt.Sprintf("version %s, %s %s", o.VersionID, out.ServerSideEncryption, aws.ToString(out.SSEKMSKeyId))
			if o.Tagged {
				detail += ", tagged"
			}
			return detail, nil
		}); err != nil {
			return nil, err
		}
	}
	return objects, nil
}

// watch polls every object's x-amz-replication-status as A until it is
// COMPLETED or FAILED or the timeout passes, and shows the progress.
func (d *demo) watch(ctx context.Context, objects []ObjectResult) {
	d.printf("\nReplication status (x-amz-replication-status, polled with HeadObject as A; timeout %s)\n", d.o.Timeout)
	d.printf("  (S3's API shows only FAILED; the failure reasons come from Ferry's explain endpoint)\n")
	r := &progress{d: d, objects: objects}
	deadline := time.Now().Add(d.o.Timeout)
	for {
		pending := 0
		for i := range objects {
			o := &objects[i]
			if settled(o.Status) {
				continue
			}
			st, err := d.status(ctx, o)
			if err != nil {
				st = "error: " + err.Error()
			}
			if st == StatusFailed {
				o.Reason = d.reason(ctx, o)
			}
			if st != o.Status {
				o.Status = st
				r.changed(i, time.Since(o.Uploaded))
			}
			if !settled(o.Status) {
				pending++
			}
		}
		if pending == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(pollInterval)
	}
	r.done()
}

// settled reports whether a status is final.
func settled(status string) bool { return status == StatusCompleted || status == StatusFailed }

// status asks HeadObject for a source version's replication status.
func (d *demo) status(ctx context.Context, o *ObjectResult) (string, error) {
	out, err := d.s3A.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(d.src), Key: aws.String(o.Key), VersionId: aws.String(o.VersionID)})
	if err != nil {
		return "", err
	}
	if out.ReplicationStatus == "" {
		return "(none)", nil
	}
	return string(out.ReplicationStatus), nil
}

// reason finds a FAILED version's failure reason with the server's
// explain endpoint ("" when the server cannot tell).
func (d *demo) reason(ctx context.Context, o *ObjectResult) string {
	q := map[string][]string{"bucket": {d.src}, "key": {o.Key}, "versionId": {o.VersionID}}
	g, err := Diagnose(ctx, d.o.HTTPClient, d.o.Endpoint, d.o.diagnostician(), ExplainPath, q)
	if err != nil {
		return ""
	}
	return g.FailureReasonOf()
}

// progress renders the objects' statuses: lines redrawn in place on a
// terminal, else one line per change.
type progress struct {
	d       *demo
	objects []ObjectResult
	drawn   bool
}

// line renders one object's status.
func (p *progress) line(o ObjectResult, elapsed time.Duration) string {
	mark := "…"
	switch o.Status {
	case StatusCompleted:
		mark = "✓"
	case StatusFailed:
		mark = "✗"
	}
	s := fmt.Sprintf("  %s %-20s %-10s", mark, o.Key, o.Status)
	if o.Reason != "" {
		s += " " + o.Reason
	}
	if settled(o.Status) {
		s += fmt.Sprintf(" (%.1fs after the upload)", elapsed.Seconds())
	}
	return strings.TrimRight(s, " ")
}

// changed shows that object i's status changed.
func (p *progress) changed(i int, elapsed time.Duration) {
	if !p.d.o.Live {
		p.d.printf("%s\n", p.line(p.objects[i], elapsed))
		return
	}
	if !p.drawn {
		for range p.objects {
			p.d.printf("\n")
		}
		p.drawn = true
	}
	// Move up to object i's line, redraw it, and come back down.
	up := len(p.objects) - i
	p.d.printf("\x1b[%dA\r\x1b[2K%s\x1b[%dB\r", up, p.line(p.objects[i], elapsed), up)
}

// done reports the objects that never settled.
func (p *progress) done() {
	for _, o := range p.objects {
		if !settled(o.Status) {
			p.d.printf("  ✗ %s still %s after %s\n", o.Key, o.Status, p.d.o.Timeout)
		}
	}
}
