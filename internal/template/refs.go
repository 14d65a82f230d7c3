package template

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// This file is what Ref and Fn::GetAtt return for each resource type
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-ref.html),
// with deterministic ids and placeholders for resources apigw does not
// emulate.

// pseudo returns a pseudo parameter's value.
func (s *stack) pseudo(name string, at *yaml.Node) (*yaml.Node, bool) {
	o := s.set.opts
	switch name {
	case "AWS::Region":
		return strNode(at, o.Region), true
	case "AWS::AccountId":
		return strNode(at, o.AccountID), true
	case "AWS::Partition":
		return strNode(at, partition(o.Region)), true
	case "AWS::URLSuffix":
		if partition(o.Region) == "aws-cn" {
			return strNode(at, "amazonaws.com.cn"), true
		}
		return strNode(at, "amazonaws.com"), true
	case "AWS::StackName":
		return strNode(at, s.name), true
	case "AWS::StackId":
		u := physicalID(s.name, "", "stack-id", 32)
		uuid := u[0:8] + "-" + u[8:12] + "-" + u[12:16] + "-" + u[16:20] + "-" + u[20:32]
		return strNode(at, fmt.Sprintf("arn:%s:cloudformation:%s:%s:stack/%s/%s", partition(o.Region), o.Region, o.AccountID, s.name, uuid)), true
	case "AWS::NotificationARNs":
		return seqNode(at), true
	case "AWS::NoValue":
		return nil, true
	}
	return nil, false
}

func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// ref resolves Ref name.
func (s *stack) ref(c evalCtx, at *yaml.Node, name string) (*yaml.Node, bool) {
	if strings.HasPrefix(name, "AWS::") {
		v, ok := s.pseudo(name, at)
		if !ok && name != "AWS::NoValue" {
			c.fatalf(at, "Template format error: Unresolved resource dependencies [%s] in the Resources block of the template", name)
			return nil, false
		}
		return v, true
	}
	if p := s.params[name]; p != nil {
		if p.missing {
			return nil, false // reported once, with every missing parameter
		}
		if p.ssm != "" && p.from != "override" {
			c.errorf(at, "parameter %s is resolved from SSM (%s) at deploy time; pass --parameter-overrides %s=…", name, p.ssm, name)
			return nil, false
		}
		if p.list != nil {
			out := seqNode(at)
			for _, x := range p.list {
				out.Content = append(out.Content, strNode(at, x))
			}
			return out, true
		}
		return strNode(at, p.value), true
	}
	if target, ok := s.aliases[name]; ok {
		name = target
	}
	r, ok := s.exists(c, name)
	if !ok {
		c.fatalf(at, "Template format error: Unresolved resource dependencies [%s] in the Resources block of the template", name)
		return nil, false
	}
	return s.refOf(c, at, r)
}

// refOf returns what Ref returns for resource r.
func (s *stack) refOf(c evalCtx, at *yaml.Node, r *resource) (*yaml.Node, bool) {
	if r.refValue != nil {
		return strNode(at, r.refValue.Value), true
	}
	if r.refBusy {
		c.errorf(at, "Template error: circular dependency through resource %s", r.id)
		return nil, false
	}
	r.refBusy = true
	defer func() { r.refBusy = false }()
	v, ok := s.computeRef(c, at, r)
	if ok {
		r.refValue = strNode(at, v)
	}
	return strNode(at, v), ok
}

func (s *stack) computeRef(c evalCtx, at *yaml.Node, r *resource) (string, bool) {
	o := s.set.opts
	if v, ok := s.src.Resources[r.id]; ok {
		return v, true
	}
	switch r.typ {
	case "AWS::ApiGatewayV2::Api":
		return s.apiIDOf(r), true
	case "AWS::ApiGatewayV2::Stage":
		v, ok := c.propString(s, r, "StageName")
		return v, ok
	case "AWS::ApiGatewayV2::Route":
		return physicalID(s.name, s.path, r.id, routeIDLen), true
	case "AWS::ApiGatewayV2::Integration":
		return physicalID(s.name, s.path, r.id, integrationIDLen), true
	case "AWS::ApiGatewayV2::Authorizer":
		return physicalID(s.name, s.path, r.id, authorizerIDLen), true
	case "AWS::ApiGatewayV2::Deployment":
		return physicalID(s.name, s.path, r.id, deploymentIDLen), true
	case "AWS::ApiGatewayV2::ApiMapping":
		return physicalID(s.name, s.path, r.id, mappingIDLen), true
	case "AWS::ApiGatewayV2::VpcLink":
		return physicalID(s.name, s.path, r.id, 7), true
	case "AWS::ApiGatewayV2::DomainName":
		return c.propString(s, r, "DomainName")
	case "AWS::Serverless::Function", "AWS::Lambda::Function":
		return s.functionName(c, r)
	case "AWS::Lambda::Alias":
		fn, ok1 := c.propString(s, r, "FunctionName")
		name, ok2 := c.propString(s, r, "Name")
		return functionARN(o, fn) + ":" + name, ok1 && ok2
	case "AWS::Lambda::Version":
		fn, ok := c.propString(s, r, "FunctionName")
		return functionARN(o, fn) + ":1", ok
	case "AWS::Lambda::LayerVersion", "AWS::Serverless::LayerVersion":
		name := r.id
		if get(r.props, "LayerName") != nil {
			v, ok := c.propString(s, r, "LayerName")
			if !ok {
				return "", false
			}
			name = v
		}
		return fmt.Sprintf("arn:%s:lambda:%s:%s:layer:%s:1", partition(o.Region), o.Region, o.AccountID, name), true
	case "AWS::Logs::LogGroup":
		if get(r.props, "LogGroupName") != nil {
			return c.propString(s, r, "LogGroupName")
		}
		return s.name + "-" + r.id, true
	case "AWS::CloudFormation::Stack", "AWS::Serverless::Application":
		return fmt.Sprintf("arn:%s:cloudformation:%s:%s:stack/%s-%s/%s", partition(o.Region), o.Region, o.AccountID, s.name, r.id, physicalID(s.name, s.path, r.id, 12)), true
	case "AWS::SQS::Queue":
		name := r.id
		if get(r.props, "QueueName") != nil {
			if v, ok := c.propString(s, r, "QueueName"); ok {
				name = v
			}
		}
		return fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", o.Region, o.AccountID, name), true
	}
	for _, prop := range []string{"TableName", "BucketName", "TopicName", "StateMachineName", "Name"} {
		if v := get(r.props, prop); v != nil && intrinsicName(v) == "" {
			if s, ok := scalar(v); ok {
				return s, true
			}
		}
	}
	s.set.placeholder(s, r, "Ref")
	return r.id, true
}

