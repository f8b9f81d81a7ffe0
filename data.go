package krag

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kragauth/krag/internal/token"
	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store"
)

// The typed layer over the store: every read and write of the core tables goes through these
// functions, which run the record hooks. Plugins use the exported ones.

// FindUserByID returns the user with id, or ErrUserNotFound.
func (a *Auth) FindUserByID(ctx context.Context, id string) (*User, error) {
	rec, err := a.store.FindOne(ctx, schema.UserTable, []store.Where{store.Is("id", id)})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUserNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	return a.userFromRecord(rec), nil
}

// FindUserByEmail returns the user with email (compared lower-cased), or ErrUserNotFound.
func (a *Auth) FindUserByEmail(ctx context.Context, email string) (*User, error) {
	rec, err := a.store.FindOne(ctx, schema.UserTable, []store.Where{store.Is("email", strings.ToLower(email))})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUserNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	return a.userFromRecord(rec), nil
}

// CreateUser stores a new user and, when ac is not nil, its first account, in one transaction.
// Empty ids and zero times are filled in; the email is lower-cased. A taken email is
// ErrUserAlreadyExists.
func (a *Auth) CreateUser(ctx context.Context, u *User, ac *Account) error {
	now := a.now().UTC()
	if u.ID == "" {
		u.ID = a.newID()
	}
	u.Email = strings.ToLower(u.Email)
	if u.CreatedAt.IsZero() {
		u.CreatedAt = now
	}
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = now
	}
	a.applyDefaults(u)
	if err := runBefore(ctx, a.hooks.user.beforeCreate, u); err != nil {
		return err
	}
	if ac != nil {
		ac.UserID = u.ID
		if err := a.prepareAccount(ctx, ac, now); err != nil {
			return err
		}
	}
	err := a.store.Tx(ctx, func(tx store.Store) error {
		if err := tx.Create(ctx, schema.UserTable, a.userRecord(u)); err != nil {
			return err
		}
		if ac != nil {
			return tx.Create(ctx, schema.AccountTable, accountRecord(ac))
		}
		return nil
	})
	if errors.Is(err, store.ErrConflict) {
		return ErrUserAlreadyExists.Wrap(err)
	}
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	runAfter(ctx, a.hooks.user.afterCreate, u)
	if ac != nil {
		runAfter(ctx, a.hooks.account.afterCreate, ac)
	}
	return nil
}

// applyDefaults sets the defaults of additional fields the user does not have.
func (a *Auth) applyDefaults(u *User) {
	for _, f := range a.userTable.Fields[coreUserFields:] {
		if f.Default == nil {
			continue
		}
		if _, ok := u.extra[f.Name]; ok && u.extra[f.Name] != nil {
			continue
		}
		if u.extra == nil {
			u.extra = map[string]any{}
		}
		u.extra[f.Name] = f.Default
	}
}

// UpdateUser writes u (every field) after running the update hooks; UpdatedAt is set to now.
func (a *Auth) UpdateUser(ctx context.Context, u *User) error {
	u.UpdatedAt = a.now().UTC()
	if err := runBefore(ctx, a.hooks.user.beforeUpdate, u); err != nil {
		return err
	}
	rec := a.userRecord(u)
	delete(rec, "id")
	delete(rec, "createdAt")
	u.Email = strings.ToLower(u.Email)
	rec["email"] = u.Email
	n, err := a.store.Update(ctx, schema.UserTable, []store.Where{store.Is("id", u.ID)}, rec)
	if errors.Is(err, store.ErrConflict) {
		return ErrUserAlreadyExists.Wrap(err)
	}
	if err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	if n == 0 {
		return ErrUserNotFound
	}
	runAfter(ctx, a.hooks.user.afterUpdate, u)
	return nil
}

// DeleteUser removes the user with its sessions and accounts.
func (a *Auth) DeleteUser(ctx context.Context, u *User) error {
	if err := runBefore(ctx, a.hooks.user.beforeDelete, u); err != nil {
		return err
	}
	err := a.store.Tx(ctx, func(tx store.Store) error {
		byUser := []store.Where{store.Is("userId", u.ID)}
		if _, err := tx.Delete(ctx, schema.SessionTable, byUser); err != nil {
			return err
		}
		if _, err := tx.Delete(ctx, schema.AccountTable, byUser); err != nil {
			return err
		}
		_, err := tx.Delete(ctx, schema.UserTable, []store.Where{store.Is("id", u.ID)})
		return err
	})
	if err != nil {
		return fmt.Errorf("delete user: %w", err)
	}
	runAfter(ctx, a.hooks.user.afterDelete, u)
	return nil
}

