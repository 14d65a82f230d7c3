package model

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// ValidStageName reports whether name is "$default" or 1..128 characters
// of letters, digits, '-' and '_' (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html).
func ValidStageName(name string) bool {
	if name == DefaultStageName {
		return true
	}
	return name != "" && len(name) <= 128 && allChars(name, func(c byte) bool { return isWordChar(c) || c == '-' })
}

// ValidStageVariableValue reports whether v is a stage variable value:
// 1..512 characters of [A-Za-z0-9-._~:/?#&=,] (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html; the
// length bound is the REST API quota, applied to HTTP APIs too).
func ValidStageVariableValue(v string) bool {
	return v != "" && len(v) <= MaxStageVariableValueLen && allChars(v, func(c byte) bool {
		return isAlnum(c) || strings.IndexByte("-._~:/?#&=,", c) >= 0
	})
}

// Validate checks a stage: its name, description, at most 100 stage
// variables (names of 1..64 letters, digits and '_'; values per
// ValidStageVariableValue), route settings (non-negative throttling limits,
// route keys that parse), access log settings (both members set, format at
// most 3 KB) and at most 50 tags.
func (s *Stage) Validate() error {
	c := &collector{resource: ResourceStage, id: s.StageName}
	if s.StageName == "" {
		c.add("stageName", "stageName is required")
	} else if !ValidStageName(s.StageName) {
		e := c.add("stageName", "Invalid stage name "+s.StageName)
		e.Detail = "stage names are $default or 1 to 128 letters, digits, '-' and '_'"
	}
	c.length("description", s.Description, 0, MaxDescriptionLen)
	if len(s.StageVariables) > MaxStageVariables {
		c.addf("stageVariables", "A stage can have at most %d stage variables", MaxStageVariables)
	}
	for _, k := range sortedKeys(s.StageVariables) {
		f := FieldKey("stageVariables", k)
		if k == "" || len(k) > MaxStageVariableNameLen || !allChars(k, isWordChar) {
			c.add(f, "Stage variable names must be 1 to 64 letters, digits and underscores")
		}
		if !ValidStageVariableValue(s.StageVariables[k]) {
			e := c.add(f, "Stage variable values must match [A-Za-z0-9-._~:/?#&=,]+")
			e.Detail = "and be at most 512 characters long"
		}
	}
	if s.DefaultRouteSettings != nil {
		validateRouteSettings(c, "defaultRouteSettings", s.DefaultRouteSettings)
	}
	for _, k := range sortedKeys(s.RouteSettings) {
		f := FieldKey("routeSettings", k)
		validateRouteKey(c, f, k)
		rs := s.RouteSettings[k]
		validateRouteSettings(c, f, &rs)
	}
	if al := s.AccessLogSettings; al != nil {
		if al.DestinationARN == "" {
			c.add("accessLogSettings.destinationArn", "accessLogSettings.destinationArn is required when access logging is configured")
		}
		switch {
		case al.Format == "":
			c.add("accessLogSettings.format", "accessLogSettings.format is required when access logging is configured")
		case len(al.Format) > MaxAccessLogFormatLen:
			c.add("accessLogSettings.format", "accessLogSettings.format must be at most 3 KB")
		}
	}
	validateTags(c, "tags", s.Tags, MaxTagsPerStage)
	return c.err()
}

func validateRouteSettings(c *collector, field string, rs *RouteSettings) {
	if rs.ThrottlingBurstLimit != nil && *rs.ThrottlingBurstLimit < 0 {
		c.add(field+".throttlingBurstLimit", "throttlingBurstLimit must not be negative")
	}
	if rs.ThrottlingRateLimit != nil && !(*rs.ThrottlingRateLimit >= 0) {
		c.add(field+".throttlingRateLimit", "throttlingRateLimit must not be negative")
	}
	switch rs.LoggingLevel {
	case "", "ERROR", "INFO", "OFF":
	default:
		c.add(field+".loggingLevel", "loggingLevel must be ERROR, INFO or OFF")
	}
}

