package controlplane

import (
	"net/http"
	"strings"

	"github.com/apigwdev/apigw/internal/awserr"
	"github.com/apigwdev/apigw/internal/store"
)

// tagged is a taggable resource found by its ARN: a way to read and write
// its tags within a transaction. set validates the resource with its new
// tags before writing it.
type tagged struct {
	get func() map[string]string
	set func(map[string]string) error
}

// findTagged resolves a resource ARN: arn:aws:apigateway:{region}::/apis/{id},
// .../apis/{id}/stages/{name}, .../domainnames/{name} or .../vpclinks/{id}
// (the apis form is AWS's; the others follow it, undocumented by AWS, our choice: docs/compatibility.md#management-api).
func (h *Handler) findTagged(tx store.Tx, arn string) (*tagged, error) {
	_, path, ok := strings.Cut(arn, "::")
	if !strings.HasPrefix(arn, "arn:") || !ok {
		return nil, awserr.BadRequest("Invalid resource ARN specified %s", arn)
	}
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	switch {
	case len(parts) == 2 && parts[0] == "apis":
		api, err := h.loadAPI(tx, parts[1])
		if err != nil {
			return nil, err
		}
		return &tagged{
			get: func() map[string]string { return api.Tags },
			set: func(t map[string]string) error {
				api.Tags = t
				return validThen(api.Validate, func() error { return store.APIs(tx).Put(api.APIID, api) })
			},
		}, nil
	case len(parts) == 4 && parts[0] == "apis" && parts[2] == "stages":
		st, err := h.loadStage(tx, parts[1], parts[3])
		if err != nil {
			return nil, err
		}
		return &tagged{
			get: func() map[string]string { return st.Tags },
			set: func(t map[string]string) error {
				st.Tags = t
				return validThen(st.Validate, func() error { return store.Stages(tx, parts[1]).Put(st.StageName, st) })
			},
		}, nil
	case len(parts) == 2 && parts[0] == "domainnames":
		d, err := h.loadDomain(tx, parts[1])
		if err != nil {
			return nil, err
		}
		return &tagged{
			get: func() map[string]string { return d.Tags },
			set: func(t map[string]string) error {
				d.Tags = t
				return validThen(d.Validate, func() error { return store.DomainNames(tx).Put(store.DomainKey(d.DomainName), d) })
			},
		}, nil
	case len(parts) == 2 && parts[0] == "vpclinks":
		v, err := h.loadVpcLink(tx, parts[1])
		if err != nil {
			return nil, err
		}
		return &tagged{
			get: func() map[string]string { return v.Tags },
			set: func(t map[string]string) error {
				v.Tags = t
				return validThen(v.Validate, func() error { return store.VpcLinks(tx).Put(v.VpcLinkID, v) })
			},
		}, nil
	}
	return nil, awserr.NotFound("", "Invalid resource ARN specified %s", arn)
}

// validThen runs then if validate passes.
func validThen(validate func() error, then func() error) error {
	if err := validate(); err != nil {
		return err
	}
	return then()
}

// tagsBody is the body of GetTags and TagResource.
type tagsBody struct {
	Tags map[string]string `json:"tags"`
}

// getTags is GetTags: GET /v2/tags/{resource-arn} → 200 {"tags": {...}}.
func (h *Handler) getTags(w http.ResponseWriter, r *http.Request) error {
	var out tagsBody
	err := h.store.View(func(tx store.Tx) error {
		t, err := h.findTagged(tx, r.PathValue("resourceArn"))
		if err != nil {
			return err
		}
		out.Tags = t.get()
		return nil
	})
	if err != nil {
		return err
	}
	if out.Tags == nil {
		out.Tags = map[string]string{}
	}
	return writeJSON(w, http.StatusOK, &out)
}

// tagResource is TagResource: POST /v2/tags/{resource-arn} → 201 {}. The
// tags are added to (or replace values of) the resource's tags.
func (h *Handler) tagResource(w http.ResponseWriter, r *http.Request) error {
	var in tagsBody
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Tags == nil {
		return awserr.BadRequest("tags is required")
	}
	err := h.update(func(tx store.Tx, _ *change) error {
		t, err := h.findTagged(tx, r.PathValue("resourceArn"))
		if err != nil {
			return err
		}
		merged := mergeMap(t.get(), in.Tags, nil)
		if merged == nil {
			merged = map[string]string{}
		}
		return t.set(merged)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, struct{}{})
}

// untagResource is UntagResource: DELETE /v2/tags/{resource-arn}?tagKeys=k
// (repeated, required) → 204.
func (h *Handler) untagResource(w http.ResponseWriter, r *http.Request) error {
	keys := r.URL.Query()["tagKeys"]
	if len(keys) == 0 {
		return awserr.BadRequest("tagKeys is required")
	}
	err := h.update(func(tx store.Tx, _ *change) error {
		t, err := h.findTagged(tx, r.PathValue("resourceArn"))
		if err != nil {
			return err
		}
		tags := make(map[string]string, len(t.get()))
		for k, v := range t.get() {
			tags[k] = v
		}
		for _, k := range keys {
			delete(tags, k)
		}
		return t.set(tags)
	})
	if err != nil {
		return err
	}
	return noContent(w)
}
