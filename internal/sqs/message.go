package sqs

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/meta"
)

// Message is a stored message.
type Message struct {
	ID         string                      `json:"id"`
	Seq        uint64                      `json:"seq"`
	Body       string                      `json:"body"`
	Attributes map[string]MessageAttribute `json:"attributes,omitempty"`
	SenderID   string                      `json:"sender"`
	// Sent, VisibleAt and FirstReceive are epoch milliseconds.
	Sent         int64 `json:"sent"`
	VisibleAt    int64 `json:"visibleAt"`
	FirstReceive int64 `json:"firstReceive,omitempty"`
	ReceiveCount int   `json:"receiveCount"`
	// Receipt is the nonce of the latest receipt handle ("" before the
	// first receive).
	Receipt string `json:"receipt,omitempty"`
}

// MessageAttribute is a message attribute (String, Number or Binary, with
// an optional ".custom" suffix on the type).
type MessageAttribute struct {
	DataType    string `json:"type"`
	StringValue string `json:"string,omitempty"`
	BinaryValue []byte `json:"binary,omitempty"`
}

// Send is one message to send.
type Send struct {
	Body string
	// Delay overrides the queue's DelaySeconds when not nil.
	Delay      *int
	Attributes map[string]MessageAttribute
}

// Sent is what SendMessage answers.
type Sent struct {
	MessageID        string
	MD5OfBody        string
	MD5OfAttributes  string
	SequenceNumberID uint64
}

// Receive says how to receive.
type Receive struct {
	// Max is 1–10 (0 means 1).
	Max int
	// Visibility overrides the queue's VisibilityTimeout when not nil.
	Visibility *int
	// Wait overrides the queue's ReceiveMessageWaitTimeSeconds when not nil.
	Wait *int
}

// Received is a message handed to a receiver.
type Received struct {
	Message
	ReceiptHandle   string
	MD5OfBody       string
	MD5OfAttributes string
}

// SystemAttributes are the message's system attributes, as
// ReceiveMessage reports them.
func (m *Message) SystemAttributes() map[string]string {
	return map[string]string{
		"SenderId":                         m.SenderID,
		"SentTimestamp":                    strconv.FormatInt(m.Sent, 10),
		"ApproximateReceiveCount":          strconv.Itoa(m.ReceiveCount),
		"ApproximateFirstReceiveTimestamp": strconv.FormatInt(m.FirstReceive, 10),
	}
}

func messagePrefix(queueID string) meta.Key {
	return meta.NewKey(table).Bytes([]byte{'m'}).String(queueID)
}

func messageKey(queueID string, seq uint64) []byte { return messagePrefix(queueID).Uint64(seq) }

