package krag

import (
	"context"
)

// RecordHooks run around writes of one core table, typed by its row (Better Auth's
// databaseHooks). Before hooks may change the value and refuse the write by returning an error
// (a *Error is sent to the client as is); after hooks observe. Every field is optional.
//
// BeforeUpdate and AfterUpdate receive the record as it is after the change. Updates Krag makes
// on its own (sliding a session's expiry) run them too.
type RecordHooks[T any] struct {
	BeforeCreate func(ctx context.Context, v *T) error
	AfterCreate  func(ctx context.Context, v *T)
	BeforeUpdate func(ctx context.Context, v *T) error
	AfterUpdate  func(ctx context.Context, v *T)
	BeforeDelete func(ctx context.Context, v *T) error
	AfterDelete  func(ctx context.Context, v *T)
}

// Hooks groups the record hooks of the core tables.
type Hooks struct {
	User         RecordHooks[User]
	Session      RecordHooks[Session]
	Account      RecordHooks[Account]
	Verification RecordHooks[Verification]
}

// hookList holds every registered hook of one table, in registration order.
type hookList[T any] struct {
	beforeCreate []func(context.Context, *T) error
	afterCreate  []func(context.Context, *T)
	beforeUpdate []func(context.Context, *T) error
	afterUpdate  []func(context.Context, *T)
	beforeDelete []func(context.Context, *T) error
	afterDelete  []func(context.Context, *T)
}

func (l *hookList[T]) add(h RecordHooks[T]) {
	if h.BeforeCreate != nil {
		l.beforeCreate = append(l.beforeCreate, h.BeforeCreate)
	}
	if h.AfterCreate != nil {
		l.afterCreate = append(l.afterCreate, h.AfterCreate)
	}
	if h.BeforeUpdate != nil {
		l.beforeUpdate = append(l.beforeUpdate, h.BeforeUpdate)
	}
	if h.AfterUpdate != nil {
		l.afterUpdate = append(l.afterUpdate, h.AfterUpdate)
	}
	if h.BeforeDelete != nil {
		l.beforeDelete = append(l.beforeDelete, h.BeforeDelete)
	}
	if h.AfterDelete != nil {
		l.afterDelete = append(l.afterDelete, h.AfterDelete)
	}
}

func runBefore[T any](ctx context.Context, hs []func(context.Context, *T) error, v *T) error {
	for _, h := range hs {
		if err := h(ctx, v); err != nil {
			return err
		}
	}
	return nil
}

func runAfter[T any](ctx context.Context, hs []func(context.Context, *T), v *T) {
	for _, h := range hs {
		h(ctx, v)
	}
}

type hookSet struct {
	user         hookList[User]
	session      hookList[Session]
	account      hookList[Account]
	verification hookList[Verification]
}

func (s *hookSet) add(h Hooks) {
	s.user.add(h.User)
	s.session.add(h.Session)
	s.account.add(h.Account)
	s.verification.add(h.Verification)
}

// UserGate decides whether a user may sign in and keep using sessions. It runs whenever a
// session is created and whenever one is read (from the database or the cookie cache). A
// non-nil error refuses: a *Error is sent to the client as is (for example ErrUserInactive).
// Gates must be fast and must not do I/O: the session check runs on every request.
type UserGate func(u *User) error

// RequestHook runs before or after a route's handler. A before hook that returns an error stops
// the request; a *Error goes to the client as is.
type RequestHook func(r *Request) error
