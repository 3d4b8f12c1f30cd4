package sqsapi

import (
	"strings"

	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/sqs"
)

func init() {
	register("SendMessage", op(sendMessage))
	register("SendMessageBatch", op(sendMessageBatch))
	register("ReceiveMessage", op(receiveMessage))
	register("DeleteMessage", op(deleteMessage))
	register("DeleteMessageBatch", op(deleteMessageBatch))
	register("ChangeMessageVisibility", op(changeMessageVisibility))
	register("ChangeMessageVisibilityBatch", op(changeMessageVisibilityBatch))
}

// attributeValue is a MessageAttributeValue (binary values base64 in JSON).
type attributeValue struct {
	DataType    string `json:"DataType"`
	StringValue string `json:"StringValue,omitempty"`
	BinaryValue []byte `json:"BinaryValue,omitempty"`
}

func toAttributes(in map[string]attributeValue) map[string]sqs.MessageAttribute {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]sqs.MessageAttribute, len(in))
	for k, v := range in {
		out[k] = sqs.MessageAttribute{DataType: v.DataType, StringValue: v.StringValue, BinaryValue: v.BinaryValue}
	}
	return out
}

type sendMessageInput struct {
	QueueUrl          *string
	MessageBody       *string
	DelaySeconds      *int32
	MessageAttributes map[string]attributeValue
}

type sendMessageOutput struct {
	MessageId              string
	MD5OfMessageBody       string
	MD5OfMessageAttributes string `json:",omitempty"`
}

func (in *sendMessageInput) send() sqs.Send {
	return sqs.Send{Body: str(in.MessageBody), Delay: intOf(in.DelaySeconds), Attributes: toAttributes(in.MessageAttributes)}
}

