package iam

import (
	"net/http"
	"strconv"

	"github.com/ferrystore/ferry/internal/aws"
)

// IAM's errors, with AWS's codes, statuses and messages.

func errNoSuchRole(name string) *aws.Error {
	return aws.New("NoSuchEntity", http.StatusNotFound, "The role with name "+name+" cannot be found.")
}

func errNoSuchUser(name string) *aws.Error {
	return aws.New("NoSuchEntity", http.StatusNotFound, "The user with name "+name+" cannot be found.")
}

func errNoSuchPolicy(arn string) *aws.Error {
	return aws.New("NoSuchEntity", http.StatusNotFound, "Policy "+arn+" was not found.")
}

func errNotAttachable(arn string) *aws.Error {
	return aws.New("NoSuchEntity", http.StatusNotFound, "Policy "+arn+" does not exist or is not attachable.")
}

func errNoSuchVersion(arn, version string) *aws.Error {
	return aws.New("NoSuchEntity", http.StatusNotFound, "Policy "+arn+" version "+version+" does not exist or is not attachable.")
}

func errNoSuchBoundary(arn string) *aws.Error {
	return aws.New("NoSuchEntity", http.StatusNotFound, "Scope ARN: "+arn+" does not exist or is not attachable.")
}

func errNoSuchInline(kind, name string) *aws.Error {
	return aws.New("NoSuchEntity", http.StatusNotFound, "The "+kind+" policy with name "+name+" cannot be found.")
}

func errNoSuchAccessKey(id string) *aws.Error {
	return aws.New("NoSuchEntity", http.StatusNotFound, "The Access Key with id "+id+" cannot be found.")
}

func errRoleExists(name string) *aws.Error {
	return aws.New("EntityAlreadyExists", http.StatusConflict, "Role with name "+name+" already exists.")
}

func errUserExists(name string) *aws.Error {
	return aws.New("EntityAlreadyExists", http.StatusConflict, "User with name "+name+" already exists.")
}

func errPolicyExists(name string) *aws.Error {
	return aws.New("EntityAlreadyExists", http.StatusConflict, "A policy called "+name+" already exists. Duplicate names are not allowed.")
}

func errDeleteConflict(message string) *aws.Error {
	return aws.New("DeleteConflict", http.StatusConflict, message)
}

func errQuota(name string, limit int) *aws.Error {
	return aws.New("LimitExceeded", http.StatusConflict, "Cannot exceed quota for "+name+": "+strconv.Itoa(limit))
}

func errVersionLimit() *aws.Error {
	return aws.New("LimitExceeded", http.StatusConflict, "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.")
}

func errValidation(message string) *aws.Error {
	return aws.New("ValidationError", http.StatusBadRequest, message)
}

func errInvalidInput(message string) *aws.Error {
	return aws.New("InvalidInput", http.StatusBadRequest, message)
}

func errInvalidPath() *aws.Error {
	return errValidation("The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.")
}

func errBadARN(arn string) *aws.Error {
	return errValidation("ARN " + arn + " is not valid.")
}

func errAWSManaged(message string) *aws.Error {
	return aws.New("AccessDenied", http.StatusForbidden, message)
}

func errTagLimit() *aws.Error {
	return aws.New("LimitExceeded", http.StatusConflict, "The number of tags has reached the maximum limit.")
}