// Validate checks a custom domain name: a DNS name of at most 253
// characters whose first label may be "*", endpoint types REGIONAL or
// EDGE, security policies TLS_1_0 or TLS_1_2, a known routing mode and the
// tags.
func (d *DomainName) Validate() error {
	c := &collector{resource: ResourceDomainName, id: d.DomainName}
	if d.DomainName == "" {
		c.add("domainName", "domainName is required")
	} else if !validDomainName(d.DomainName) {
		c.add("domainName", "Invalid domain name "+d.DomainName)
	}
	for i, dc := range d.DomainNameConfigurations {
		f := FieldKey("domainNameConfigurations", strconv.Itoa(i))
		switch dc.EndpointType {
		case "", "REGIONAL", "EDGE":
		default:
			c.add(f+".endpointType", "endpointType must be REGIONAL or EDGE")
		}
		switch dc.SecurityPolicy {
		case "", "TLS_1_0", "TLS_1_2":
		default:
			c.add(f+".securityPolicy", "securityPolicy must be TLS_1_0 or TLS_1_2")
		}
		switch dc.IPAddressType {
		case "", "ipv4", "dualstack":
		default:
			c.add(f+".ipAddressType", "ipAddressType must be ipv4 or dualstack")
		}
	}
	switch d.RoutingMode {
	case "", "API_MAPPING_ONLY", "ROUTING_RULE_ONLY", "ROUTING_RULE_THEN_API_MAPPING":
	default:
		c.add("routingMode", "routingMode must be API_MAPPING_ONLY, ROUTING_RULE_ONLY or ROUTING_RULE_THEN_API_MAPPING")
	}
	validateTags(c, "tags", d.Tags, 0)
	return c.err()
}

func validDomainName(name string) bool {
	if len(name) > 253 {
		return false
	}
	labels := strings.Split(name, ".")
	if len(labels) < 2 {
		return false
	}
	for i, l := range labels {
		if i == 0 && l == "*" {
			continue
		}
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' || !allChars(l, func(c byte) bool { return isAlnum(c) || c == '-' }) {
			return false
		}
	}
	return true
}

// Validate checks an API mapping: apiId and a valid stage name are
// required; apiMappingKey is at most 300 characters of letters, digits and
// $-_.+!*'()/, without a leading or trailing '/' or an empty segment.
func (m *APIMapping) Validate() error {
	c := &collector{resource: ResourceAPIMapping, id: m.APIMappingID}
	if m.APIID == "" {
		c.add("apiId", "apiId is required")
	}
	if m.Stage == "" {
		c.add("stage", "stage is required")
	} else if !ValidStageName(m.Stage) {
		c.add("stage", "Invalid stage name "+m.Stage)
	}
	k := m.APIMappingKey
	switch {
	case utf8.RuneCountInString(k) > MaxAPIMappingKeyLen:
		c.addf("apiMappingKey", "apiMappingKey must be at most %d characters long", MaxAPIMappingKeyLen)
	case !allChars(k, func(c byte) bool { return isAlnum(c) || strings.IndexByte("$-_.+!*'()/", c) >= 0 }):
		c.add("apiMappingKey", "apiMappingKey may contain only letters, digits and $-_.+!*'()/")
	case k != "" && (k[0] == '/' || k[len(k)-1] == '/' || strings.Contains(k, "//")):
		c.add("apiMappingKey", "apiMappingKey must not start or end with '/' or contain an empty path segment")
	}
	return c.err()
}

// Validate checks a VPC link: name 1..128 characters, 1..10 subnet ids,
// non-empty security group ids and the tags.
func (v *VpcLink) Validate() error {
	c := &collector{resource: ResourceVpcLink, id: v.VpcLinkID}
	if c.id == "" {
		c.id = v.Name
	}
	c.length("name", v.Name, 1, 128)
	switch {
	case len(v.SubnetIDs) == 0:
		c.add("subnetIds", "subnetIds is required")
	case len(v.SubnetIDs) > MaxSubnetsPerVpcLink:
		c.addf("subnetIds", "A VPC link can have at most %d subnets", MaxSubnetsPerVpcLink)
	}
	for i, s := range v.SubnetIDs {
		if s == "" {
			c.add(FieldKey("subnetIds", strconv.Itoa(i)), "Subnet ids must not be empty")
		}
	}
	for i, s := range v.SecurityGroupIDs {
		if s == "" {
			c.add(FieldKey("securityGroupIds", strconv.Itoa(i)), "Security group ids must not be empty")
		}
	}
	validateTags(c, "tags", v.Tags, 0)
	return c.err()
}