// Accounts returns the user's accounts.
func (a *Auth) Accounts(ctx context.Context, userID string) ([]*Account, error) {
	recs, err := a.store.FindMany(ctx, schema.AccountTable, store.Query{Where: []store.Where{store.Is("userId", userID)}})
	if err != nil {
		return nil, fmt.Errorf("find accounts: %w", err)
	}
	out := make([]*Account, len(recs))
	for i, r := range recs {
		out[i] = accountFromRecord(r)
	}
	return out, nil
}

// CredentialAccount returns the user's email-and-password account (providerId "credential"
// and accountId equal to the user id, as Better Auth requires), or ErrCredentialAccountNotFound.
func (a *Auth) CredentialAccount(ctx context.Context, userID string) (*Account, error) {
	rec, err := a.store.FindOne(ctx, schema.AccountTable, []store.Where{
		store.Is("userId", userID), store.Is("providerId", CredentialProvider), store.Is("accountId", userID)})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrCredentialAccountNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find account: %w", err)
	}
	return accountFromRecord(rec), nil
}

// UpdateAccount writes ac (every field) after running the update hooks.
func (a *Auth) UpdateAccount(ctx context.Context, ac *Account) error {
	ac.UpdatedAt = a.now().UTC()
	if err := runBefore(ctx, a.hooks.account.beforeUpdate, ac); err != nil {
		return err
	}
	rec := accountRecord(ac)
	delete(rec, "id")
	delete(rec, "createdAt")
	n, err := a.store.Update(ctx, schema.AccountTable, []store.Where{store.Is("id", ac.ID)}, rec)
	if err != nil {
		return fmt.Errorf("update account: %w", err)
	}
	if n == 0 {
		return ErrAccountNotFound
	}
	runAfter(ctx, a.hooks.account.afterUpdate, ac)
	return nil
}

// --- sessions ---

// tokenPrefix marks session tokens stored as a digest. Presented tokens are made of
// [A-Za-z0-9] only, so a digest can never be presented as a token.
const tokenPrefix = "sha256:"

// storedToken returns what the session table holds for a token.
func (a *Auth) storedToken(t string) string {
	if a.opts.Session.StoreRawTokens {
		return t
	}
	return tokenPrefix + token.S256(t)
}

// tokenForms returns both forms a token may be stored in, for lookups: rows written by
// Better Auth (or with StoreRawTokens) hold the raw token, Krag's hold the digest.
func tokenForms(t string) []any {
	return []any{tokenPrefix + token.S256(t), t}
}

// handlePrefix starts the opaque handles list-sessions shows for sessions other than the
// caller's when tokens are stored as digests.
const handlePrefix = "ks_"

// SessionInput describes a session to create.
type SessionInput struct {
	// DontRemember makes a one-day session (Better Auth's rememberMe: false).
	DontRemember bool
	IPAddress    string
	UserAgent    string
	// ExpiresIn, when positive, sets the session's lifetime instead of Session.ExpiresIn (or a
	// day with DontRemember): an administrator's impersonation session lasts an hour.
	ExpiresIn time.Duration
	// Prepare, when set, runs on the new session before the session hooks, to set additional
	// fields (plugin/admin's impersonatedBy).
	Prepare func(s *Session)
}

