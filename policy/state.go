package policy

// evalState is what evaluating one request needs: the request, read through
// by condition keys and policy variables. It lives on the stack.
type evalState struct {
	req *Request
}

// vals is a view of a key's values that avoids allocating for the keys
// derived from the principal (a single value).
type vals struct {
	one  string
	many []string
	n    int
}

func (v vals) len() int { return v.n }

func (v vals) at(i int) string {
	if v.many != nil {
		return v.many[i]
	}
	return v.one
}

// values returns the values of a lower-case condition key: the request
// context first, then the keys derived from the principal.
func (st *evalState) values(lkey string) vals {
	if vs, ok := st.req.Context.lookup(lkey); ok {
		return vals{many: vs, n: len(vs)}
	}
	if v, ok := st.req.Principal.principalKey(lkey); ok {
		return vals{one: v, n: 1}
	}
	return vals{}
}

// variable resolves a policy variable: a key with exactly one value.
func (st *evalState) variable(lkey string) (string, bool) {
	v := st.values(lkey)
	if v.len() != 1 {
		return "", false
	}
	return v.at(0), true
}