// MD5Hex is the hex MD5 SQS reports for a body.
func MD5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// MD5OfAttributes is SQS's digest of message attributes: for each name in
// order, the length-prefixed name, type, a transport byte (1 string,
// 2 binary) and the length-prefixed value; "" without attributes.
func MD5OfAttributes(attrs map[string]MessageAttribute) string {
	if len(attrs) == 0 {
		return ""
	}
	h := md5.New()
	put := func(b []byte) {
		var n [4]byte
		n[0], n[1], n[2], n[3] = byte(len(b)>>24), byte(len(b)>>16), byte(len(b)>>8), byte(len(b))
		h.Write(n[:])
		h.Write(b)
	}
	for _, name := range sortedKeys(attrs) {
		a := attrs[name]
		put([]byte(name))
		put([]byte(a.DataType))
		if strings.HasPrefix(a.DataType, "Binary") {
			h.Write([]byte{2})
			put(a.BinaryValue)
		} else {
			h.Write([]byte{1})
			put([]byte(a.StringValue))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// checkMessage validates a body and its attributes against the queue.
func checkMessage(q *Queue, m Send) error {
	if m.Body == "" {
		return ErrMissingParameter("MessageBody")
	}
	if !validBody(m.Body) {
		return ErrInvalidMessageContents("Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF")
	}
	limit, _ := strconv.Atoi(q.Attributes["MaximumMessageSize"])
	if size := len(m.Body) + attributesSize(m.Attributes); size > limit {
		return ErrInvalidParameterValue(fmt.Sprintf("One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", limit))
	}
	if len(m.Attributes) > 10 {
		return ErrInvalidParameterValue("Number of message attributes [" + strconv.Itoa(len(m.Attributes)) + "] exceeds the allowed maximum [10].")
	}
	for name, a := range m.Attributes {
		t, _, _ := strings.Cut(a.DataType, ".")
		switch {
		case t != "String" && t != "Number" && t != "Binary":
			return ErrInvalidParameterValue("The type of message (user) attribute '" + name + "' is invalid. You must use only the following supported type prefixes: Binary, Number, String.")
		case t == "Binary" && len(a.BinaryValue) == 0, t != "Binary" && a.StringValue == "":
			return ErrInvalidParameterValue("Message (user) attribute '" + name + "' must contain a non-empty value of type '" + t + "'.")
		}
	}
	if m.Delay != nil && (*m.Delay < 0 || *m.Delay > 900) {
		return ErrInvalidParameterValue("Value " + strconv.Itoa(*m.Delay) + " for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.")
	}
	return nil
}

func attributesSize(attrs map[string]MessageAttribute) int {
	n := 0
	for name, a := range attrs {
		n += len(name) + len(a.DataType) + len(a.StringValue) + len(a.BinaryValue)
	}
	return n
}

// validBody: the XML characters SQS accepts.
func validBody(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		ok := r == 0x9 || r == 0xA || r == 0xD || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || r >= 0x10000
		if !ok {
			return false
		}
	}
	return true
}

// SendMessage sends one message.
func (s *Service) SendMessage(ctx context.Context, p aws.Principal, r Ref, m Send) (Sent, error) {
	out, errs, err := s.SendMessageBatch(ctx, p, r, []Send{m})
	if err != nil {
		return Sent{}, err
	}
	if errs[0] != nil {
		return Sent{}, errs[0]
	}
	return out[0], nil
}

// SendMessageBatch sends messages in one durable batch; a message that
// fails validation has its error in the second result and is not sent.
func (s *Service) SendMessageBatch(ctx context.Context, p aws.Principal, r Ref, ms []Send) ([]Sent, []error, error) {
	s.life.RLock()
	defer s.life.RUnlock()
	q, err := s.Queue(ctx, p, ActionSendMessage, r)
	if err != nil {
		return nil, nil, err
	}
	return s.enqueue(q, senderID(p), ms)
}

func senderID(p aws.Principal) string {
	if p.UserID != "" {
		return p.UserID
	}
	return p.ARN
}

// enqueue commits valid messages to q in one batch. The caller holds
// s.life shared since before it read q, so q still exists.
func (s *Service) enqueue(q *Queue, sender string, ms []Send) ([]Sent, []error, error) {
	now := s.now()
	out, errs := make([]Sent, len(ms)), make([]error, len(ms))
	b := s.cfg.Store.NewBatch()
	defer b.Close()
	n := 0
	queueDelay, _ := strconv.Atoi(q.Attributes["DelaySeconds"])
	for i, m := range ms {
		if errs[i] = checkMessage(q, m); errs[i] != nil {
			continue
		}
		delay := queueDelay
		if m.Delay != nil {
			delay = *m.Delay
		}
		msg := &Message{ID: newMessageID(), Seq: s.seq.Add(1), Body: m.Body, Attributes: m.Attributes, SenderID: sender,
			Sent: now.UnixMilli(), VisibleAt: now.Add(time.Duration(delay) * time.Second).UnixMilli()}
		putMessage(b, q, msg)
		out[i] = Sent{MessageID: msg.ID, MD5OfBody: MD5Hex(m.Body), MD5OfAttributes: MD5OfAttributes(m.Attributes), SequenceNumberID: msg.Seq}
		n++
	}
	if n > 0 {
		if err := b.Commit(); err != nil {
			return nil, nil, ErrInternal(fmt.Errorf("sqs: send to %s: %w", q.ARN(), err))
		}
		s.signal()
	}
	return out, errs, nil
}

func putMessage(b meta.Batch, q *Queue, m *Message) {
	raw, err := json.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("sqs: encode message: %v", err)) // plain data
	}
	b.Set(messageKey(q.ID, m.Seq), raw)
}

// ReceiveMessage receives up to rcv.Max visible messages, oldest first,
// making them invisible for the visibility timeout. With a wait time
// (rcv.Wait, else the queue's ReceiveMessageWaitTimeSeconds) it long-polls
// until a message is there, the wait has passed by the clock or ctx ends.
func (s *Service) ReceiveMessage(ctx context.Context, p aws.Principal, r Ref, rcv Receive) ([]Received, error) {
	q, err := s.Queue(ctx, p, ActionReceiveMessage, r)
	if err != nil {
		return nil, err
	}
	if rcv.Max == 0 {
		rcv.Max = 1
	}
	if rcv.Max < 1 || rcv.Max > 10 {
		return nil, ErrInvalidParameterValue("Value " + strconv.Itoa(rcv.Max) + " for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.")
	}
	vis, _ := strconv.Atoi(q.Attributes["VisibilityTimeout"])
	if rcv.Visibility != nil {
		if vis = *rcv.Visibility; vis < 0 || vis > 43200 {
			return nil, ErrInvalidParameterValue("Value " + strconv.Itoa(vis) + " for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.")
		}
	}
	wait, _ := strconv.Atoi(q.Attributes["ReceiveMessageWaitTimeSeconds"])
	if rcv.Wait != nil {
		if wait = *rcv.Wait; wait < 0 || wait > 20 {
			return nil, ErrInvalidParameterValue("Value " + strconv.Itoa(wait) + " for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.")
		}
	}
	deadline := s.now().Add(time.Duration(wait) * time.Second)
	timer := time.NewTimer(time.Duration(wait) * time.Second) // bounds the wait in real time too
	defer timer.Stop()
	for {
		woken := s.waiter()
		got, err := s.take(q, rcv.Max, time.Duration(vis)*time.Second)
		if err != nil || len(got) > 0 || !s.now().Before(deadline) {
			return got, err
		}
		select {
		case <-ctx.Done():
			return nil, nil
		case <-timer.C:
			return nil, nil
		case <-woken:
		case <-time.After(s.cfg.PollInterval):
		}
	}
}

