package controlplane

import (
	"net/http"

	"github.com/apigwdev/apigw/internal/awserr"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/store"
)

// VPC link status messages (CLI examples).
const (
	vpcLinkReady = "VPC link is ready to route traffic"
	vpcLinkV2    = "V2"
)

func (h *Handler) vpcLinkNotFound(id string) *awserr.Error {
	return awserr.NotFound("", "Invalid VpcLink identifier specified %s", id)
}

// createVpcLink is CreateVpcLink: POST /v2/vpclinks → 201 VpcLink. There
// are no ENIs to provision locally, so the link is AVAILABLE at once;
// private integrations reach the targets of the config file's
// privateTargets.
func (h *Handler) createVpcLink(w http.ResponseWriter, r *http.Request) error {
	var v model.VpcLink
	if err := decode(r, &v); err != nil {
		return err
	}
	if err := v.Validate(); err != nil {
		return err
	}
	v.CreatedDate = h.timestamp()
	v.VpcLinkStatus, v.VpcLinkStatusMessage, v.VpcLinkVersion = model.VpcLinkAvailable, vpcLinkReady, vpcLinkV2
	if v.SecurityGroupIDs == nil {
		v.SecurityGroupIDs = []string{}
	}
	if v.Tags == nil {
		v.Tags = map[string]string{}
	}
	err := h.update(func(tx store.Tx, _ *change) error {
		var err error
		if v.VpcLinkID, err = uniqueID(store.VpcLinks(tx), vpcLinkIDLen); err != nil {
			return err
		}
		return store.VpcLinks(tx).Put(v.VpcLinkID, &v)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, &v)
}

// getVpcLinks is GetVpcLinks: GET /v2/vpclinks → 200 {items, nextToken}.
func (h *Handler) getVpcLinks(w http.ResponseWriter, r *http.Request) error {
	after, limit, err := page(r)
	if err != nil {
		return err
	}
	var items []model.VpcLink
	var next string
	err = h.store.View(func(tx store.Tx) error {
		items, next, err = store.VpcLinks(tx).Page(after, limit)
		return err
	})
	if err != nil {
		return err
	}
	return writePage(w, items, next)
}

func (h *Handler) loadVpcLink(tx store.Tx, id string) (*model.VpcLink, error) {
	v, err := store.VpcLinks(tx).Get(id)
	if err != nil {
		return nil, notFound(err, func() *awserr.Error { return h.vpcLinkNotFound(id) })
	}
	return v, nil
}

// getVpcLink is GetVpcLink: GET /v2/vpclinks/{vpcLinkId} → 200 VpcLink.
func (h *Handler) getVpcLink(w http.ResponseWriter, r *http.Request) error {
	var v *model.VpcLink
	err := h.store.View(func(tx store.Tx) error {
		var err error
		v, err = h.loadVpcLink(tx, r.PathValue("vpcLinkId"))
		return err
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// updateVpcLink is UpdateVpcLink: PATCH /v2/vpclinks/{vpcLinkId} → 200
// VpcLink; only the name changes.
func (h *Handler) updateVpcLink(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("vpcLinkId")
	p, err := members(r)
	if err != nil {
		return err
	}
	var out *model.VpcLink
	err = h.update(func(tx store.Tx, _ *change) error {
		v, err := h.loadVpcLink(tx, id)
		if err != nil {
			return err
		}
		if err := patch(v, p, "name"); err != nil {
			return err
		}
		if err := v.Validate(); err != nil {
			return err
		}
		out = v
		return store.VpcLinks(tx).Put(id, v)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// deleteVpcLink is DeleteVpcLink: DELETE /v2/vpclinks/{vpcLinkId} → 202
// {}. A link an integration uses cannot be deleted (BadRequestException;
// undocumented by AWS, our choice: docs/compatibility.md#management-api).
func (h *Handler) deleteVpcLink(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("vpcLinkId")
	err := h.update(func(tx store.Tx, _ *change) error {
		if _, err := h.loadVpcLink(tx, id); err != nil {
			return err
		}
		apis, err := store.APIs(tx).List()
		if err != nil {
			return err
		}
		for _, a := range apis {
			ins, err := store.Integrations(tx, a.APIID).List()
			if err != nil {
				return err
			}
			for _, in := range ins {
				if in.ConnectionType == model.ConnectionVPCLink && in.ConnectionID == id {
					return awserr.BadRequest("Cannot delete VPC link %s: integration %s of API %s uses it", id, in.IntegrationID, a.APIID)
				}
			}
		}
		return store.VpcLinks(tx).Delete(id)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, struct{}{})
}
