// Command pets is the example API's Lambda function: an in-memory pet store
// behind payload format 2.0 routes. It is an ordinary aws-lambda-go program;
// apigw builds it, starts it with the Lambda Runtime API and keeps it warm.
package main

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"sync"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

// Pet is one pet of the store.
type Pet struct {
	ID    int     `json:"id"`
	Type  string  `json:"type"`
	Price float64 `json:"price"`
}

type store struct {
	mu     sync.Mutex
	pets   map[int]Pet // guarded by mu
	nextID int         // guarded by mu
}

func newStore() *store {
	s := &store{pets: map[int]Pet{}, nextID: 1}
	for _, p := range []Pet{{Type: "dog", Price: 249.99}, {Type: "cat", Price: 124.99}, {Type: "fish", Price: 0.99}} {
		s.add(p)
	}
	return s
}

func (s *store) add(p Pet) Pet {
	s.mu.Lock()
	defer s.mu.Unlock()
	p.ID = s.nextID
	s.nextID++
	s.pets[p.ID] = p
	return p
}

func (s *store) list() []Pet {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Pet, 0, len(s.pets))
	for _, p := range s.pets {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (s *store) get(id int) (Pet, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pets[id]
	return p, ok
}

func reply(status int, v any) events.APIGatewayV2HTTPResponse {
	b, _ := json.Marshal(v)
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(b),
	}
}

func (s *store) handle(_ context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	switch ev.RouteKey {
	case "GET /pets":
		return reply(http.StatusOK, s.list()), nil
	case "GET /pets/{id}":
		id, err := strconv.Atoi(ev.PathParameters["id"])
		if err != nil {
			return reply(http.StatusBadRequest, map[string]string{"message": "id must be a number"}), nil
		}
		p, ok := s.get(id)
		if !ok {
			return reply(http.StatusNotFound, map[string]string{"message": "no such pet"}), nil
		}
		return reply(http.StatusOK, p), nil
	case "POST /pets":
		var p Pet
		if err := json.Unmarshal([]byte(ev.Body), &p); err != nil || p.Type == "" {
			return reply(http.StatusBadRequest, map[string]string{"message": `body must be a JSON pet like {"type":"dog","price":10}`}), nil
		}
		return reply(http.StatusCreated, s.add(p)), nil
	}
	return reply(http.StatusNotFound, map[string]string{"message": "no handler for " + ev.RouteKey}), nil
}

func main() {
	lambda.Start(newStore().handle)
}
