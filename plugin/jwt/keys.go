package jwt

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/kragauth/krag/schema"
	"github.com/kragauth/krag/store"
)

// TableName is the logical (and default physical) name of the key table.
const TableName = "jwks"

// Table returns the jwks table as Better Auth's jwt plugin defines it (§9.2): the public JWK
// as JSON text, the private JWK as a JSON string of its encrypted form, the creation time, an
// optional expiry, and the algorithm and curve (null on legacy rows).
func Table() schema.Table {
	return schema.Table{Name: TableName, Fields: []schema.Field{
		{Name: "id", Type: schema.String, Required: true},
		{Name: "publicKey", Type: schema.String, Required: true},
		{Name: "privateKey", Type: schema.String, Required: true},
		{Name: "createdAt", Type: schema.Date, Required: true},
		{Name: "expiresAt", Type: schema.Date},
		{Name: "alg", Type: schema.String},
		{Name: "crv", Type: schema.String},
	}}
}

// defaultAlg is the algorithm of keys Krag makes, and of rows whose alg is null.
const defaultAlg = string(jose.EdDSA)

// row is a row of the jwks table.
type row struct {
	id         string
	publicKey  string
	privateKey string
	createdAt  time.Time
	expiresAt  time.Time // zero: never
	alg, crv   string
}

func rowFrom(rec store.Record) *row {
	r := &row{}
	r.id, _ = rec["id"].(string)
	r.publicKey, _ = rec["publicKey"].(string)
	r.privateKey, _ = rec["privateKey"].(string)
	r.createdAt, _ = rec["createdAt"].(time.Time)
	r.expiresAt, _ = rec["expiresAt"].(time.Time)
	r.alg, _ = rec["alg"].(string)
	r.crv, _ = rec["crv"].(string)
	if r.alg == "" {
		r.alg = defaultAlg
	}
	return r
}

// live reports whether the key may sign at now.
func (r *row) live(now time.Time) bool { return r.expiresAt.IsZero() || r.expiresAt.After(now) }

// published reports whether the key is still in the key set at now: unexpired, or expired
// less than grace ago.
func (r *row) published(now time.Time, grace time.Duration) bool {
	return r.expiresAt.IsZero() || r.expiresAt.Add(grace).After(now)
}

// key is a signing key ready to use.
type key struct {
	id        string
	expiresAt time.Time
	signer    jose.Signer
}

// rows returns every key, newest first.
func (p *Plugin) rows(ctx context.Context) ([]*row, error) {
	recs, err := p.auth.Store().FindMany(ctx, TableName, store.Query{Sort: []store.Sort{{Field: "createdAt", Desc: true}}})
	if err != nil {
		return nil, fmt.Errorf("jwt: read keys: %w", err)
	}
	rows := make([]*row, len(recs))
	for i, rec := range recs {
		rows[i] = rowFrom(rec)
	}
	return rows, nil
}

// signingKey returns the key that signs: the newest live key of the default algorithm, else
// the newest live key, else a new one (§9.2). It is kept in memory until it expires.
func (p *Plugin) signingKey(ctx context.Context) (*key, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.auth.Now()
	if k := p.signing; k != nil && (k.expiresAt.IsZero() || k.expiresAt.After(now)) {
		return k, nil
	}
	rows, err := p.rows(ctx)
	if err != nil {
		return nil, err
	}
	var pick *row
	for _, r := range rows {
		if r.live(now) && (pick == nil || (r.alg == defaultAlg && pick.alg != defaultAlg)) {
			pick = r
		}
	}
	if pick == nil {
		if pick, err = p.createKey(ctx, now); err != nil {
			return nil, err
		}
	}
	k, err := p.load(pick)
	if err != nil {
		return nil, err
	}
	p.signing = k
	return k, nil
}

