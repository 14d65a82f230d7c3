package controlplane

import (
	"net/http"

	"github.com/apigwdev/apigw/internal/awserr"
)

func (h *Handler) importAPI(w http.ResponseWriter, r *http.Request) error {
	return awserr.BadRequest("ImportApi is not implemented yet")
}

func (h *Handler) reimportAPI(w http.ResponseWriter, r *http.Request) error {
	return awserr.BadRequest("ReimportApi is not implemented yet")
}

func (h *Handler) exportAPI(w http.ResponseWriter, r *http.Request) error {
	return awserr.BadRequest("ExportApi is not implemented yet")
}
