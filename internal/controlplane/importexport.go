package controlplane

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/apigwdev/apigw/internal/awserr"
	"github.com/apigwdev/apigw/internal/model"
	"github.com/apigwdev/apigw/internal/openapi"
	"github.com/apigwdev/apigw/internal/store"
)

// importInput is the body of ImportApi and ReimportApi.
type importInput struct {
	// Body is the OpenAPI 3.0 document, JSON or YAML.
	Body string `json:"body"`
}

// readImport decodes an import request and runs the importer
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-open-api.html): query basepath (ignore, prepend,
// split; default ignore) and failOnWarnings (default false).
func (h *Handler) readImport(r *http.Request) (*openapi.Result, error) {
	var in importInput
	if err := decode(r, &in); err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.Body) == "" {
		return nil, awserr.BadRequest("body is required")
	}
	q := r.URL.Query()
	basepath := q.Get("basepath")
	switch basepath {
	case "", "ignore", "prepend", "split":
	default:
		return nil, awserr.BadRequest("Invalid basepath %q: must be ignore, prepend or split", basepath)
	}
	failOnWarnings := false
	if s := q.Get("failOnWarnings"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, awserr.BadRequest("Invalid failOnWarnings %q: must be true or false", s)
		}
		failOnWarnings = b
	}
	res, err := openapi.Import([]byte(in.Body), openapi.Options{
		Basepath: basepath, FailOnWarnings: failOnWarnings, Region: h.region, AccountID: h.accountID,
	})
	if err != nil {
		var ie *openapi.ImportError
		if errors.As(err, &ie) {
			return nil, importFailure(ie)
		}
		return nil, err
	}
	return res, nil
}

// importFailure is the BadRequestException of a document with errors (or
// warnings, with failOnWarnings): every problem, one per line, each with
// its line and column. AWS's exact wording is undocumented by AWS (our choice: docs/compatibility.md#management-api).
func importFailure(ie *openapi.ImportError) *awserr.Error {
	var b strings.Builder
	b.WriteString("Errors found during import:")
	for _, d := range ie.Diagnostics {
		b.WriteString("\n\t")
		switch {
		case d.Line > 0 && d.Column > 0:
			fmt.Fprintf(&b, "line %d, column %d: ", d.Line, d.Column)
		case d.Line > 0:
			fmt.Fprintf(&b, "line %d: ", d.Line)
		}
		if d.Severity == openapi.Warning {
			b.WriteString("warning: ")
		}
		b.WriteString(d.Message)
	}
	e := awserr.BadRequest("%s", b.String())
	e.Cause = ie
	return e
}

// importAPI is ImportApi: PUT /v2/apis → 201 Api. The new API has the
// document's routes, integrations and authorizers, and no stage.
func (h *Handler) importAPI(w http.ResponseWriter, r *http.Request) error {
	res, err := h.readImport(r)
	if err != nil {
		return err
	}
	def := &res.Definition
	def.API.CreatedDate = h.timestamp()
	normalizeAPI(&def.API)
	err = h.update(func(tx store.Tx, _ *change) error {
		id, err := uniqueID(store.APIs(tx), apiIDLen)
		if err != nil {
			return err
		}
		def.API.APIID = id
		if err := def.Validate(); err != nil {
			return err
		}
		return store.ReplaceDefinition(tx, def)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, h.apiOut(&def.API))
}

// reimportAPI is ReimportApi: PUT /v2/apis/{apiId} → 201 Api. The
// document replaces the API's definition entirely (routes, integrations,
// authorizers and the Api's members; merge semantics are undocumented by AWS (our choice: docs/compatibility.md#management-api));
// the API keeps its id, creation date, tags (the document's are added) and
// stages, and its autoDeploy stages are redeployed.
func (h *Handler) reimportAPI(w http.ResponseWriter, r *http.Request) error {
	apiID := r.PathValue("apiId")
	res, err := h.readImport(r)
	if err != nil {
		return err
	}
	def := &res.Definition
	err = h.update(func(tx store.Tx, c *change) error {
		old, err := h.loadAPI(tx, apiID)
		if err != nil {
			return err
		}
		def.API.APIID, def.API.CreatedDate = apiID, old.CreatedDate
		def.API.Tags = mergeMap(old.Tags, def.API.Tags, nil)
		normalizeAPI(&def.API)
		if err := def.Validate(); err != nil {
			return err
		}
		c.definitionChanged(apiID)
		return store.ReplaceDefinition(tx, def)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, h.apiOut(&def.API))
}

// exportAPI is ExportApi: GET /v2/apis/{apiId}/exports/{specification} →
// 200 with the document as the body. specification is OAS30; outputType
// (JSON or YAML) is required; with stageName the stage's deployed
// definition is exported, else the latest one; includeExtensions defaults
// to true; exportVersion can only be 1.0.
func (h *Handler) exportAPI(w http.ResponseWriter, r *http.Request) error {
	apiID, spec := r.PathValue("apiId"), r.PathValue("specification")
	q := r.URL.Query()
	if spec != "OAS30" {
		return awserr.BadRequest("Invalid specification %q: only OAS30 is supported", spec)
	}
	outputType := q.Get("outputType")
	if outputType != "JSON" && outputType != "YAML" {
		return awserr.BadRequest("Invalid outputType %q: must be JSON or YAML", outputType)
	}
	if v := q.Get("exportVersion"); v != "" && v != "1.0" {
		return awserr.BadRequest("Invalid exportVersion %q: only 1.0 is supported", v)
	}
	ext := true
	if s := q.Get("includeExtensions"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return awserr.BadRequest("Invalid includeExtensions %q: must be true or false", s)
		}
		ext = b
	}
	stageName := q.Get("stageName")
	var def *model.Definition
	err := h.store.View(func(tx store.Tx) error {
		if stageName == "" {
			var err error
			def, err = store.LoadDefinition(tx, apiID)
			return notFound(err, func() *awserr.Error { return h.apiNotFound(apiID) })
		}
		st, err := h.loadStage(tx, apiID, stageName)
		if err != nil {
			return err
		}
		if st.DeploymentID == "" {
			return awserr.BadRequest("Stage %s has no deployment to export", stageName)
		}
		d, err := store.Deployments(tx, apiID).Get(st.DeploymentID)
		if err != nil {
			return notFound(err, func() *awserr.Error { return h.deploymentNotFound(st.DeploymentID) })
		}
		if d.Definition == nil {
			return awserr.BadRequest("Deployment %s of stage %s has no definition to export", st.DeploymentID, stageName)
		}
		def = d.Definition
		return nil
	})
	if err != nil {
		return err
	}
	doc := openapi.Export(def, openapi.ExportOptions{
		Endpoint: h.endpoint(apiID), Stage: stageName, Extensions: ext, Now: h.now(),
	})
	var body []byte
	if outputType == "JSON" {
		w.Header().Set("Content-Type", "application/json")
		body = doc.JSON()
	} else {
		w.Header().Set("Content-Type", "application/yaml")
		if body, err = doc.YAML(); err != nil {
			return awserr.Internal(err)
		}
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}
