package sqsapi

import (
	"github.com/ferrystore/ferry/internal/aws"
	"github.com/ferrystore/ferry/internal/sqs"
)

func init() {
	register("CreateQueue", op(createQueue))
	register("GetQueueUrl", op(getQueueURL))
	register("ListQueues", op(listQueues))
	register("DeleteQueue", op(deleteQueue))
	register("GetQueueAttributes", op(getQueueAttributes))
	register("SetQueueAttributes", op(setQueueAttributes))
	register("PurgeQueue", op(purgeQueue))
	register("TagQueue", op(tagQueue))
	register("UntagQueue", op(untagQueue))
	register("ListQueueTags", op(listQueueTags))
}

type queueURLInput struct {
	QueueUrl *string
}

type queueURLOutput struct {
	QueueUrl string
}

type createQueueInput struct {
	QueueName  *string
	Attributes map[string]string
	Tags       map[string]string `json:"tags"`
}

func createQueue(c *call, in *createQueueInput) (any, error) {
	if in.QueueName == nil {
		return nil, sqs.ErrMissingParameter("QueueName")
	}
	q, err := c.sqs.CreateQueue(c.ctx, c.p, c.region, *in.QueueName, in.Attributes, in.Tags)
	if err != nil {
		return nil, err
	}
	return queueURLOutput{c.queueURL(q)}, nil
}

type getQueueURLInput struct {
	QueueName              *string
	QueueOwnerAWSAccountId *string
}

func getQueueURL(c *call, in *getQueueURLInput) (any, error) {
	if in.QueueName == nil {
		return nil, sqs.ErrMissingParameter("QueueName")
	}
	q, err := c.sqs.GetQueueURL(c.ctx, c.p, c.region, *in.QueueName, aws.AccountID(str(in.QueueOwnerAWSAccountId)))
	if err != nil {
		return nil, err
	}
	return queueURLOutput{c.queueURL(q)}, nil
}

type listQueuesInput struct {
	QueueNamePrefix *string
	NextToken       *string
	MaxResults      *int32
}

type listQueuesOutput struct {
	QueueUrls []string `json:"QueueUrls,omitempty"`
	NextToken string   `json:"NextToken,omitempty"`
}

func listQueues(c *call, in *listQueuesInput) (any, error) {
	max := 0
	if in.MaxResults != nil {
		if max = int(*in.MaxResults); max < 1 || max > 1000 {
			return nil, sqs.ErrInvalidParameterValue("Value for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.")
		}
	}
	if in.NextToken != nil && in.MaxResults == nil {
		// [Inf] SQS pages only when MaxResults is given.
		return nil, sqs.ErrInvalidParameterValue("Invalid NextToken value. If you are passing in NextToken, you must also pass in MaxResults.")
	}
	qs, next, err := c.sqs.ListQueues(c.ctx, c.p, c.region, str(in.QueueNamePrefix), str(in.NextToken), max)
	if err != nil {
		return nil, err
	}
	out := listQueuesOutput{}
	for _, q := range qs {
		out.QueueUrls = append(out.QueueUrls, c.queueURL(q))
	}
	if in.MaxResults != nil {
		out.NextToken = next
	}
	return out, nil
}

func deleteQueue(c *call, in *queueURLInput) (any, error) {
	r, err := c.queueRef(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	return empty{}, c.sqs.DeleteQueue(c.ctx, c.p, r)
}

type getQueueAttributesInput struct {
	QueueUrl       *string
	AttributeNames []string
}

type attributesOutput struct {
	Attributes map[string]string `json:"Attributes,omitempty"`
}

func getQueueAttributes(c *call, in *getQueueAttributesInput) (any, error) {
	r, err := c.queueRef(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	attrs, err := c.sqs.GetQueueAttributes(c.ctx, c.p, r, in.AttributeNames)
	if err != nil {
		return nil, err
	}
	return attributesOutput{attrs}, nil
}

type setQueueAttributesInput struct {
	QueueUrl   *string
	Attributes map[string]string
}

func setQueueAttributes(c *call, in *setQueueAttributesInput) (any, error) {
	r, err := c.queueRef(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if in.Attributes == nil {
		return nil, sqs.ErrMissingParameter("Attributes")
	}
	return empty{}, c.sqs.SetQueueAttributes(c.ctx, c.p, r, in.Attributes)
}

func purgeQueue(c *call, in *queueURLInput) (any, error) {
	r, err := c.queueRef(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	return empty{}, c.sqs.PurgeQueue(c.ctx, c.p, r)
}

type tagQueueInput struct {
	QueueUrl *string
	Tags     map[string]string
}

func tagQueue(c *call, in *tagQueueInput) (any, error) {
	r, err := c.queueRef(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	return empty{}, c.sqs.TagQueue(c.ctx, c.p, r, in.Tags)
}

type untagQueueInput struct {
	QueueUrl *string
	TagKeys  []string
}

func untagQueue(c *call, in *untagQueueInput) (any, error) {
	r, err := c.queueRef(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	return empty{}, c.sqs.UntagQueue(c.ctx, c.p, r, in.TagKeys)
}

type tagsOutput struct {
	Tags map[string]string `json:"Tags,omitempty"`
}

func listQueueTags(c *call, in *queueURLInput) (any, error) {
	r, err := c.queueRef(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	tags, err := c.sqs.ListQueueTags(c.ctx, c.p, r)
	if err != nil {
		return nil, err
	}
	return tagsOutput{tags}, nil
}
