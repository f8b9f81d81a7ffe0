package jwt_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"

	"github.com/kragauth/krag"
	"github.com/kragauth/krag/client"
	"github.com/kragauth/krag/internal/fixture"
	"github.com/kragauth/krag/internal/seal"
	"github.com/kragauth/krag/kragtest"
	"github.com/kragauth/krag/passhash"
	"github.com/kragauth/krag/plugin/jwt"
	"github.com/kragauth/krag/store"
	"github.com/kragauth/krag/store/sqlite"
)

type env struct {
	srv *kragtest.Server
	p   *jwt.Plugin
}

func start(t *testing.T, o jwt.Options) *env {
	t.Helper()
	e := &env{p: jwt.New(o)}
	e.srv = kragtest.New(t, krag.Options{Plugins: []krag.Plugin{e.p}})
	return e
}

// user signs a new user up and returns their id and client.
func (e *env) user(t *testing.T, email string) (string, *client.Client) {
	t.Helper()
	c := e.srv.Client(t)
	res, err := c.SignUpEmail(t.Context(), client.SignUp{Name: "N " + email, Email: email, Password: "password-123"})
	if err != nil {
		t.Fatalf("sign up %s: %v", email, err)
	}
	return res.User.ID, c
}

func token(t *testing.T, c *client.Client) string {
	t.Helper()
	var out struct {
		Token string `json:"token"`
	}
	if _, err := c.Do(t.Context(), "GET", "/token", nil, &out); err != nil {
		t.Fatalf("GET /token: %v", err)
	}
	return out.Token
}

