package rapi

import (
	"errors"
	"fmt"
)

// State is where a runtime is in its lifecycle, as the Runtime API sees it.
//
//	Started ──next──▶ Ready ──deliver──▶ Invoking ──response──▶ Responded ──next──▶ Ready …
//	   │                │                   └──────error──────▶ Errored ───next──▶ Ready …
//	   │                └──next abandoned──▶ Idle ──next──▶ Ready
//	   └──init/error──▶ InitError
//
// Any state moves to Closed when the instance is stopped. Every transition not
// drawn above is denied with ErrInvalidStateTransition.
type State int

// The runtime states. The zero value is Started.
const (
	// Started: the process was started and is initialising; it has not called
	// /next yet.
	Started State = iota
	// Ready: the runtime is parked on GET /next, waiting for an event.
	Ready
	// Idle: the runtime finished initialising (or an invocation) but its /next
	// request was abandoned before an event arrived (the connection closed).
	Idle
	// Invoking: an event was handed to the runtime; the host waits for
	// /response or /error.
	Invoking
	// Responded: the runtime posted /response for the current invocation.
	Responded
	// Errored: the runtime posted /error for the current invocation.
	Errored
	// InitError: the runtime posted /init/error; it is expected to exit.
	InitError
	// Closed: the instance was stopped; nothing is accepted any more.
	Closed
)

var stateNames = [...]string{
	Started:   "Started",
	Ready:     "Ready",
	Idle:      "Idle",
	Invoking:  "Invoking",
	Responded: "Responded",
	Errored:   "Errored",
	InitError: "InitError",
	Closed:    "Closed",
}

// String returns the state's name as it appears in InvalidStateTransition
// messages.
func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// action is something that asks the runtime's state to change.
type action int

const (
	actNext          action = iota // the runtime called GET /next
	actNextAbandoned               // a parked /next went away before an event arrived
	actDeliver                     // an event was handed to the parked /next
	actResponse                    // the runtime called POST /invocation/{id}/response
	actError                       // the runtime called POST /invocation/{id}/error
	actInitError                   // the runtime called POST /init/error
)

// target is the state an action would lead to, used in the 403 message the
// RIE renders ("State transition from X to Y failed for runtime").
func (a action) target() State {
	switch a {
	case actNext:
		return Ready
	case actNextAbandoned:
		return Idle
	case actDeliver:
		return Invoking
	case actResponse:
		return Responded
	case actError:
		return Errored
	case actInitError:
		return InitError
	}
	return Closed
}

// ErrInvalidStateTransition is returned for a call the runtime's current state
// does not allow. The Runtime API renders it as 403 with errorType
// InvalidStateTransition (RIE rendering.ErrorTypeInvalidStateTransition).
var ErrInvalidStateTransition = errors.New("State transition is not allowed") //nolint:staticcheck // RIE's exact wording, shown to runtimes.

// TransitionError describes a denied transition. It matches
// ErrInvalidStateTransition with errors.Is.
type TransitionError struct {
	From, To State
}

// Error renders the RIE's message format
// ("State transition from %s to %s failed for runtime. Error: %s").
func (e *TransitionError) Error() string {
	return fmt.Sprintf("State transition from %s to %s failed for runtime. Error: %s", e.From, e.To, ErrInvalidStateTransition)
}

// Unwrap returns ErrInvalidStateTransition.
func (e *TransitionError) Unwrap() error { return ErrInvalidStateTransition }

// transition returns the state that action a leads to from s, or a
// *TransitionError. Only the transitions listed here exist; everything else
// is denied (cf. RIE core/states.go disallowEveryTransitionByDefault).
func transition(s State, a action) (State, error) {
	switch {
	case a == actNext && (s == Started || s == Idle || s == Responded || s == Errored):
		// The first /next means "init done"; a later one means "the previous
		// invocation is finished" (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html). Only one /next may be
		// parked at a time, so Ready→Ready is denied.
		return Ready, nil
	case a == actNextAbandoned && s == Ready:
		return Idle, nil
	case a == actDeliver && s == Ready:
		return Invoking, nil
	case a == actResponse && s == Invoking:
		return Responded, nil
	case a == actError && s == Invoking:
		return Errored, nil
	case a == actInitError && s == Started:
		return InitError, nil
	}
	return s, &TransitionError{From: s, To: a.target()}
}
