package controlplane

import (
	"net/http"

	"github.com/apigwdev/apigw/internal/awserr"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/store"
)

func (h *Handler) mappingNotFound(id string) *awserr.Error {
	return awserr.NotFound("", "Invalid API mapping identifier specified %s", id)
}

// mappingRef is an API mapping with its domain name.
type mappingRef struct {
	domain string
	model.APIMapping
}

// mappingsTo returns the API mappings naming apiID (and stage, unless it
// is "") across every domain name.
func mappingsTo(tx store.Tx, apiID, stage string) ([]mappingRef, error) {
	domains, err := store.DomainNames(tx).List()
	if err != nil {
		return nil, err
	}
	var out []mappingRef
	for _, d := range domains {
		ms, err := store.APIMappings(tx, d.DomainName).List()
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if m.APIID == apiID && (stage == "" || m.Stage == stage) {
				out = append(out, mappingRef{domain: d.DomainName, APIMapping: m})
			}
		}
	}
	return out, nil
}

// checkMapping checks what an API mapping names: an existing API and
// stage, and a key no other mapping of the domain has
// (ConflictException).
func (h *Handler) checkMapping(tx store.Tx, domain string, m *model.APIMapping) error {
	if _, err := h.loadStage(tx, m.APIID, m.Stage); err != nil {
		return err
	}
	ms, err := store.APIMappings(tx, domain).List()
	if err != nil {
		return err
	}
	for _, o := range ms {
		if o.APIMappingID != m.APIMappingID && o.APIMappingKey == m.APIMappingKey {
			return awserr.Conflict("The API mapping key %q is already used by API mapping %s of %s", m.APIMappingKey, o.APIMappingID, domain)
		}
	}
	return nil
}

// createAPIMapping is CreateApiMapping: POST
// /v2/domainnames/{domainName}/apimappings → 201 ApiMapping. The mapping
// is served once its stage has a deployment.
func (h *Handler) createAPIMapping(w http.ResponseWriter, r *http.Request) error {
	domain := r.PathValue("domainName")
	var m model.APIMapping
	if err := decode(r, &m); err != nil {
		return err
	}
	m.APIMappingID = ""
	if err := m.Validate(); err != nil {
		return err
	}
	err := h.update(func(tx store.Tx, _ *change) error {
		if _, err := h.loadDomain(tx, domain); err != nil {
			return err
		}
		if err := h.checkMapping(tx, domain, &m); err != nil {
			return err
		}
		var err error
		if m.APIMappingID, err = uniqueID(store.APIMappings(tx, domain), apiMappingIDLen); err != nil {
			return err
		}
		return store.APIMappings(tx, domain).Put(m.APIMappingID, &m)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, &m)
}

// getAPIMappings is GetApiMappings: GET
// /v2/domainnames/{domainName}/apimappings → 200 {items, nextToken}.
func (h *Handler) getAPIMappings(w http.ResponseWriter, r *http.Request) error {
	domain := r.PathValue("domainName")
	after, limit, err := page(r)
	if err != nil {
		return err
	}
	var items []model.APIMapping
	var next string
	err = h.store.View(func(tx store.Tx) error {
		if _, err := h.loadDomain(tx, domain); err != nil {
			return err
		}
		items, next, err = store.APIMappings(tx, domain).Page(after, limit)
		return err
	})
	if err != nil {
		return err
	}
	return writePage(w, items, next)
}

// loadMapping returns an API mapping or the NotFoundException of its
// domain or itself.
func (h *Handler) loadMapping(tx store.Tx, domain, id string) (*model.APIMapping, error) {
	if _, err := h.loadDomain(tx, domain); err != nil {
		return nil, err
	}
	m, err := store.APIMappings(tx, domain).Get(id)
	if err != nil {
		return nil, notFound(err, func() *awserr.Error { return h.mappingNotFound(id) })
	}
	return m, nil
}

// getAPIMapping is GetApiMapping: GET
// /v2/domainnames/{domainName}/apimappings/{apiMappingId} → 200 ApiMapping.
func (h *Handler) getAPIMapping(w http.ResponseWriter, r *http.Request) error {
	var m *model.APIMapping
	err := h.store.View(func(tx store.Tx) error {
		var err error
		m, err = h.loadMapping(tx, r.PathValue("domainName"), r.PathValue("apiMappingId"))
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, m)
}

// updateAPIMapping is UpdateApiMapping: PATCH
// /v2/domainnames/{domainName}/apimappings/{apiMappingId} → 200 ApiMapping.
func (h *Handler) updateAPIMapping(w http.ResponseWriter, r *http.Request) error {
	domain, id := r.PathValue("domainName"), r.PathValue("apiMappingId")
	p, err := members(r)
	if err != nil {
		return err
	}
	var out *model.APIMapping
	err = h.update(func(tx store.Tx, _ *change) error {
		m, err := h.loadMapping(tx, domain, id)
		if err != nil {
			return err
		}
		if err := patch(m, p, "apiId", "apiMappingKey", "stage"); err != nil {
			return err
		}
		if err := m.Validate(); err != nil {
			return err
		}
		if err := h.checkMapping(tx, domain, m); err != nil {
			return err
		}
		out = m
		return store.APIMappings(tx, domain).Put(id, m)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// deleteAPIMapping is DeleteApiMapping: DELETE
// /v2/domainnames/{domainName}/apimappings/{apiMappingId} → 204.
func (h *Handler) deleteAPIMapping(w http.ResponseWriter, r *http.Request) error {
	domain, id := r.PathValue("domainName"), r.PathValue("apiMappingId")
	err := h.update(func(tx store.Tx, _ *change) error {
		if _, err := h.loadMapping(tx, domain, id); err != nil {
			return err
		}
		return store.APIMappings(tx, domain).Delete(id)
	})
	if err != nil {
		return err
	}
	return noContent(w)
}
