package rapi

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// handlePing serves GET /2018-06-01/ping: 200 "pong", as the RIE does.
func handlePing(w http.ResponseWriter, _ *http.Request) {
	_, _ = io.WriteString(w, "pong")
}

// registerResponse is the Extensions API register answer
// (RIE model.ExtensionRegisterResponse).
type registerResponse struct {
	FunctionName    string `json:"functionName"`
	FunctionVersion string `json:"functionVersion"`
	Handler         string `json:"handler"`
}

// handleExtensionRegister serves POST /2020-01-01/extension/register.
//
// aws-lambda-go built with lambda.WithEnableSIGTERM registers an internal
// extension named GoLangEnableSIGTERM with body {"events":[]} and expects 200
// with a Lambda-Extension-Identifier header (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html). This host
// sends SIGTERM before SIGKILL to every instance it stops anyway, so
// registration only records the name. As on Lambda, registration is only open
// while the runtime initialises (403 Extension.RegistrationClosed after).
func (s *Server) handleExtensionRegister(w http.ResponseWriter, r *http.Request) {
	name := r.Header.Get(headerExtensionName)
	if name == "" {
		renderError(w, errForbidden(errorTypeExtensionName, "Empty extension name"))
		return
	}
	var req struct {
		Events []string `json:"events"`
	}
	body, _, err := readLimited(r.Body, MaxPayloadSize)
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err != nil {
		renderError(w, errForbidden(errorTypeInvalidRequestFormat, err.Error()))
		return
	}
	id := newExtensionID()
	s.mu.Lock()
	open := s.state == Started
	if open {
		s.extensions[id] = name
	}
	s.mu.Unlock()
	if !open {
		renderError(w, errForbidden(errorTypeExtensionRegistrationClosed, "Extension registration closed already"))
		return
	}
	w.Header().Set(headerExtensionID, id)
	renderJSON(w, http.StatusOK, registerResponse{FunctionName: s.cfg.FunctionName, FunctionVersion: s.cfg.FunctionVersion})
}

// handleExtensionNext serves GET /2020-01-01/extension/event/next for a
// registered extension: it parks until the instance stops, then answers a
// SHUTDOWN event. Extensions registered through this host never receive INVOKE
// events (aws-lambda-go's internal extension subscribes to none).
func (s *Server) handleExtensionNext(w http.ResponseWriter, r *http.Request) {
	if apiErr := s.checkExtension(r); apiErr != nil {
		renderError(w, apiErr)
		return
	}
	select {
	case <-r.Context().Done():
	case <-s.closing:
		w.Header().Set(headerExtensionEventID, newExtensionID())
		renderJSON(w, http.StatusOK, struct {
			EventType      string `json:"eventType"`
			ShutdownReason string `json:"shutdownReason"`
			DeadlineMs     int64  `json:"deadlineMs"`
		}{"SHUTDOWN", "spindown", time.Now().Add(2 * time.Second).UnixMilli()})
	}
}

// handleExtensionError serves POST /2020-01-01/extension/init/error and
// /exit/error: the report is logged and acknowledged with 202.
func (s *Server) handleExtensionError(w http.ResponseWriter, r *http.Request) {
	if apiErr := s.checkExtension(r); apiErr != nil {
		renderError(w, apiErr)
		return
	}
	body, _, _ := readLimited(r.Body, MaxPayloadSize)
	s.log.Warn("runtime API: extension reported an error", "path", r.URL.Path,
		"errorType", r.Header.Get("Lambda-Extension-Function-Error-Type"), "body", string(body))
	renderAccepted(w)
}

// checkExtension validates the Lambda-Extension-Identifier header (RIE
// middleware.AgentUniqueIdentifierHeaderValidator).
func (s *Server) checkExtension(r *http.Request) *apiError {
	id := r.Header.Get(headerExtensionID)
	if id == "" {
		return errForbidden(errorTypeExtensionMissingID, "Missing Lambda-Extension-Identifier header")
	}
	s.mu.Lock()
	_, ok := s.extensions[id]
	s.mu.Unlock()
	if !ok {
		return errForbidden(errorTypeExtensionUnknownID, "Unknown extension "+id)
	}
	return nil
}

// handleLogsStub serves PUT /2020-08-15/logs as the RIE's stub does: 202 with
// a Logs.NotSupported body, which keeps subscribers from failing.
func handleLogsStub(w http.ResponseWriter, _ *http.Request) {
	renderJSON(w, http.StatusAccepted, errorResponse{ErrorMessage: "Logs API is not supported", ErrorType: "Logs.NotSupported"})
}

// handleTelemetryStub serves PUT /2022-07-01/telemetry as the RIE's stub does.
func handleTelemetryStub(w http.ResponseWriter, _ *http.Request) {
	renderJSON(w, http.StatusAccepted, errorResponse{ErrorMessage: "Telemetry API is not supported", ErrorType: "Telemetry.NotSupported"})
}

// newExtensionID returns a random version 4 UUID.
func newExtensionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