func sendMessage(c *call, in *sendMessageInput) (any, error) {
	r, err := c.queueRef(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if in.MessageBody == nil {
		return nil, sqs.ErrMissingParameter("MessageBody")
	}
	out, err := c.sqs.SendMessage(c.ctx, c.p, r, in.send())
	if err != nil {
		return nil, err
	}
	return sendMessageOutput{out.MessageID, out.MD5OfBody, out.MD5OfAttributes}, nil
}

type sendEntry struct {
	Id string
	sendMessageInput
}

type sendMessageBatchInput struct {
	QueueUrl *string
	Entries  []sendEntry
}

type sendResult struct {
	Id string
	sendMessageOutput
}

// failure is a BatchResultErrorEntry.
type failure struct {
	Id          string
	SenderFault bool
	Code        string
	Message     string `json:",omitempty"`
}

type batchOutput[T any] struct {
	Successful []T       `json:"Successful"`
	Failed     []failure `json:"Failed"`
}

func failed(id string, err error) failure {
	e, ok := aws.As(err)
	if !ok {
		e = sqs.ErrInternal(err)
	}
	code := e.Code
	if q := e.Header.Get(sqs.QueryErrorHeader); q != "" {
		code, _, _ = strings.Cut(q, ";")
	}
	return failure{Id: id, SenderFault: e.Status < 500, Code: code, Message: e.Message}
}

// checkEntries applies SQS's rules for batch entry ids; entry names the
// operation's entry type.
func checkEntries(entry string, ids []string) error {
	if len(ids) == 0 {
		return sqs.ErrEmptyBatchRequest(entry)
	}
	if len(ids) > 10 {
		return sqs.ErrTooManyEntriesInBatchRequest(len(ids))
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if !sqs.ValidName(id) {
			return sqs.ErrInvalidBatchEntryID()
		}
		if seen[id] {
			return sqs.ErrBatchEntryIdsNotDistinct(id)
		}
		seen[id] = true
	}
	return nil
}

// maxBatchBytes bounds the bodies of one SendMessageBatch together.
const maxBatchBytes = 1 << 20

func sendMessageBatch(c *call, in *sendMessageBatchInput) (any, error) {
	r, err := c.queueRef(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(in.Entries))
	sends := make([]sqs.Send, len(in.Entries))
	size := 0
	for i := range in.Entries {
		ids[i], sends[i] = in.Entries[i].Id, in.Entries[i].send()
		size += len(sends[i].Body)
	}
	if err := checkEntries("SendMessageBatchRequestEntry", ids); err != nil {
		return nil, err
	}
	if size > maxBatchBytes {
		return nil, sqs.ErrBatchRequestTooLong(size, maxBatchBytes)
	}
	sent, errs, err := c.sqs.SendMessageBatch(c.ctx, c.p, r, sends)
	if err != nil {
		return nil, err
	}
	out := batchOutput[sendResult]{Successful: []sendResult{}, Failed: []failure{}}
	for i, id := range ids {
		if errs[i] != nil {
			out.Failed = append(out.Failed, failed(id, errs[i]))
			continue
		}
		out.Successful = append(out.Successful, sendResult{id, sendMessageOutput{sent[i].MessageID, sent[i].MD5OfBody, sent[i].MD5OfAttributes}})
	}
	return out, nil
}

type receiveMessageInput struct {
	QueueUrl                    *string
	AttributeNames              []string
	MessageSystemAttributeNames []string
	MessageAttributeNames       []string
	MaxNumberOfMessages         *int32
	VisibilityTimeout           *int32
	WaitTimeSeconds             *int32
	ReceiveRequestAttemptId     *string
}

type message struct {
	MessageId              string
	ReceiptHandle          string
	MD5OfBody              string
	Body                   string
	Attributes             map[string]string         `json:",omitempty"`
	MD5OfMessageAttributes string                    `json:",omitempty"`
	MessageAttributes      map[string]attributeValue `json:",omitempty"`
}

type receiveMessageOutput struct {
	Messages []message `json:"Messages,omitempty"`
}

func receiveMessage(c *call, in *receiveMessageInput) (any, error) {
	r, err := c.queueRef(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	rcv := sqs.Receive{Visibility: intOf(in.VisibilityTimeout), Wait: intOf(in.WaitTimeSeconds)}
	if in.MaxNumberOfMessages != nil {
		if rcv.Max = int(*in.MaxNumberOfMessages); rcv.Max == 0 {
			// 0 is out of range, not "the default".
			return nil, sqs.ErrInvalidParameterValue("Value 0 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.")
		}
	}
	got, err := c.sqs.ReceiveMessage(c.ctx, c.p, r, rcv)
	if err != nil {
		return nil, err
	}
	system := append(append([]string(nil), in.AttributeNames...), in.MessageSystemAttributeNames...)
	out := receiveMessageOutput{}
	for _, m := range got {
		msg := message{MessageId: m.ID, ReceiptHandle: m.ReceiptHandle, MD5OfBody: m.MD5OfBody, Body: m.Body,
			Attributes: pick(m.SystemAttributes(), system)}
		attrs := pickAttributes(m.Attributes, in.MessageAttributeNames)
		if len(attrs) > 0 {
			msg.MD5OfMessageAttributes = sqs.MD5OfAttributes(attrs)
			msg.MessageAttributes = map[string]attributeValue{}
			for k, v := range attrs {
				msg.MessageAttributes[k] = attributeValue{DataType: v.DataType, StringValue: v.StringValue, BinaryValue: v.BinaryValue}
			}
		}
		out.Messages = append(out.Messages, msg)
	}
	return out, nil
}

// pick keeps the system attributes asked for ("All" for every one).
func pick(all map[string]string, names []string) map[string]string {
	out := map[string]string{}
	for _, n := range names {
		if n == "All" {
			return all
		}
		if v, ok := all[n]; ok {
			out[n] = v
		}
	}
	return out
}

// pickAttributes keeps the message attributes asked for: a name, "All" or
// ".*", or a prefix ending in ".*".
func pickAttributes(all map[string]sqs.MessageAttribute, names []string) map[string]sqs.MessageAttribute {
	out := map[string]sqs.MessageAttribute{}
	for k, v := range all {
		for _, n := range names {
			prefix, wild := strings.CutSuffix(n, ".*")
			if n == "All" || n == ".*" || n == k || wild && strings.HasPrefix(k, prefix+".") {
				out[k] = v
			}
		}
	}
	return out
}

type receiptInput struct {
	QueueUrl      *string
	ReceiptHandle *string
}

func deleteMessage(c *call, in *receiptInput) (any, error) {
	r, err := c.queueRef(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if in.ReceiptHandle == nil {
		return nil, sqs.ErrMissingParameter("ReceiptHandle")
	}
	return empty{}, c.sqs.DeleteMessage(c.ctx, c.p, r, *in.ReceiptHandle)
}

type receiptEntry struct {
	Id                string
	ReceiptHandle     string
	VisibilityTimeout int32
}

type receiptBatchInput struct {
	QueueUrl *string
	Entries  []receiptEntry
}

type idResult struct {
	Id string
}

func deleteMessageBatch(c *call, in *receiptBatchInput) (any, error) {
	r, err := c.queueRef(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	ids, handles := make([]string, len(in.Entries)), make([]string, len(in.Entries))
	for i, e := range in.Entries {
		ids[i], handles[i] = e.Id, e.ReceiptHandle
	}
	if err := checkEntries("DeleteMessageBatchRequestEntry", ids); err != nil {
		return nil, err
	}
	errs, err := c.sqs.DeleteMessageBatch(c.ctx, c.p, r, handles)
	if err != nil {
		return nil, err
	}
	return results(ids, errs), nil
}

func results(ids []string, errs []error) batchOutput[idResult] {
	out := batchOutput[idResult]{Successful: []idResult{}, Failed: []failure{}}
	for i, id := range ids {
		if errs[i] != nil {
			out.Failed = append(out.Failed, failed(id, errs[i]))
		} else {
			out.Successful = append(out.Successful, idResult{id})
		}
	}
	return out
}

type changeVisibilityInput struct {
	QueueUrl          *string
	ReceiptHandle     *string
	VisibilityTimeout *int32
}

func changeMessageVisibility(c *call, in *changeVisibilityInput) (any, error) {
	r, err := c.queueRef(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if in.ReceiptHandle == nil {
		return nil, sqs.ErrMissingParameter("ReceiptHandle")
	}
	if in.VisibilityTimeout == nil {
		return nil, sqs.ErrMissingParameter("VisibilityTimeout")
	}
	return empty{}, c.sqs.ChangeMessageVisibility(c.ctx, c.p, r, *in.ReceiptHandle, int(*in.VisibilityTimeout))
}

func changeMessageVisibilityBatch(c *call, in *receiptBatchInput) (any, error) {
	r, err := c.queueRef(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	ids, changes := make([]string, len(in.Entries)), make([]sqs.VisibilityChange, len(in.Entries))
	for i, e := range in.Entries {
		ids[i], changes[i] = e.Id, sqs.VisibilityChange{ReceiptHandle: e.ReceiptHandle, Seconds: int(e.VisibilityTimeout)}
	}
	if err := checkEntries("ChangeMessageVisibilityBatchRequestEntry", ids); err != nil {
		return nil, err
	}
	errs, err := c.sqs.ChangeMessageVisibilityBatch(c.ctx, c.p, r, changes)
	if err != nil {
		return nil, err
	}
	return results(ids, errs), nil
}