// load decrypts a row's private key and makes its signer.
func (p *Plugin) load(r *row) (*key, error) {
	text := r.privateKey
	if strings.HasPrefix(text, `"`) {
		// Better Auth stores the ciphertext as a JSON string literal.
		var sealed string
		if err := json.Unmarshal([]byte(text), &sealed); err != nil {
			return nil, fmt.Errorf("jwt: key %s: private key: %w", r.id, err)
		}
		plain, err := p.auth.Decrypt(sealed)
		if err != nil {
			return nil, fmt.Errorf("jwt: key %s: %w", r.id, err)
		}
		text = plain
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON([]byte(text)); err != nil {
		return nil, fmt.Errorf("jwt: key %s: private key: %w", r.id, err)
	}
	if jwk.IsPublic() {
		return nil, fmt.Errorf("jwt: key %s: the private key column holds a public key", r.id)
	}
	signer, err := jose.NewSigner(jose.SigningKey{
		Algorithm: jose.SignatureAlgorithm(r.alg),
		Key:       jose.JSONWebKey{Key: jwk.Key, KeyID: r.id},
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("jwt: key %s: %w", r.id, err)
	}
	return &key{id: r.id, expiresAt: r.expiresAt, signer: signer}, nil
}

// createKey makes an Ed25519 key and stores it as Better Auth does.
func (p *Plugin) createKey(ctx context.Context, now time.Time) (*row, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("jwt: generate key: %w", err)
	}
	pubJSON, err := jose.JSONWebKey{Key: pub}.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("jwt: public key: %w", err)
	}
	privJSON, err := jose.JSONWebKey{Key: priv}.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("jwt: private key: %w", err)
	}
	stored := string(privJSON)
	if !p.opts.DisablePrivateKeyEncryption {
		sealed, err := p.auth.Encrypt(stored)
		if err != nil {
			return nil, fmt.Errorf("jwt: private key: %w", err)
		}
		lit, _ := json.Marshal(sealed)
		stored = string(lit)
	}
	r := &row{id: p.auth.NewID(), publicKey: string(pubJSON), privateKey: stored,
		createdAt: now.UTC(), alg: defaultAlg, crv: "Ed25519"}
	rec := store.Record{"id": r.id, "publicKey": r.publicKey, "privateKey": r.privateKey,
		"createdAt": r.createdAt, "expiresAt": nil, "alg": r.alg, "crv": r.crv}
	if p.opts.RotationInterval > 0 {
		r.expiresAt = now.Add(p.opts.RotationInterval).UTC()
		rec["expiresAt"] = r.expiresAt
	}
	if err := p.auth.Store().Create(ctx, TableName, rec); err != nil {
		return nil, fmt.Errorf("jwt: store key: %w", err)
	}
	return r, nil
}

// published returns the keys of the key set, newest first, making the first key when there
// is none (as Better Auth's first GET /jwks does).
func (p *Plugin) published(ctx context.Context) ([]*row, error) {
	rows, err := p.rows(ctx)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		if _, err := p.signingKey(ctx); err != nil {
			return nil, err
		}
		if rows, err = p.rows(ctx); err != nil {
			return nil, err
		}
	}
	now := p.auth.Now()
	out := rows[:0]
	for _, r := range rows {
		if r.published(now, p.opts.GracePeriod) {
			out = append(out, r)
		}
	}
	return out, nil
}

// publicKey returns the verifying key kid names, from memory or the table. A key past its
// grace period is refused.
func (p *Plugin) publicKey(ctx context.Context, kid string) (*jose.JSONWebKey, error) {
	p.mu.Lock()
	k, ok := p.public[kid]
	p.mu.Unlock()
	if !ok {
		rec, err := p.auth.Store().FindOne(ctx, TableName, []store.Where{store.Is("id", kid)})
		if errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("%w: unknown key %q", ErrInvalidToken, kid)
		}
		if err != nil {
			return nil, fmt.Errorf("jwt: read key: %w", err)
		}
		r := rowFrom(rec)
		var jwk jose.JSONWebKey
		if err := jwk.UnmarshalJSON([]byte(r.publicKey)); err != nil {
			return nil, fmt.Errorf("jwt: key %s: public key: %w", r.id, err)
		}
		jwk.Algorithm, jwk.KeyID = r.alg, r.id
		k = &publicKey{jwk: jwk, row: r}
		p.mu.Lock()
		p.public[kid] = k
		p.mu.Unlock()
	}
	if !k.row.published(p.auth.Now(), p.opts.GracePeriod) {
		return nil, fmt.Errorf("%w: key %q has expired", ErrInvalidToken, kid)
	}
	return &k.jwk, nil
}

// publicKey is a verifying key with its row.
type publicKey struct {
	jwk jose.JSONWebKey
	row *row
}
