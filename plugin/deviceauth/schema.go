package deviceauth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store"
)

// TableName is the logical name of the plugin's table.
const TableName = "deviceCode"

// Statuses of a device code.
const (
	StatusPending  = "pending"
	StatusApproved = "approved"
	StatusDenied   = "denied"
)

// Table returns the deviceCode table as Better Auth declares it (spec §11.2): codes unique,
// userId without a foreign key, pollingInterval in milliseconds.
func Table() schema.Table {
	return schema.Table{Name: TableName, Fields: []schema.Field{
		{Name: "id", Type: schema.String, Required: true},
		{Name: "deviceCode", Type: schema.String, Required: true, Unique: true},
		{Name: "userCode", Type: schema.String, Required: true, Unique: true},
		{Name: "userId", Type: schema.String},
		{Name: "expiresAt", Type: schema.Date, Required: true},
		{Name: "status", Type: schema.String, Required: true},
		{Name: "lastPolledAt", Type: schema.Date},
		{Name: "pollingInterval", Type: schema.Number},
		{Name: "clientId", Type: schema.String},
		{Name: "scope", Type: schema.String},
	}}
}

// row is a row of the deviceCode table.
type row struct {
	id, deviceCode, userCode string
	userID                   string // "" when unclaimed
	expiresAt                time.Time
	status                   string
	lastPolledAt             time.Time // zero when never polled
	pollingInterval          time.Duration
	clientID, scope          string
}

func rowFrom(rec store.Record) *row {
	r := &row{}
	r.id, _ = rec["id"].(string)
	r.deviceCode, _ = rec["deviceCode"].(string)
	r.userCode, _ = rec["userCode"].(string)
	r.userID, _ = rec["userId"].(string)
	r.expiresAt, _ = rec["expiresAt"].(time.Time)
	r.status, _ = rec["status"].(string)
	r.lastPolledAt, _ = rec["lastPolledAt"].(time.Time)
	switch n := rec["pollingInterval"].(type) {
	case int64:
		r.pollingInterval = time.Duration(n) * time.Millisecond
	case float64:
		r.pollingInterval = time.Duration(n * float64(time.Millisecond))
	}
	r.clientID, _ = rec["clientId"].(string)
	r.scope, _ = rec["scope"].(string)
	return r
}

func (r *row) record() store.Record {
	rec := store.Record{
		"id": r.id, "deviceCode": r.deviceCode, "userCode": r.userCode,
		"expiresAt": r.expiresAt, "status": r.status,
		"pollingInterval": r.pollingInterval.Milliseconds(),
		"userId":          nullable(r.userID), "clientId": nullable(r.clientID), "scope": nullable(r.scope),
		"lastPolledAt": nil,
	}
	return rec
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// findBy returns the row whose field equals code, compared in constant time once found (the
// database lookup narrows by index; the comparison keeps a case-folding collation from
// matching a different code). It returns nil, nil when there is none.
func (p *Plugin) findBy(ctx context.Context, field, code string) (*row, error) {
	if code == "" {
		return nil, nil
	}
	rec, err := p.auth.Store().FindOne(ctx, TableName, []store.Where{{Field: field, Value: code, Exact: true}})
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("deviceauth: find %s: %w", field, err)
	}
	r := rowFrom(rec)
	stored := r.deviceCode
	if field == "userCode" {
		stored = r.userCode
	}
	if subtle.ConstantTimeCompare([]byte(stored), []byte(code)) != 1 {
		return nil, nil
	}
	return r, nil
}

// findUserCode finds the row of a user code as Better Auth does: the code as typed first,
// then with everything but letters and digits removed and upper-cased ("rd79-ak9v" finds
// "RD79AK9V").
func (p *Plugin) findUserCode(ctx context.Context, code string) (*row, error) {
	r, err := p.findBy(ctx, "userCode", code)
	if r != nil || err != nil {
		return r, err
	}
	if n := normalizeUserCode(code); n != code {
		return p.findBy(ctx, "userCode", n)
	}
	return nil, nil
}

// normalizeUserCode removes every character but ASCII letters and digits and upper-cases the
// rest.
func normalizeUserCode(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z':
			b.WriteRune(c - 'a' + 'A')
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			b.WriteRune(c)
		}
	}
	return b.String()
}

func (p *Plugin) deleteRow(ctx context.Context, id string) error {
	if _, err := p.auth.Store().Delete(ctx, TableName, []store.Where{store.Is("id", id)}); err != nil {
		return fmt.Errorf("deviceauth: delete device code: %w", err)
	}
	return nil
}
