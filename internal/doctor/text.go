package doctor

import (
	"fmt"
	"strings"
)

// marks are the checklist symbols of each outcome.
var marks = map[Status]string{OK: "✓", Fail: "✗", Warn: "!", Unknown: "?"}

// Text renders the report as a checklist for people: one line per check,
// and under each failing one the explanation and the fixes.
func (rep *Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Replication of bucket %s (account %s, %s) with role %s\n", rep.Bucket, rep.Account, rep.Region, rep.Role)
	failed, unknown, warned := 0, 0, 0
	for _, rr := range rep.Rules {
		fmt.Fprintf(&b, "\nrule %q → %s", rr.ID, rr.Destination)
		if rr.DestinationAccount != "" {
			fmt.Fprintf(&b, " (account %s, %s)", rr.DestinationAccount, rr.DestinationRegion)
		}
		if rr.Status != "Enabled" {
			fmt.Fprintf(&b, ": %s, not checked\n", rr.Status)
			continue
		}
		b.WriteString("\n")
		for _, c := range rr.Checks {
			writeCheck(&b, c, "  ")
			switch c.Status {
			case Fail:
				failed++
			case Unknown:
				unknown++
			case Warn:
				warned++
			}
		}
	}
	b.WriteString("\n")
	switch {
	case failed == 1:
		b.WriteString("1 check fails: new objects would end FAILED.\n")
	case failed > 1:
		fmt.Fprintf(&b, "%d checks fail: new objects would end FAILED.\n", failed)
	case unknown > 0:
		fmt.Fprintf(&b, "%s could not be made with these credentials.\n", plural(unknown, "check"))
	default:
		b.WriteString("Every hop passes: new objects will replicate.\n")
	}
	if warned > 0 {
		fmt.Fprintf(&b, "%s: replicas would lose something (see above).\n", plural(warned, "warning"))
	}
	if p := rep.Plan(); len(p) > 0 {
		b.WriteString("\nTo fix, per account:\n")
		b.WriteString(p.Text())
	}
	return b.String()
}

// Text renders the explanation for people.
func (ex *Explanation) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "s3://%s/%s version %s: %s\n", ex.Bucket, ex.Key, ex.VersionID, orDash(ex.Status))
	if ex.Note != "" {
		b.WriteString("  " + ex.Note + "\n")
	}
	for _, de := range ex.Destinations {
		fmt.Fprintf(&b, "\n→ %s (rule %q): %s\n", de.Bucket, de.RuleID, de.Summary)
		if de.Attempts > 0 {
			fmt.Fprintf(&b, "  recorded: %d attempt(s), last at %s", de.Attempts, de.LastAttempt.UTC().Format("2006-01-02T15:04:05Z"))
			if de.Reason != "" {
				fmt.Fprintf(&b, ", failure reason %s", de.Reason)
			}
			b.WriteString("\n")
		}
		if de.LastError != "" {
			b.WriteString(indent("last error: "+firstLine(de.LastError), "  ") + "\n")
		}
		if de.Failing != nil {
			writeCheck(&b, *de.Failing, "  ")
		}
	}
	return b.String()
}

// Text renders the plan: per account and document, the statements to add
// and the other changes.
func (p Plan) Text() string {
	var b strings.Builder
	for _, pc := range p {
		fmt.Fprintf(&b, "  account %s — %s:\n", orDash(string(pc.Account)), pc.Document)
		for _, a := range pc.Actions {
			b.WriteString(indent(a, "    ") + "\n")
		}
		for _, s := range pc.Statements {
			b.WriteString(indent(s, "    ") + "\n")
		}
	}
	return b.String()
}

// writeCheck writes one checklist line, and for a check that does not
// pass its detail and fixes.
func writeCheck(b *strings.Builder, c Check, pad string) {
	fmt.Fprintf(b, "%s%s %-14s %s", pad, marks[c.Status], c.Hop, c.Title)
	if c.Reason != "" {
		fmt.Fprintf(b, "  [%s]", c.Reason)
	}
	b.WriteString("\n")
	if c.Status == OK {
		return
	}
	if c.Detail != "" {
		b.WriteString(indent(c.Detail, pad+"    ") + "\n")
	}
	for _, f := range c.Fixes {
		who := ""
		if f.Account != "" {
			who = "account " + string(f.Account) + ": "
		}
		switch {
		case f.Statement != "" && f.Action != "":
			fmt.Fprintf(b, "%s    fix — %s%s, with:\n%s\n", pad, who, f.Action, indent(f.Statement, pad+"      "))
		case f.Statement != "":
			fmt.Fprintf(b, "%s    fix — %sadd to %s:\n%s\n", pad, who, f.Document, indent(f.Statement, pad+"      "))
		default:
			fmt.Fprintf(b, "%s    fix — %sin %s: %s\n", pad, who, f.Document, f.Action)
		}
	}
}

func indent(s, pad string) string {
	return pad + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+pad)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// firstLine is an error's first line without the policy engine's
// explanation the engine appends in parentheses (the failing check shows
// it in full).
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	for _, verdict := range []string{" (DENY", " (ALLOW"} {
		if i := strings.Index(s, verdict); i > 0 {
			s = s[:i]
		}
	}
	return s
}