func keySet(t *testing.T, c *client.Client) (jose.JSONWebKeySet, []map[string]any) {
	t.Helper()
	res, err := c.Do(t.Context(), "GET", "/jwks", nil, nil)
	if err != nil {
		t.Fatalf("GET /jwks: %v", err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(res.Body, &set); err != nil {
		t.Fatalf("decode %s: %v", res.Body, err)
	}
	var raw struct{ Keys []map[string]any }
	if err := json.Unmarshal(res.Body, &raw); err != nil {
		t.Fatal(err)
	}
	return set, raw.Keys
}

// claims verifies tok against the key set with go-jose alone and returns its claims.
func claims(t *testing.T, set jose.JSONWebKeySet, tok string) map[string]any {
	t.Helper()
	parsed, err := josejwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		t.Fatalf("parse %s: %v", tok, err)
	}
	keys := set.Key(parsed.Headers[0].KeyID)
	if len(keys) != 1 {
		t.Fatalf("kid %q: %d keys in the set", parsed.Headers[0].KeyID, len(keys))
	}
	var out map[string]any
	if err := parsed.Claims(keys[0].Key, &out); err != nil {
		t.Fatalf("verify against /jwks: %v", err)
	}
	return out
}

func TestTokenVerifiesAgainstJWKS(t *testing.T) {
	e := start(t, jwt.Options{})
	id, c := e.user(t, "ada@example.com")
	tok := token(t, c)

	set, raw := keySet(t, e.srv.Client(t)) // no session needed
	if len(raw) != 1 {
		t.Fatalf("keys: %v", raw)
	}
	k := raw[0]
	if k["alg"] != "EdDSA" || k["crv"] != "Ed25519" || k["kty"] != "OKP" || k["kid"] == "" || k["x"] == "" || k["d"] != nil || k["use"] != nil {
		t.Errorf("key %v", k)
	}
	hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	var h map[string]any
	json.Unmarshal(hdr, &h)
	if len(h) != 2 || h["alg"] != "EdDSA" || h["kid"] != k["kid"] {
		t.Errorf("header %s, want alg and kid %v only", hdr, k["kid"])
	}

	cl := claims(t, set, tok)
	origin := e.srv.URL
	if cl["sub"] != id || cl["id"] != id || cl["email"] != "ada@example.com" || cl["name"] != "N ada@example.com" ||
		cl["emailVerified"] != false || cl["iss"] != origin || cl["aud"] != origin || cl["createdAt"] == nil {
		t.Errorf("claims %v", cl)
	}
	iat, exp := cl["iat"].(float64), cl["exp"].(float64)
	if now := float64(e.srv.Clock.Now().Unix()); iat != now || exp-iat != 900 {
		t.Errorf("iat %v exp %v, want %v and 15 minutes later", iat, exp, now)
	}

	got, err := e.p.Verify(t.Context(), tok)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	var u struct{ Email string }
	json.Unmarshal(got.Payload, &u)
	if got.Subject != id || got.Issuer != origin || len(got.Audience) != 1 || got.Audience[0] != origin ||
		got.Expiry.Sub(got.IssuedAt) != 15*time.Minute || u.Email != "ada@example.com" {
		t.Errorf("Verify: %+v", got)
	}

	// Without a session, /token is 401.
	_, err = e.srv.Client(t).Do(t.Context(), "GET", "/token", nil, nil)
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != http.StatusUnauthorized {
		t.Errorf("GET /token without a session: %v", err)
	}
}

func TestGetSessionHeader(t *testing.T) {
	e := start(t, jwt.Options{})
	id, c := e.user(t, "ada@example.com")
	res, err := c.Do(t.Context(), "GET", "/get-session", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok := res.Header.Get("set-auth-jwt")
	if tok == "" || !strings.Contains(res.Header.Get("Access-Control-Expose-Headers"), "set-auth-jwt") {
		t.Fatalf("headers %v", res.Header)
	}
	set, _ := keySet(t, c)
	if cl := claims(t, set, tok); cl["sub"] != id {
		t.Errorf("claims %v", cl)
	}

	res, err = e.srv.Client(t).Do(t.Context(), "GET", "/get-session", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := res.Header.Get("set-auth-jwt"); v != "" || string(res.Body) != "null" {
		t.Errorf("no session: header %q body %s", v, res.Body)
	}

	off := start(t, jwt.Options{DisableSettingJWTHeader: true})
	_, c = off.user(t, "bo@example.com")
	if res, _ := c.Do(t.Context(), "GET", "/get-session", nil, nil); res.Header.Get("set-auth-jwt") != "" {
		t.Error("DisableSettingJWTHeader: header set")
	}
}

func TestExpiry(t *testing.T) {
	e := start(t, jwt.Options{ExpiresIn: 5 * time.Minute})
	_, c := e.user(t, "ada@example.com")
	tok := token(t, c)
	e.srv.Clock.Advance(4*time.Minute + 59*time.Second)
	if _, err := e.p.Verify(t.Context(), tok); err != nil {
		t.Fatalf("before exp: %v", err)
	}
	e.srv.Clock.Advance(2 * time.Second)
	if _, err := e.p.Verify(t.Context(), tok); !errors.Is(err, jwt.ErrExpired) {
		t.Fatalf("after exp: %v, want ErrExpired", err)
	}
}

func TestWrongKeyAndTampering(t *testing.T) {
	e := start(t, jwt.Options{})
	_, c := e.user(t, "ada@example.com")
	tok := token(t, c)
	parts := strings.Split(tok, ".")
	var hdr struct{ Kid string }
	b, _ := base64.RawURLEncoding.DecodeString(parts[0])
	json.Unmarshal(b, &hdr)

	invalid := func(name, tok string) {
		t.Helper()
		if _, err := e.p.Verify(t.Context(), tok); !errors.Is(err, jwt.ErrInvalidToken) {
			t.Errorf("%s: %v, want ErrInvalidToken", name, err)
		}
	}

	// Same claims and kid, another key.
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: jose.JSONWebKey{Key: other, KeyID: hdr.Kid}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	jws, _ := signer.Sign(payload)
	forged, _ := jws.CompactSerialize()
	invalid("another key", forged)

	// A token of another Krag (its kid is unknown here).
	f := start(t, jwt.Options{})
	_, fc := f.user(t, "ada@example.com")
	invalid("another Krag", token(t, fc))

	// Changed claims under the original signature.
	var cl map[string]any
	json.Unmarshal(payload, &cl)
	cl["sub"] = "someone-else"
	changed, _ := json.Marshal(cl)
	invalid("changed sub", parts[0]+"."+base64.RawURLEncoding.EncodeToString(changed)+"."+parts[2])
	// A flipped signature byte.
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sig[0] ^= 1
	invalid("changed signature", parts[0]+"."+parts[1]+"."+base64.RawURLEncoding.EncodeToString(sig))
	// alg none.
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"` + hdr.Kid + `"}`))
	invalid("alg none", none+"."+parts[1]+".")
	invalid("garbage", "not.a.token")

	// Another issuer or audience than expected.
	iss := start(t, jwt.Options{Issuer: "https://issuer.example"})
	_, ic := iss.user(t, "ada@example.com")
	good := token(t, ic)
	if _, err := iss.p.Verify(t.Context(), good); err != nil {
		t.Fatalf("own issuer: %v", err)
	}
	other2 := jwt.New(jwt.Options{Issuer: "https://elsewhere.example"})
	if _, err := krag.New(krag.Options{BaseURL: iss.srv.URL, Secret: kragtest.Secret, Database: iss.srv.DB, Plugins: []krag.Plugin{other2}}); err != nil {
		t.Fatal(err)
	}
	if _, err := other2.Verify(t.Context(), good); !errors.Is(err, jwt.ErrInvalidToken) {
		t.Errorf("wrong issuer: %v", err)
	}
}

// rows returns the jwks rows of the Auth's database.
func rows(t *testing.T, a *krag.Auth) []store.Record {
	t.Helper()
	recs, err := a.Store().FindMany(t.Context(), jwt.TableName, store.Query{})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func kid(t *testing.T, tok string) string {
	t.Helper()
	parsed, err := josejwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		t.Fatal(err)
	}
	return parsed.Headers[0].KeyID
}

func TestKeysPersistAcrossInstances(t *testing.T) {
	e := start(t, jwt.Options{})
	if n := len(rows(t, e.srv.Auth)); n != 0 {
		t.Fatalf("%d keys before first use", n)
	}
	_, c := e.user(t, "ada@example.com")
	tok := token(t, c)

	p2 := jwt.New(jwt.Options{})
	a2, err := krag.New(krag.Options{BaseURL: e.srv.URL, Secret: kragtest.Secret, Database: e.srv.DB, Now: e.srv.Clock.Now, Plugins: []krag.Plugin{p2}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p2.Verify(t.Context(), tok); err != nil {
		t.Fatalf("second instance verifies: %v", err)
	}
	u, err := a2.FindUserByEmail(t.Context(), "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	tok2, err := p2.Sign(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	if kid(t, tok2) != kid(t, tok) {
		t.Errorf("second instance signs with %s, want the stored %s", kid(t, tok2), kid(t, tok))
	}
	if _, err := e.p.Verify(t.Context(), tok2); err != nil {
		t.Errorf("first instance verifies the second's token: %v", err)
	}
	if n := len(rows(t, e.srv.Auth)); n != 1 {
		t.Errorf("%d keys, want 1", n)
	}

	// Another secret cannot open the stored key.
	p3 := jwt.New(jwt.Options{})
	if _, err := krag.New(krag.Options{BaseURL: e.srv.URL, Secret: strings.Repeat("x", 40), Database: e.srv.DB, Plugins: []krag.Plugin{p3}}); err != nil {
		t.Fatal(err)
	}
	if _, err := p3.Sign(t.Context(), u); err == nil {
		t.Error("signing with a key sealed under another secret succeeded")
	}
}

func TestFirstKeyMadeOnce(t *testing.T) {
	e := start(t, jwt.Options{})
	_, c := e.user(t, "ada@example.com")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := c.Do(t.Context(), "GET", "/token", nil, nil); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := len(rows(t, e.srv.Auth)); n != 1 {
		t.Errorf("%d keys, want 1", n)
	}
}

func TestPrivateKeyEncryptedAtRest(t *testing.T) {
	e := start(t, jwt.Options{})
	_, c := e.user(t, "ada@example.com")
	token(t, c)
	recs := rows(t, e.srv.Auth)
	if len(recs) != 1 {
		t.Fatalf("rows %v", recs)
	}
	stored := recs[0]["privateKey"].(string)
	if strings.Contains(stored, `"d"`) || strings.Contains(stored, "OKP") || !strings.HasPrefix(stored, `"`) || !strings.HasSuffix(stored, `"`) {
		t.Fatalf("private key stored as %s, want a JSON string of ciphertext", stored)
	}
	var sealed string
	if err := json.Unmarshal([]byte(stored), &sealed); err != nil {
		t.Fatal(err)
	}
	plain, err := seal.NewKey(kragtest.Secret).Open(sealed)
	if err != nil {
		t.Fatalf("open with internal/seal: %v", err)
	}
	var priv, pub jose.JSONWebKey
	if err := priv.UnmarshalJSON([]byte(plain)); err != nil || priv.IsPublic() {
		t.Fatalf("decrypted %s: %v", plain, err)
	}
	if err := pub.UnmarshalJSON([]byte(recs[0]["publicKey"].(string))); err != nil {
		t.Fatal(err)
	}
	if !priv.Public().Key.(ed25519.PublicKey).Equal(pub.Key) {
		t.Error("the decrypted private key does not match the public key")
	}
	if recs[0]["alg"] != "EdDSA" || recs[0]["crv"] != "Ed25519" || recs[0]["expiresAt"] != nil {
		t.Errorf("row %v", recs[0])
	}

	plainOpt := start(t, jwt.Options{DisablePrivateKeyEncryption: true})
	_, c = plainOpt.user(t, "bo@example.com")
	tok := token(t, c)
	if got := rows(t, plainOpt.srv.Auth)[0]["privateKey"].(string); !strings.HasPrefix(got, "{") {
		t.Errorf("DisablePrivateKeyEncryption stored %s", got)
	}
	if _, err := plainOpt.p.Verify(t.Context(), tok); err != nil {
		t.Error(err)
	}
}

func TestRotation(t *testing.T) {
	e := start(t, jwt.Options{ExpiresIn: 24 * time.Hour, RotationInterval: time.Hour, GracePeriod: 2 * time.Hour})
	_, c := e.user(t, "ada@example.com")
	old := token(t, c)
	e.srv.Clock.Advance(time.Hour + time.Minute)
	cur := token(t, c)
	if kid(t, old) == kid(t, cur) {
		t.Fatal("no new key after RotationInterval")
	}
	if _, err := e.p.Verify(t.Context(), old); err != nil {
		t.Errorf("a token of the expired key within the grace period: %v", err)
	}
	if _, raw := keySet(t, c); len(raw) != 2 {
		t.Errorf("within the grace period: %d keys published, want 2", len(raw))
	}
	// Past the first key's grace period: it is no longer published, and a token it signed,
	// though unexpired itself, no longer verifies.
	e.srv.Clock.Advance(2 * time.Hour)
	_, raw := keySet(t, c)
	for _, k := range raw {
		if k["kid"] == kid(t, old) {
			t.Errorf("the first key is still published: %v", raw)
		}
	}
	if _, err := e.p.Verify(t.Context(), old); !errors.Is(err, jwt.ErrInvalidToken) {
		t.Errorf("a token of a key past its grace period: %v", err)
	}
	if _, err := e.p.Verify(t.Context(), token(t, c)); err != nil {
		t.Errorf("a token of the current key: %v", err)
	}
}

// TestBetterAuthKey serves the jwks table a real Better Auth 1.7.25 wrote: its key is
// published with its row id, its encrypted private key opens with the same secret, and Krag
// signs with it instead of making a new one.
func TestBetterAuthKey(t *testing.T) {
	f := fixture.Load(t)
	db, err := sqlite.Open(t.Context(), fixture.CopyDB(t), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p := jwt.New(jwt.Options{})
	opts := krag.Options{BaseURL: f.BaseURL, Secret: f.Secret, Database: db, Plugins: []krag.Plugin{p}}
	opts.EmailAndPassword.Hasher = passhash.NewScrypt(0)
	sch, err := krag.Schema(opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(t.Context(), sch); err != nil {
		t.Fatal(err)
	}
	a, err := krag.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	const baKid = "6a47dfb6-9044-465e-bead-6bd997174878"
	u, err := a.FindUserByEmail(t.Context(), "alice@fixture.test")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := p.Sign(t.Context(), u)
	if err != nil {
		t.Fatalf("sign with Better Auth's key: %v", err)
	}
	if kid(t, tok) != baKid {
		t.Errorf("signed with %s, want Better Auth's key %s", kid(t, tok), baKid)
	}
	cl, err := p.Verify(t.Context(), tok)
	if err != nil || cl.Subject != u.ID || cl.Issuer != a.Origin() {
		t.Errorf("Verify: %+v, %v", cl, err)
	}
	if n := len(rows(t, a)); n != 1 {
		t.Errorf("%d keys, want Better Auth's only", n)
	}
}