// take marks up to max visible messages received, in one batch, and drops
// messages past the retention period.
func (s *Service) take(q *Queue, max int, vis time.Duration) ([]Received, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.current(q); err != nil {
		return nil, err // deleted while polling
	}
	now := s.now()
	retention, _ := strconv.Atoi(q.Attributes["MessageRetentionPeriod"])
	expired := now.Add(-time.Duration(retention) * time.Second).UnixMilli()
	b := s.cfg.Store.NewBatch()
	defer b.Close()
	var out []Received
	dirty := false
	err := s.scan(q, func(m *Message) bool {
		switch {
		case m.Sent <= expired:
			b.Delete(messageKey(q.ID, m.Seq))
			dirty = true
		case m.VisibleAt <= now.UnixMilli():
			m.ReceiveCount++
			if m.FirstReceive == 0 {
				m.FirstReceive = now.UnixMilli()
			}
			m.VisibleAt = now.Add(vis).UnixMilli()
			m.Receipt = randomHex(8)
			putMessage(b, q, m)
			dirty = true
			out = append(out, Received{Message: *m, ReceiptHandle: receiptHandle(q.ID, m.Seq, m.Receipt),
				MD5OfBody: MD5Hex(m.Body), MD5OfAttributes: MD5OfAttributes(m.Attributes)})
		}
		return len(out) < max
	})
	if err != nil {
		return nil, err
	}
	if dirty {
		if err := b.Commit(); err != nil {
			return nil, ErrInternal(fmt.Errorf("sqs: receive from %s: %w", q.ARN(), err))
		}
	}
	return out, nil
}

// scan calls fn for the queue's messages, oldest first, until it returns false.
func (s *Service) scan(q *Queue, fn func(*Message) bool) error {
	prefix := messagePrefix(q.ID)
	it, err := s.cfg.Store.NewIterator(prefix, meta.PrefixEnd(prefix))
	if err != nil {
		return ErrInternal(err)
	}
	defer it.Close()
	for ok := it.First(); ok; ok = it.Next() {
		m := new(Message)
		if err := json.Unmarshal(it.Value(), m); err != nil {
			return ErrInternal(fmt.Errorf("sqs: decode message: %w", err))
		}
		if !fn(m) {
			break
		}
	}
	if err := it.Close(); err != nil {
		return ErrInternal(err)
	}
	return nil
}

type queueStats struct{ visible, inflight, delayed int }

// stats counts a queue's messages by state.
func (s *Service) stats(q *Queue) (queueStats, error) {
	var st queueStats
	now := s.now().UnixMilli()
	err := s.scan(q, func(m *Message) bool {
		switch {
		case m.VisibleAt <= now:
			st.visible++
		case m.ReceiveCount > 0:
			st.inflight++
		default:
			st.delayed++
		}
		return true
	})
	return st, err
}

// receiptHandle encodes the queue id, the message's sequence number and
// the receive's nonce.
func receiptHandle(queueID string, seq uint64, nonce string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(queueID + ":" + strconv.FormatUint(seq, 10) + ":" + nonce))
}

func parseReceiptHandle(h string) (queueID string, seq uint64, nonce string, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		return "", 0, "", false
	}
	parts := strings.Split(string(raw), ":")
	if len(parts) != 3 {
		return "", 0, "", false
	}
	seq, err = strconv.ParseUint(parts[1], 10, 64)
	return parts[0], seq, parts[2], err == nil
}

