package replication

// UpdateTargets returns where a metadata change (today: a version's tags,
// o carrying the new ones) goes (spec §12.5):
//
//   - on a source version, to every destination that already holds the
//     replica (COMPLETED in state), under the rule that replicated it if it
//     is still Enabled, else under any Enabled rule to that destination
//     ([Inf] the rule's filter is not re-applied to the new tags: the
//     replica exists, so it is kept in step);
//   - on a replica, back through the rules of the replica's bucket that
//     match it and have ReplicaModifications Enabled (two-way setups).
//
// Versions without state and buckets without a configuration get nothing.
func UpdateTargets(c *Configuration, state *State, o Object) []Target {
	if c == nil || state == nil {
		return nil
	}
	if state.Replica {
		o.Replica = true
		return c.Match(OpMetadata, o)
	}
	var out []Target
	for _, d := range state.Destinations {
		if d.Status != StatusCompleted {
			continue
		}
		if r := c.ruleTo(d.Bucket, d.RuleID); r != nil {
			out = append(out, Target{Bucket: d.Bucket, Rule: r})
		}
	}
	return out
}

// ruleTo finds the Enabled rule with id to bucket, or else any Enabled
// rule to bucket.
func (c *Configuration) ruleTo(bucket, id string) *Rule {
	var any *Rule
	for i := range c.Rules {
		r := &c.Rules[i]
		if !r.Enabled() || r.DestinationBucket() != bucket {
			continue
		}
		if r.ID == id {
			return r
		}
		if any == nil {
			any = r
		}
	}
	return any
}
