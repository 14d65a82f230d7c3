package controlplane

import (
	"net/http"

	"github.com/apigwdev/apigw/internal/awserr"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/store"
)

func (h *Handler) domainNotFound(name string) *awserr.Error {
	return awserr.NotFound("", "Invalid domain name identifier specified %s", name)
}

// domainARN is a domain name's ARN (by the scheme of the apis form;
// undocumented by AWS beyond it, our choice: docs/compatibility.md#management-api).
func (h *Handler) domainARN(name string) string {
	return "arn:aws:apigateway:" + h.region + "::/domainnames/" + name
}

// normalizeDomain fills what AWS generates for a domain name: its ARN, the
// mapping selection expression, the routing mode and, per configuration,
// the regional target name, status, endpoint type and security policy
// (HTTP APIs use REGIONAL and TLS_1_2). With no configuration, one
// REGIONAL configuration is assumed.
func (h *Handler) normalizeDomain(d *model.DomainName, prev *model.DomainName) {
	d.DomainNameARN = h.domainARN(d.DomainName)
	d.APIMappingSelectionExpression = "$request.basepath"
	if d.RoutingMode == "" {
		d.RoutingMode = "API_MAPPING_ONLY"
	}
	if len(d.DomainNameConfigurations) == 0 {
		d.DomainNameConfigurations = []model.DomainNameConfiguration{{}}
	}
	for i := range d.DomainNameConfigurations {
		dc := &d.DomainNameConfigurations[i]
		if dc.APIGatewayDomainName == "" {
			if prev != nil && i < len(prev.DomainNameConfigurations) {
				dc.APIGatewayDomainName = prev.DomainNameConfigurations[i].APIGatewayDomainName
			}
			if dc.APIGatewayDomainName == "" {
				dc.APIGatewayDomainName = "d-" + newID(10) + ".execute-api." + h.region + ".amazonaws.com"
			}
		}
		if dc.EndpointType == "" {
			dc.EndpointType = "REGIONAL"
		}
		if dc.SecurityPolicy == "" {
			dc.SecurityPolicy = "TLS_1_2"
		}
		dc.DomainNameStatus = "AVAILABLE"
		if dc.CertificateARN != "" && dc.CertificateUploadDate == nil {
			dc.CertificateUploadDate = h.timestamp()
		}
	}
	if d.Tags == nil {
		d.Tags = map[string]string{}
	}
}

// checkTruststore reads a mutual-TLS domain's truststore and fills
// truststoreWarnings as AWS does; a truststore that cannot be read is a
// BadRequestException, as AWS answers for an S3 object it cannot use.
func (h *Handler) checkTruststore(d *model.DomainName) error {
	m := d.MutualTLSAuthentication
	if m == nil || m.TruststoreURI == "" {
		return nil
	}
	if h.truststore == nil {
		return awserr.BadRequest("domain %s: mutual TLS needs truststoreUri %s mapped to a file by truststores in the gateway's config file", d.DomainName, m.TruststoreURI)
	}
	warnings, err := h.truststore(m.TruststoreURI)
	if err != nil {
		return awserr.BadRequest("domain %s: %v", d.DomainName, err)
	}
	m.TruststoreWarnings = warnings
	return nil
}

// createDomainName is CreateDomainName: POST /v2/domainnames → 201
// DomainName. Requests for the name on the data plane reach its API
// mappings (docs/configuration.md).
func (h *Handler) createDomainName(w http.ResponseWriter, r *http.Request) error {
	var d model.DomainName
	if err := decode(r, &d); err != nil {
		return err
	}
	if err := d.Validate(); err != nil {
		return err
	}
	if err := h.checkTruststore(&d); err != nil {
		return err
	}
	h.normalizeDomain(&d, nil)
	err := h.update(func(tx store.Tx, _ *change) error {
		key := store.DomainKey(d.DomainName)
		if ok, err := store.DomainNames(tx).Has(key); err != nil {
			return err
		} else if ok {
			return awserr.Conflict("The domain name you provided already exists.")
		}
		return store.DomainNames(tx).Put(key, &d)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, &d)
}

// getDomainNames is GetDomainNames: GET /v2/domainnames → 200 {items,
// nextToken}.
func (h *Handler) getDomainNames(w http.ResponseWriter, r *http.Request) error {
	after, limit, err := page(r)
	if err != nil {
		return err
	}
	var items []model.DomainName
	var next string
	err = h.store.View(func(tx store.Tx) error {
		items, next, err = store.DomainNames(tx).Page(after, limit)
		return err
	})
	if err != nil {
		return err
	}
	return writePage(w, items, next)
}

// loadDomain returns a domain name or its NotFoundException.
func (h *Handler) loadDomain(tx store.Tx, name string) (*model.DomainName, error) {
	d, err := store.DomainNames(tx).Get(store.DomainKey(name))
	if err != nil {
		return nil, notFound(err, func() *awserr.Error { return h.domainNotFound(name) })
	}
	return d, nil
}

// getDomainName is GetDomainName: GET /v2/domainnames/{domainName} → 200
// DomainName.
func (h *Handler) getDomainName(w http.ResponseWriter, r *http.Request) error {
	var d *model.DomainName
	err := h.store.View(func(tx store.Tx) error {
		var err error
		d, err = h.loadDomain(tx, r.PathValue("domainName"))
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

// updateDomainName is UpdateDomainName: PATCH /v2/domainnames/{domainName}
// → 200 DomainName.
func (h *Handler) updateDomainName(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("domainName")
	p, err := members(r)
	if err != nil {
		return err
	}
	var out *model.DomainName
	err = h.update(func(tx store.Tx, _ *change) error {
		d, err := h.loadDomain(tx, name)
		if err != nil {
			return err
		}
		prev := *d
		prev.DomainNameConfigurations = append([]model.DomainNameConfiguration(nil), d.DomainNameConfigurations...)
		if err := patch(d, p, "domainNameConfigurations", "mutualTlsAuthentication", "routingMode"); err != nil {
			return err
		}
		if err := d.Validate(); err != nil {
			return err
		}
		if err := h.checkTruststore(d); err != nil {
			return err
		}
		h.normalizeDomain(d, &prev)
		out = d
		return store.DomainNames(tx).Put(store.DomainKey(name), d)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// deleteDomainName is DeleteDomainName: DELETE /v2/domainnames/{domainName}
// → 204, with its API mappings.
func (h *Handler) deleteDomainName(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("domainName")
	err := h.update(func(tx store.Tx, _ *change) error {
		if _, err := h.loadDomain(tx, name); err != nil {
			return err
		}
		if err := store.APIMappings(tx, name).Clear(); err != nil {
			return err
		}
		return store.DomainNames(tx).Delete(store.DomainKey(name))
	})
	if err != nil {
		return err
	}
	return noContent(w)
}