// CreateSession creates a session for u after the user gates and session hooks have agreed.
// The returned session's Token is the raw token to hand to the client.
func (a *Auth) CreateSession(ctx context.Context, u *User, in SessionInput) (*SessionData, error) {
	if err := a.gate(u); err != nil {
		return nil, err
	}
	now := a.now().UTC()
	life := a.opts.Session.ExpiresIn
	if in.DontRemember {
		life = 24 * time.Hour
	}
	if in.ExpiresIn > 0 {
		life = in.ExpiresIn
	}
	s := &Session{
		ID:        a.newID(),
		Token:     token.New(),
		UserID:    u.ID,
		ExpiresAt: now.Add(life),
		CreatedAt: now,
		UpdatedAt: now,
		IPAddress: in.IPAddress,
		UserAgent: in.UserAgent,
	}
	for _, f := range a.sessionTable.Fields[coreSessionFields:] {
		if f.Default != nil {
			if s.extra == nil {
				s.extra = map[string]any{}
			}
			s.extra[f.Name] = f.Default
		}
	}
	if in.Prepare != nil {
		in.Prepare(s)
	}
	if err := runBefore(ctx, a.hooks.session.beforeCreate, s); err != nil {
		return nil, err
	}
	rec := a.sessionRecord(s)
	rec["token"] = a.storedToken(s.Token)
	if err := a.store.Create(ctx, schema.SessionTable, rec); err != nil {
		if errors.Is(err, store.ErrUnavailable) {
			return nil, err
		}
		return nil, ErrFailedToCreateSession.Wrap(err)
	}
	runAfter(ctx, a.hooks.session.afterCreate, s)
	return &SessionData{Session: s, User: u}, nil
}

// CheckUser runs the user gates on u: nil when u may sign in, else the refusing gate's error
// (an inactive user, a banned one). Plugins that hand out sessions later, such as one-time
// codes, call it before issuing.
func (a *Auth) CheckUser(u *User) error { return a.gate(u) }

// gate runs the user gates.
func (a *Auth) gate(u *User) error {
	for _, g := range a.gates {
		if err := g(u); err != nil {
			return err
		}
	}
	return nil
}

// findSession loads the session with the raw token t and its user. It returns nil, nil when
// there is none (or its user is gone); it does not judge expiry.
func (a *Auth) findSession(ctx context.Context, t string) (*SessionData, error) {
	if !token.IsAlnum(t) {
		return nil, nil
	}
	// The form this Auth writes first; the other (rows of Better Auth, or of this Auth with
	// the other setting) only when that misses.
	forms := tokenForms(t)
	if a.opts.Session.StoreRawTokens {
		forms[0], forms[1] = forms[1], forms[0]
	}
	join := store.Join{Table: schema.UserTable, On: "userId"}
	rec, err := a.store.FindOne(ctx, schema.SessionTable, []store.Where{store.Is("token", forms[0])}, join)
	if errors.Is(err, store.ErrNotFound) {
		rec, err = a.store.FindOne(ctx, schema.SessionTable, []store.Where{store.Is("token", forms[1])}, join)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find session: %w", err)
	}
	urec, _ := rec[schema.UserTable].(store.Record)
	if urec == nil {
		return nil, nil
	}
	s := a.sessionFromRecord(rec)
	s.Token = t
	return &SessionData{Session: s, User: a.userFromRecord(urec)}, nil
}

// refreshSession slides a session's expiry to now + ExpiresIn. It reports false when the row
// is gone.
func (a *Auth) refreshSession(ctx context.Context, s *Session) (bool, error) {
	now := a.now().UTC()
	next := *s
	next.ExpiresAt = now.Add(a.opts.Session.ExpiresIn)
	next.UpdatedAt = now
	if err := runBefore(ctx, a.hooks.session.beforeUpdate, &next); err != nil {
		return false, err
	}
	n, err := a.store.Update(ctx, schema.SessionTable, []store.Where{store.Is("id", s.ID)},
		store.Record{"expiresAt": next.ExpiresAt, "updatedAt": next.UpdatedAt})
	if err != nil {
		return false, fmt.Errorf("refresh session: %w", err)
	}
	if n == 0 {
		return false, nil
	}
	*s = next
	runAfter(ctx, a.hooks.session.afterUpdate, s)
	return true, nil
}

// deleteSessions deletes the sessions matching where, running the delete hooks when any are
// registered.
func (a *Auth) deleteSessions(ctx context.Context, where []store.Where) error {
	hooked := len(a.hooks.session.beforeDelete) > 0 || len(a.hooks.session.afterDelete) > 0
	var victims []*Session
	if hooked {
		recs, err := a.store.FindMany(ctx, schema.SessionTable, store.Query{Where: where})
		if err != nil {
			return fmt.Errorf("delete sessions: %w", err)
		}
		for _, r := range recs {
			s := a.sessionFromRecord(r)
			if err := runBefore(ctx, a.hooks.session.beforeDelete, s); err != nil {
				return err
			}
			victims = append(victims, s)
		}
	}
	if _, err := a.store.Delete(ctx, schema.SessionTable, where); err != nil {
		return fmt.Errorf("delete sessions: %w", err)
	}
	for _, s := range victims {
		runAfter(ctx, a.hooks.session.afterDelete, s)
	}
	return nil
}