// propString resolves a resource property to a string.
func (c evalCtx) propString(s *stack, r *resource, prop string) (string, bool) {
	n := get(r.props, prop)
	if n == nil {
		return "", true
	}
	cc := evalCtx{s: s, path: r.id + "." + prop, lenient: c.lenient}
	v, ok := cc.eval(n)
	if !ok {
		return "", false
	}
	str, ok := stringOf(v)
	if !ok {
		cc.errorf(n, "must be a string, not %s", kindName(v))
		return "", false
	}
	return str, true
}

// apiIDOf returns an API's id: apiIds config, else derived.
func (s *stack) apiIDOf(r *resource) string {
	if r.apiID != "" {
		return r.apiID
	}
	if id, ok := s.src.APIIDs[r.id]; ok && s.path == "" {
		r.apiID = id
	} else {
		r.apiID = physicalID(s.name, s.path, r.id, apiIDLen)
	}
	return r.apiID
}

func functionARN(o *Options, name string) string {
	if strings.HasPrefix(name, "arn:") {
		return name
	}
	return fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", partition(o.Region), o.Region, o.AccountID, name)
}

// functionName returns a function's name: FunctionName, else the logical
// id (compatibility.md#template-function-names).
func (s *stack) functionName(c evalCtx, r *resource) (string, bool) {
	if get(r.props, "FunctionName") == nil {
		return r.id, true
	}
	return c.propString(s, r, "FunctionName")
}

// getAtt resolves Fn::GetAtt id.attr.
func (s *stack) getAtt(c evalCtx, at *yaml.Node, id, attr string) (*yaml.Node, bool) {
	if _, isParam := s.params[id]; isParam {
		c.fatalf(at, "Template error: instance of Fn::GetAtt references undefined resource %s", id)
		return nil, false
	}
	r, ok := s.exists(c, id)
	if !ok {
		c.fatalf(at, "Template error: instance of Fn::GetAtt references undefined resource %s", id)
		return nil, false
	}
	if v, ok := s.src.Attributes[id+"."+attr]; ok {
		return strNode(at, v), true
	}
	o := s.set.opts
	ref := func() (string, bool) {
		v, ok := s.refOf(c, at, r)
		if !ok {
			return "", false
		}
		return v.Value, true
	}
	arn := func(service, resource string) (*yaml.Node, bool) {
		return strNode(at, fmt.Sprintf("arn:%s:%s:%s:%s:%s", partition(o.Region), service, o.Region, o.AccountID, resource)), true
	}
	switch r.typ {
	case "AWS::ApiGatewayV2::Api":
		switch attr {
		case "ApiId":
			v, _ := ref()
			return strNode(at, v), true
		case "ApiEndpoint":
			v, _ := ref()
			return strNode(at, strings.TrimSuffix(o.DataURL, "/")+"/_aws/execute-api/"+v), true
		}
	case "AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Authorizer",
		"AWS::ApiGatewayV2::Deployment", "AWS::ApiGatewayV2::ApiMapping", "AWS::ApiGatewayV2::VpcLink":
		want := strings.TrimPrefix(r.typ, "AWS::ApiGatewayV2::") + "Id"
		if attr == want {
			v, ok := ref()
			return strNode(at, v), ok
		}
	case "AWS::ApiGatewayV2::DomainName":
		switch attr {
		case "RegionalDomainName":
			v, ok := ref()
			return strNode(at, v), ok
		case "RegionalHostedZoneId":
			return strNode(at, "Z000000LOCAL"), true
		}
	case "AWS::Serverless::Function", "AWS::Lambda::Function":
		if attr == "Arn" {
			v, ok := ref()
			return strNode(at, functionARN(o, v)), ok
		}
	case "AWS::Lambda::Version":
		if attr == "Version" {
			return strNode(at, "1"), true
		}
	case "AWS::Lambda::LayerVersion", "AWS::Serverless::LayerVersion":
		if attr == "LayerVersionArn" {
			v, ok := ref()
			return strNode(at, v), ok
		}
	case "AWS::Logs::LogGroup":
		if attr == "Arn" {
			v, ok := ref()
			if !ok {
				return nil, false
			}
			return arn("logs", "log-group:"+v+":*")
		}
	case "AWS::CloudFormation::Stack", "AWS::Serverless::Application":
		if name, ok := strings.CutPrefix(attr, "Outputs."); ok {
			return s.set.nestedOutput(c, at, s, r, name)
		}
	}
	if strings.HasPrefix(r.typ, "AWS::ApiGatewayV2::") || strings.HasPrefix(r.typ, "AWS::Lambda::") || strings.HasPrefix(r.typ, "AWS::Serverless::Function") {
		c.errorf(at, "Template error: resource %s does not support attribute type %s in Fn::GetAtt", id, attr)
		return nil, false
	}
	if v, ok := placeholderAttr(o, r, attr, ref); ok {
		s.set.placeholder(s, r, "Fn::GetAtt "+attr)
		return strNode(at, v), true
	}
	c.errorf(at, "%s.%s: attribute of %s is unknown locally; set templates[].attributes[\"%s.%s\"]", id, attr, r.typ, id, attr)
	return nil, false
}

