package policy

// MissingKeys lists the condition keys that the request lacks but that
// statements about its action and resource test: the keys a simulation
// needs values for. A statement counts when its Action and Resource match
// and, for a resource policy, its Principal names the caller; Null
// conditions test absence and do not count. Keys are as written in the
// first policy that uses them, in order of appearance.
func (d Decision) MissingKeys() []string {
	req := d.Request
	st := &evalState{req: &req}
	var out []string
	seen := map[string]bool{}
	for _, r := range d.Evaluated {
		if r.policy == nil {
			continue
		}
		for i := range r.policy.Statements {
			s := &r.policy.Statements[i]
			if !s.concerns(st) {
				continue
			}
			for j := range s.conds {
				c := &s.conds[j]
				if c.base == opNull || seen[c.lkey] || st.values(c.lkey).len() > 0 {
					continue
				}
				seen[c.lkey] = true
				out = append(out, c.Key)
			}
		}
	}
	return out
}

// concerns reports whether the statement is about the request, its
// conditions aside.
func (s *Statement) concerns(st *evalState) bool {
	if !s.matchAction(st.req.Action) || !s.matchResource(st.req.Resource, st) {
		return false
	}
	if s.principals == nil || s.NotPrincipal != nil {
		return true
	}
	return s.principals.match(&st.req.Principal) != grantNone
}