// RevokeSessions deletes every session of the user.
func (a *Auth) RevokeSessions(ctx context.Context, userID string) error {
	return a.deleteSessions(ctx, []store.Where{store.Is("userId", userID)})
}

// --- verification values ---

// CreateVerification stores value under identifier until now + ttl.
func (a *Auth) CreateVerification(ctx context.Context, identifier, value string, ttl time.Duration) (*Verification, error) {
	now := a.now().UTC()
	v := &Verification{ID: a.newID(), Identifier: identifier, Value: value, ExpiresAt: now.Add(ttl), CreatedAt: now, UpdatedAt: now}
	if err := runBefore(ctx, a.hooks.verification.beforeCreate, v); err != nil {
		return nil, err
	}
	if err := a.store.Create(ctx, schema.VerificationTable, verificationRecord(v)); err != nil {
		return nil, ErrFailedToCreateVerification.Wrap(err)
	}
	runAfter(ctx, a.hooks.verification.afterCreate, v)
	return v, nil
}

// FindVerification returns the newest unexpired value under identifier, or ErrInvalidToken.
func (a *Auth) FindVerification(ctx context.Context, identifier string) (*Verification, error) {
	recs, err := a.store.FindMany(ctx, schema.VerificationTable, store.Query{
		Where: []store.Where{store.Is("identifier", identifier)},
		Sort:  []store.Sort{{Field: "createdAt", Desc: true}},
		Limit: 1,
	})
	if err != nil {
		return nil, fmt.Errorf("find verification: %w", err)
	}
	if len(recs) == 0 {
		return nil, ErrInvalidToken
	}
	v := verificationFromRecord(recs[0])
	if !v.ExpiresAt.After(a.now()) {
		return nil, ErrInvalidToken
	}
	return v, nil
}

// ConsumeVerification returns the newest value under identifier and deletes every value under
// it, atomically: of two concurrent calls, one gets the value and the other ErrInvalidToken.
// An expired value is deleted and reported as ErrInvalidToken.
func (a *Auth) ConsumeVerification(ctx context.Context, identifier string) (*Verification, error) {
	var out *Verification
	err := a.store.Tx(ctx, func(tx store.Store) error {
		recs, err := tx.FindMany(ctx, schema.VerificationTable, store.Query{
			Where: []store.Where{store.Is("identifier", identifier)},
			Sort:  []store.Sort{{Field: "createdAt", Desc: true}},
			Limit: 1,
		})
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			return ErrInvalidToken
		}
		v := verificationFromRecord(recs[0])
		n, err := tx.Delete(ctx, schema.VerificationTable, []store.Where{store.Is("identifier", identifier)})
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrInvalidToken
		}
		if v.ExpiresAt.After(a.now()) {
			out = v
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, ErrInvalidToken
	}
	return out, nil
}

// Cleanup deletes expired sessions and verification values. `krag serve` runs it on a ticker;
// applications embedding Krag should run it periodically too.
func (a *Auth) Cleanup(ctx context.Context) error {
	now := a.now().UTC()
	if _, err := a.store.Delete(ctx, schema.SessionTable, []store.Where{{Field: "expiresAt", Op: store.Lt, Value: now}}); err != nil {
		return fmt.Errorf("cleanup sessions: %w", err)
	}
	if _, err := a.store.Delete(ctx, schema.VerificationTable, []store.Where{{Field: "expiresAt", Op: store.Lt, Value: now}}); err != nil {
		return fmt.Errorf("cleanup verifications: %w", err)
	}
	return nil
}

