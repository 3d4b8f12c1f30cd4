package replication

// TrimEvents exposes EventLog.trim to the external tests.
func TrimEvents(l *EventLog, bucket string) error { return l.trim(bucket) }
