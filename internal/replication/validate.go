package replication

// Validate applies the semantic rules of PutBucketReplication (spec §2.2
// #5-#17 and #19) to a parsed configuration of bucket source. It does not
// look at any bucket: the caller checks source versioning (#1) before it and
// destination existence and versioning (#2, #3) after it, the order AWS
// reports them in. Rules are checked in document order, each completely,
// then the rules across the document.
func (c *Configuration) Validate(source string) error {
	if len(c.Rules) > MaxRules {
		return errTooManyRules()
	}
	if _, ok := RoleAccount(c.Role); !ok {
		return errRoleARN(c.Role)
	}
	for i := range c.Rules {
		if err := c.Rules[i].validate(source); err != nil {
			return err
		}
	}
	return c.validateAcrossRules()
}

func (r *Rule) validate(source string) error {
	if len(r.ID) > MaxIDLength {
		return errIDTooLong(r.ID)
	}
	for _, p := range r.prefixes() {
		if len(p) > MaxPrefix {
			return errPrefixTooLong(p)
		}
	}
	if err := r.validateVersion(); err != nil {
		return err
	}
	if r.hasDuplicateTagKeys() {
		return errDuplicateTagKeys()
	}
	if err := r.Destination.validate(source); err != nil {
		return err
	}
	if r.ReplicatesKMS() && r.Destination.ReplicaKmsKeyID() == "" {
		return errReplicaKey()
	}
	return nil
}

// validateVersion applies the V1/V2 schema rules. [Inf] Priority is accepted
// in a V1 rule (users have sent it with a rule-level Prefix and AWS took it);
// ReplicaModifications and ReplicationTime are refused there.
func (r *Rule) validateVersion() error {
	if r.V2() {
		switch {
		case r.Priority == nil:
			return errRequiredV2("Priority")
		case r.DeleteMarkerReplication == nil:
			return errRequiredV2("DeleteMarkerReplication")
		case r.DeleteMarkerReplication.Enabled() && r.hasTagFilter():
			return errTagDeleteMarker()
		}
		return nil
	}
	switch {
	case r.DeleteMarkerReplication != nil:
		return errNotInV1("DeleteMarkerReplication")
	case r.SourceSelectionCriteria != nil && r.SourceSelectionCriteria.ReplicaModifications != nil:
		return errNotInV1("ReplicaModifications")
	case r.Destination.ReplicationTime != nil:
		return errNotInV1("ReplicationTime")
	}
	return nil
}

func (d *Destination) validate(source string) error {
	name, ok := BucketFromARN(d.Bucket)
	if !ok {
		return errBucketARN(d.Bucket)
	}
	if name == source {
		return errSameBucket()
	}
	if d.StorageClass == "FSX_OPENZFS" {
		return errStorageClass(d.StorageClass)
	}
	if d.Account != "" && !isAccountID(d.Account) {
		return errAccount(d.Account)
	}
	if d.AccessControlTranslation != nil && d.Account == "" {
		return errTranslationAccount()
	}
	return d.validateTime()
}

// validateTime checks RTC and metrics (#10, #11, #12).
func (d *Destination) validateTime() error {
	rtc, m := d.ReplicationTime, d.Metrics
	if m != nil && m.EventThreshold != nil && (rtc == nil || rtc.Status != statusEnabled) {
		return errEventThreshold()
	}
	if rtc != nil && (m == nil || (rtc.Status == statusEnabled && m.Status != statusEnabled)) {
		return errRTCWithoutMetrics()
	}
	if rtc != nil && !only15(rtc.Time) {
		return errMinutes("Time", rtc.Time.Minutes)
	}
	if m != nil && m.EventThreshold != nil && !only15(m.EventThreshold) {
		return errMinutes("EventThreshold", m.EventThreshold.Minutes)
	}
	return nil
}

func only15(t *TimeValue) bool { return t != nil && t.Minutes != nil && *t.Minutes == OnlyMinutes }

// validateAcrossRules checks what involves several rules: unique IDs (#15),
// unique V2 priorities (#14, [Inf] across the whole document, not only per
// destination) and V1's single destination (#8).
func (c *Configuration) validateAcrossRules() error {
	ids := map[string]bool{}
	priorities := map[int]bool{}
	for i := range c.Rules {
		r := &c.Rules[i]
		if r.ID != "" {
			if ids[r.ID] {
				return errDuplicateID()
			}
			ids[r.ID] = true
		}
		if r.V2() {
			if priorities[r.priority()] {
				return errDuplicatePriority(r.priority())
			}
			priorities[r.priority()] = true
		}
	}
	if !c.Rules[0].V2() && len(c.DestinationBuckets()) > 1 {
		return errDistinctDestinations()
	}
	return nil
}

// prefixes lists every prefix the rule names.
func (r *Rule) prefixes() []string {
	var out []string
	add := func(p *string) {
		if p != nil {
			out = append(out, *p)
		}
	}
	add(r.Prefix)
	if f := r.Filter; f != nil {
		add(f.Prefix)
		if f.And != nil {
			add(f.And.Prefix)
		}
	}
	return out
}

// tags lists the tag conditions of a V2 rule.
func (r *Rule) tags() []Tag {
	f := r.Filter
	switch {
	case f == nil:
		return nil
	case f.Tag != nil:
		return []Tag{*f.Tag}
	case f.And != nil:
		return f.And.Tags
	}
	return nil
}

func (r *Rule) hasTagFilter() bool { return len(r.tags()) > 0 }

func (r *Rule) hasDuplicateTagKeys() bool {
	seen := map[string]bool{}
	for _, t := range r.tags() {
		if seen[t.Key] {
			return true
		}
		seen[t.Key] = true
	}
	return false
}