// FindUsers returns the users matching q (fields by their logical names, additional ones
// included) and how many users match q's conditions without its Limit and Offset: one page of
// an admin's user list and the size of the whole list.
func (a *Auth) FindUsers(ctx context.Context, q store.Query) ([]*User, int64, error) {
	q.Join = nil
	recs, err := a.store.FindMany(ctx, schema.UserTable, q)
	if err != nil {
		return nil, 0, fmt.Errorf("find users: %w", err)
	}
	users := make([]*User, len(recs))
	for i, rec := range recs {
		users[i] = a.userFromRecord(rec)
	}
	total := int64(len(users))
	if q.Limit > 0 || q.Offset > 0 {
		if q.Filter != nil {
			// Count takes plain conditions only; a filtered page is counted by reading ids.
			all, err := a.store.FindMany(ctx, schema.UserTable, store.Query{Where: q.Where, Filter: q.Filter})
			if err != nil {
				return nil, 0, fmt.Errorf("count users: %w", err)
			}
			total = int64(len(all))
		} else if total, err = a.store.Count(ctx, schema.UserTable, q.Where); err != nil {
			return nil, 0, fmt.Errorf("count users: %w", err)
		}
	}
	return users, total, nil
}

// HashPassword checks a new password against the length limits (PASSWORD_TOO_SHORT,
// PASSWORD_TOO_LONG) and returns its hash, for an Account's Password.
func (a *Auth) HashPassword(ctx context.Context, password string) (string, error) {
	if err := a.checkPasswordLength(password, true); err != nil {
		return "", err
	}
	h, err := a.hasher.Hash(ctx, password)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return h, nil
}

// SetPassword gives the user a new password, whatever the old one was: the credential account
// is updated, or created when the user has none (a user who signed up through a provider).
// The user's sessions are left alone.
func (a *Auth) SetPassword(ctx context.Context, userID, password string) error {
	hash, err := a.HashPassword(ctx, password)
	if err != nil {
		return err
	}
	ac, err := a.CredentialAccount(ctx, userID)
	if errors.Is(err, ErrCredentialAccountNotFound) {
		return a.CreateAccount(ctx, &Account{UserID: userID, ProviderID: CredentialProvider, AccountID: userID, Password: hash})
	}
	if err != nil {
		return err
	}
	ac.Password = hash
	return a.UpdateAccount(ctx, ac)
}

// CreateAccount stores a new account of an existing user after running the create hooks.
// An empty ID and zero times are filled in.
func (a *Auth) CreateAccount(ctx context.Context, ac *Account) error {
	if err := a.prepareAccount(ctx, ac, a.now().UTC()); err != nil {
		return err
	}
	if err := a.store.Create(ctx, schema.AccountTable, accountRecord(ac)); err != nil {
		return fmt.Errorf("create account: %w", err)
	}
	runAfter(ctx, a.hooks.account.afterCreate, ac)
	return nil
}

// prepareAccount fills in a new account's id, credential accountId and times, then runs the
// create hooks.
func (a *Auth) prepareAccount(ctx context.Context, ac *Account, now time.Time) error {
	if ac.ID == "" {
		ac.ID = a.newID()
	}
	if ac.ProviderID == CredentialProvider && ac.AccountID == "" {
		ac.AccountID = ac.UserID
	}
	if ac.CreatedAt.IsZero() {
		ac.CreatedAt = now
	}
	if ac.UpdatedAt.IsZero() {
		ac.UpdatedAt = now
	}
	return runBefore(ctx, a.hooks.account.beforeCreate, ac)
}

// FindSession returns the unexpired session with the raw token t and its user, or nil when
// there is none. It reads the database (never the cookie cache) and does not slide the expiry.
func (a *Auth) FindSession(ctx context.Context, t string) (*SessionData, error) {
	sd, err := a.findSession(ctx, t)
	if err != nil || sd == nil {
		return nil, err
	}
	if !sd.Session.ExpiresAt.After(a.now()) {
		return nil, nil
	}
	return sd, nil
}

// RevokeSessionOfAnyUser deletes the session with the given token or list-sessions handle,
// whoever holds it: for administrators. RevokeSession is the form for a user's own sessions.
func (a *Auth) RevokeSessionOfAnyUser(ctx context.Context, tokenOrHandle string) error {
	switch {
	case strings.HasPrefix(tokenOrHandle, handlePrefix):
		return a.deleteSessions(ctx, []store.Where{store.Is("id", strings.TrimPrefix(tokenOrHandle, handlePrefix))})
	case token.IsAlnum(tokenOrHandle):
		return a.deleteSessions(ctx, []store.Where{{Field: "token", Op: store.In, Value: tokenForms(tokenOrHandle)}})
	}
	return nil
}

// SessionLifetime returns Session.ExpiresIn: how long a remembered session lasts.
func (a *Auth) SessionLifetime() time.Duration { return a.opts.Session.ExpiresIn }