// message reads the message a receipt handle names in q; nil when gone.
func (s *Service) message(q *Queue, handle string) (*Message, string, error) {
	id, seq, nonce, ok := parseReceiptHandle(handle)
	if !ok || id != q.ID {
		return nil, "", ErrReceiptHandleIsInvalid(handle)
	}
	raw, err := s.cfg.Store.Get(messageKey(q.ID, seq))
	if errors.Is(err, meta.ErrNotFound) {
		return nil, nonce, nil
	}
	if err != nil {
		return nil, "", ErrInternal(err)
	}
	m := new(Message)
	if err := json.Unmarshal(raw, m); err != nil {
		return nil, "", ErrInternal(fmt.Errorf("sqs: decode message: %w", err))
	}
	return m, nonce, nil
}

// DeleteMessage deletes the message a receipt handle names. A message
// already deleted is not an error, as in SQS.
func (s *Service) DeleteMessage(ctx context.Context, p aws.Principal, r Ref, handle string) error {
	q, err := s.Queue(ctx, p, ActionDeleteMessage, r)
	if err != nil {
		return err
	}
	return s.deleteMessage(q, handle)
}

func (s *Service) deleteMessage(q *Queue, handle string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, _, err := s.message(q, handle)
	if err != nil || m == nil {
		return err
	}
	b := s.cfg.Store.NewBatch()
	defer b.Close()
	b.Delete(messageKey(q.ID, m.Seq))
	if err := b.Commit(); err != nil {
		return ErrInternal(fmt.Errorf("sqs: delete message: %w", err))
	}
	return nil
}

// DeleteMessageBatch deletes messages by receipt handle; each handle's
// error is in the result.
func (s *Service) DeleteMessageBatch(ctx context.Context, p aws.Principal, r Ref, handles []string) ([]error, error) {
	q, err := s.Queue(ctx, p, ActionDeleteMessage, r)
	if err != nil {
		return nil, err
	}
	errs := make([]error, len(handles))
	for i, h := range handles {
		errs[i] = s.deleteMessage(q, h)
	}
	return errs, nil
}

// ChangeMessageVisibility makes an in-flight message visible again after
// seconds (0: at once), counted from now.
func (s *Service) ChangeMessageVisibility(ctx context.Context, p aws.Principal, r Ref, handle string, seconds int) error {
	q, err := s.Queue(ctx, p, ActionChangeMessageVisibility, r)
	if err != nil {
		return err
	}
	return s.changeVisibility(q, handle, seconds)
}

// VisibilityChange is one entry of ChangeMessageVisibilityBatch.
type VisibilityChange struct {
	ReceiptHandle string
	Seconds       int
}

// ChangeMessageVisibilityBatch changes the visibility of messages by
// receipt handle; each entry's error is in the result.
func (s *Service) ChangeMessageVisibilityBatch(ctx context.Context, p aws.Principal, r Ref, changes []VisibilityChange) ([]error, error) {
	q, err := s.Queue(ctx, p, ActionChangeMessageVisibility, r)
	if err != nil {
		return nil, err
	}
	errs := make([]error, len(changes))
	for i, c := range changes {
		errs[i] = s.changeVisibility(q, c.ReceiptHandle, c.Seconds)
	}
	return errs, nil
}

func (s *Service) changeVisibility(q *Queue, handle string, seconds int) error {
	if seconds < 0 || seconds > 43200 {
		return ErrInvalidParameterValue("Value " + strconv.Itoa(seconds) + " for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, nonce, err := s.message(q, handle)
	if err != nil {
		return err
	}
	now := s.now()
	if m == nil || m.Receipt != nonce || m.VisibleAt <= now.UnixMilli() {
		return ErrMessageNotInflight()
	}
	m.VisibleAt = now.Add(time.Duration(seconds) * time.Second).UnixMilli()
	b := s.cfg.Store.NewBatch()
	defer b.Close()
	putMessage(b, q, m)
	if err := b.Commit(); err != nil {
		return ErrInternal(fmt.Errorf("sqs: change visibility: %w", err))
	}
	if seconds == 0 {
		s.signal()
	}
	return nil
}

// PurgeQueue deletes every message of a queue; once per 60 seconds.
func (s *Service) PurgeQueue(ctx context.Context, p aws.Principal, r Ref) error {
	q, err := s.Queue(ctx, p, ActionPurgeQueue, r)
	if err != nil {
		return err
	}
	return s.change(q, func(q *Queue) error {
		now := s.now().Unix()
		if q.LastPurge != 0 && now-q.LastPurge < 60 {
			return ErrPurgeQueueInProgress(q.ARN())
		}
		q.LastPurge = now
		b := s.cfg.Store.NewBatch()
		defer b.Close()
		prefix := messagePrefix(q.ID)
		b.DeleteRange(prefix, meta.PrefixEnd(prefix))
		s.put(b, q)
		if err := b.Commit(); err != nil {
			return ErrInternal(fmt.Errorf("sqs: purge %s: %w", q.ARN(), err))
		}
		return nil
	})
}
