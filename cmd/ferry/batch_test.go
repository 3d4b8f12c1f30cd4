package main

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ctypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"
)

func TestProgressLine(t *testing.T) {
	job := &ctypes.JobDescriptor{Status: ctypes.JobStatusActive, ProgressSummary: &ctypes.JobProgressSummary{
		TotalNumberOfTasks: aws.Int64(10), NumberOfTasksSucceeded: aws.Int64(4), NumberOfTasksFailed: aws.Int64(1)}}
	got := progressLine(job)
	if !strings.HasPrefix(got, "[###############---------------] 5/10 versions, 1 failed  Active") {
		t.Fatalf("%q", got)
	}
	empty := progressLine(&ctypes.JobDescriptor{Status: ctypes.JobStatusComplete, ProgressSummary: &ctypes.JobProgressSummary{}})
	if !strings.HasPrefix(empty, "["+strings.Repeat("#", 30)+"] 0/0") {
		t.Fatalf("%q", empty)
	}
}
