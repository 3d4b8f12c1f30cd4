package doctor

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
)

// Plan is every fix of a report, gathered per account and document, with
// the statements of one document merged where they differ only in their
// actions: what each account must apply, in one place.
type Plan []PlannedChange

// PlannedChange is the change one account makes to one document.
type PlannedChange struct {
	Account  aws.AccountID `json:"account"`
	Document string        `json:"document"`
	// Statements are ready-to-apply statements (JSON); Actions are the
	// changes that are not statements.
	Statements []string `json:"statements,omitempty"`
	Actions    []string `json:"actions,omitempty"`
}

// Plan gathers the report's fixes.
func (rep *Report) Plan() Plan {
	var checks []Check
	for _, rr := range rep.Rules {
		checks = append(checks, rr.Checks...)
	}
	return plan(checks)
}

// statement is the shape of a fix statement, for merging.
type statement struct {
	Sid       string          `json:"Sid,omitempty"`
	Effect    string          `json:"Effect"`
	Principal json.RawMessage `json:"Principal,omitempty"`
	Action    any             `json:"Action"`
	Resource  string          `json:"Resource,omitempty"`
}

func plan(checks []Check) Plan {
	var out Plan
	index := map[string]int{}
	merged := map[string][]*statement{} // by change
	for _, c := range checks {
		for _, f := range c.Fixes {
			id := string(f.Account) + "\x00" + f.Document
			i, ok := index[id]
			if !ok {
				i = len(out)
				index[id] = i
				out = append(out, PlannedChange{Account: f.Account, Document: f.Document})
			}
			pc := &out[i]
			if f.Action != "" && !slices.Contains(pc.Actions, f.Action) {
				pc.Actions = append(pc.Actions, f.Action)
			}
			if f.Statement != "" {
				merged[id] = mergeStatement(merged[id], f.Statement)
			}
		}
	}
	for id, stmts := range merged {
		pc := &out[index[id]]
		for _, s := range stmts {
			raw, _ := json.MarshalIndent(s, "", "  ")
			pc.Statements = append(pc.Statements, string(raw))
		}
	}
	return out
}

// mergeStatement adds a statement to list, folding its action into a
// statement with the same effect, principal and resource.
func mergeStatement(list []*statement, doc string) []*statement {
	var s statement
	if json.Unmarshal([]byte(doc), &s) != nil {
		return list
	}
	actions := actionList(s.Action)
	for _, o := range list {
		if o.Effect == s.Effect && string(o.Principal) == string(s.Principal) && o.Resource == s.Resource {
			have := actionList(o.Action)
			for _, a := range actions {
				if !slices.Contains(have, a) {
					have = append(have, a)
				}
			}
			o.Action, o.Sid = have, mergedSid(have)
			return list
		}
	}
	if len(actions) == 1 {
		s.Action = actions[0]
	}
	return append(list, &s)
}

func actionList(v any) []string {
	switch a := v.(type) {
	case string:
		return []string{a}
	case []string:
		return a
	case []any:
		out := make([]string, 0, len(a))
		for _, x := range a {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// mergedSid names a merged statement after its service: "AllowReplication"
// for S3 actions, "AllowKMS" for KMS ones.
func mergedSid(actions []string) string {
	if len(actions) > 0 && strings.HasPrefix(actions[0], "kms:") {
		return "AllowKMSForReplication"
	}
	return "AllowReplication"
}
