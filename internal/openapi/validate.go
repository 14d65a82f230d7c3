package openapi

import (
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/apigwdev/apigw/internal/model"
)

// validate runs model validation on the imported definition and reports
// each failure as an error located at the node the value came from.
func (im *importer) validate() {
	for _, e := range model.AsValidationErrors(im.def.Validate()) {
		id := e.ID
		if e.Resource == model.ResourceAPI {
			id = ""
		}
		if im.bad[locKey{e.Resource, id, e.Field}] {
			continue
		}
		msg := e.Message
		if e.Detail != "" {
			msg += " (" + e.Detail + ")"
		}
		im.add(im.locate(e.Resource, id, e.Field), Error, msg)
	}
}

// locate finds the node of a resource member: the member itself, else its
// closest recorded parent member (requestParameters[x] → requestParameters),
// else the resource, else the document root.
func (im *importer) locate(resource, id, field string) *yaml.Node {
	for {
		if n := im.locs[locKey{resource, id, field}]; n != nil {
			return n
		}
		if field == "" {
			return im.root
		}
		field = parentField(field)
	}
}

// parentField strips the last [key] or .name of a field path.
func parentField(f string) string {
	if strings.HasSuffix(f, "]") {
		depth := 0
		for i := len(f) - 1; i >= 0; i-- {
			switch f[i] {
			case ']':
				depth++
			case '[':
				depth--
				if depth == 0 {
					return f[:i]
				}
			}
		}
		return ""
	}
	if i := strings.LastIndexByte(f, '.'); i >= 0 {
		return f[:i]
	}
	return ""
}
