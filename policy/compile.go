package policy

// compile turns a validated statement into its evaluable form: patterns for
// actions (case-insensitive) and resources (case-sensitive, with policy
// variables under Version 2012-10-17), the principal set and conditions.
func (p *parser) compile(rs *rawStatement) (Statement, *Error) {
	s := Statement{
		Sid: rs.sid, Effect: Effect(rs.effect), Index: rs.idx,
		Principal: rs.principal, NotPrincipal: rs.notPrincipal,
		Action: rs.action, NotAction: rs.notAction,
		Resource: rs.resource, NotResource: rs.notResource,
		Condition: rs.conds,
	}
	for _, a := range p.actions(rs) {
		s.actions = append(s.actions, compilePattern(a, true, false, true))
	}
	for _, r := range p.resources(rs) {
		s.resources = append(s.resources, compilePattern(r, true, p.vars, false))
	}
	if !rs.hasResourceElem { // trust policies: the resource is the role itself
		s.resources = []pattern{compilePattern("*", true, false, false)}
	}
	if pr := rs.principal; rs.hasPrincipalElem || rs.hasNotPrincElem {
		if rs.hasNotPrincElem {
			pr = rs.notPrincipal
		}
		s.principals = compilePrincipals(pr)
	}
	for _, c := range rs.conds {
		cc, err := compileCondition(c, p.vars)
		if err != nil {
			return s, p.fail(pSyntax, c.Operator, "statement #%d: %v", rs.idx+1, err)
		}
		s.conds = append(s.conds, cc)
	}
	if len(s.actions) == 0 {
		return s, p.fail(pNoAction, "", "statement #%d: no actions", rs.idx+1)
	}
	return s, nil
}

// compilePrincipals builds the matcher for a validated Principal element.
func compilePrincipals(pr Principals) *principalSet {
	ps := &principalSet{}
	for typ, vs := range pr {
		for _, v := range vs {
			switch typ {
			case "*":
				ps.any = true
			case "AWS":
				if v == "*" {
					ps.any = true // {"AWS":"*"} is everyone, anonymous included
					continue
				}
				if a, ok := parseAWSPrincipal(v); ok {
					ps.aws = append(ps.aws, a)
				}
			case "Service":
				ps.services = append(ps.services, v)
			case "Federated":
				ps.federated = append(ps.federated, v)
			case "CanonicalUser":
				ps.canonical = append(ps.canonical, v)
			}
		}
	}
	return ps
}