// placeholderAttr returns the local value of a common attribute of an
// unemulated resource, built with the ARN format of its service.
func placeholderAttr(o *Options, r *resource, attr string, ref func() (string, bool)) (string, bool) {
	p, reg, acct := partition(o.Region), o.Region, o.AccountID
	name, _ := ref()
	a := func(service, res string) string { return fmt.Sprintf("arn:%s:%s:%s:%s:%s", p, service, reg, acct, res) }
	switch r.typ + "." + attr {
	case "AWS::DynamoDB::Table.Arn":
		return a("dynamodb", "table/"+name), true
	case "AWS::DynamoDB::Table.StreamArn":
		return a("dynamodb", "table/"+name+"/stream/1970-01-01T00:00:00.000"), true
	case "AWS::SQS::Queue.Arn":
		return a("sqs", name[strings.LastIndexByte(name, '/')+1:]), true
	case "AWS::SQS::Queue.QueueName":
		return name[strings.LastIndexByte(name, '/')+1:], true
	case "AWS::SQS::Queue.QueueUrl":
		return name, true
	case "AWS::SNS::Topic.TopicArn", "AWS::SNS::Topic.TopicName":
		if attr == "TopicName" {
			return r.id, true
		}
		return a("sns", r.id), true
	case "AWS::S3::Bucket.Arn":
		return fmt.Sprintf("arn:%s:s3:::%s", p, name), true
	case "AWS::S3::Bucket.DomainName":
		return name + ".s3.amazonaws.com", true
	case "AWS::S3::Bucket.RegionalDomainName":
		return name + ".s3." + reg + ".amazonaws.com", true
	case "AWS::Cognito::UserPool.Arn":
		return a("cognito-idp", "userpool/"+name), true
	case "AWS::Cognito::UserPool.ProviderURL":
		return "https://cognito-idp." + reg + ".amazonaws.com/" + name, true
	case "AWS::Cognito::UserPool.ProviderName":
		return "cognito-idp." + reg + ".amazonaws.com/" + name, true
	case "AWS::IAM::Role.Arn":
		return fmt.Sprintf("arn:%s:iam::%s:role/%s", p, acct, name), true
	case "AWS::IAM::Role.RoleId":
		return "AROA" + strings.ToUpper(physicalID("", "", name, 17)), true
	case "AWS::StepFunctions::StateMachine.Arn", "AWS::Serverless::StateMachine.Arn":
		return a("states", "stateMachine:"+name), true
	case "AWS::StepFunctions::StateMachine.Name", "AWS::Serverless::StateMachine.Name":
		return name, true
	case "AWS::Events::EventBus.Arn":
		return a("events", "event-bus/"+name), true
	case "AWS::Events::EventBus.Name":
		return name, true
	case "AWS::SecretsManager::Secret.Id":
		return a("secretsmanager", "secret:"+name), true
	case "AWS::KMS::Key.Arn":
		return a("kms", "key/"+name), true
	case "AWS::KMS::Key.KeyId":
		return name, true
	case "AWS::Kinesis::Stream.Arn":
		return a("kinesis", "stream/"+name), true
	case "AWS::Serverless::SimpleTable.Arn":
		return a("dynamodb", "table/"+name), true
	case "AWS::Lambda::Permission.Id":
		return r.id, true
	}
	return "", false
}
