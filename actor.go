package breachdesk

import (
	"context"
	"fmt"
)

// Actor is who performs an action, recorded on every timeline event and
// audit entry.
type Actor struct {
	// Kind is ActorCLI, ActorToken, ActorUser or ActorSystem.
	Kind string `json:"kind"`
	// Name is the operating-system user, the token's name or the user's
	// login.
	Name string `json:"name"`
}

// Kinds of actor.
const (
	ActorCLI    = "cli"    // the operator at the command line, by OS user
	ActorToken  = "token"  // an API client, by token name
	ActorUser   = "user"   // a staff member signed in to the console
	ActorSystem = "system" // breachdesk itself, such as a scheduled job
)

// String returns the actor as kind:name, the form stored in records.
func (a Actor) String() string {
	return a.Kind + ":" + a.Name
}

type actorKey struct{}

// NewContextWithActor returns a context that carries actor.
func NewContextWithActor(ctx context.Context, actor Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorFromContext returns the actor ctx carries. Writes need one: an error
// is returned when there is none, so that no change goes unattributed.
func ActorFromContext(ctx context.Context) (Actor, error) {
	actor, ok := ctx.Value(actorKey{}).(Actor)
	if !ok || actor.Kind == "" || actor.Name == "" {
		return Actor{}, fmt.Errorf("no actor in context: every write must say who makes it")
	}
	return actor, nil
}
